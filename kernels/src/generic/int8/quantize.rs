//! Portable fp32 ↔ int8 conversions and the per-channel output stage.
//!
//! These loops define the results: the NEON versions compute the same
//! operations in the same order (`(s as f32) · mul`, then `+ bias`, never
//! fused), so they agree bit for bit.

use crate::int8::quantize::float2int8;
use crate::Activation;

/// The activation as the int8 output stage computes it. ReLU and leaky ReLU
/// are written as compare-and-select so that `-0.0` maps to `+0.0` exactly as
/// NEON's `vmax`/`fmax` does; other activations use [`Activation::apply`].
#[inline(always)]
pub fn stage_act(act: Activation, v: f32) -> f32 {
    match act {
        Activation::None => v,
        Activation::Relu => {
            if v > 0.0 {
                v
            } else {
                0.0
            }
        }
        Activation::LeakyRelu(slope) => {
            if v > 0.0 {
                v
            } else {
                v * slope
            }
        }
        a => a.apply(v),
    }
}

/// `dst[i] = float2int8(src[i] * scale)`.
pub fn quantize(src: &[f32], scale: f32, dst: &mut [i8]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = float2int8(s * scale);
    }
}

/// `dst[i] = src[i] as f32 * inv`.
pub fn dequantize(src: &[i8], inv: f32, dst: &mut [f32]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = s as f32 * inv;
    }
}

/// `dst[i] = act(src[i] · mul + bias)`.
pub fn dequantize_i32(src: &[i32], mul: f32, bias: f32, act: Activation, dst: &mut [f32]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = stage_act(act, s as f32 * mul + bias);
    }
}

/// `dst[i] = float2int8(act(src[i] · mul + bias) · out_scale)`.
pub fn requantize_i32(
    src: &[i32],
    mul: f32,
    bias: f32,
    act: Activation,
    out_scale: f32,
    dst: &mut [i8],
) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = float2int8(stage_act(act, s as f32 * mul + bias) * out_scale);
    }
}
