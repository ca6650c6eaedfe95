//! Helpers shared by the int8 kernel tests: a deterministic generator,
//! padding, and the output stage computed independently of the kernels.
#![allow(dead_code)]

use octet_kernels::int8::quantize::float2int8;
use octet_kernels::Activation;

/// SplitMix64, so test data is the same everywhere.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform integer in `lo..=hi`.
    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }
    pub fn i8s(&mut self, n: usize, lo: i8, hi: i8) -> Vec<i8> {
        (0..n)
            .map(|_| self.int(lo as i64, hi as i64) as i8)
            .collect()
    }
    pub fn f32(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
    }
}

/// Surrounds `c` planes of `w × h` with `t, b, l, r` rows/columns of `value`.
#[allow(clippy::too_many_arguments)]
pub fn pad(
    x: &[i8],
    w: usize,
    h: usize,
    c: usize,
    t: usize,
    b: usize,
    l: usize,
    r: usize,
    value: i8,
) -> (Vec<i8>, usize, usize) {
    let (pw, ph) = (w + l + r, h + t + b);
    let mut out = vec![value; pw * ph * c];
    for q in 0..c {
        for i in 0..h {
            for j in 0..w {
                out[q * pw * ph + (i + t) * pw + j + l] = x[q * w * h + i * w + j];
            }
        }
    }
    (out, pw, ph)
}

/// `act(sum · mul + bias)`, written out here rather than taken from the kernels.
pub fn expect_f32(sum: i32, mul: f32, bias: f32, act: Activation) -> f32 {
    act.apply(sum as f32 * mul + bias)
}

/// `float2int8(act(sum · mul + bias) · scale)`.
pub fn expect_i8(sum: i32, mul: f32, bias: f32, act: Activation, scale: f32) -> i8 {
    float2int8(act.apply(sum as f32 * mul + bias) * scale)
}

/// The dequantization multiplier as the interface defines it.
pub fn mul_of(in_scale: f32, w_scale: f32) -> f32 {
    if in_scale == 0.0 || w_scale == 0.0 {
        0.0
    } else {
        1.0 / (in_scale * w_scale)
    }
}
