//! Helpers of the examples: UltraFace decoding ([`ultraface`]) and drawing.

pub mod ultraface;
