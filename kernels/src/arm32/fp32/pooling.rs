//! armv7 NEON fp32 3×3 max pooling rows, 4 outputs per step: the vertical
//! max of the three rows, then the horizontal max of neighbouring columns
//! (`vld2.32` splits even and odd columns for stride 2; `vext.32` shifts in
//! the next columns, loaded as single lanes or a d register). `vmax.f32` is
//! ncnn's ARM pooling: the same values as
//! [`crate::generic::fp32::pooling::max3x3_row`] except that NaN propagates,
//! +0 and −0 are one value, and subnormals are flushed to zero.

/// Stride 2, `blocks` × 4 outputs: reads floats `0..8·blocks + 1` of each
/// row, writes `4·blocks`.
///
/// # Safety
/// The CPU must have NEON; `blocks > 0`; `r0`–`r2` have `8·blocks + 1`
/// readable floats and `out` `4·blocks` writable ones.
pub unsafe fn max3x3s2_x4(
    r0: *const f32,
    r1: *const f32,
    r2: *const f32,
    out: *mut f32,
    blocks: usize,
) {
    // SAFETY: block b reads floats 8b..8b+9 of each row and writes 4 at
    // out + 4b, within the contract; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "1:",
            "vld2.32 {{d0-d3}}, [{r0}]!",
            "vld2.32 {{d4-d7}}, [{r1}]!",
            "vld2.32 {{d8-d11}}, [{r2}]!",
            "vld1.32 {{d12[0]}}, [{r0}]",
            "vld1.32 {{d13[0]}}, [{r1}]",
            "vld1.32 {{d14[0]}}, [{r2}]",
            "vmax.f32 q0, q0, q2",
            "vmax.f32 q1, q1, q3",
            "vmax.f32 d12, d12, d13",
            "vmax.f32 q0, q0, q4",
            "vmax.f32 q1, q1, q5",
            "vmax.f32 d12, d12, d14",
            // Even columns 2j + 2: the evens shifted by one, the next
            // block's first even column last.
            "vext.32 q7, q0, q6, #1",
            "vmax.f32 q0, q0, q1",
            "vmax.f32 q0, q0, q7",
            "vst1.32 {{d0-d1}}, [{o}]!",
            "subs {n}, {n}, #1",
            "bne 1b",
            r0 = inout(reg) r0 => _,
            r1 = inout(reg) r1 => _,
            r2 = inout(reg) r2 => _,
            o = inout(reg) out => _,
            n = inout(reg) blocks => _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _,
            out("q4") _, out("q5") _, out("q6") _, out("q7") _,
            options(nostack)
        );
    }
}

/// Stride 1, `blocks` × 4 outputs: reads floats `0..4·blocks + 2` of each
/// row, writes `4·blocks`.
///
/// # Safety
/// The CPU must have NEON; `blocks > 0`; `r0`–`r2` have `4·blocks + 2`
/// readable floats and `out` `4·blocks` writable ones.
pub unsafe fn max3x3s1_x4(
    r0: *const f32,
    r1: *const f32,
    r2: *const f32,
    out: *mut f32,
    blocks: usize,
) {
    // SAFETY: block b reads floats 4b..4b+6 of each row and writes 4 at
    // out + 4b, within the contract; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "1:",
            "vld1.32 {{d0-d1}}, [{r0}]!",
            "vld1.32 {{d2-d3}}, [{r1}]!",
            "vld1.32 {{d4-d5}}, [{r2}]!",
            "vld1.32 {{d6}}, [{r0}]",
            "vld1.32 {{d7}}, [{r1}]",
            "vld1.32 {{d8}}, [{r2}]",
            "vmax.f32 q0, q0, q1",
            "vmax.f32 d6, d6, d7",
            "vmax.f32 q0, q0, q2",
            "vmax.f32 d6, d6, d8",
            // Columns j + 1 and j + 2, the next block's first two last.
            "vext.32 q5, q0, q3, #1",
            "vext.32 q6, q0, q3, #2",
            "vmax.f32 q0, q0, q5",
            "vmax.f32 q0, q0, q6",
            "vst1.32 {{d0-d1}}, [{o}]!",
            "subs {n}, {n}, #1",
            "bne 1b",
            r0 = inout(reg) r0 => _,
            r1 = inout(reg) r1 => _,
            r2 = inout(reg) r2 => _,
            o = inout(reg) out => _,
            n = inout(reg) blocks => _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _,
            out("q4") _, out("q5") _, out("q6") _,
            options(nostack)
        );
    }
}
