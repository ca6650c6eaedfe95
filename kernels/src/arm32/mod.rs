//! armv7 (Cortex-A7/A17) NEON micro-kernels: `asm!` blocks, as stable Rust
//! has no armv7 NEON intrinsics. They are reached only through the kernel
//! objects below, which [`plug`] puts into the registry ([`crate::ops()`])
//! when [`crate::cpu`] reports NEON.

pub mod fp32;
pub mod int8;

use crate::cpu::CpuFeatures;
use crate::fp32::eltwise::EltwiseKernels;
use crate::fp32::kernels::{Fp32Kernels, GENERIC_6X8};
use crate::ops::Ops;
use crate::pooling::PoolKernels;

fn neon(f: &CpuFeatures) -> bool {
    f.neon
}

/// armv7 NEON fp32: `asm!` micro-kernels (6×8 / 4×8 GEMM, Winograd
/// transforms, depthwise, GEMV, one-row im2col packing).
pub(crate) static ARMV7_NEON: Fp32Kernels = {
    use crate::arm32::fp32 as n;
    Fp32Kernels {
        name: "armv7-neon-6x8",
        runs_on: neon,
        gemm: n::gemm_6x8_neon,
        gemm_small: n::gemm_4x8_neon,
        gemm_narrow: n::gemm_6x4_neon,
        gemm_narrow_small: n::gemm_4x4_neon,
        wino_in: [n::input63_neon, n::input43_neon, n::input23_neon],
        wino_out: [n::output63_neon, n::output43_neon, n::output23_neon],
        dw3x3s1: n::dw3x3s1_neon,
        dw3x3s2: n::dw3x3s2_neon,
        dw5x5s1: n::dw5x5s1_neon,
        dw5x5s2: n::dw5x5s2_neon,
        gemv: n::gemv_neon,
        pack_im2col: Some(n::pack_im2col_8_neon),
        ..GENERIC_6X8
    }
};

/// armv7 NEON 3×3 max pooling rows: fp32 4 outputs per block, int8 16 and 8.
pub(crate) static ARMV7_NEON_POOL: PoolKernels = {
    use crate::arm32::fp32::pooling as f;
    use crate::arm32::int8::pooling as i;
    PoolKernels {
        name: "armv7-neon",
        runs_on: neon,
        f32_x4: Some([f::max3x3s1_x4, f::max3x3s2_x4]),
        i8_x16: Some([i::max3x3s1_x16, i::max3x3s2_x16]),
        i8_x8: Some([i::max3x3s1_x8, i::max3x3s2_x8]),
    }
};

/// armv7 NEON fp32 element-wise operations, 8 floats per block (the
/// portable loops stay scalar here: LLVM does not vectorise fp32 on armv7).
pub(crate) static ARMV7_NEON_ELTWISE: EltwiseKernels = {
    use crate::arm32::fp32::eltwise as e;
    EltwiseKernels {
        name: "armv7-neon",
        runs_on: neon,
        binary_x8: Some([e::add_x8, e::mul_x8, e::max_x8, e::sub_x8, e::min_x8]),
        binary_scalar_x8: Some([
            e::add_scalar_x8,
            e::mul_scalar_x8,
            e::max_scalar_x8,
            e::sub_scalar_x8,
            e::min_scalar_x8,
        ]),
        unary_x4: Some([e::sigmoid_x4, e::swish_x4]),
        affine_clamp_x4: Some([e::affine_clamp_x4, e::affine_clamp_times_x_x4]),
    }
};

/// Offers the armv7 kernel objects to the registry (each kept only if its
/// predicate holds for `f`).
pub(crate) fn plug(ops: &mut Ops, f: &CpuFeatures) {
    ops.offer(f, &ARMV7_NEON);
    ops.offer(f, &int8::ARMV7_NEON_INT8);
    ops.offer(f, &ARMV7_NEON_POOL);
    ops.offer(f, &ARMV7_NEON_ELTWISE);
}
