//! Criterion bench: int8_kernels (to be written).
fn main() {}
