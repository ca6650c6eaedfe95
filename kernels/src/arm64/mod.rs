//! aarch64 NEON micro-kernels: `core::arch::aarch64` intrinsics, plus `sdot` via `asm!` where the CPU has dotprod.

pub mod fp32;
pub mod int8;
