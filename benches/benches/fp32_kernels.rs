//! Criterion bench: fp32_kernels (to be written).
fn main() {}
