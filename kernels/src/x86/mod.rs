//! x86-64: the portable kernels compiled again with AVX2+FMA enabled, AVX2
//! intrinsics, and AVX-512 `asm!`. They are reached only through the kernel
//! objects below, which [`plug`] puts into the registry ([`crate::ops()`])
//! for the features [`crate::cpu`] reports.

pub mod fp32;
pub mod int8;

use crate::cpu::CpuFeatures;
use crate::fp32::eltwise::EltwiseKernels;
use crate::fp32::kernels::Fp32Kernels;
use crate::ops::Ops;

fn avx2_fma(f: &CpuFeatures) -> bool {
    f.avx2_fma
}

fn avx512f(f: &CpuFeatures) -> bool {
    f.avx512f && f.avx2_fma
}

/// x86-64 element-wise with AVX2: Sigmoid and Swish 8 lanes wide (the
/// binary operations' portable loops already vectorise well).
pub(crate) static X86_AVX2_ELTWISE: EltwiseKernels = EltwiseKernels {
    name: "x86-avx2",
    runs_on: avx2_fma,
    binary_x8: None,
    binary_scalar_x8: None,
    unary_x4: Some([fp32::sigmoid_avx2, fp32::swish_avx2]),
    // The portable loop vectorises well here.
    affine_clamp_x4: None,
};

/// x86-64 fp32 with AVX2 + FMA: the portable kernels recompiled for 256-bit
/// vectors, and AVX2 Winograd transforms.
pub(crate) static X86_AVX2: Fp32Kernels = {
    use crate::x86::fp32 as x;
    Fp32Kernels {
        name: "x86-avx2-6x16",
        runs_on: avx2_fma,
        mr: 6,
        mr_small: 4,
        nr: 16,
        gemm: x::gemm_6x16_avx2,
        gemm_small: x::gemm_4x16_avx2,
        lanes: 8,
        gemm_narrow: x::gemm_6x8_avx2,
        gemm_narrow_small: x::gemm_4x8_avx2,
        wino_in: [x::input63_avx2, x::input43_avx2, x::input23_avx2],
        wino_out: [x::output63_avx2, x::output43_avx2, x::output23_avx2],
        dw3x3s1: x::dw3x3s1_avx2,
        dw3x3s2: x::dw3x3s2_avx2,
        dw5x5s1: x::dw5x5s1_avx2,
        dw5x5s2: x::dw5x5s2_avx2,
        gemv: x::gemv_avx2,
        pack_im2col: None,
        wino_cost: [[530, 530], [290, 290], [300, 300]],
        weight_read_cost: 4,
    }
};

/// x86-64 fp32 with AVX-512F: 12×16 (8×16) `asm!` GEMM micro-kernels, the
/// AVX2 set for the rest.
pub(crate) static X86_AVX512: Fp32Kernels = {
    use crate::x86::fp32::avx512 as z;
    Fp32Kernels {
        name: "x86-avx512-12x16",
        runs_on: avx512f,
        mr: 12,
        mr_small: 8,
        gemm: z::gemm_12x16_avx512,
        gemm_small: z::gemm_8x16_avx512,
        gemm_narrow: crate::x86::fp32::gemm_12x8_avx2,
        gemm_narrow_small: crate::x86::fp32::gemm_8x8_avx2,
        ..X86_AVX2
    }
};

/// Offers the x86-64 kernel objects to the registry, least preferred first
/// (each kept only if its predicate holds for `f`).
pub(crate) fn plug(ops: &mut Ops, f: &CpuFeatures) {
    ops.offer(f, &X86_AVX2_ELTWISE);
    ops.offer(f, &X86_AVX2);
    ops.offer(f, &X86_AVX512);
    ops.offer(f, &int8::X86_AVX2_INT8);
    ops.offer(f, &int8::X86_AVX512_VNNI_INT8);
}
