//! fp32 micro-kernels for this architecture.
