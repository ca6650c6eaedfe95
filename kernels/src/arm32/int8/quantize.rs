//! armv7 NEON quantization and output stage, bit-identical to
//! [`crate::generic::int8::quantize`] (subnormal results aside: NEON flushes
//! them to zero).
//!
//! armv7 NEON has no round-to-nearest-ties-away conversion (`vcvta` is ARMv8),
//! and "add ±0.5 then truncate" is wrong (0.49999997 + 0.5 rounds up to 1.0).
//! Instead the fixed-point conversion `vcvt.s32.f32 #1` gives `t = trunc(2x)`
//! exactly (scaling by 2 loses nothing; it truncates toward zero, saturates
//! and maps NaN to 0), and the rounding narrow `vqrshrn.s32 #1` returns
//! `⌊(t + 1) / 2⌋` saturated to int16. For `x = n + f ≥ 0` (`0 ≤ f < 1`),
//! `t = 2n + [f ≥ ½]`, so that is `n + [f ≥ ½]`: round half away from zero.
//! For `x < 0` the same would round ties up (toward zero), so signed values
//! first get `t + (t >> 31)` (one less when negative, with a saturating add so
//! that a saturated `t = −2³¹` stays negative): for `x = −(n + f)`,
//! `⌊(−2n − [f ≥ ½] − 1 + 1) / 2⌋ = −n − [f ≥ ½]`. When the value is known to
//! be non-negative (ReLU and a non-negative output scale) that step is
//! skipped. Subnormal `x` is flushed to ±0 by NEON and gives 0, like `round`.
//! The narrowing (`vqrshrn`, `vqmovn`) saturates to [-128, 127] and a final
//! `max(−127)` gives ncnn's clamp (not needed for non-negative values).

use crate::generic::int8::quantize as generic;
use crate::Activation;

/// Rounds q0/q1 (8 floats) half away from zero and narrows them with
/// saturation to int8 in d0, clamped to [-127, 127]. Needs d30 = -127 ×8 for
/// `signed`. Clobbers q2, q3.
macro_rules! round_narrow_q0q1_to_d0 {
    (signed) => {
        concat!(
            "vcvt.s32.f32 q0, q0, #1\n",
            "vcvt.s32.f32 q1, q1, #1\n",
            "vshr.s32 q2, q0, #31\n",
            "vshr.s32 q3, q1, #31\n",
            "vqadd.s32 q0, q0, q2\n",
            "vqadd.s32 q1, q1, q3\n",
            "vqrshrn.s32 d0, q0, #1\n",
            "vqrshrn.s32 d1, q1, #1\n",
            "vqmovn.s16 d0, q0\n",
            "vmax.s8 d0, d0, d30\n",
        )
    };
    (nonneg) => {
        concat!(
            "vcvt.s32.f32 q0, q0, #1\n",
            "vcvt.s32.f32 q1, q1, #1\n",
            "vqrshrn.s32 d0, q0, #1\n",
            "vqrshrn.s32 d1, q1, #1\n",
            "vqmovn.s16 d0, q0\n",
        )
    };
}

/// `q0, q1 = act(float(q0, q1) · mul + bias)` for 8 int32 lanes; the
/// constants are q7 = [mul, bias, lo_or_slope, out_scale] (by-scalar operands must be in d0–d15), q13 = bias ×4,
/// q14 = lo_or_slope ×4. `$act` is `max` (ReLU with lo = 0, none with
/// lo = −inf) or `leaky`. Clobbers q6, q8, q9, q12.
macro_rules! affine_act_q0q1 {
    (max) => {
        concat!(
            "vcvt.f32.s32 q0, q0\n",
            "vcvt.f32.s32 q1, q1\n",
            "vmul.f32 q0, q0, d14[0]\n",
            "vmul.f32 q1, q1, d14[0]\n",
            "vadd.f32 q0, q0, q13\n",
            "vadd.f32 q1, q1, q13\n",
            "vmax.f32 q0, q0, q14\n",
            "vmax.f32 q1, q1, q14\n",
        )
    };
    (leaky) => {
        concat!(
            "vcvt.f32.s32 q0, q0\n",
            "vcvt.f32.s32 q1, q1\n",
            "vmul.f32 q0, q0, d14[0]\n",
            "vmul.f32 q1, q1, d14[0]\n",
            "vadd.f32 q0, q0, q13\n",
            "vadd.f32 q1, q1, q13\n",
            "vcgt.f32 q12, q0, #0\n",
            "vcgt.f32 q6, q1, #0\n",
            "vmul.f32 q8, q0, d15[0]\n",
            "vmul.f32 q9, q1, d15[0]\n",
            "vbif q0, q8, q12\n",
            "vbif q1, q9, q6\n",
        )
    };
}

