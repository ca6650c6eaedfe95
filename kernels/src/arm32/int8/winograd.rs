//! armv7 NEON int16 GEMM tiles of the int8 Winograd convolutions:
//! `vmlal.s16` by scalar (one transformed-kernel value of an output channel
//! times 4 tiles of transformed input), int32 accumulators that may wrap
//! (the exactness argument in [`crate::int8::winograd`] relies on modular
//! sums, which `vmlal` provides).

/// The int16 GEMM tiles of `positions` consecutive transform positions:
/// for position `p`, `c[32p + r·8 + l] = Σ_{q<k} u_p[4q + r] · v_p[8q + l]`
/// (4 output channels × 8 tiles), with `u_p = u + p·ustride` and
/// `v_p = v + p·vstride` (int16 elements). Per 4 `q`: 4 + 8 d-register loads
/// and 32 `vmlal.s16` (by scalar) for 128 MACs; int32 accumulators wrap.
///
/// # Safety
/// The CPU must have NEON; `k` is a positive multiple of 4, `positions > 0`,
/// `ustride ≥ 4k`, `vstride ≥ 8k`; `u_p + 0..4k` and `v_p + 0..8k` readable
/// and `c + 0..32·positions` writable.
pub unsafe fn gemm16_4x8(
    u: *const i16,
    ustride: usize,
    v: *const i16,
    vstride: usize,
    k: usize,
    c: *mut i32,
    positions: usize,
) {
    debug_assert!(k > 0 && k % 4 == 0 && positions > 0);
    // SAFETY: position p reads 4k int16 at u_p and 8k at v_p and writes 32
    // int32 at c + 32p, all in bounds per the contract; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "2:",
            "vld1.16 {{d0-d3}}, [{u}]!",
            "vld1.16 {{d4-d7}}, [{v}]!",
            "vld1.16 {{d8-d11}}, [{v}]!",
            // The first 4 k start the sums (vmull): no zeroing.
            "vmull.s16 q8, d4, d0[0]",
            "vmull.s16 q9, d5, d0[0]",
            "vmull.s16 q10, d4, d0[1]",
            "vmull.s16 q11, d5, d0[1]",
            "vmull.s16 q12, d4, d0[2]",
            "vmull.s16 q13, d5, d0[2]",
            "vmull.s16 q14, d4, d0[3]",
            "vmull.s16 q15, d5, d0[3]",
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
            "movs {k}, {kb}",
            "beq 3f",
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
            "3:",
            "vst1.32 {{d16-d19}}, [{c}]!",
            "vst1.32 {{d20-d23}}, [{c}]!",
            "vst1.32 {{d24-d27}}, [{c}]!",
            "vst1.32 {{d28-d31}}, [{c}]!",
            "add {u}, {u}, {us}",
            "add {v}, {v}, {vs}",
            "subs {n}, {n}, #1",
            "bne 2b",
            u = inout(reg) u => _,
            v = inout(reg) v => _,
            us = in(reg) (ustride - 4 * k) * 2,
            vs = in(reg) (vstride - 8 * k) * 2,
            kb = in(reg) k / 4 - 1,
            k = out(reg) _,
            c = inout(reg) c => _,
            n = inout(reg) positions => _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q4") _, out("q5") _,
            out("q8") _, out("q9") _, out("q10") _, out("q11") _,
            out("q12") _, out("q13") _, out("q14") _, out("q15") _,
            options(nostack)
        );
    }
}

/// [`gemm16_4x8`] for 4 tiles (the tail of a map whose tile count is not a
/// multiple of 8): `c[32p + r·4 + l]` (positions stay 32 int32 apart, as for
/// 8 tiles), `v_p + 0..4k` readable.
///
/// # Safety
/// As [`gemm16_4x8`] with `vstride ≥ 4k`, `v_p + 0..4k` readable and
/// `c + 32p + 0..16` writable.
pub unsafe fn gemm16_4x4(
    u: *const i16,
    ustride: usize,
    v: *const i16,
    vstride: usize,
    k: usize,
    c: *mut i32,
    positions: usize,
) {
    debug_assert!(k > 0 && k % 4 == 0 && positions > 0);
    // SAFETY: position p reads 4k int16 at u_p and at v_p and writes 16 int32
    // at c + 32p; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "2:",
            "vld1.16 {{d0-d3}}, [{u}]!",
            "vld1.16 {{d4-d7}}, [{v}]!",
            // The first 4 k start the sums (vmull): no zeroing.
            "vmull.s16 q8, d4, d0[0]",
            "vmull.s16 q9, d4, d0[1]",
            "vmull.s16 q10, d4, d0[2]",
            "vmull.s16 q11, d4, d0[3]",
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
            "movs {k}, {kb}",
            "beq 3f",
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
            "3:",
            "vst1.32 {{d16-d19}}, [{c}]!",
            "vst1.32 {{d20-d23}}, [{c}]!",
            "add {c}, {c}, #64",
            "add {u}, {u}, {us}",
            "add {v}, {v}, {vs}",
            "subs {n}, {n}, #1",
            "bne 2b",
            u = inout(reg) u => _,
            v = inout(reg) v => _,
            us = in(reg) (ustride - 4 * k) * 2,
            vs = in(reg) (vstride - 4 * k) * 2,
            kb = in(reg) k / 4 - 1,
            k = out(reg) _,
            c = inout(reg) c => _,
            n = inout(reg) positions => _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _,
            out("q8") _, out("q9") _, out("q10") _, out("q11") _,
            options(nostack)
        );
    }
}

