//! fp32 ↔ int8 conversions with ncnn's rounding and clamping, and the
//! per-channel output stage of int8 convolutions.
//!
//! Each operation runs the kernels of the registry's [`Int8Kernels`]
//! ([`crate::ops()`]); the `*_with` variants take the kernel object
//! explicitly.
//! All implementations agree bit for bit with the portable one
//! ([`crate::generic::int8::quantize`]), with one documented exception: on
//! armv7, NEON flushes subnormal floats to zero (and the compiler also runs
//! scalar f32 arithmetic there), so an fp32 result whose magnitude is below
//! `f32::MIN_POSITIVE` (≈1.2e-38) may come out as zero.

use super::kernels::Int8Kernels;
use crate::generic::int8::quantize as generic;
use crate::Activation;

/// Rounds half away from zero and clamps to [-127, 127] (ncnn's `float2int8`).
/// NaN gives 0.
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

/// Whether the NEON and AVX2 output stages handle `act` (others use the
/// portable stage).
#[inline]
pub(crate) fn neon_stage_act(act: Activation) -> bool {
    matches!(
        act,
        Activation::None | Activation::Relu | Activation::LeakyRelu(_)
    )
}

/// `dst[i] = float2int8(src[i] * scale)`.
pub fn quantize(src: &[f32], scale: f32, dst: &mut [i8]) {
    quantize_with(crate::ops().int8(), src, scale, dst)
}

/// [`quantize`] with `kern`'s kernel.
pub fn quantize_with(kern: &Int8Kernels, src: &[f32], scale: f32, dst: &mut [i8]) {
    assert_eq!(src.len(), dst.len());
    // SAFETY: `kern` is a token that this CPU runs its kernels (only the
    // registry and the enumeration hand kernel objects out); the slices are
    // the kernel's whole extents.
    unsafe { (kern.quantize)(src, scale, dst) }
}

/// `dst[i] = src[i] / scale` (a zero scale gives zeros).
pub fn dequantize(src: &[i8], scale: f32, dst: &mut [f32]) {
    dequantize_with(crate::ops().int8(), src, scale, dst)
}

/// [`dequantize`] with `kern`'s kernel.
pub fn dequantize_with(kern: &Int8Kernels, src: &[i8], scale: f32, dst: &mut [f32]) {
    assert_eq!(src.len(), dst.len());
    let inv = if scale == 0.0 { 0.0 } else { 1.0 / scale };
    // SAFETY: as in `quantize_with`.
    unsafe { (kern.dequantize)(src, inv, dst) }
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
    dequantize_i32_with(crate::ops().int8(), src, mul, bias, act, dst)
}

/// [`dequantize_i32`] with `kern`'s kernel (the portable stage for the
/// activations the SIMD stages do not handle).
pub fn dequantize_i32_with(
    kern: &Int8Kernels,
    src: &[i32],
    mul: f32,
    bias: f32,
    act: Activation,
    dst: &mut [f32],
) {
    assert_eq!(src.len(), dst.len());
    if !neon_stage_act(act) {
        return generic::dequantize_i32(src, mul, bias, act, dst);
    }
    // SAFETY: as in `quantize_with`.
    unsafe { (kern.dequantize_i32)(src, mul, bias, act, dst) }
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
    requantize_i32_with(crate::ops().int8(), src, mul, bias, act, out_scale, dst)
}

/// [`requantize_i32`] with `kern`'s kernel (the portable stage for the
/// activations the SIMD stages do not handle).
pub fn requantize_i32_with(
    kern: &Int8Kernels,
    src: &[i32],
    mul: f32,
    bias: f32,
    act: Activation,
    out_scale: f32,
    dst: &mut [i8],
) {
    assert_eq!(src.len(), dst.len());
    if !neon_stage_act(act) {
        return generic::requantize_i32(src, mul, bias, act, out_scale, dst);
    }
    // SAFETY: as in `quantize_with`.
    unsafe { (kern.requantize_i32)(src, mul, bias, act, out_scale, dst) }
}

/// Where the output stage of an int8 kernel writes one channel.
pub(crate) enum StageOut<'a> {
    F32(&'a mut [f32]),
    I8(&'a mut [i8], f32),
    /// The sums themselves.
    I32(&'a mut [i32]),
}

impl StageOut<'_> {
    /// The same destination, borrowed for a shorter time.
    pub fn reborrow(&mut self) -> StageOut<'_> {
        match self {
            StageOut::F32(d) => StageOut::F32(d),
            StageOut::I8(d, s) => StageOut::I8(d, *s),
            StageOut::I32(d) => StageOut::I32(d),
        }
    }
}

/// Applies the output stage of one channel (`mul`, `bias`) to `src`.
#[inline]
pub(crate) fn stage_with(
    kern: &Int8Kernels,
    src: &[i32],
    mul: f32,
    bias: f32,
    act: Activation,
    dst: StageOut,
) {
    match dst {
        StageOut::F32(d) => dequantize_i32_with(kern, src, mul, bias, act, d),
        StageOut::I8(d, s) => requantize_i32_with(kern, src, mul, bias, act, s, d),
        StageOut::I32(d) => d.copy_from_slice(src),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KernelSet;

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
        for kern in Int8Kernels::available() {
            let mut d = [1f32; 9];
            dequantize_with(kern, &[5, -5, 1, 2, 3, 4, 5, 6, 7], 0.0, &mut d);
            assert_eq!(d, [0.0; 9], "{kern:?}");
        }
    }
}
