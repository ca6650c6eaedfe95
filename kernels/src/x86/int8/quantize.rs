//! AVX2 quantization and output stage, bit-identical to
//! [`crate::generic::int8::quantize`]: the multiply and the add stay
//! separate (no FMA, whose single rounding would differ from the portable
//! `s · mul + bias`), and rounding half away from zero is built from
//! truncation — `v − trunc(v)` is exact, so comparing its magnitude with ½
//! decides the step away from zero without the error of `trunc(v ± 0.5)`
//! (which rounds 0.49999997 up). NaN becomes 0 and everything else is
//! clamped to ±127 before the conversion, as in `float2int8`.

use core::arch::x86_64::*;

use crate::generic::int8::quantize as generic;
use crate::Activation;

/// `act` on 8 lanes; only None / ReLU / leaky ReLU reach here.
#[inline(always)]
unsafe fn act8(act: Activation, v: __m256) -> __m256 {
    // SAFETY: AVX register operations; callers are AVX2 functions.
    unsafe {
        match act {
            // maxps returns its second operand unless the first is greater:
            // `v > 0 ? v : 0`, so -0.0 and NaN give +0.0 like the portable code.
            Activation::Relu => _mm256_max_ps(v, _mm256_setzero_ps()),
            Activation::LeakyRelu(slope) => {
                let pos = _mm256_cmp_ps::<_CMP_GT_OQ>(v, _mm256_setzero_ps());
                _mm256_blendv_ps(_mm256_mul_ps(v, _mm256_set1_ps(slope)), v, pos)
            }
            _ => v,
        }
    }
}

/// `float2int8` of 8 lanes, as int32 in [-127, 127].
#[inline(always)]
unsafe fn round8(v: __m256) -> __m256i {
    // SAFETY: AVX register operations; callers are AVX2 functions.
    unsafe {
        let t = _mm256_round_ps::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(v);
        let frac = _mm256_sub_ps(v, t);
        let abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
        let sign = _mm256_castsi256_ps(_mm256_set1_epi32(i32::MIN));
        let half_up = _mm256_cmp_ps::<_CMP_GE_OQ>(_mm256_and_ps(frac, abs), _mm256_set1_ps(0.5));
        let step = _mm256_or_ps(_mm256_and_ps(v, sign), _mm256_set1_ps(1.0));
        let r = _mm256_add_ps(t, _mm256_and_ps(half_up, step));
        // NaN lanes to 0 (maxps/minps would pass NaN's partner through).
        let r = _mm256_and_ps(r, _mm256_cmp_ps::<_CMP_ORD_Q>(v, v));
        let r = _mm256_min_ps(
            _mm256_max_ps(r, _mm256_set1_ps(-127.0)),
            _mm256_set1_ps(127.0),
        );
        _mm256_cvttps_epi32(r)
    }
}

/// Stores 8 int32 in [-127, 127] as 8 bytes at `dst`.
#[inline(always)]
unsafe fn store8(x: __m256i, dst: *mut i8) {
    // SAFETY: register operations and one 8-byte store the callers bound.
    unsafe {
        let p = _mm256_packs_epi32(x, x);
        let p = _mm256_packs_epi16(p, p);
        let v = _mm_unpacklo_epi32(_mm256_castsi256_si128(p), _mm256_extracti128_si256::<1>(p));
        _mm_storel_epi64(dst as *mut __m128i, v);
    }
}

/// `dst[i] = float2int8(src[i] * scale)`.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn quantize(src: &[f32], scale: f32, dst: &mut [i8]) {
    let n = src.len().min(dst.len());
    let blocks = n / 8;
    // SAFETY: block i reads src[8i..8i+8] and writes dst[8i..8i+8], in
    // bounds for i < n / 8; AVX2 per the contract.
    unsafe {
        let s = _mm256_set1_ps(scale);
        for i in 0..blocks {
            let v = _mm256_mul_ps(_mm256_loadu_ps(src.as_ptr().add(8 * i)), s);
            store8(round8(v), dst.as_mut_ptr().add(8 * i));
        }
    }
    generic::quantize(&src[blocks * 8..n], scale, &mut dst[blocks * 8..n]);
}

/// `dst[i] = src[i] as f32 * inv`.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn dequantize(src: &[i8], inv: f32, dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let blocks = n / 8;
    // SAFETY: block i reads src[8i..8i+8] and writes dst[8i..8i+8], in bounds.
    unsafe {
        let s = _mm256_set1_ps(inv);
        for i in 0..blocks {
            let x = _mm_loadl_epi64(src.as_ptr().add(8 * i) as *const __m128i);
            let v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(x));
            _mm256_storeu_ps(dst.as_mut_ptr().add(8 * i), _mm256_mul_ps(v, s));
        }
    }
    generic::dequantize(&src[blocks * 8..n], inv, &mut dst[blocks * 8..n]);
}

/// `dst[i] = act(src[i] · mul + bias)` for None / ReLU / leaky ReLU.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn dequantize_i32(src: &[i32], mul: f32, bias: f32, act: Activation, dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let blocks = n / 8;
    // SAFETY: block i reads src[8i..8i+8] and writes dst[8i..8i+8], in bounds.
    unsafe {
        let (m, b) = (_mm256_set1_ps(mul), _mm256_set1_ps(bias));
        for i in 0..blocks {
            let x = _mm256_loadu_si256(src.as_ptr().add(8 * i) as *const __m256i);
            let v = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(x), m), b);
            _mm256_storeu_ps(dst.as_mut_ptr().add(8 * i), act8(act, v));
        }
    }
    generic::dequantize_i32(&src[blocks * 8..n], mul, bias, act, &mut dst[blocks * 8..n]);
}

/// `dst[i] = float2int8(act(src[i] · mul + bias) · out_scale)` for None /
/// ReLU / leaky ReLU.
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn requantize_i32(
    src: &[i32],
    mul: f32,
    bias: f32,
    act: Activation,
    out_scale: f32,
    dst: &mut [i8],
) {
    let n = src.len().min(dst.len());
    let blocks = n / 8;
    // SAFETY: block i reads src[8i..8i+8] and writes dst[8i..8i+8], in bounds.
    unsafe {
        let (m, b, s) = (
            _mm256_set1_ps(mul),
            _mm256_set1_ps(bias),
            _mm256_set1_ps(out_scale),
        );
        for i in 0..blocks {
            let x = _mm256_loadu_si256(src.as_ptr().add(8 * i) as *const __m256i);
            let v = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(x), m), b);
            let v = _mm256_mul_ps(act8(act, v), s);
            store8(round8(v), dst.as_mut_ptr().add(8 * i));
        }
    }
    generic::requantize_i32(
        &src[blocks * 8..n],
        mul,
        bias,
        act,
        out_scale,
        &mut dst[blocks * 8..n],
    );
}
