//! Portable int8 micro-kernels: plain Rust, the definition every NEON kernel
//! must reproduce bit for bit.

pub mod gemm;
pub mod pooling;
pub mod quantize;
pub mod winograd;
