//! fp32 ↔ int8 conversions with ncnn's rounding and clamping.

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
