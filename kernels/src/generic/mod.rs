//! Portable micro-kernels: plain Rust written so LLVM vectorises it; the reference every architecture-specific kernel is tested against.

pub mod fp32;
pub mod int8;
