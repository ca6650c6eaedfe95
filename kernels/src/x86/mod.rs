//! x86-64: the portable kernels compiled again with AVX2+FMA enabled, chosen at run time.

pub mod fp32;
pub mod int8;
