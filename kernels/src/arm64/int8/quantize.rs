//! aarch64 NEON quantization and output stage, bit-identical to
//! [`crate::generic::int8::quantize`]: `fcvtas` rounds to nearest with ties
//! away from zero (exactly `f32::round`), saturates, and maps NaN to 0; the
//! multiply and the add stay separate (no `fmla`, whose single rounding would
//! differ from the portable `s · mul + bias`).

use core::arch::aarch64::*;

use crate::generic::int8::quantize as generic;
use crate::Activation;

/// `act` on 4 lanes; only None / ReLU / leaky ReLU reach here.
#[inline(always)]
unsafe fn act4(act: Activation, v: float32x4_t) -> float32x4_t {
    // SAFETY: NEON is architectural on aarch64; plain register operations.
    unsafe {
        match act {
            Activation::Relu => vmaxq_f32(v, vdupq_n_f32(0.0)),
            Activation::LeakyRelu(slope) => {
                let pos = vcgtq_f32(v, vdupq_n_f32(0.0));
                vbslq_f32(pos, v, vmulq_f32(v, vdupq_n_f32(slope)))
            }
            _ => v,
        }
    }
}

/// Rounds 8 floats half away from zero to int8 clamped to [-127, 127].
#[inline(always)]
unsafe fn round8(a: float32x4_t, b: float32x4_t) -> int8x8_t {
    // SAFETY: NEON is architectural on aarch64; plain register operations.
    unsafe {
        let a = vcvtaq_s32_f32(a);
        let b = vcvtaq_s32_f32(b);
        let h = vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));
        vmax_s8(vqmovn_s16(h), vdup_n_s8(-127))
    }
}

/// `dst[i] = float2int8(src[i] * scale)`.
///
/// # Safety
/// Always sound on aarch64 (NEON is architectural); `unsafe` for symmetry
/// with the armv7 kernels.
pub unsafe fn quantize(src: &[f32], scale: f32, dst: &mut [i8]) {
    let n = src.len().min(dst.len());
    let blocks = n / 8;
    // SAFETY: block i reads src[8i..8i+8] and writes dst[8i..8i+8], in bounds
    // for i < blocks = n / 8.
    unsafe {
        let s = vdupq_n_f32(scale);
        for i in 0..blocks {
            let p = src.as_ptr().add(8 * i);
            let a = vmulq_f32(vld1q_f32(p), s);
            let b = vmulq_f32(vld1q_f32(p.add(4)), s);
            vst1_s8(dst.as_mut_ptr().add(8 * i), round8(a, b));
        }
    }
    generic::quantize(&src[blocks * 8..n], scale, &mut dst[blocks * 8..n]);
}

/// `dst[i] = src[i] as f32 * inv`.
///
/// # Safety
/// Always sound on aarch64.
pub unsafe fn dequantize(src: &[i8], inv: f32, dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let blocks = n / 8;
    // SAFETY: block i reads src[8i..8i+8] and writes dst[8i..8i+8], in bounds.
    unsafe {
        let s = vdupq_n_f32(inv);
        for i in 0..blocks {
            let v = vmovl_s8(vld1_s8(src.as_ptr().add(8 * i)));
            let lo = vcvtq_f32_s32(vmovl_s16(vget_low_s16(v)));
            let hi = vcvtq_f32_s32(vmovl_high_s16(v));
            let d = dst.as_mut_ptr().add(8 * i);
            vst1q_f32(d, vmulq_f32(lo, s));
            vst1q_f32(d.add(4), vmulq_f32(hi, s));
        }
    }
    generic::dequantize(&src[blocks * 8..n], inv, &mut dst[blocks * 8..n]);
}

/// `dst[i] = act(src[i] · mul + bias)` for None / ReLU / leaky ReLU.
///
/// # Safety
/// Always sound on aarch64.
pub unsafe fn dequantize_i32(src: &[i32], mul: f32, bias: f32, act: Activation, dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let blocks = n / 4;
    // SAFETY: block i reads src[4i..4i+4] and writes dst[4i..4i+4], in bounds.
    unsafe {
        let m = vdupq_n_f32(mul);
        let b = vdupq_n_f32(bias);
        for i in 0..blocks {
            let v = vcvtq_f32_s32(vld1q_s32(src.as_ptr().add(4 * i)));
            let v = act4(act, vaddq_f32(vmulq_f32(v, m), b));
            vst1q_f32(dst.as_mut_ptr().add(4 * i), v);
        }
    }
    generic::dequantize_i32(&src[blocks * 4..n], mul, bias, act, &mut dst[blocks * 4..n]);
}

/// `dst[i] = float2int8(act(src[i] · mul + bias) · out_scale)` for None / ReLU / leaky ReLU.
///
/// # Safety
/// Always sound on aarch64.
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
        let m = vdupq_n_f32(mul);
        let b = vdupq_n_f32(bias);
        let s = vdupq_n_f32(out_scale);
        for i in 0..blocks {
            let p = src.as_ptr().add(8 * i);
            let x = vcvtq_f32_s32(vld1q_s32(p));
            let y = vcvtq_f32_s32(vld1q_s32(p.add(4)));
            let x = vmulq_f32(act4(act, vaddq_f32(vmulq_f32(x, m), b)), s);
            let y = vmulq_f32(act4(act, vaddq_f32(vmulq_f32(y, m), b)), s);
            vst1_s8(dst.as_mut_ptr().add(8 * i), round8(x, y));
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
