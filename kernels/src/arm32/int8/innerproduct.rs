//! armv7 NEON dot products of the int8 inner product: 4 weight rows against
//! one input vector, 16 `k` per step (`vmull.s8` + `vmlal.s8` into int16 —
//! two products of |x| ≤ 128, |w| ≤ 127 stay below 32767 — then `vpadal.s16`).

/// `out[r] = Σ_{k < 16·kblocks} w[r·ldw + k] · x[k]` for `r < 4` (wrapping).
///
/// # Safety
/// The CPU must have NEON; `kblocks > 0`; `w + r·ldw + 0..16·kblocks`
/// readable for `r < 4`, `x + 0..16·kblocks` readable, `out + 0..4` writable.
pub unsafe fn dot4(w: *const i8, ldw: usize, x: *const i8, kblocks: usize, out: *mut i32) {
    // SAFETY: reads 16·kblocks bytes of x and of 4 rows spaced ldw, writes 4
    // int32 at out, all in bounds per the contract; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "add {w1}, {w0}, {ldw}",
            "add {w2}, {w1}, {ldw}",
            "add {w3}, {w2}, {ldw}",
            "vmov.i32 q8, #0",
            "vmov.i32 q9, #0",
            "vmov.i32 q10, #0",
            "vmov.i32 q11, #0",
            "1:",
            "vld1.8 {{d0-d1}}, [{x}]!",
            "vld1.8 {{d2-d3}}, [{w0}]!",
            "vld1.8 {{d4-d5}}, [{w1}]!",
            "vld1.8 {{d6-d7}}, [{w2}]!",
            "vld1.8 {{d8-d9}}, [{w3}]!",
            "vmull.s8 q5, d2, d0",
            "vmull.s8 q6, d4, d0",
            "vmull.s8 q7, d6, d0",
            "vmlal.s8 q5, d3, d1",
            "vmlal.s8 q6, d5, d1",
            "vmlal.s8 q7, d7, d1",
            "vpadal.s16 q8, q5",
            "vpadal.s16 q9, q6",
            "vpadal.s16 q10, q7",
            "vmull.s8 q5, d8, d0",
            "vmlal.s8 q5, d9, d1",
            "vpadal.s16 q11, q5",
            "subs {k}, {k}, #1",
            "bne 1b",
            "vpadd.i32 d0, d16, d17",
            "vpadd.i32 d1, d18, d19",
            "vpadd.i32 d2, d20, d21",
            "vpadd.i32 d3, d22, d23",
            "vpadd.i32 d4, d0, d1",
            "vpadd.i32 d5, d2, d3",
            "vst1.32 {{d4-d5}}, [{out}]",
            w0 = inout(reg) w => _,
            w1 = out(reg) _,
            w2 = out(reg) _,
            w3 = out(reg) _,
            ldw = in(reg) ldw,
            x = inout(reg) x => _,
            k = inout(reg) kblocks => _,
            out = in(reg) out,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q4") _,
            out("q5") _, out("q6") _, out("q7") _, out("q8") _, out("q9") _,
            out("q10") _, out("q11") _,
            options(nostack)
        );
    }
}