/// Two `k` of [`gemm16_6x8`]: 6 kernel values per `k` in d0–d2 (by lane),
/// 8 tiles per `k` in d3–d6; `$first` (`vmull` starts the sums, `vmlal`
/// adds) for the first `k`.
macro_rules! step_6x8 {
    ($first:literal) => {
        concat!(
            "vld1.16 {{d0-d2}}, [{u}]!\n",
            "vld1.16 {{d3-d6}}, [{v}]!\n",
            $first,
            " q4, d3, d0[0]\n",
            $first,
            " q5, d4, d0[0]\n",
            $first,
            " q6, d3, d0[1]\n",
            $first,
            " q7, d4, d0[1]\n",
            $first,
            " q8, d3, d0[2]\n",
            $first,
            " q9, d4, d0[2]\n",
            $first,
            " q10, d3, d0[3]\n",
            $first,
            " q11, d4, d0[3]\n",
            $first,
            " q12, d3, d1[0]\n",
            $first,
            " q13, d4, d1[0]\n",
            $first,
            " q14, d3, d1[1]\n",
            $first,
            " q15, d4, d1[1]\n",
            "vmlal.s16 q4, d5, d1[2]\n",
            "vmlal.s16 q5, d6, d1[2]\n",
            "vmlal.s16 q6, d5, d1[3]\n",
            "vmlal.s16 q7, d6, d1[3]\n",
            "vmlal.s16 q8, d5, d2[0]\n",
            "vmlal.s16 q9, d6, d2[0]\n",
            "vmlal.s16 q10, d5, d2[1]\n",
            "vmlal.s16 q11, d6, d2[1]\n",
            "vmlal.s16 q12, d5, d2[2]\n",
            "vmlal.s16 q13, d6, d2[2]\n",
            "vmlal.s16 q14, d5, d2[3]\n",
            "vmlal.s16 q15, d6, d2[3]\n",
        )
    };
}

/// Two `k` of [`gemm16_6x4`]: as [`step_6x8!`] with 4 tiles per `k` (d3, d4).
macro_rules! step_6x4 {
    ($first:literal) => {
        concat!(
            "vld1.16 {{d0-d2}}, [{u}]!\n",
            "vld1.16 {{d3-d4}}, [{v}]!\n",
            $first,
            " q4, d3, d0[0]\n",
            $first,
            " q5, d3, d0[1]\n",
            $first,
            " q6, d3, d0[2]\n",
            $first,
            " q7, d3, d0[3]\n",
            $first,
            " q8, d3, d1[0]\n",
            $first,
            " q9, d3, d1[1]\n",
            "vmlal.s16 q4, d4, d1[2]\n",
            "vmlal.s16 q5, d4, d1[3]\n",
            "vmlal.s16 q6, d4, d2[0]\n",
            "vmlal.s16 q7, d4, d2[1]\n",
            "vmlal.s16 q8, d4, d2[2]\n",
            "vmlal.s16 q9, d4, d2[3]\n",
        )
    };
}

/// The int16 GEMM tiles of 6 output channels × 8 tiles for `positions`
/// consecutive transform positions: `c[48p + r·8 + l] = Σ_{q<k} u_p[6q + r] ·
/// v_p[8q + l]`, with `u_p = u + p·ustride` and `v_p = v + p·vstride`. The
/// 48 accumulators take q4–q15, which leaves d0–d6 for operands (by-scalar
/// `vmlal.s16` needs its scalars in d0–d7): per 2 `q`, 3 + 4 d-register
/// loads and 24 `vmlal` for 96 MACs, against [`gemm16_4x8`]'s 6 + 32 for 64
/// — the loads per MAC drop by a quarter.
///
/// # Safety
/// The CPU must have NEON; `k` is a positive multiple of 4, `positions > 0`,
/// `ustride ≥ 6k`, `vstride ≥ 8k`; `u_p + 0..6k` and `v_p + 0..8k` readable
/// and `c + 0..48·positions` writable.
pub unsafe fn gemm16_6x8(
    u: *const i16,
    ustride: usize,
    v: *const i16,
    vstride: usize,
    k: usize,
    c: *mut i32,
    positions: usize,
) {
    debug_assert!(k > 0 && k % 4 == 0 && positions > 0);
    // SAFETY: position p reads 6k int16 at u_p and 8k at v_p and writes 48
    // int32 at c + 48p, all in bounds per the contract; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "2:",
            // The first k starts the sums (vmull): no zeroing. 4 k per
            // loop step (k is a multiple of 4): half the loop branches.
            step_6x8!("vmull.s16"),
            step_6x8!("vmlal.s16"),
            "movs {k}, {kb}",
            "beq 3f",
            "1:",
            step_6x8!("vmlal.s16"),
            step_6x8!("vmlal.s16"),
            "subs {k}, {k}, #1",
            "bne 1b",
            "3:",
            "vst1.32 {{d8-d11}}, [{c}]!",
            "vst1.32 {{d12-d15}}, [{c}]!",
            "vst1.32 {{d16-d19}}, [{c}]!",
            "vst1.32 {{d20-d23}}, [{c}]!",
            "vst1.32 {{d24-d27}}, [{c}]!",
            "vst1.32 {{d28-d31}}, [{c}]!",
            "add {u}, {u}, {us}",
            "add {v}, {v}, {vs}",
            "subs {n}, {n}, #1",
            "bne 2b",
            u = inout(reg) u => _,
            v = inout(reg) v => _,
            us = in(reg) (ustride - 6 * k) * 2,
            vs = in(reg) (vstride - 8 * k) * 2,
            kb = in(reg) (k - 4) / 4,
            k = out(reg) _,
            c = inout(reg) c => _,
            n = inout(reg) positions => _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _,
            out("q4") _, out("q5") _, out("q6") _, out("q7") _,
            out("q8") _, out("q9") _, out("q10") _, out("q11") _,
            out("q12") _, out("q13") _, out("q14") _, out("q15") _,
            options(nostack)
        );
    }
}

