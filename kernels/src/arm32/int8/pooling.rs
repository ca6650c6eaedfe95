//! armv7 NEON int8 3×3 max pooling rows, 16 or 8 outputs per step: the
//! vertical max of the three rows, then the horizontal max of neighbouring
//! columns (`vld2.8` splits even and odd columns for stride 2; `vext.8`
//! shifts in the block's next one or two columns, loaded as single lanes).
//! Same results as [`crate::generic::int8::pooling::max3x3_row`].

/// Stride 2, `blocks` × 16 outputs: reads columns `0..32·blocks + 1` of each
/// row, writes `16·blocks` bytes.
///
/// # Safety
/// The CPU must have NEON; `blocks > 0`; `r0`–`r2` have `32·blocks + 1`
/// readable bytes and `out` `16·blocks` writable ones.
pub unsafe fn max3x3s2_x16(
    r0: *const i8,
    r1: *const i8,
    r2: *const i8,
    out: *mut i8,
    blocks: usize,
) {
    // SAFETY: block b reads bytes 32b..32b+33 of each row and writes 16 at
    // out + 16b, within the contract; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "1:",
            "vld2.8 {{d0-d3}}, [{r0}]!",
            "vld2.8 {{d4-d7}}, [{r1}]!",
            "vld2.8 {{d8-d11}}, [{r2}]!",
            "vld1.8 {{d12[0]}}, [{r0}]",
            "vld1.8 {{d13[0]}}, [{r1}]",
            "vld1.8 {{d14[0]}}, [{r2}]",
            "vmax.s8 q0, q0, q2",
            "vmax.s8 q1, q1, q3",
            "vmax.s8 d12, d12, d13",
            "vmax.s8 q0, q0, q4",
            "vmax.s8 q1, q1, q5",
            "vmax.s8 d12, d12, d14",
            // Even columns 2j + 2: the evens shifted by one, the next block's
            // first even column last.
            "vext.8 q7, q0, q6, #1",
            "vmax.s8 q0, q0, q1",
            "vmax.s8 q0, q0, q7",
            "vst1.8 {{d0-d1}}, [{o}]!",
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

/// Stride 2, 8 outputs: reads columns `0..17` of each row, writes 8 bytes.
///
/// # Safety
/// The CPU must have NEON; `r0`–`r2` have 17 readable bytes, `out` 8
/// writable ones.
pub unsafe fn max3x3s2_x8(r0: *const i8, r1: *const i8, r2: *const i8, out: *mut i8) {
    // SAFETY: reads bytes 0..17 of each row and writes 8 at out, within the
    // contract; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "vld2.8 {{d0-d1}}, [{r0}]!",
            "vld2.8 {{d2-d3}}, [{r1}]!",
            "vld2.8 {{d4-d5}}, [{r2}]!",
            "vld1.8 {{d6[0]}}, [{r0}]",
            "vld1.8 {{d7[0]}}, [{r1}]",
            "vld1.8 {{d8[0]}}, [{r2}]",
            "vmax.s8 d0, d0, d2",
            "vmax.s8 d1, d1, d3",
            "vmax.s8 d6, d6, d7",
            "vmax.s8 d0, d0, d4",
            "vmax.s8 d1, d1, d5",
            "vmax.s8 d6, d6, d8",
            "vext.8 d9, d0, d6, #1",
            "vmax.s8 d0, d0, d1",
            "vmax.s8 d0, d0, d9",
            "vst1.8 {{d0}}, [{o}]",
            r0 = inout(reg) r0 => _,
            r1 = inout(reg) r1 => _,
            r2 = inout(reg) r2 => _,
            o = in(reg) out,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _, out("d4") _,
            out("d5") _, out("d6") _, out("d7") _, out("d8") _, out("d9") _,
            options(nostack)
        );
    }
}

/// Stride 1, `blocks` × 16 outputs: reads columns `0..16·blocks + 2` of
/// each row, writes `16·blocks` bytes.
///
/// # Safety
/// The CPU must have NEON; `blocks > 0`; `r0`–`r2` have `16·blocks + 2`
/// readable bytes and `out` `16·blocks` writable ones.
pub unsafe fn max3x3s1_x16(
    r0: *const i8,
    r1: *const i8,
    r2: *const i8,
    out: *mut i8,
    blocks: usize,
) {
    // SAFETY: block b reads bytes 16b..16b+18 of each row and writes 16 at
    // out + 16b, within the contract; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "1:",
            "vld1.8 {{d0-d1}}, [{r0}]!",
            "vld1.8 {{d2-d3}}, [{r1}]!",
            "vld1.8 {{d4-d5}}, [{r2}]!",
            "vld1.16 {{d6[0]}}, [{r0}]",
            "vld1.16 {{d7[0]}}, [{r1}]",
            "vld1.16 {{d8[0]}}, [{r2}]",
            "vmax.s8 q0, q0, q1",
            "vmax.s8 d6, d6, d7",
            "vmax.s8 q0, q0, q2",
            "vmax.s8 d6, d6, d8",
            // Columns j + 1 and j + 2, the next block's first two last.
            "vext.8 q5, q0, q3, #1",
            "vext.8 q6, q0, q3, #2",
            "vmax.s8 q0, q0, q5",
            "vmax.s8 q0, q0, q6",
            "vst1.8 {{d0-d1}}, [{o}]!",
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

/// Stride 1, 8 outputs: reads columns `0..10` of each row, writes 8 bytes.
///
/// # Safety
/// The CPU must have NEON; `r0`–`r2` have 10 readable bytes, `out` 8
/// writable ones.
pub unsafe fn max3x3s1_x8(r0: *const i8, r1: *const i8, r2: *const i8, out: *mut i8) {
    // SAFETY: reads bytes 0..10 of each row and writes 8 at out, within the
    // contract; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "vld1.8 {{d0}}, [{r0}]!",
            "vld1.8 {{d1}}, [{r1}]!",
            "vld1.8 {{d2}}, [{r2}]!",
            "vld1.16 {{d3[0]}}, [{r0}]",
            "vld1.16 {{d4[0]}}, [{r1}]",
            "vld1.16 {{d5[0]}}, [{r2}]",
            "vmax.s8 d0, d0, d1",
            "vmax.s8 d3, d3, d4",
            "vmax.s8 d0, d0, d2",
            "vmax.s8 d3, d3, d5",
            "vext.8 d6, d0, d3, #1",
            "vext.8 d7, d0, d3, #2",
            "vmax.s8 d0, d0, d6",
            "vmax.s8 d0, d0, d7",
            "vst1.8 {{d0}}, [{o}]",
            r0 = inout(reg) r0 => _,
            r1 = inout(reg) r1 => _,
            r2 = inout(reg) r2 => _,
            o = in(reg) out,
            out("d0") _, out("d1") _, out("d2") _, out("d3") _,
            out("d4") _, out("d5") _, out("d6") _, out("d7") _,
            options(nostack)
        );
    }
}
