//! AVX-512F fp32 GEMM micro-kernels (`asm!`: AVX-512 intrinsics and
//! `#[target_feature(enable = "avx512f")]` are not stable in Rust 1.85, but
//! the assembler accepts the instructions). Twice the FMA width of the AVX2
//! kernels; ncnn uses AVX-512 on the same machines. Reached through the
//! `X86_AVX512` set, which the registry holds only when
//! `crate::cpu::features().avx512f`.

use core::arch::asm;

/// `12×16` tile of `C = relu?(bias + A·B)` with AVX-512F: 12 zmm
/// accumulators, one 16-float B row per step and the A values broadcast
/// straight from memory (`{1to16}`). Same contract as
/// [`crate::generic::fp32::gemm_tile`] with `MR = 12`, `NR = 16`.
///
/// # Safety
/// The CPU must have AVX-512F; pointers as in [`crate::generic::fp32::gemm_tile`].
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_12x16_avx512(
    k: usize,
    a: *const f32,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    bias: *const f32,
    relu: bool,
) {
    // SAFETY: reads k*12 floats of A, k rows of 16 floats of B (stride ldb), 12 bias
    // values, and writes 12 rows of 16 floats of C (stride ldc): the caller's contract.
    // Only zmm0-13 are touched (declared clobbered); vzeroupper restores the SSE state.
    unsafe {
        asm!(
            "vbroadcastss zmm0, dword ptr [{bias} + 0]",
            "vbroadcastss zmm1, dword ptr [{bias} + 4]",
            "vbroadcastss zmm2, dword ptr [{bias} + 8]",
            "vbroadcastss zmm3, dword ptr [{bias} + 12]",
            "vbroadcastss zmm4, dword ptr [{bias} + 16]",
            "vbroadcastss zmm5, dword ptr [{bias} + 20]",
            "vbroadcastss zmm6, dword ptr [{bias} + 24]",
            "vbroadcastss zmm7, dword ptr [{bias} + 28]",
            "vbroadcastss zmm8, dword ptr [{bias} + 32]",
            "vbroadcastss zmm9, dword ptr [{bias} + 36]",
            "vbroadcastss zmm10, dword ptr [{bias} + 40]",
            "vbroadcastss zmm11, dword ptr [{bias} + 44]",
            "test {k}, {k}",
            "jz 3f",
            "2:",
            "vmovups zmm12, zmmword ptr [{b}]",
            "vfmadd231ps zmm0, zmm12, dword ptr [{a} + 0]{{1to16}}",
            "vfmadd231ps zmm1, zmm12, dword ptr [{a} + 4]{{1to16}}",
            "vfmadd231ps zmm2, zmm12, dword ptr [{a} + 8]{{1to16}}",
            "vfmadd231ps zmm3, zmm12, dword ptr [{a} + 12]{{1to16}}",
            "vfmadd231ps zmm4, zmm12, dword ptr [{a} + 16]{{1to16}}",
            "vfmadd231ps zmm5, zmm12, dword ptr [{a} + 20]{{1to16}}",
            "vfmadd231ps zmm6, zmm12, dword ptr [{a} + 24]{{1to16}}",
            "vfmadd231ps zmm7, zmm12, dword ptr [{a} + 28]{{1to16}}",
            "vfmadd231ps zmm8, zmm12, dword ptr [{a} + 32]{{1to16}}",
            "vfmadd231ps zmm9, zmm12, dword ptr [{a} + 36]{{1to16}}",
            "vfmadd231ps zmm10, zmm12, dword ptr [{a} + 40]{{1to16}}",
            "vfmadd231ps zmm11, zmm12, dword ptr [{a} + 44]{{1to16}}",
            "add {a}, 48",
            "add {b}, {ldb}",
            "dec {k}",
            "jnz 2b",
            "3:",
            "test {relu}, {relu}",
            "jz 4f",
            "vxorps zmm13, zmm13, zmm13",
            "vmaxps zmm0, zmm0, zmm13",
            "vmaxps zmm1, zmm1, zmm13",
            "vmaxps zmm2, zmm2, zmm13",
            "vmaxps zmm3, zmm3, zmm13",
            "vmaxps zmm4, zmm4, zmm13",
            "vmaxps zmm5, zmm5, zmm13",
            "vmaxps zmm6, zmm6, zmm13",
            "vmaxps zmm7, zmm7, zmm13",
            "vmaxps zmm8, zmm8, zmm13",
            "vmaxps zmm9, zmm9, zmm13",
            "vmaxps zmm10, zmm10, zmm13",
            "vmaxps zmm11, zmm11, zmm13",
            "4:",
            "vmovups zmmword ptr [{c}], zmm0",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm1",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm2",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm3",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm4",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm5",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm6",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm7",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm8",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm9",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm10",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm11",
            "vzeroupper",
            k = inout(reg) k => _,
            a = inout(reg) a => _,
            b = inout(reg) b => _,
            ldb = in(reg) ldb * 4,
            c = inout(reg) c => _,
            ldc = in(reg) ldc * 4,
            bias = in(reg) bias,
            relu = in(reg) relu as usize,
            out("zmm0") _,
            out("zmm1") _,
            out("zmm2") _,
            out("zmm3") _,
            out("zmm4") _,
            out("zmm5") _,
            out("zmm6") _,
            out("zmm7") _,
            out("zmm8") _,
            out("zmm9") _,
            out("zmm10") _,
            out("zmm11") _,
            out("zmm12") _,
            out("zmm13") _,
            options(nostack),
        );
    }
}

