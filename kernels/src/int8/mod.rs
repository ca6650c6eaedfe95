//! int8 kernels: quantization, int8 GEMM / Winograd / depthwise convolution.

pub mod quantize;
