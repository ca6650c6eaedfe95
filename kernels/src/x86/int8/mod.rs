//! x86-64 int8 kernels, chosen at run time through [`crate::int8::Int8Isa`]
//! (`Avx2`, `Avx512Vnni`); calling any of them on a CPU without the
//! features is undefined behaviour, hence `unsafe`:
//!
//! - [`gemm`]: the GEMM micro-kernels (AVX2 `vpmaddwd`, AVX-512 VNNI
//!   `vpdpbusd` in `asm!`) and their B packers;
//! - [`quantize`]: AVX2 quantization and output stage;
//! - [`winograd`]: the int16 GEMM on channel pairs (AVX2 `vpmaddwd`, VNNI
//!   `vpdpwssd`), the pairing input transform, and the portable transforms
//!   compiled for AVX2;
//! - the portable depthwise and inner-product loops compiled for AVX2.
pub mod gemm;
pub mod quantize;
pub mod winograd;

use crate::ConvGeometry;

/// [`crate::int8::depthwise`]'s portable sums compiled for AVX2.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn depthwise_portable_avx2(
    plane: &[i8],
    w: usize,
    g: &ConvGeometry,
    k: &[i8],
    outw: usize,
    sums: &mut [i32],
) {
    crate::int8::depthwise::depthwise_portable(plane, w, g, k, outw, sums)
}

/// [`crate::int8::innerproduct::dot_rows`]'s portable dot products compiled
/// for AVX2 (LLVM turns them into `vpmaddwd` on sign-extended bytes).
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn dot_rows_avx2(w: &[i8], n: usize, x: &[i8], out: &mut [i32]) {
    crate::int8::innerproduct::dot_rows_portable(w, n, x, out, 0)
}