/// [`gemm16_6x8`] for 4 tiles (the last block of a map): `c[48p + r·4 + l]`
/// (positions stay 48 int32 apart), `v_p + 0..4k` readable.
///
/// # Safety
/// As [`gemm16_6x8`] with `vstride ≥ 4k`, `v_p + 0..4k` readable and
/// `c + 48p + 0..24` writable.
pub unsafe fn gemm16_6x4(
    u: *const i16,
    ustride: usize,
    v: *const i16,
    vstride: usize,
    k: usize,
    c: *mut i32,
    positions: usize,
) {
    debug_assert!(k > 0 && k % 4 == 0 && positions > 0);
    // SAFETY: position p reads 6k int16 at u_p and 4k at v_p and writes 24
    // int32 at c + 48p; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "2:",
            // The first k starts the sums (vmull): no zeroing. 4 k per
            // loop step (k is a multiple of 4): half the loop branches.
            step_6x4!("vmull.s16"),
            step_6x4!("vmlal.s16"),
            "movs {k}, {kb}",
            "beq 3f",
            "1:",
            step_6x4!("vmlal.s16"),
            step_6x4!("vmlal.s16"),
            "subs {k}, {k}, #1",
            "bne 1b",
            "3:",
            "vst1.32 {{d8-d11}}, [{c}]!",
            "vst1.32 {{d12-d15}}, [{c}]!",
            "vst1.32 {{d16-d19}}, [{c}]!",
            "add {c}, {c}, #96",
            "add {u}, {u}, {us}",
            "add {v}, {v}, {vs}",
            "subs {n}, {n}, #1",
            "bne 2b",
            u = inout(reg) u => _,
            v = inout(reg) v => _,
            us = in(reg) (ustride - 6 * k) * 2,
            vs = in(reg) (vstride - 4 * k) * 2,
            kb = in(reg) (k - 4) / 4,
            k = out(reg) _,
            c = inout(reg) c => _,
            n = inout(reg) positions => _,
            out("q0") _, out("q1") _, out("q2") _,
            out("q4") _, out("q5") _, out("q6") _, out("q7") _,
            out("q8") _, out("q9") _,
            options(nostack)
        );
    }
}

/// Two `k` of [`gemm16_12x4`]: 6 kernel values per `k` of block 0 in d0–d2
/// and of block 1 in d3–d5 (by lane), 4 tiles per `k` in d6, d7; `$first`
/// for the first `k` as in [`step_6x8!`].
macro_rules! step_12x4 {
    ($first:literal) => {
        concat!(
            "vld1.16 {{d0-d2}}, [{u0}]!\n",
            "vld1.16 {{d3-d5}}, [{u1}]!\n",
            "vld1.16 {{d6-d7}}, [{v}]!\n",
            $first,
            " q4, d6, d0[0]\n",
            $first,
            " q5, d6, d0[1]\n",
            $first,
            " q6, d6, d0[2]\n",
            $first,
            " q7, d6, d0[3]\n",
            $first,
            " q8, d6, d1[0]\n",
            $first,
            " q9, d6, d1[1]\n",
            $first,
            " q10, d6, d3[0]\n",
            $first,
            " q11, d6, d3[1]\n",
            $first,
            " q12, d6, d3[2]\n",
            $first,
            " q13, d6, d3[3]\n",
            $first,
            " q14, d6, d4[0]\n",
            $first,
            " q15, d6, d4[1]\n",
            "vmlal.s16 q4, d7, d1[2]\n",
            "vmlal.s16 q5, d7, d1[3]\n",
            "vmlal.s16 q6, d7, d2[0]\n",
            "vmlal.s16 q7, d7, d2[1]\n",
            "vmlal.s16 q8, d7, d2[2]\n",
            "vmlal.s16 q9, d7, d2[3]\n",
            "vmlal.s16 q10, d7, d4[2]\n",
            "vmlal.s16 q11, d7, d4[3]\n",
            "vmlal.s16 q12, d7, d5[0]\n",
            "vmlal.s16 q13, d7, d5[1]\n",
            "vmlal.s16 q14, d7, d5[2]\n",
            "vmlal.s16 q15, d7, d5[3]\n",
        )
    };
}

