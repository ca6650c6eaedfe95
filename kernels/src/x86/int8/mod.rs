//! x86-64 int8 kernels, chosen at run time through [`crate::int8::Int8Isa`]
//! (`Avx2`, `Avx512Vnni`); calling any of them on a CPU without the
//! features is undefined behaviour, hence `unsafe`:
//!
//! - [`gemm`]: the GEMM micro-kernels (AVX2 `vpmaddwd`, AVX-512 VNNI
//!   `vpdpbusd` in `asm!`) and their B packers;
//! - [`quantize`]: AVX2 quantization and output stage;
pub mod gemm;
pub mod quantize;