/// `8×16` tile of `C = relu?(bias + A·B)` with AVX-512F: 8 zmm
/// accumulators, one 16-float B row per step and the A values broadcast
/// straight from memory (`{1to16}`). Same contract as
/// [`crate::generic::fp32::gemm_tile`] with `MR = 8`, `NR = 16`.
///
/// # Safety
/// The CPU must have AVX-512F; pointers as in [`crate::generic::fp32::gemm_tile`].
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_8x16_avx512(
    k: usize,
    a: *const f32,
    b: *const f32,
    ldb: usize,
    c: *mut f32,
    ldc: usize,
    bias: *const f32,
    relu: bool,
) {
    // SAFETY: reads k*8 floats of A, k rows of 16 floats of B (stride ldb), 8 bias
    // values, and writes 8 rows of 16 floats of C (stride ldc): the caller's contract.
    // Only zmm0-9 are touched (declared clobbered); vzeroupper restores the SSE state.
    unsafe {
        asm!(
            "vbroadcastss zmm0, dword ptr [{bias} + 0]",
            "vbroadcastss zmm1, dword ptr [{bias} + 4]",
            "vbroadcastss zmm2, dword ptr [{bias} + 8]",
            "vbroadcastss zmm3, dword ptr [{bias} + 12]",
            "vbroadcastss zmm4, dword ptr [{bias} + 16]",
            "vbroadcastss zmm5, dword ptr [{bias} + 20]",
            "vbroadcastss zmm6, dword ptr [{bias} + 24]",
            "vbroadcastss zmm7, dword ptr [{bias} + 28]",
            "test {k}, {k}",
            "jz 3f",
            "2:",
            "vmovups zmm8, zmmword ptr [{b}]",
            "vfmadd231ps zmm0, zmm8, dword ptr [{a} + 0]{{1to16}}",
            "vfmadd231ps zmm1, zmm8, dword ptr [{a} + 4]{{1to16}}",
            "vfmadd231ps zmm2, zmm8, dword ptr [{a} + 8]{{1to16}}",
            "vfmadd231ps zmm3, zmm8, dword ptr [{a} + 12]{{1to16}}",
            "vfmadd231ps zmm4, zmm8, dword ptr [{a} + 16]{{1to16}}",
            "vfmadd231ps zmm5, zmm8, dword ptr [{a} + 20]{{1to16}}",
            "vfmadd231ps zmm6, zmm8, dword ptr [{a} + 24]{{1to16}}",
            "vfmadd231ps zmm7, zmm8, dword ptr [{a} + 28]{{1to16}}",
            "add {a}, 32",
            "add {b}, {ldb}",
            "dec {k}",
            "jnz 2b",
            "3:",
            "test {relu}, {relu}",
            "jz 4f",
            "vxorps zmm9, zmm9, zmm9",
            "vmaxps zmm0, zmm0, zmm9",
            "vmaxps zmm1, zmm1, zmm9",
            "vmaxps zmm2, zmm2, zmm9",
            "vmaxps zmm3, zmm3, zmm9",
            "vmaxps zmm4, zmm4, zmm9",
            "vmaxps zmm5, zmm5, zmm9",
            "vmaxps zmm6, zmm6, zmm9",
            "vmaxps zmm7, zmm7, zmm9",
            "4:",
            "vmovups zmmword ptr [{c}], zmm0",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm1",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm2",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm3",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm4",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm5",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm6",
            "add {c}, {ldc}",
            "vmovups zmmword ptr [{c}], zmm7",
            "vzeroupper",
            k = inout(reg) k => _,
            a = inout(reg) a => _,
            b = inout(reg) b => _,
            ldb = in(reg) ldb * 4,
            c = inout(reg) c => _,
            ldc = in(reg) ldc * 4,
            bias = in(reg) bias,
            relu = in(reg) relu as usize,
            out("zmm0") _,
            out("zmm1") _,
            out("zmm2") _,
            out("zmm3") _,
            out("zmm4") _,
            out("zmm5") _,
            out("zmm6") _,
            out("zmm7") _,
            out("zmm8") _,
            out("zmm9") _,
            options(nostack),
        );
    }
}
