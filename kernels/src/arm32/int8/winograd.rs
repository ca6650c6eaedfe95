//! armv7 NEON int16 GEMM tiles of the int8 Winograd convolutions:
//! `vmlal.s16` by scalar (one transformed-kernel value of an output channel
//! times 4 tiles of transformed input), int32 accumulators that may wrap
//! (the exactness argument in [`crate::int8::winograd`] relies on modular
//! sums, which `vmlal` provides).

/// `c[r·8 + l] = Σ_q u[4q + r] · v[8q + l]`: 4 output channels × 8 tiles over
/// `k` input channels, unrolled by 4 (per 4 `q`: 4 + 8 d-register loads and
/// 32 `vmlal.s16` for 128 MACs).
///
/// # Safety
/// The CPU must have NEON; `k` is a positive multiple of 4, `u` has `4k`
/// and `v` `8k` readable int16, `c` 32 writable int32.
pub unsafe fn gemm16_4x8(u: *const i16, v: *const i16, k: usize, c: *mut i32) {
    debug_assert!(k > 0 && k % 4 == 0);
    // SAFETY: the loop reads k/4 blocks of 32 bytes of u and 64 bytes of v
    // (4k and 8k int16, in bounds per the contract) and stores 128 bytes at
    // c (writable per the contract); NEON per the contract.
    unsafe {
        core::arch::asm!(
            "vmov.i32 q8, #0",
            "vmov.i32 q9, #0",
            "vmov.i32 q10, #0",
            "vmov.i32 q11, #0",
            "vmov.i32 q12, #0",
            "vmov.i32 q13, #0",
            "vmov.i32 q14, #0",
            "vmov.i32 q15, #0",
            "1:",
            "vld1.16 {{d0-d3}}, [{u}]!",
            "vld1.16 {{d4-d7}}, [{v}]!",
            "vld1.16 {{d8-d11}}, [{v}]!",
            "vmlal.s16 q8, d4, d0[0]",
            "vmlal.s16 q9, d5, d0[0]",
            "vmlal.s16 q10, d4, d0[1]",
            "vmlal.s16 q11, d5, d0[1]",
            "vmlal.s16 q12, d4, d0[2]",
            "vmlal.s16 q13, d5, d0[2]",
            "vmlal.s16 q14, d4, d0[3]",
            "vmlal.s16 q15, d5, d0[3]",
            "vmlal.s16 q8, d6, d1[0]",
            "vmlal.s16 q9, d7, d1[0]",
            "vmlal.s16 q10, d6, d1[1]",
            "vmlal.s16 q11, d7, d1[1]",
            "vmlal.s16 q12, d6, d1[2]",
            "vmlal.s16 q13, d7, d1[2]",
            "vmlal.s16 q14, d6, d1[3]",
            "vmlal.s16 q15, d7, d1[3]",
            "vmlal.s16 q8, d8, d2[0]",
            "vmlal.s16 q9, d9, d2[0]",
            "vmlal.s16 q10, d8, d2[1]",
            "vmlal.s16 q11, d9, d2[1]",
            "vmlal.s16 q12, d8, d2[2]",
            "vmlal.s16 q13, d9, d2[2]",
            "vmlal.s16 q14, d8, d2[3]",
            "vmlal.s16 q15, d9, d2[3]",
            "vmlal.s16 q8, d10, d3[0]",
            "vmlal.s16 q9, d11, d3[0]",
            "vmlal.s16 q10, d10, d3[1]",
            "vmlal.s16 q11, d11, d3[1]",
            "vmlal.s16 q12, d10, d3[2]",
            "vmlal.s16 q13, d11, d3[2]",
            "vmlal.s16 q14, d10, d3[3]",
            "vmlal.s16 q15, d11, d3[3]",
            "subs {k}, {k}, #1",
            "bne 1b",
            "vst1.32 {{d16-d19}}, [{c}]!",
            "vst1.32 {{d20-d23}}, [{c}]!",
            "vst1.32 {{d24-d27}}, [{c}]!",
            "vst1.32 {{d28-d31}}, [{c}]",
            u = inout(reg) u => _,
            v = inout(reg) v => _,
            k = inout(reg) k / 4 => _,
            c = inout(reg) c => _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q4") _, out("q5") _,
            out("q8") _, out("q9") _, out("q10") _, out("q11") _,
            out("q12") _, out("q13") _, out("q14") _, out("q15") _,
            options(nostack)
        );
    }
}

/// `c[r·4 + l] = Σ_q u[4q + r] · v[4q + l]`: 4 output channels × 4 tiles (the
/// tail of a map whose tile count is not a multiple of 8), unrolled by 4.
///
/// # Safety
/// The CPU must have NEON; `k` is a positive multiple of 4, `u` and `v` have
/// `4k` readable int16, `c` 16 writable int32.
pub unsafe fn gemm16_4x4(u: *const i16, v: *const i16, k: usize, c: *mut i32) {
    debug_assert!(k > 0 && k % 4 == 0);
    // SAFETY: the loop reads k/4 blocks of 32 bytes of u and of v (4k int16
    // each, in bounds) and stores 64 bytes at c; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "vmov.i32 q8, #0",
            "vmov.i32 q9, #0",
            "vmov.i32 q10, #0",
            "vmov.i32 q11, #0",
            "1:",
            "vld1.16 {{d0-d3}}, [{u}]!",
            "vld1.16 {{d4-d7}}, [{v}]!",
            "vmlal.s16 q8, d4, d0[0]",
            "vmlal.s16 q9, d4, d0[1]",
            "vmlal.s16 q10, d4, d0[2]",
            "vmlal.s16 q11, d4, d0[3]",
            "vmlal.s16 q8, d5, d1[0]",
            "vmlal.s16 q9, d5, d1[1]",
            "vmlal.s16 q10, d5, d1[2]",
            "vmlal.s16 q11, d5, d1[3]",
            "vmlal.s16 q8, d6, d2[0]",
            "vmlal.s16 q9, d6, d2[1]",
            "vmlal.s16 q10, d6, d2[2]",
            "vmlal.s16 q11, d6, d2[3]",
            "vmlal.s16 q8, d7, d3[0]",
            "vmlal.s16 q9, d7, d3[1]",
            "vmlal.s16 q10, d7, d3[2]",
            "vmlal.s16 q11, d7, d3[3]",
            "subs {k}, {k}, #1",
            "bne 1b",
            "vst1.32 {{d16-d19}}, [{c}]!",
            "vst1.32 {{d20-d23}}, [{c}]",
            u = inout(reg) u => _,
            v = inout(reg) v => _,
            k = inout(reg) k / 4 => _,
            c = inout(reg) c => _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _,
            out("q8") _, out("q9") _, out("q10") _, out("q11") _,
            options(nostack)
        );
    }
}