/// The activation as (kind, parameter): `max` with a lower bound, or `leaky`
/// with its slope. Only called for activations the NEON stage handles.
fn act_param(act: Activation) -> (bool, f32) {
    match act {
        Activation::Relu => (false, 0.0),
        Activation::LeakyRelu(slope) => (true, slope),
        _ => (false, f32::NEG_INFINITY),
    }
}

/// `dst[i] = float2int8(src[i] * scale)`.
///
/// # Safety
/// The CPU must have NEON.
pub unsafe fn quantize(src: &[f32], scale: f32, dst: &mut [i8]) {
    let n = src.len().min(dst.len());
    let blocks = n / 8;
    if blocks > 0 {
        // SAFETY: reads 8·blocks floats from `src` and writes 8·blocks bytes to
        // `dst`, both within their lengths (8·blocks ≤ n); NEON per contract.
        unsafe {
            core::arch::asm!(
                "vld1.32 {{d28[], d29[]}}, [{scale}]",
                "vmov.i8 d30, #0x81",
                "1:",
                "vld1.32 {{d0-d3}}, [{src}]!",
                "vmul.f32 q0, q0, q14",
                "vmul.f32 q1, q1, q14",
                round_narrow_q0q1_to_d0!(signed),
                "vst1.8 {{d0}}, [{dst}]!",
                "subs {n}, {n}, #1",
                "bne 1b",
                scale = in(reg) &scale,
                src = inout(reg) src.as_ptr() => _,
                dst = inout(reg) dst.as_mut_ptr() => _,
                n = inout(reg) blocks => _,
                out("q0") _, out("q1") _, out("q2") _, out("q3") _,
                out("q14") _, out("q15") _,
                options(nostack)
            );
        }
    }
    generic::quantize(&src[blocks * 8..n], scale, &mut dst[blocks * 8..n]);
}

/// `dst[i] = src[i] as f32 * inv`.
///
/// # Safety
/// The CPU must have NEON.
pub unsafe fn dequantize(src: &[i8], inv: f32, dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let blocks = n / 8;
    if blocks > 0 {
        // SAFETY: reads 8·blocks bytes from `src` and writes 8·blocks floats to
        // `dst`, both within their lengths; NEON per contract.
        unsafe {
            core::arch::asm!(
                "vld1.32 {{d30[], d31[]}}, [{inv}]",
                "1:",
                "vld1.8 {{d0}}, [{src}]!",
                "vmovl.s8 q0, d0",
                "vmovl.s16 q1, d0",
                "vmovl.s16 q2, d1",
                "vcvt.f32.s32 q1, q1",
                "vcvt.f32.s32 q2, q2",
                "vmul.f32 q1, q1, q15",
                "vmul.f32 q2, q2, q15",
                "vst1.32 {{d2-d5}}, [{dst}]!",
                "subs {n}, {n}, #1",
                "bne 1b",
                inv = in(reg) &inv,
                src = inout(reg) src.as_ptr() => _,
                dst = inout(reg) dst.as_mut_ptr() => _,
                n = inout(reg) blocks => _,
                out("q0") _, out("q1") _, out("q2") _, out("q15") _,
                options(nostack)
            );
        }
    }
    generic::dequantize(&src[blocks * 8..n], inv, &mut dst[blocks * 8..n]);
}

