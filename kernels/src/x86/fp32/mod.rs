//! x86-64 fp32 kernels, reached through the `X86_AVX2` and `X86_AVX512`
//! sets (`crate::x86`), which the registry holds only for the features
//! `crate::cpu::features()` reports;
//! calling any of them on a CPU without the features is undefined
//! behaviour, hence `unsafe`:
//!
//! - the portable kernels of `crate::generic::fp32` (GEMM, depthwise, GEMV)
//!   compiled a second time with AVX2 and FMA enabled (`#[target_feature]`),
//!   so LLVM emits 256-bit `vfmadd` code for them;
//! - [`winograd_avx2`]: the Winograd transforms with AVX2 intrinsics (their
//!   8×8 transposes are beyond what LLVM vectorises from portable code);
//! - [`avx512`]: `asm!` AVX-512 GEMM micro-kernels.

use crate::fp32::eltwise::{unary, UnaryOp};
pub mod avx512;
pub mod winograd_avx2;

use crate::generic::fp32 as g;

crate::gemm_tile_fn!(
    #[target_feature(enable = "avx2,fma")]
    gemm_6x16_avx2,
    6,
    16,
    true
);
crate::gemm_tile_fn!(
    #[target_feature(enable = "avx2,fma")]
    gemm_4x16_avx2,
    4,
    16,
    true
);

crate::gemm_tile_fn!(
    #[target_feature(enable = "avx2,fma")]
    gemm_6x8_avx2,
    6,
    8,
    true
);
crate::gemm_tile_fn!(
    #[target_feature(enable = "avx2,fma")]
    gemm_4x8_avx2,
    4,
    8,
    true
);
crate::gemm_tile_fn!(
    #[target_feature(enable = "avx2,fma")]
    gemm_12x8_avx2,
    12,
    8,
    true
);
crate::gemm_tile_fn!(
    #[target_feature(enable = "avx2,fma")]
    gemm_8x8_avx2,
    8,
    8,
    true
);

pub use winograd_avx2::{
    input23_avx2, input43_avx2, input63_avx2, output23_avx2, output43_avx2, output63_avx2,
};

/// # Safety
/// The CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw3x3s1_avx2(
    src: &[f32],
    w: usize,
    k: &[f32; 9],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw3x3s1::<true>(src, w, k, bias, out, outw, outh, relu)
}

/// # Safety
/// The CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw3x3s2_avx2(
    src: &[f32],
    w: usize,
    k: &[f32; 9],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw3x3s2::<true>(src, w, k, bias, out, outw, outh, relu)
}

/// # Safety
/// The CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw5x5s1_avx2(
    src: &[f32],
    w: usize,
    k: &[f32; 25],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw5x5::<1, true>(src, w, k, bias, out, outw, outh, relu)
}

/// # Safety
/// The CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub unsafe fn dw5x5s2_avx2(
    src: &[f32],
    w: usize,
    k: &[f32; 25],
    bias: f32,
    out: &mut [f32],
    outw: usize,
    outh: usize,
    relu: bool,
) {
    g::dw5x5::<2, true>(src, w, k, bias, out, outw, outh, relu)
}

/// # Safety
/// The CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn gemv_avx2(w: &[f32], x: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    g::gemv::<true>(w, x, bias, out)
}

macro_rules! unary_avx2 {
    ($name:ident, $op:ident) => {
        #[doc = concat!("[`UnaryOp::", stringify!($op), "`] on `4·blocks` floats: the portable")]
        /// loop compiled for 256-bit vectors (the same operations, so the
        /// same bits: Rust does not contract `a·b + c` into an FMA).
        ///
        /// # Safety
        /// The CPU must have AVX2 and FMA; `data` has `4·blocks` readable
        /// and writable floats.
        #[target_feature(enable = "avx2,fma")]
        pub unsafe fn $name(data: *mut f32, blocks: usize) {
            // SAFETY: the contract gives 4·blocks valid floats at `data`.
            let s = unsafe { core::slice::from_raw_parts_mut(data, 4 * blocks) };
            s.iter_mut().for_each(|v| *v = unary(UnaryOp::$op, *v));
        }
    };
}

unary_avx2!(sigmoid_avx2, Sigmoid);
unary_avx2!(swish_avx2, Swish);