/// Two blocks of 6 output channels × 4 tiles at one position:
/// `c0[r·4 + l] = Σ_{q<k} u0[6q + r] · v[4q + l]` and `c1` from `u1` the
/// same way. Each 2 `k` load 3 + 3 + 2 d registers for 24 `vmlal.s16`
/// (96 MACs), against [`gemm16_6x4`]'s 3 + 2 for 12: the tile values are
/// loaded once for 12 rows. For maps of at most 4 tiles (7×7), where every
/// tile block has 4 lanes.
///
/// # Safety
/// The CPU must have NEON; `k` is a positive multiple of 4; `u0 + 0..6k`,
/// `u1 + 0..6k`, `v + 0..4k` readable, `c0 + 0..24` and `c1 + 0..24`
/// writable.
pub unsafe fn gemm16_12x4(
    u0: *const i16,
    u1: *const i16,
    v: *const i16,
    k: usize,
    c0: *mut i32,
    c1: *mut i32,
) {
    debug_assert!(k > 0 && k % 4 == 0);
    // SAFETY: reads 6k int16 at u0 and u1 and 4k at v, writes 24 int32 at c0
    // and c1, all in bounds per the contract; NEON per the contract.
    unsafe {
        core::arch::asm!(
            // The first k starts the sums (vmull): no zeroing; 4 k per step.
            step_12x4!("vmull.s16"),
            step_12x4!("vmlal.s16"),
            "cmp {n}, #0",
            "beq 3f",
            "1:",
            step_12x4!("vmlal.s16"),
            step_12x4!("vmlal.s16"),
            "subs {n}, {n}, #1",
            "bne 1b",
            "3:",
            "vst1.32 {{d8-d11}}, [{c0}]!",
            "vst1.32 {{d12-d15}}, [{c0}]!",
            "vst1.32 {{d16-d19}}, [{c0}]",
            "vst1.32 {{d20-d23}}, [{c1}]!",
            "vst1.32 {{d24-d27}}, [{c1}]!",
            "vst1.32 {{d28-d31}}, [{c1}]",
            u0 = inout(reg) u0 => _,
            u1 = inout(reg) u1 => _,
            v = inout(reg) v => _,
            n = inout(reg) (k - 4) / 4 => _,
            c0 = inout(reg) c0 => _,
            c1 = inout(reg) c1 => _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _,
            out("q4") _, out("q5") _, out("q6") _, out("q7") _,
            out("q8") _, out("q9") _, out("q10") _, out("q11") _,
            out("q12") _, out("q13") _, out("q14") _, out("q15") _,
            options(nostack)
        );
    }
}

/// Gathers one chunk of 8 tiles of F(4,3) patches: for each of the 6 patch
/// rows, `vld4.8` de-interleaves the row into patch columns 0–3 of the 8
/// tiles, a second one (4 bytes on) gives columns 4–5; each column goes to
/// `dst + (r·6 + c)·slots`. Same result as
/// [`crate::generic::int8::winograd::gather`] for the chunk.
///
/// # Safety
/// The CPU must have NEON; `src` has 6 rows of `wp` bytes of which the first
/// 36 are readable; `dst + pos·slots + 0..8` is writable for `pos < 36`.
pub unsafe fn gather4(src: *const i8, wp: usize, dst: *mut i8, slots: usize) {
    // SAFETY: reads bytes 0..36 of 6 rows (in bounds per the contract), writes
    // 8 bytes at 36 positions spaced `slots`; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "1:",
            "add {t}, {src}, #4",
            "vld4.8 {{d0-d3}}, [{src}]",
            "vld4.8 {{d4-d7}}, [{t}]",
            "vst1.8 {{d0}}, [{dst}], {slots}",
            "vst1.8 {{d1}}, [{dst}], {slots}",
            "vst1.8 {{d2}}, [{dst}], {slots}",
            "vst1.8 {{d3}}, [{dst}], {slots}",
            "vst1.8 {{d4}}, [{dst}], {slots}",
            "vst1.8 {{d5}}, [{dst}], {slots}",
            "add {src}, {src}, {wp}",
            "subs {r}, {r}, #1",
            "bne 1b",
            src = inout(reg) src => _,
            dst = inout(reg) dst => _,
            t = out(reg) _,
            r = inout(reg) 6usize => _,
            wp = in(reg) wp,
            slots = in(reg) slots,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _,
            options(nostack)
        );
    }
}

/// [`gather4`] for F(2,3): 4 patch rows, `vld2.8` twice (columns 0–1, 2–3).
///
/// # Safety
/// As [`gather4`] with 4 rows of which the first 18 bytes are readable and
/// 16 positions.
pub unsafe fn gather2(src: *const i8, wp: usize, dst: *mut i8, slots: usize) {
    // SAFETY: reads bytes 0..18 of 4 rows, writes 8 bytes at 16 positions;
    // NEON per the contract.
    unsafe {
        core::arch::asm!(
            "1:",
            "add {t}, {src}, #2",
            "vld2.8 {{d0-d1}}, [{src}]",
            "vld2.8 {{d2-d3}}, [{t}]",
            "vst1.8 {{d0}}, [{dst}], {slots}",
            "vst1.8 {{d1}}, [{dst}], {slots}",
            "vst1.8 {{d2}}, [{dst}], {slots}",
            "vst1.8 {{d3}}, [{dst}], {slots}",
            "add {src}, {src}, {wp}",
            "subs {r}, {r}, #1",
            "bne 1b",
            src = inout(reg) src => _,
            dst = inout(reg) dst => _,
            t = out(reg) _,
            r = inout(reg) 4usize => _,
            wp = in(reg) wp,
            slots = in(reg) slots,
            out("q0") _, out("q1") _,
            options(nostack)
        );
    }
}

