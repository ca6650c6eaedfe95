//! fp32 kernels: packed SGEMM, convolution (im2col/1x1 GEMM, depthwise,
//! Winograd), inner product.

pub mod conv;
pub mod depthwise;
pub mod innerproduct;
pub mod sgemm;

pub use conv::{Conv2dF32, ConvAlgo};
pub use innerproduct::InnerProductF32;
