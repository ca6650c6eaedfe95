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
pub mod gemm;
pub mod quantize;
pub mod winograd;
