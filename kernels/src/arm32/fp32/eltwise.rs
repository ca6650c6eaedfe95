//! armv7 NEON fp32 element-wise binary operations in place, 8 floats per
//! step (`vadd.f32` / `vmul.f32` / `vmax.f32` on two q registers). NEON
//! arithmetic is IEEE round-to-nearest except that subnormal inputs and
//! results are flushed to zero and `vmax` propagates NaN.

macro_rules! binary_x8 {
    ($name:ident, $op:literal, $what:literal) => {
        #[doc = concat!("`dst[i] = ", $what, "` for `i < 8·blocks`.")]
        ///
        /// # Safety
        /// The CPU must have NEON; `blocks > 0`; `dst` and `src` have
        /// `8·blocks` floats (readable; `dst` writable).
        pub unsafe fn $name(dst: *mut f32, src: *const f32, blocks: usize) {
            // SAFETY: block b reads and writes floats 8b..8b+8 of dst and
            // reads those of src, within the contract; NEON per the contract.
            unsafe {
                core::arch::asm!(
                    "1:",
                    "vld1.32 {{d0-d3}}, [{d}]",
                    "vld1.32 {{d4-d7}}, [{s}]!",
                    concat!($op, " q0, q0, q2"),
                    concat!($op, " q1, q1, q3"),
                    "vst1.32 {{d0-d3}}, [{d}]!",
                    "subs {n}, {n}, #1",
                    "bne 1b",
                    d = inout(reg) dst => _,
                    s = inout(reg) src => _,
                    n = inout(reg) blocks => _,
                    out("q0") _, out("q1") _, out("q2") _, out("q3") _,
                    options(nostack)
                );
            }
        }
    };
}

binary_x8!(add_x8, "vadd.f32", "dst[i] + src[i]");
binary_x8!(mul_x8, "vmul.f32", "dst[i] · src[i]");
binary_x8!(max_x8, "vmax.f32", "max(dst[i], src[i])");
binary_x8!(sub_x8, "vsub.f32", "dst[i] − src[i]");
binary_x8!(min_x8, "vmin.f32", "min(dst[i], src[i])");

macro_rules! binary_scalar_x8 {
    ($name:ident, $op:literal, $what:literal) => {
        #[doc = concat!("`dst[i] = ", $what, "` for `i < 8·blocks`.")]
        ///
        /// # Safety
        /// The CPU must have NEON; `blocks > 0`; `dst` has `8·blocks`
        /// readable and writable floats.
        pub unsafe fn $name(dst: *mut f32, s: f32, blocks: usize) {
            // SAFETY: block b reads and writes floats 8b..8b+8 of dst, within
            // the contract; NEON per the contract.
            unsafe {
                core::arch::asm!(
                    "vdup.32 q2, {s}",
                    "1:",
                    "vld1.32 {{d0-d3}}, [{d}]",
                    concat!($op, " q0, q0, q2"),
                    concat!($op, " q1, q1, q2"),
                    "vst1.32 {{d0-d3}}, [{d}]!",
                    "subs {n}, {n}, #1",
                    "bne 1b",
                    d = inout(reg) dst => _,
                    s = in(reg) s.to_bits(),
                    n = inout(reg) blocks => _,
                    out("q0") _, out("q1") _, out("q2") _,
                    options(nostack)
                );
            }
        }
    };
}

binary_scalar_x8!(add_scalar_x8, "vadd.f32", "dst[i] + s");
binary_scalar_x8!(mul_scalar_x8, "vmul.f32", "dst[i] · s");
binary_scalar_x8!(max_scalar_x8, "vmax.f32", "max(dst[i], s)");
binary_scalar_x8!(sub_scalar_x8, "vsub.f32", "dst[i] − s");
binary_scalar_x8!(min_scalar_x8, "vmin.f32", "min(dst[i], s)");

/// The constants of [`crate::fp32::eltwise::exp_clamped`] in the lanes the
/// unary blocks read them from (d8–d15, the registers a by-scalar NEON
/// multiply can name): d8 = [log2 e, ln2 hi], d9 = [ln2 lo, P0],
/// d10 = [P1, P2], d11 = [P3, P4], d12 = [P5, 1], d13 = [min, max],
/// d14 = [rounding magic, 127 as an integer].
static EXP_LANES: [f32; 16] = {
    use crate::fp32::eltwise::*;
    [
        EXP_LOG2E,
        EXP_LN2_HI,
        EXP_LN2_LO,
        EXP_P[0],
        EXP_P[1],
        EXP_P[2],
        EXP_P[3],
        EXP_P[4],
        EXP_P[5],
        1.0,
        EXP_MIN_X,
        EXP_MAX_X,
        EXP_ROUND_MAGIC,
        f32::from_bits(127),
        0.0,
        0.0,
    ]
};