/// F(4,3) input transform of 8 tiles: int8 patches `d + pos·slots` (8 bytes
/// each) to int16 `v + pos·vstride` (`lanes` = 8 or 4 values). The first
/// pass (columns) widens with `vsubl`/`vaddl.s8`, so no separate `vmovl`;
/// both passes use the factorisation
/// `r0 = (d4−d2) + 4(d0−d2)`, `r1 = (d3+d4) − 4(d1+d2)`,
/// `r2 = (d4−d3) + 4(d1−d2)`, `r3,4 = (d4−d2) ± 2(d3−d1)`,
/// `r5 = (d5−d3) − 4(d3−d1)`: 15 operations per 6 values.
///
/// # Safety
/// The CPU must have NEON; `d + pos·slots + 0..8` readable and
/// `v + pos·vstride + 0..lanes` (int16) writable for `pos < 36`.
pub unsafe fn input_transform4(
    d: *const i8,
    slots: usize,
    v: *mut i16,
    vstride: usize,
    lanes: usize,
) {
    // Pass 1 writes every element before pass 2 reads it: no need to zero.
    let mut tmp = core::mem::MaybeUninit::<[i16; 36 * 8]>::uninit();
    macro_rules! run {
        ($st0:literal, $st1:literal, $st2:literal, $st3:literal, $st4:literal, $st5:literal) => {
            // SAFETY: pass 1 reads 8 bytes at d + (r·6 + c)·slots (in bounds per
            // the contract) and writes tmp (576 bytes); pass 2 reads tmp and
            // writes `lanes` int16 at v + pos·vstride; NEON per the contract.
            unsafe {
                core::arch::asm!(
                    "vmov.i16 q15, #4",
                    // Pass 1: column c of the patch → tmp[c][0..6].
                    "mov {c}, #6",
                    "mov {t}, {tmp}",
                    "1:",
                    "mov {p}, {d}",
                    "vld1.8 {{d0}}, [{p}], {s6}",
                    "vld1.8 {{d1}}, [{p}], {s6}",
                    "vld1.8 {{d2}}, [{p}], {s6}",
                    "vld1.8 {{d3}}, [{p}], {s6}",
                    "vld1.8 {{d4}}, [{p}], {s6}",
                    "vld1.8 {{d5}}, [{p}]",
                    "vsubl.s8 q3, d0, d2",
                    "vsubl.s8 q4, d4, d2",
                    "vsubl.s8 q5, d3, d1",
                    "vsubl.s8 q6, d5, d3",
                    "vaddl.s8 q7, d3, d4",
                    "vaddl.s8 q8, d1, d2",
                    "vsubl.s8 q9, d4, d3",
                    "vsubl.s8 q10, d1, d2",
                    "vshl.i16 q11, q5, #1",
                    "vadd.i16 q12, q4, q11",
                    "vsub.i16 q13, q4, q11",
                    "vmla.i16 q4, q3, q15",
                    "vmls.i16 q7, q8, q15",
                    "vmla.i16 q9, q10, q15",
                    "vmls.i16 q6, q5, q15",
                    "vst1.16 {{d8-d9}}, [{t}]!",
                    "vst1.16 {{d14-d15}}, [{t}]!",
                    "vst1.16 {{d18-d19}}, [{t}]!",
                    "vst1.16 {{d24-d25}}, [{t}]!",
                    "vst1.16 {{d26-d27}}, [{t}]!",
                    "vst1.16 {{d12-d13}}, [{t}]!",
                    "add {d}, {d}, {slots}",
                    "subs {c}, {c}, #1",
                    "bne 1b",
                    // Pass 2: row r of tmp → v[(r·6 + c)·vstride], c = 0..6.
                    "mov {c}, #6",
                    "mov {t}, {tmp}",
                    "mov {s6}, #96",
                    "2:",
                    "mov {p}, {t}",
                    "vld1.16 {{d0-d1}}, [{p}], {s6}",
                    "vld1.16 {{d2-d3}}, [{p}], {s6}",
                    "vld1.16 {{d4-d5}}, [{p}], {s6}",
                    "vld1.16 {{d6-d7}}, [{p}], {s6}",
                    "vld1.16 {{d8-d9}}, [{p}], {s6}",
                    "vld1.16 {{d10-d11}}, [{p}]",
                    "vsub.i16 q6, q0, q2",
                    "vsub.i16 q7, q4, q2",
                    "vsub.i16 q8, q3, q1",
                    "vsub.i16 q9, q5, q3",
                    "vadd.i16 q10, q3, q4",
                    "vadd.i16 q11, q1, q2",
                    "vsub.i16 q12, q4, q3",
                    "vsub.i16 q13, q1, q2",
                    "vshl.i16 q14, q8, #1",
                    "vadd.i16 q0, q7, q14",
                    "vsub.i16 q1, q7, q14",
                    "vmla.i16 q7, q6, q15",
                    "vmls.i16 q10, q11, q15",
                    "vmla.i16 q12, q13, q15",
                    "vmls.i16 q9, q8, q15",
                    $st0,
                    $st1,
                    $st2,
                    $st3,
                    $st4,
                    $st5,
                    "add {t}, {t}, #16",
                    "subs {c}, {c}, #1",
                    "bne 2b",
                    d = inout(reg) d => _,
                    v = inout(reg) v => _,
                    tmp = in(reg) tmp.as_mut_ptr(),
                    slots = in(reg) slots,
                    vs = in(reg) vstride * 2,
                    s6 = inout(reg) 6 * slots => _,
                    c = out(reg) _,
                    t = out(reg) _,
                    p = out(reg) _,
                    out("q0") _, out("q1") _, out("q2") _, out("q3") _,
                    out("q4") _, out("q5") _, out("q6") _, out("q7") _,
                    out("q8") _, out("q9") _, out("q10") _, out("q11") _,
                    out("q12") _, out("q13") _, out("q14") _, out("q15") _,
                    options(nostack)
                )
            }
        };
    }
    if lanes == 8 {
        run!(
            "vst1.16 {{d14-d15}}, [{v}], {vs}",
            "vst1.16 {{d20-d21}}, [{v}], {vs}",
            "vst1.16 {{d24-d25}}, [{v}], {vs}",
            "vst1.16 {{d0-d1}}, [{v}], {vs}",
            "vst1.16 {{d2-d3}}, [{v}], {vs}",
            "vst1.16 {{d18-d19}}, [{v}], {vs}"
        );
    } else {
        run!(
            "vst1.16 {{d14}}, [{v}], {vs}",
            "vst1.16 {{d20}}, [{v}], {vs}",
            "vst1.16 {{d24}}, [{v}], {vs}",
            "vst1.16 {{d0}}, [{v}], {vs}",
            "vst1.16 {{d2}}, [{v}], {vs}",
            "vst1.16 {{d18}}, [{v}], {vs}"
        );
    }
}

