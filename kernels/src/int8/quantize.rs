//! fp32 ↔ int8 conversions with ncnn's rounding and clamping, and the
//! per-channel output stage of int8 convolutions.
//!
//! Each operation dispatches to the NEON or AVX2 kernel of the running CPU
//! (see [`Int8Isa`]); the `*_with` variants take the implementation explicitly.
//! All implementations agree bit for bit with the portable one
//! ([`crate::generic::int8::quantize`]), with one documented exception: on
//! armv7, NEON flushes subnormal floats to zero (and the compiler also runs
//! scalar f32 arithmetic there), so an fp32 result whose magnitude is below
//! `f32::MIN_POSITIVE` (≈1.2e-38) may come out as zero.

use super::Int8Isa;
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

/// The implementation that actually runs for `isa`: an unavailable one
/// falls back to the portable code.
#[inline]
fn resolve(isa: Int8Isa) -> Int8Isa {
    if isa == Int8Isa::Generic || isa.is_available() {
        isa
    } else {
        Int8Isa::Generic
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
    quantize_with(Int8Isa::detect(), src, scale, dst)
}

/// [`quantize`] with an explicit implementation.
pub fn quantize_with(isa: Int8Isa, src: &[f32], scale: f32, dst: &mut [i8]) {
    assert_eq!(src.len(), dst.len());
    match resolve(isa) {
        #[cfg(target_arch = "arm")]
        // SAFETY: `resolve` only keeps Neon when the CPU has NEON.
        Int8Isa::Neon => unsafe { crate::arm32::int8::quantize::quantize(src, scale, dst) },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: NEON is architectural on aarch64.
        Int8Isa::Neon | Int8Isa::NeonDot => unsafe {
            crate::arm64::int8::quantize::quantize(src, scale, dst)
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `resolve` only keeps an x86 ISA when the CPU has AVX2.
        Int8Isa::Avx2 | Int8Isa::Avx512Vnni => unsafe {
            crate::x86::int8::quantize::quantize(src, scale, dst)
        },
        _ => generic::quantize(src, scale, dst),
    }
}

/// `dst[i] = src[i] / scale` (a zero scale gives zeros).
pub fn dequantize(src: &[i8], scale: f32, dst: &mut [f32]) {
    dequantize_with(Int8Isa::detect(), src, scale, dst)
}

/// [`dequantize`] with an explicit implementation.
pub fn dequantize_with(isa: Int8Isa, src: &[i8], scale: f32, dst: &mut [f32]) {
    assert_eq!(src.len(), dst.len());
    let inv = if scale == 0.0 { 0.0 } else { 1.0 / scale };
    match resolve(isa) {
        #[cfg(target_arch = "arm")]
        // SAFETY: `resolve` only keeps Neon when the CPU has NEON.
        Int8Isa::Neon => unsafe { crate::arm32::int8::quantize::dequantize(src, inv, dst) },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: NEON is architectural on aarch64.
        Int8Isa::Neon | Int8Isa::NeonDot => unsafe {
            crate::arm64::int8::quantize::dequantize(src, inv, dst)
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `resolve` only keeps an x86 ISA when the CPU has AVX2.
        Int8Isa::Avx2 | Int8Isa::Avx512Vnni => unsafe {
            crate::x86::int8::quantize::dequantize(src, inv, dst)
        },
        _ => generic::dequantize(src, inv, dst),
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
    dequantize_i32_with(Int8Isa::detect(), src, mul, bias, act, dst)
}

/// [`dequantize_i32`] with an explicit implementation.
pub fn dequantize_i32_with(
    isa: Int8Isa,
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
    match resolve(isa) {
        #[cfg(target_arch = "arm")]
        // SAFETY: `resolve` only keeps Neon when the CPU has NEON.
        Int8Isa::Neon => unsafe {
            crate::arm32::int8::quantize::dequantize_i32(src, mul, bias, act, dst)
        },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: NEON is architectural on aarch64.
        Int8Isa::Neon | Int8Isa::NeonDot => unsafe {
            crate::arm64::int8::quantize::dequantize_i32(src, mul, bias, act, dst)
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `resolve` only keeps an x86 ISA when the CPU has AVX2.
        Int8Isa::Avx2 | Int8Isa::Avx512Vnni => unsafe {
            crate::x86::int8::quantize::dequantize_i32(src, mul, bias, act, dst)
        },
        _ => generic::dequantize_i32(src, mul, bias, act, dst),
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
    requantize_i32_with(Int8Isa::detect(), src, mul, bias, act, out_scale, dst)
}

/// [`requantize_i32`] with an explicit implementation.
pub fn requantize_i32_with(
    isa: Int8Isa,
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
    match resolve(isa) {
        #[cfg(target_arch = "arm")]
        // SAFETY: `resolve` only keeps Neon when the CPU has NEON.
        Int8Isa::Neon => unsafe {
            crate::arm32::int8::quantize::requantize_i32(src, mul, bias, act, out_scale, dst)
        },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: NEON is architectural on aarch64.
        Int8Isa::Neon | Int8Isa::NeonDot => unsafe {
            crate::arm64::int8::quantize::requantize_i32(src, mul, bias, act, out_scale, dst)
        },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `resolve` only keeps an x86 ISA when the CPU has AVX2.
        Int8Isa::Avx2 | Int8Isa::Avx512Vnni => unsafe {
            crate::x86::int8::quantize::requantize_i32(src, mul, bias, act, out_scale, dst)
        },
        _ => generic::requantize_i32(src, mul, bias, act, out_scale, dst),
    }
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
    isa: Int8Isa,
    src: &[i32],
    mul: f32,
    bias: f32,
    act: Activation,
    dst: StageOut,
) {
    match dst {
        StageOut::F32(d) => dequantize_i32_with(isa, src, mul, bias, act, d),
        StageOut::I8(d, s) => requantize_i32_with(isa, src, mul, bias, act, s, d),
        StageOut::I32(d) => d.copy_from_slice(src),
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
        for isa in Int8Isa::available() {
            let mut d = [1f32; 9];
            dequantize_with(isa, &[5, -5, 1, 2, 3, 4, 5, 6, 7], 0.0, &mut d);
            assert_eq!(d, [0.0; 9], "{isa:?}");
        }
    }
}
