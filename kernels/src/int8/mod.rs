//! int8 kernels: quantization, and prepared int8 convolution and inner
//! product (int8 inputs and weights, int32 accumulation, output dequantized
//! to fp32 or requantized to int8).
//!
//! Every kernel has a portable implementation (`crate::generic::int8`) and,
//! on ARM, NEON ones (`crate::arm32::int8`, `crate::arm64::int8`), on x86-64
//! AVX2 and AVX-512 VNNI ones (`crate::x86::int8`), that give bit-identical
//! results. An [`Int8Kernels`] (see [`kernels`]) is one CPU family's table
//! of them; the prepared operations use the registry's
//! ([`crate::ops()`]`.int8()`) unless given one, so tests can run every
//! object of [`crate::KernelSet::available`] on the same data.

pub mod conv;
pub mod depthwise;
pub mod gemm;
pub mod innerproduct;
pub mod kernels;
pub mod pooling;
pub mod quantize;
pub mod scratch;
pub mod winograd;

pub use conv::{choose_int8_algo, choose_int8_algo_for, Border, Conv2dI8, Int8Algo, Int8Output};
pub use innerproduct::InnerProductI8;
pub use kernels::Int8Kernels;
pub use winograd::{winograd43_is_exact, winograd43_segments};