/// F(2,3) input transform of 8 tiles (see [`input_transform4`]):
/// `r0 = d0−d2, r1 = d1+d2, r2 = d2−d1, r3 = d1−d3` on 4×4 patches.
///
/// # Safety
/// As [`input_transform4`] for 16 positions.
pub unsafe fn input_transform2(
    d: *const i8,
    slots: usize,
    v: *mut i16,
    vstride: usize,
    lanes: usize,
) {
    // Pass 1 writes every element before pass 2 reads it: no need to zero.
    let mut tmp = core::mem::MaybeUninit::<[i16; 16 * 8]>::uninit();
    macro_rules! run {
        ($st0:literal, $st1:literal, $st2:literal, $st3:literal) => {
            // SAFETY: pass 1 reads 8 bytes at d + (r·4 + c)·slots and writes
            // tmp (256 bytes); pass 2 reads tmp and writes `lanes` int16 at
            // v + pos·vstride; NEON per the contract.
            unsafe {
                core::arch::asm!(
                    "mov {c}, #4",
                    "mov {t}, {tmp}",
                    "1:",
                    "mov {p}, {d}",
                    "vld1.8 {{d0}}, [{p}], {s4}",
                    "vld1.8 {{d1}}, [{p}], {s4}",
                    "vld1.8 {{d2}}, [{p}], {s4}",
                    "vld1.8 {{d3}}, [{p}]",
                    "vsubl.s8 q2, d0, d2",
                    "vaddl.s8 q3, d1, d2",
                    "vsubl.s8 q4, d2, d1",
                    "vsubl.s8 q5, d1, d3",
                    "vst1.16 {{d4-d7}}, [{t}]!",
                    "vst1.16 {{d8-d11}}, [{t}]!",
                    "add {d}, {d}, {slots}",
                    "subs {c}, {c}, #1",
                    "bne 1b",
                    "mov {c}, #4",
                    "mov {t}, {tmp}",
                    "mov {s4}, #64",
                    "2:",
                    "mov {p}, {t}",
                    "vld1.16 {{d0-d1}}, [{p}], {s4}",
                    "vld1.16 {{d2-d3}}, [{p}], {s4}",
                    "vld1.16 {{d4-d5}}, [{p}], {s4}",
                    "vld1.16 {{d6-d7}}, [{p}]",
                    "vsub.i16 q4, q0, q2",
                    "vadd.i16 q5, q1, q2",
                    "vsub.i16 q6, q2, q1",
                    "vsub.i16 q7, q1, q3",
                    $st0,
                    $st1,
                    $st2,
                    $st3,
                    "add {t}, {t}, #16",
                    "subs {c}, {c}, #1",
                    "bne 2b",
                    d = inout(reg) d => _,
                    v = inout(reg) v => _,
                    tmp = in(reg) tmp.as_mut_ptr(),
                    slots = in(reg) slots,
                    vs = in(reg) vstride * 2,
                    s4 = inout(reg) 4 * slots => _,
                    c = out(reg) _,
                    t = out(reg) _,
                    p = out(reg) _,
                    out("q0") _, out("q1") _, out("q2") _, out("q3") _,
                    out("q4") _, out("q5") _, out("q6") _, out("q7") _,
                    options(nostack)
                )
            }
        };
    }
    if lanes == 8 {
        run!(
            "vst1.16 {{d8-d9}}, [{v}], {vs}",
            "vst1.16 {{d10-d11}}, [{v}], {vs}",
            "vst1.16 {{d12-d13}}, [{v}], {vs}",
            "vst1.16 {{d14-d15}}, [{v}], {vs}"
        );
    } else {
        run!(
            "vst1.16 {{d8}}, [{v}], {vs}",
            "vst1.16 {{d10}}, [{v}], {vs}",
            "vst1.16 {{d12}}, [{v}], {vs}",
            "vst1.16 {{d14}}, [{v}], {vs}"
        );
    }
}

