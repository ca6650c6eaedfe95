//! Criterion bench: network (to be written).
fn main() {}