macro_rules! unary_x4 {
    ($name:ident, $what:literal, $($finish:literal),*) => {
        #[doc = concat!("`data[i] = ", $what, "` for `i < 4·blocks`: the operations of the")]
        /// portable `exp_clamped` in its order, then the reciprocal of
        /// `1 + e^−x` by `vrecpe` and two Newton steps (within 4e-7 of the
        /// division; see `unary_in_place_with`).
        ///
        /// # Safety
        /// The CPU must have NEON; `blocks > 0`; `data` has `4·blocks`
        /// readable and writable floats.
        pub unsafe fn $name(data: *mut f32, blocks: usize) {
            // SAFETY: block b reads and writes floats 4b..4b+4 of data,
            // within the contract; EXP_LANES has the 16 floats loaded; NEON
            // per the contract.
            unsafe {
                core::arch::asm!(
                    "vld1.32 {{d8-d11}}, [{c}]!",
                    "vld1.32 {{d12-d15}}, [{c}]",
                    "vdup.32 q12, d13[0]",
                    "vdup.32 q13, d13[1]",
                    "vdup.32 q14, d12[1]",
                    "vdup.32 q15, d14[0]",
                    "vdup.32 q10, d14[1]",
                    "1:",
                    "vld1.32 {{d0-d1}}, [{p}]",
                    // e^−x: clamp, n = round(−x·log2 e), r = −x − n·ln 2.
                    "vneg.f32 q1, q0",
                    "vmax.f32 q1, q1, q12",
                    "vmin.f32 q1, q1, q13",
                    "vmul.f32 q2, q1, d8[0]",
                    "vadd.f32 q2, q2, q15",
                    "vsub.f32 q2, q2, q15",
                    "vmls.f32 q1, q2, d8[1]",
                    "vmls.f32 q1, q2, d9[0]",
                    // P(r) by Horner, then 1 + r + r²·P(r).
                    "vdup.32 q3, d10[0]",
                    "vmla.f32 q3, q1, d9[1]",
                    "vdup.32 q9, d10[1]",
                    "vmla.f32 q9, q3, q1",
                    "vdup.32 q3, d11[0]",
                    "vmla.f32 q3, q9, q1",
                    "vdup.32 q9, d11[1]",
                    "vmla.f32 q9, q3, q1",
                    "vdup.32 q3, d12[0]",
                    "vmla.f32 q3, q9, q1",
                    "vmul.f32 q8, q1, q1",
                    "vmla.f32 q1, q3, q8",
                    "vadd.f32 q1, q1, q14",
                    // · 2^n through the exponent field.
                    "vcvt.s32.f32 q2, q2",
                    "vadd.i32 q2, q2, q10",
                    "vshl.i32 q2, q2, #23",
                    "vmul.f32 q1, q1, q2",
                    // 1 / (1 + e^−x).
                    "vadd.f32 q1, q1, q14",
                    "vrecpe.f32 q3, q1",
                    "vrecps.f32 q9, q1, q3",
                    "vmul.f32 q3, q3, q9",
                    "vrecps.f32 q9, q1, q3",
                    "vmul.f32 q3, q3, q9",
                    $($finish,)*
                    "vst1.32 {{d6-d7}}, [{p}]!",
                    "subs {n}, {n}, #1",
                    "bne 1b",
                    p = inout(reg) data => _,
                    n = inout(reg) blocks => _,
                    c = inout(reg) EXP_LANES.as_ptr() => _,
                    out("q0") _, out("q1") _, out("q2") _, out("q3") _,
                    out("q4") _, out("q5") _, out("q6") _, out("q7") _,
                    out("q8") _, out("q9") _, out("q10") _,
                    out("q12") _, out("q13") _, out("q14") _, out("q15") _,
                    options(nostack)
                );
            }
        }
    };
}

unary_x4!(sigmoid_x4, "1 / (1 + e^−data[i])",);
unary_x4!(
    swish_x4,
    "data[i] / (1 + e^−data[i])",
    "vmul.f32 q3, q3, q0"
);

macro_rules! affine_clamp_x4 {
    ($name:ident, $what:literal, $($finish:literal),*) => {
        #[doc = concat!("`data[i] = ", $what, "` for `i < 4·blocks`, `p = [a, b, lo, hi]`:")]
        /// the portable loop's operations in its order.
        ///
        /// # Safety
        /// The CPU must have NEON; `blocks > 0`; `data` has `4·blocks`
        /// readable and writable floats.
        pub unsafe fn $name(data: *mut f32, blocks: usize, p: &[f32; 4]) {
            // SAFETY: block b reads and writes floats 4b..4b+4 of data,
            // within the contract; `p` is 4 floats; NEON per the contract.
            unsafe {
                core::arch::asm!(
                    "vld1.32 {{d8-d9}}, [{c}]",
                    "vdup.32 q12, d8[1]",
                    "vdup.32 q13, d9[0]",
                    "vdup.32 q14, d9[1]",
                    "1:",
                    "vld1.32 {{d0-d1}}, [{p}]",
                    "vmov q1, q12",
                    "vmla.f32 q1, q0, d8[0]",
                    "vmax.f32 q1, q1, q13",
                    "vmin.f32 q1, q1, q14",
                    $($finish,)*
                    "vst1.32 {{d2-d3}}, [{p}]!",
                    "subs {n}, {n}, #1",
                    "bne 1b",
                    p = inout(reg) data => _,
                    n = inout(reg) blocks => _,
                    c = in(reg) p.as_ptr(),
                    out("q0") _, out("q1") _, out("q4") _,
                    out("q12") _, out("q13") _, out("q14") _,
                    options(nostack)
                );
            }
        }
    };
}

affine_clamp_x4!(affine_clamp_x4, "clamp(data[i]·a + b, lo, hi)",);
affine_clamp_x4!(
    affine_clamp_times_x_x4,
    "data[i] · clamp(data[i]·a + b, lo, hi)",
    "vmul.f32 q1, q1, q0"
);