/// F(4,3) output transform of 8 tiles (two halves of 4 lanes; only the
/// first `halves` of them, 1 for a block of 4 tiles): wrapping
/// int32 sums `c + pos·cstride` to exact outputs `y + (i·4 + j)·ystride`
/// (`y = (v · 9⁻¹) >> 6`, see [`crate::int8::winograd`]). Both passes:
/// `a = x1+x2, b = x1−x2, s = x3+x4, e = x3−x4`, `o0 = x0 + a + s`,
/// `o1 = b + 2e`, `o2 = a + 4s`, `o3 = b + 8e + 4x5` (11 operations).
///
/// # Safety
/// The CPU must have NEON; `halves` is 1 or 2; `c + pos·cstride + 0..8`
/// readable for `pos < 36` and `y + k·ystride + 0..8` writable for `k < 16`
/// (int32 elements; `0..4` of each when `halves` is 1).
pub unsafe fn output_transform4(
    c: *const i32,
    cstride: usize,
    y: *mut i32,
    ystride: usize,
    halves: usize,
) {
    // Pass 1 writes every element before pass 2 reads it: no need to zero.
    let mut tmp = core::mem::MaybeUninit::<[i32; 24 * 4]>::uninit();
    for half in 0..halves {
        // SAFETY: pass 1 reads 4 int32 at c + 4·half + pos·cstride and writes
        // tmp (384 bytes); pass 2 writes 4 int32 at y + 4·half + k·ystride;
        // all within the contract; NEON per the contract.
        unsafe {
            core::arch::asm!(
                "vmov.i32 q15, #4",
                "vdup.32 q14, {inv9}",
                "mov {n}, #6",
                "mov {t}, {tmp}",
                "1:",
                "mov {p}, {c}",
                "vld1.32 {{d0-d1}}, [{p}], {s6}",
                "vld1.32 {{d2-d3}}, [{p}], {s6}",
                "vld1.32 {{d4-d5}}, [{p}], {s6}",
                "vld1.32 {{d6-d7}}, [{p}], {s6}",
                "vld1.32 {{d8-d9}}, [{p}], {s6}",
                "vld1.32 {{d10-d11}}, [{p}]",
                "vadd.i32 q6, q1, q2",
                "vsub.i32 q7, q1, q2",
                "vadd.i32 q8, q3, q4",
                "vsub.i32 q9, q3, q4",
                "vadd.i32 q10, q0, q6",
                "vadd.i32 q10, q10, q8",
                "vmla.i32 q6, q8, q15",
                "vshl.i32 q11, q9, #1",
                "vadd.i32 q12, q7, q11",
                "vmla.i32 q7, q11, q15",
                "vmla.i32 q7, q5, q15",
                "vst1.32 {{d20-d21}}, [{t}]!",
                "vst1.32 {{d24-d25}}, [{t}]!",
                "vst1.32 {{d12-d13}}, [{t}]!",
                "vst1.32 {{d14-d15}}, [{t}]!",
                "add {c}, {c}, {cs}",
                "subs {n}, {n}, #1",
                "bne 1b",
                "mov {n}, #4",
                "mov {t}, {tmp}",
                "mov {s6}, #64",
                "2:",
                "mov {p}, {t}",
                "vld1.32 {{d0-d1}}, [{p}], {s6}",
                "vld1.32 {{d2-d3}}, [{p}], {s6}",
                "vld1.32 {{d4-d5}}, [{p}], {s6}",
                "vld1.32 {{d6-d7}}, [{p}], {s6}",
                "vld1.32 {{d8-d9}}, [{p}], {s6}",
                "vld1.32 {{d10-d11}}, [{p}]",
                "vadd.i32 q6, q1, q2",
                "vsub.i32 q7, q1, q2",
                "vadd.i32 q8, q3, q4",
                "vsub.i32 q9, q3, q4",
                "vadd.i32 q10, q0, q6",
                "vadd.i32 q10, q10, q8",
                "vmla.i32 q6, q8, q15",
                "vshl.i32 q11, q9, #1",
                "vadd.i32 q12, q7, q11",
                "vmla.i32 q7, q11, q15",
                "vmla.i32 q7, q5, q15",
                "vmul.i32 q10, q10, q14",
                "vmul.i32 q12, q12, q14",
                "vmul.i32 q6, q6, q14",
                "vmul.i32 q7, q7, q14",
                "vshr.s32 q10, q10, #6",
                "vshr.s32 q12, q12, #6",
                "vshr.s32 q6, q6, #6",
                "vshr.s32 q7, q7, #6",
                "vst1.32 {{d20-d21}}, [{y}], {ys}",
                "vst1.32 {{d24-d25}}, [{y}], {ys}",
                "vst1.32 {{d12-d13}}, [{y}], {ys}",
                "vst1.32 {{d14-d15}}, [{y}], {ys}",
                "add {t}, {t}, #16",
                "subs {n}, {n}, #1",
                "bne 2b",
                c = inout(reg) c.add(4 * half) => _,
                y = inout(reg) y.add(4 * half) => _,
                tmp = in(reg) tmp.as_mut_ptr(),
                cs = in(reg) cstride * 4,
                ys = in(reg) ystride * 4,
                s6 = inout(reg) 6 * cstride * 4 => _,
                inv9 = in(reg) crate::generic::int8::winograd::INV9,
                n = out(reg) _,
                t = out(reg) _,
                p = out(reg) _,
                out("q0") _, out("q1") _, out("q2") _, out("q3") _,
                out("q4") _, out("q5") _, out("q6") _, out("q7") _,
                out("q8") _, out("q9") _, out("q10") _, out("q11") _,
                out("q12") _, out("q14") _, out("q15") _,
                options(nostack)
            );
        }
    }
}

