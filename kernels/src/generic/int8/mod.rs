//! int8 micro-kernels for this architecture.
