//! armv7 (Cortex-A7/A17) NEON micro-kernels: `asm!` blocks, as stable Rust has no armv7 NEON intrinsics. Used only when [`crate::cpu`] reports NEON.

pub mod fp32;
pub mod int8;