/// F(2,3) output transform of 8 tiles (the first `halves` of two halves of
/// 4): `o0 = x0+x1+x2`, `o1 = x1−x2−x3` per pass, then `y = v >> 2`.
///
/// # Safety
/// As [`output_transform4`] for 16 positions and 4 outputs.
pub unsafe fn output_transform2(
    c: *const i32,
    cstride: usize,
    y: *mut i32,
    ystride: usize,
    halves: usize,
) {
    // Pass 1 writes every element before pass 2 reads it: no need to zero.
    let mut tmp = core::mem::MaybeUninit::<[i32; 8 * 4]>::uninit();
    for half in 0..halves {
        // SAFETY: reads 4 int32 at c + 4·half + pos·cstride (pos < 16), writes
        // tmp (128 bytes) and 4 int32 at y + 4·half + k·ystride (k < 4).
        unsafe {
            core::arch::asm!(
                "mov {n}, #4",
                "mov {t}, {tmp}",
                "1:",
                "mov {p}, {c}",
                "vld1.32 {{d0-d1}}, [{p}], {s4}",
                "vld1.32 {{d2-d3}}, [{p}], {s4}",
                "vld1.32 {{d4-d5}}, [{p}], {s4}",
                "vld1.32 {{d6-d7}}, [{p}]",
                "vadd.i32 q4, q0, q1",
                "vsub.i32 q5, q1, q2",
                "vadd.i32 q4, q4, q2",
                "vsub.i32 q5, q5, q3",
                "vst1.32 {{d8-d11}}, [{t}]!",
                "add {c}, {c}, {cs}",
                "subs {n}, {n}, #1",
                "bne 1b",
                "mov {n}, #2",
                "mov {t}, {tmp}",
                "mov {s4}, #32",
                "2:",
                "mov {p}, {t}",
                "vld1.32 {{d0-d1}}, [{p}], {s4}",
                "vld1.32 {{d2-d3}}, [{p}], {s4}",
                "vld1.32 {{d4-d5}}, [{p}], {s4}",
                "vld1.32 {{d6-d7}}, [{p}]",
                "vadd.i32 q4, q0, q1",
                "vsub.i32 q5, q1, q2",
                "vadd.i32 q4, q4, q2",
                "vsub.i32 q5, q5, q3",
                "vshr.s32 q4, q4, #2",
                "vshr.s32 q5, q5, #2",
                "vst1.32 {{d8-d9}}, [{y}], {ys}",
                "vst1.32 {{d10-d11}}, [{y}], {ys}",
                "add {t}, {t}, #16",
                "subs {n}, {n}, #1",
                "bne 2b",
                c = inout(reg) c.add(4 * half) => _,
                y = inout(reg) y.add(4 * half) => _,
                tmp = in(reg) tmp.as_mut_ptr(),
                cs = in(reg) cstride * 4,
                ys = in(reg) ystride * 4,
                s4 = inout(reg) 4 * cstride * 4 => _,
                n = out(reg) _,
                t = out(reg) _,
                p = out(reg) _,
                out("q0") _, out("q1") _, out("q2") _, out("q3") _,
                out("q4") _, out("q5") _,
                options(nostack)
            );
        }
    }
}

/// Un-gathers one chunk of 8 tiles of F(4,3) outputs: `y + (i·4 + j)·slots`
/// (8 lanes each) to 4 rows `out + i·ow` of 32 int32, interleaving the 4
/// columns with `vst4.32`. Rows are stored in increasing order, so when
/// `ow < 32` (rows overlap) a later row wins, which
/// [`crate::int8::winograd::ungather_cropped_with`] relies on.
///
/// # Safety
/// The CPU must have NEON; `y + k·slots + 0..8` readable for `k < 16`,
/// `out + i·ow + 0..32` writable for `i < 4` (int32 elements).
pub unsafe fn ungather4(y: *const i32, slots: usize, out: *mut i32, ow: usize) {
    // SAFETY: reads 8 int32 at y + k·slots (k < 16) and writes 32 int32 per
    // output row; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "mov {n}, #4",
            "1:",
            "mov {p}, {y}",
            "vld1.32 {{d0-d1}}, [{p}]!",
            "vld1.32 {{d8-d9}}, [{p}]",
            "add {p}, {y}, {s}",
            "vld1.32 {{d2-d3}}, [{p}]!",
            "vld1.32 {{d10-d11}}, [{p}]",
            "add {p}, {y}, {s}, lsl #1",
            "vld1.32 {{d4-d5}}, [{p}]!",
            "vld1.32 {{d12-d13}}, [{p}]",
            "add {p}, {y}, {s}, lsl #1",
            "add {p}, {p}, {s}",
            "vld1.32 {{d6-d7}}, [{p}]!",
            "vld1.32 {{d14-d15}}, [{p}]",
            "mov {p}, {o}",
            "vst4.32 {{d0, d2, d4, d6}}, [{p}]!",
            "vst4.32 {{d1, d3, d5, d7}}, [{p}]!",
            "vst4.32 {{d8, d10, d12, d14}}, [{p}]!",
            "vst4.32 {{d9, d11, d13, d15}}, [{p}]",
            "add {y}, {y}, {s}, lsl #2",
            "add {o}, {o}, {ow}",
            "subs {n}, {n}, #1",
            "bne 1b",
            y = inout(reg) y => _,
            o = inout(reg) out => _,
            s = in(reg) slots * 4,
            ow = in(reg) ow * 4,
            n = out(reg) _,
            p = out(reg) _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _,
            out("q4") _, out("q5") _, out("q6") _, out("q7") _,
            options(nostack)
        );
    }
}

/// [`ungather4`] for F(2,3): 2 rows of 16 int32 from 4 outputs, `vst2.32`,
/// in increasing order too.
///
/// # Safety
/// `y + k·slots + 0..8` readable for `k < 4`, `out + i·ow + 0..16` writable
/// for `i < 2`; NEON.
pub unsafe fn ungather2(y: *const i32, slots: usize, out: *mut i32, ow: usize) {
    // SAFETY: reads 8 int32 at y + k·slots (k < 4), writes 16 int32 per row.
    unsafe {
        core::arch::asm!(
            "mov {n}, #2",
            "1:",
            "mov {p}, {y}",
            "vld1.32 {{d0-d1}}, [{p}]!",
            "vld1.32 {{d4-d5}}, [{p}]",
            "add {p}, {y}, {s}",
            "vld1.32 {{d2-d3}}, [{p}]!",
            "vld1.32 {{d6-d7}}, [{p}]",
            "mov {p}, {o}",
            "vst2.32 {{d0-d3}}, [{p}]!",
            "vst2.32 {{d4-d7}}, [{p}]",
            "add {y}, {y}, {s}, lsl #1",
            "add {o}, {o}, {ow}",
            "subs {n}, {n}, #1",
            "bne 1b",
            y = inout(reg) y => _,
            o = inout(reg) out => _,
            s = in(reg) slots * 4,
            ow = in(reg) ow * 4,
            n = out(reg) _,
            p = out(reg) _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _,
            options(nostack)
        );
    }
}
