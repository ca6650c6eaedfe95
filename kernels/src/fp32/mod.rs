//! fp32 kernels: packed SGEMM, convolution (im2col/1x1 GEMM, depthwise,
//! Winograd), inner product. CPU-specific micro-kernels are chosen through
//! [`kernels::Fp32Kernels`] (the registry's, [`crate::ops()`]`.fp32()`, unless
//! given one).

pub mod conv;
pub mod depthwise;
pub mod eltwise;
pub mod innerproduct;
pub mod kernels;
pub mod pooling;
pub mod scratch;
pub mod sgemm;
pub mod winograd;

pub use conv::{select_algo, select_algo_for, Conv2dF32, ConvAlgo};
pub use innerproduct::InnerProductF32;
pub use kernels::Fp32Kernels;
pub use winograd::WinogradVariant;
