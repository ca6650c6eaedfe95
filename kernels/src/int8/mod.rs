//! int8 kernels: quantization, and prepared int8 convolution and inner
//! product (int8 inputs and weights, int32 accumulation, output dequantized
//! to fp32 or requantized to int8).

pub mod conv;
pub mod innerproduct;
pub mod quantize;

pub use conv::{Conv2dI8, Int8Algo, Int8Output};
pub use innerproduct::InnerProductI8;