/// `dst[i] = act(src[i] · mul + bias)` for None / ReLU / leaky ReLU.
///
/// # Safety
/// The CPU must have NEON.
pub unsafe fn dequantize_i32(src: &[i32], mul: f32, bias: f32, act: Activation, dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let blocks = n / 8;
    let (leaky, p) = act_param(act);
    let consts = [mul, bias, p, 0.0];
    macro_rules! run {
        ($act:tt) => {
            // SAFETY: reads 8·blocks int32 from `src`, 16 bytes from `consts`,
            // writes 8·blocks floats to `dst`, all in bounds; NEON per contract.
            unsafe {
                core::arch::asm!(
                    "vld1.32 {{d14-d15}}, [{c}]",
                    "vdup.32 q13, d14[1]",
                    "vdup.32 q14, d15[0]",
                    "1:",
                    "vld1.32 {{d0-d3}}, [{src}]!",
                    affine_act_q0q1!($act),
                    "vst1.32 {{d0-d3}}, [{dst}]!",
                    "subs {n}, {n}, #1",
                    "bne 1b",
                    c = in(reg) consts.as_ptr(),
                    src = inout(reg) src.as_ptr() => _,
                    dst = inout(reg) dst.as_mut_ptr() => _,
                    n = inout(reg) blocks => _,
                    out("q0") _, out("q1") _, out("q6") _, out("q8") _, out("q9") _,
                    out("q12") _, out("q7") _, out("q13") _, out("q14") _,
                    options(nostack)
                )
            }
        };
    }
    if blocks > 0 {
        if leaky {
            run!(leaky);
        } else {
            run!(max);
        }
    }
    generic::dequantize_i32(&src[blocks * 8..n], mul, bias, act, &mut dst[blocks * 8..n]);
}

/// `dst[i] = float2int8(act(src[i] · mul + bias) · out_scale)` for None / ReLU / leaky ReLU.
///
/// # Safety
/// The CPU must have NEON.
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
    let (leaky, p) = act_param(act);
    let consts = [mul, bias, p, out_scale];
    macro_rules! run {
        ($act:tt, $round:tt) => {
            // SAFETY: reads 8·blocks int32 from `src`, 16 bytes from `consts`,
            // writes 8·blocks bytes to `dst`, all in bounds; NEON per contract.
            unsafe {
                core::arch::asm!(
                    "vld1.32 {{d14-d15}}, [{c}]",
                    "vdup.32 q13, d14[1]",
                    "vdup.32 q14, d15[0]",
                    "vmov.i8 d30, #0x81",
                    "1:",
                    "vld1.32 {{d0-d3}}, [{src}]!",
                    affine_act_q0q1!($act),
                    "vmul.f32 q0, q0, d15[1]",
                    "vmul.f32 q1, q1, d15[1]",
                    round_narrow_q0q1_to_d0!($round),
                    "vst1.8 {{d0}}, [{dst}]!",
                    "subs {n}, {n}, #1",
                    "bne 1b",
                    c = in(reg) consts.as_ptr(),
                    src = inout(reg) src.as_ptr() => _,
                    dst = inout(reg) dst.as_mut_ptr() => _,
                    n = inout(reg) blocks => _,
                    out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q6") _,
                    out("q8") _, out("q9") _, out("q12") _,
                    out("q7") _, out("q13") _, out("q14") _, out("q15") _,
                    options(nostack)
                )
            }
        };
    }
    // ReLU output times a non-negative scale is never negative (NaN aside,
    // which converts to 0 either way): no sign to copy.
    let nonneg = act == Activation::Relu && out_scale >= 0.0;
    if blocks > 0 {
        match (leaky, nonneg) {
            (true, _) => run!(leaky, signed),
            (false, true) => run!(max, nonneg),
            (false, false) => run!(max, signed),
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
