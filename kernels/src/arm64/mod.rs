//! aarch64 NEON micro-kernels: `core::arch::aarch64` intrinsics, plus `sdot`
//! via `asm!` where the CPU has dotprod. They are reached only through the
//! kernel objects below, which [`plug`] puts into the registry
//! ([`crate::ops()`]).

pub mod fp32;
pub mod int8;

use crate::cpu::CpuFeatures;
use crate::fp32::kernels::{Fp32Kernels, GENERIC_8X12};
use crate::ops::Ops;
use crate::pooling::PoolKernels;

/// NEON is architectural on aarch64 (`cpu::detect` always reports it, and
/// only `OCTET_KERNELS=generic` hides it).
fn neon(f: &CpuFeatures) -> bool {
    f.neon
}

/// aarch64 NEON fp32: intrinsic micro-kernels (8×12 / 4×12 GEMM, Winograd
/// transforms), portable depthwise and GEMV with fused multiply-add.
pub(crate) static AARCH64_NEON: Fp32Kernels = {
    use crate::arm64::fp32 as n;
    Fp32Kernels {
        name: "aarch64-neon-8x12",
        runs_on: neon,
        mr: 8,
        mr_small: 4,
        nr: 12,
        gemm: n::gemm_8x12_neon,
        gemm_small: n::gemm_4x12_neon,
        lanes: 4,
        gemm_narrow: n::gemm_8x4_neon,
        gemm_narrow_small: n::gemm_4x4_neon,
        wino_in: [n::input63_neon, n::input43_neon, n::input23_neon],
        wino_out: [n::output63_neon, n::output43_neon, n::output23_neon],
        dw3x3s1: n::dw3x3s1_fma,
        dw3x3s2: n::dw3x3s2_fma,
        dw5x5s1: n::dw5x5s1_fma,
        dw5x5s2: n::dw5x5s2_fma,
        gemv: n::gemv_fma,
        ..GENERIC_8X12
    }
};

/// `max3x3_x4` and `max3x3_x16` for one stride, the type the registry's
/// pooling rows have.
macro_rules! stride_fn {
    ($name:ident, $kernel:path, $t:ty, $stride:literal) => {
        /// # Safety
        /// As the kernel's, for this stride.
        unsafe fn $name(r0: *const $t, r1: *const $t, r2: *const $t, out: *mut $t, blocks: usize) {
            // SAFETY: the caller's contract is the kernel's.
            unsafe { $kernel(r0, r1, r2, $stride, out, blocks) }
        }
    };
}
stride_fn!(max3x3s1_f32, crate::arm64::fp32::pooling::max3x3_x4, f32, 1);
stride_fn!(max3x3s2_f32, crate::arm64::fp32::pooling::max3x3_x4, f32, 2);
stride_fn!(max3x3s1_i8, crate::arm64::int8::pooling::max3x3_x16, i8, 1);
stride_fn!(max3x3s2_i8, crate::arm64::int8::pooling::max3x3_x16, i8, 2);

/// aarch64 NEON 3×3 max pooling rows: fp32 4 outputs per block, int8 16.
pub(crate) static AARCH64_NEON_POOL: PoolKernels = PoolKernels {
    name: "aarch64-neon",
    runs_on: neon,
    f32_x4: Some([max3x3s1_f32, max3x3s2_f32]),
    i8_x16: Some([max3x3s1_i8, max3x3s2_i8]),
    i8_x8: None,
};

/// Offers the aarch64 kernel objects to the registry, least preferred
/// first (each kept only if its predicate holds for `f`).
pub(crate) fn plug(ops: &mut Ops, f: &CpuFeatures) {
    ops.offer(f, &AARCH64_NEON);
    ops.offer(f, &int8::AARCH64_NEON_INT8);
    ops.offer(f, &int8::AARCH64_DOT_INT8);
    ops.offer(f, &AARCH64_NEON_POOL);
}
