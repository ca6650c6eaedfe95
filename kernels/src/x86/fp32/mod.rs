//! x86-64 fp32 kernels: the portable kernels of `crate::generic::fp32`
//! compiled a second time with AVX2 and FMA enabled (`#[target_feature]`), so
//! LLVM emits 256-bit `vfmadd` code for them. Chosen at run time when
//! `crate::cpu::features().avx2_fma`; calling any of them on a CPU without
//! AVX2+FMA is undefined behaviour, hence `unsafe`.

use crate::generic::fp32 as g;
use crate::generic::fp32::winograd::Arr;

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

crate::winograd_fns!(
    #[target_feature(enable = "avx2,fma")]
    Arr<8, true>,
    input63_avx2,
    output63_avx2,
    input43_avx2,
    output43_avx2,
    input23_avx2,
    output23_avx2
);

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
pub unsafe fn gemv_avx2(w: &[f32], x: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    g::gemv::<true>(w, x, bias, out)
}
