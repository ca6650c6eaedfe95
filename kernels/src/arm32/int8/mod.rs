//! armv7 NEON int8 kernels (`asm!`). Each is an `unsafe fn` whose contract is
//! "the CPU has NEON"; [`crate::int8::Int8Isa`] dispatch guarantees it.

pub mod depthwise;
pub mod gemm;
pub mod innerproduct;
pub mod pooling;
pub mod quantize;
pub mod winograd;
