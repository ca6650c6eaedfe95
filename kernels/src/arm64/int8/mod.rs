//! aarch64 int8 kernels: Advanced SIMD intrinsics, and `sdot` via `asm!` for
//! CPUs with the dot-product extension. Each is an `unsafe fn`;
//! [`crate::int8::Int8Isa`] dispatch guarantees the CPU features it needs.

pub mod depthwise;
pub mod gemm;
pub mod innerproduct;
pub mod pooling;
pub mod quantize;
pub mod winograd;
