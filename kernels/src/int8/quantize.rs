//! fp32 ↔ int8 conversions with ncnn's rounding and clamping, and the
//! per-channel output stage of int8 convolutions.

use crate::Activation;

/// Rounds half away from zero and clamps to [-127, 127] (ncnn's `float2int8`).
#[inline(always)]
pub fn float2int8(v: f32) -> i8 {
    let r = v.round();
    if r > 127.0 {
        127
    } else if r < -127.0 {
        -127
    } else {
        r as i8
    }
}

/// `dst[i] = float2int8(src[i] * scale)`.
pub fn quantize(src: &[f32], scale: f32, dst: &mut [i8]) {
    assert_eq!(src.len(), dst.len());
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = float2int8(s * scale);
    }
}

/// `dst[i] = src[i] / scale` (a zero scale gives zeros).
pub fn dequantize(src: &[i8], scale: f32, dst: &mut [f32]) {
    assert_eq!(src.len(), dst.len());
    let inv = if scale == 0.0 { 0.0 } else { 1.0 / scale };
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = s as f32 * inv;
    }
}

/// Multiplier from an int32 sum to its real value: `1 / (in_scale · w_scale)`,
/// 0 when either scale is 0 (an all-zero weight channel yields zeros, not inf/NaN).
#[inline]
pub fn dequant_multiplier(in_scale: f32, w_scale: f32) -> f32 {
    if in_scale == 0.0 || w_scale == 0.0 {
        0.0
    } else {
        1.0 / (in_scale * w_scale)
    }
}

/// `dst[i] = act(src[i] · mul + bias)` — int32 sums to fp32.
pub fn dequantize_i32(src: &[i32], mul: f32, bias: f32, act: Activation, dst: &mut [f32]) {
    assert_eq!(src.len(), dst.len());
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = act.apply(s as f32 * mul + bias);
    }
}

/// `dst[i] = float2int8(act(src[i] · mul + bias) · out_scale)` — int32 sums
/// straight to the next layer's int8 scale.
pub fn requantize_i32(
    src: &[i32],
    mul: f32,
    bias: f32,
    act: Activation,
    out_scale: f32,
    dst: &mut [i8],
) {
    assert_eq!(src.len(), dst.len());
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = float2int8(act.apply(s as f32 * mul + bias) * out_scale);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_and_saturation() {
        assert_eq!(float2int8(0.5), 1);
        assert_eq!(float2int8(-0.5), -1);
        assert_eq!(float2int8(0.49999997), 0);
        assert_eq!(float2int8(1.5), 2);
        assert_eq!(float2int8(-2.5), -3);
        assert_eq!(float2int8(300.0), 127);
        assert_eq!(float2int8(-300.0), -127);
        assert_eq!(float2int8(f32::NAN), 0);
    }

    #[test]
    fn zero_scale_gives_zero() {
        assert_eq!(dequant_multiplier(0.0, 3.0), 0.0);
        assert_eq!(dequant_multiplier(2.0, 0.0), 0.0);
        let mut d = [1f32; 2];
        dequantize(&[5, -5], 0.0, &mut d);
        assert_eq!(d, [0.0, 0.0]);
    }
}
