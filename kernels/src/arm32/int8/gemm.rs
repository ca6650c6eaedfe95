//! armv7 NEON int8 GEMM micro-kernel for [`GemmLayout::K16`] panels.
//!
//! Per 16 `k` and each (row, column) pair: `vmull.s8` multiplies k 0–7,
//! `vmlal.s8` adds the products of k 8–15 into the same int16 lanes, and
//! `vpadal.s16` adds neighbouring lanes into int32. Two products per int16
//! lane cannot overflow: weights lie in [-127, 127] and inputs in
//! [-128, 127], so each product is at most 128·127 = 16256 in magnitude and
//! two of them at most 32512 < 32767.
//!
//! The 4×4 tile keeps its 16 accumulators in d16–d31 as int32×2 (lane pairs
//! are added at the end), which leaves q0–q3 for 4 rows × 16 k of A, q4 for
//! one column of B and q5–q7 for products: per 16 k it loads 16 d-registers
//! and issues 16 `vmull` + 16 `vmlal` + 32 `vpadal`/`vpaddl` (d) for 256
//! MACs.
//!
//! [`GemmLayout::K16`]: crate::generic::int8::gemm::GemmLayout::K16

/// One column (d8/d9 of B) against the 4 rows of A in q0–q3, accumulating
/// into d(16+c), d(20+c), d(24+c), d(28+c). `$first` is the instruction of
/// each accumulator's first pairwise add: `vpadal.s16` accumulates,
/// `vpaddl.s16` starts the sum (the first 16 `k` of a tile, so the
/// accumulators need no zeroing).
macro_rules! col {
    ($first:literal, $a0:literal, $a1:literal, $a2:literal, $a3:literal) => {
        concat!(
            "vld1.8 {{d8-d9}}, [{b}]!\n",
            "vmull.s8 q5, d0, d8\n",
            "vmull.s8 q6, d2, d8\n",
            "vmull.s8 q7, d4, d8\n",
            "vmlal.s8 q5, d1, d9\n",
            "vmlal.s8 q6, d3, d9\n",
            "vmlal.s8 q7, d5, d9\n",
            $first,
            " ",
            $a0,
            ", d10\n",
            $first,
            " ",
            $a1,
            ", d12\n",
            $first,
            " ",
            $a2,
            ", d14\n",
            "vpadal.s16 ",
            $a0,
            ", d11\n",
            "vpadal.s16 ",
            $a1,
            ", d13\n",
            "vpadal.s16 ",
            $a2,
            ", d15\n",
            "vmull.s8 q5, d6, d8\n",
            "vmlal.s8 q5, d7, d9\n",
            $first,
            " ",
            $a3,
            ", d10\n",
            "vpadal.s16 ",
            $a3,
            ", d11\n",
        )
    };
}

/// The four columns of one 16-`k` block (see [`col!`]).
macro_rules! block {
    ($first:literal) => {
        concat!(
            col!($first, "d16", "d20", "d24", "d28"),
            col!($first, "d17", "d21", "d25", "d29"),
            col!($first, "d18", "d22", "d26", "d30"),
            col!($first, "d19", "d23", "d27", "d31"),
        )
    };
}

/// Adds the lane pairs of the 16 accumulators into the 8 d registers
/// `$t0`–`$t7` (consecutive) and stores the 4×4 tile at `{c}` (rows `{ldc}`
/// bytes apart), then moves `{c}` to the next tile.
macro_rules! store_tile {
    ($t0:literal, $t1:literal, $t2:literal, $t3:literal,
     $t4:literal, $t5:literal, $t6:literal, $t7:literal) => {
        concat!(
            "vpadd.i32 ",
            $t0,
            ", d16, d17\n",
            "vpadd.i32 ",
            $t1,
            ", d18, d19\n",
            "vpadd.i32 ",
            $t2,
            ", d20, d21\n",
            "vpadd.i32 ",
            $t3,
            ", d22, d23\n",
            "vpadd.i32 ",
            $t4,
            ", d24, d25\n",
            "vpadd.i32 ",
            $t5,
            ", d26, d27\n",
            "vpadd.i32 ",
            $t6,
            ", d28, d29\n",
            "vpadd.i32 ",
            $t7,
            ", d30, d31\n",
            "mov {cp}, {c}\n",
            "vst1.32 {{",
            $t0,
            "-",
            $t1,
            "}}, [{cp}], {ldc}\n",
            "vst1.32 {{",
            $t2,
            "-",
            $t3,
            "}}, [{cp}], {ldc}\n",
            "vst1.32 {{",
            $t4,
            "-",
            $t5,
            "}}, [{cp}], {ldc}\n",
            "vst1.32 {{",
            $t6,
            "-",
            $t7,
            "}}, [{cp}]\n",
            "add {c}, {c}, #16\n",
        )
    };
}

/// `c[r·ldc + 4·p + col] = Σ_k A(r, k) · B_p(col, k)` for `panels`
/// consecutive 4-column B panels (`4·kp` bytes each): a row of 4×4 tiles,
/// looping over the panels inside the kernel (wrapping int32).
///
/// Per panel the first 16 `k` start the sums (`vpaddl`), so nothing is
/// zeroed; with `kp = 16` (1×1 layers on 9–16 channels, e.g. SqueezeNet's
/// fire expands) A stays in q0–q3 for the whole row instead of being
/// reloaded per panel. Both matter most for short `k`, where a panel's
/// fixed work (16 `vpadd` + stores) is a large part of its 114-cost block.
///
/// # Safety
/// The CPU must have NEON; `kp` is a positive multiple of 16, `panels > 0`;
/// `a` has `4·kp` and `b` `panels·4·kp` readable bytes; `c` has 4 rows of
/// `4·panels` writable int32 at stride `ldc` elements.
pub unsafe fn gemm_4xn(
    a: *const i8,
    b: *const i8,
    kp: usize,
    c: *mut i32,
    ldc: usize,
    panels: usize,
) {
    debug_assert!(kp > 0 && kp % 16 == 0 && panels > 0);
    if kp == 16 {
        // SAFETY: reads a[0..64] once and b[64·p..64·(p+1)] per panel p, and
        // stores 4 rows of 16 bytes at c + 4p + r·ldc, all in bounds per the
        // contract; NEON per the contract.
        unsafe {
            core::arch::asm!(
                "vld1.8 {{d0-d3}}, [{a}]!",
                "vld1.8 {{d4-d7}}, [{a}]",
                "2:",
                block!("vpaddl.s16"),
                // A stays in q0–q3: the tile goes out through q4–q7.
                store_tile!("d8", "d9", "d10", "d11", "d12", "d13", "d14", "d15"),
                "subs {n}, {n}, #1",
                "bne 2b",
                a = inout(reg) a => _,
                b = inout(reg) b => _,
                c = inout(reg) c => _,
                cp = out(reg) _,
                ldc = in(reg) ldc * 4,
                n = inout(reg) panels => _,
                out("q0") _, out("q1") _, out("q2") _, out("q3") _,
                out("q4") _, out("q5") _, out("q6") _, out("q7") _,
                out("q8") _, out("q9") _, out("q10") _, out("q11") _,
                out("q12") _, out("q13") _, out("q14") _, out("q15") _,
                options(nostack)
            );
        }
        return;
    }
    // SAFETY: panel p reads a[0..4kp] and b[4kp·p..4kp·(p+1)] (in bounds per
    // the contract) and stores 4 rows of 16 bytes at c + 4p + r·ldc
    // (writable per the contract); NEON per the contract.
    unsafe {
        core::arch::asm!(
            "2:",
            "mov {ap}, {a}",
            "vld1.8 {{d0-d3}}, [{ap}]!",
            "vld1.8 {{d4-d7}}, [{ap}]!",
            block!("vpaddl.s16"),
            "mov {k}, {kb}",
            "1:",
            "vld1.8 {{d0-d3}}, [{ap}]!",
            "vld1.8 {{d4-d7}}, [{ap}]!",
            block!("vpadal.s16"),
            "subs {k}, {k}, #1",
            "bne 1b",
            store_tile!("d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7"),
            "subs {n}, {n}, #1",
            "bne 2b",
            a = in(reg) a,
            ap = out(reg) _,
            b = inout(reg) b => _,
            kb = in(reg) kp / 16 - 1,
            k = out(reg) _,
            c = inout(reg) c => _,
            cp = out(reg) _,
            ldc = in(reg) ldc * 4,
            n = inout(reg) panels => _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _,
            out("q4") _, out("q5") _, out("q6") _, out("q7") _,
            out("q8") _, out("q9") _, out("q10") _, out("q11") _,
            out("q12") _, out("q13") _, out("q14") _, out("q15") _,
            options(nostack)
        );
    }
}

/// One 4×4 tile: [`gemm_4xn`] with one panel.
///
/// # Safety
/// As [`gemm_4xn`] with `panels = 1`.
pub unsafe fn gemm_4x4(a: *const i8, b: *const i8, kp: usize, c: *mut i32, ldc: usize) {
    // SAFETY: the contract is gemm_4xn's for one panel.
    unsafe { gemm_4xn(a, b, kp, c, ldc, 1) }
}

/// Packs one 16-`k` block of 8 columns of a k-major matrix (16 rows of 8
/// bytes at `src + r·ld`) into K16 panels: columns 0–3 at `dst`, 4–7 at
/// `dst + panel` (64 bytes each, column `c`'s 16 `k` contiguous).
///
/// Row `k = 4g + j` is loaded into d(g + 4j); `vzip.8` then `vzip.16` turn
/// each group of 4 rows into 4-byte column units, which this allocation
/// leaves in consecutive registers (units of columns 0–1 of groups 0–3 in
/// d0–d3, and so on), so one `vst4.32` stores two whole columns: 16 loads,
/// 16 zips and 4 stores per 128 bytes.
///
/// # Safety
/// The CPU must have NEON; `src + r·ld + 0..8` readable for `r < 16`;
/// `dst + 0..64` and `dst + panel + 0..64` writable.
pub unsafe fn pack_k16x8(src: *const i8, ld: usize, dst: *mut i8, panel: usize) {
    // SAFETY: reads 8 bytes from 16 rows spaced `ld` and writes 64 bytes at
    // `dst` and at `dst + panel`, all in bounds per the contract; NEON per
    // the contract.
    unsafe {
        core::arch::asm!(
            "vld1.8 {{d0}}, [{s}], {ld}",
            "vld1.8 {{d4}}, [{s}], {ld}",
            "vld1.8 {{d8}}, [{s}], {ld}",
            "vld1.8 {{d12}}, [{s}], {ld}",
            "vld1.8 {{d1}}, [{s}], {ld}",
            "vld1.8 {{d5}}, [{s}], {ld}",
            "vld1.8 {{d9}}, [{s}], {ld}",
            "vld1.8 {{d13}}, [{s}], {ld}",
            "vld1.8 {{d2}}, [{s}], {ld}",
            "vld1.8 {{d6}}, [{s}], {ld}",
            "vld1.8 {{d10}}, [{s}], {ld}",
            "vld1.8 {{d14}}, [{s}], {ld}",
            "vld1.8 {{d3}}, [{s}], {ld}",
            "vld1.8 {{d7}}, [{s}], {ld}",
            "vld1.8 {{d11}}, [{s}], {ld}",
            "vld1.8 {{d15}}, [{s}]",
            "vzip.8 d0, d4",
            "vzip.8 d8, d12",
            "vzip.8 d1, d5",
            "vzip.8 d9, d13",
            "vzip.8 d2, d6",
            "vzip.8 d10, d14",
            "vzip.8 d3, d7",
            "vzip.8 d11, d15",
            "vzip.16 d0, d8",
            "vzip.16 d4, d12",
            "vzip.16 d1, d9",
            "vzip.16 d5, d13",
            "vzip.16 d2, d10",
            "vzip.16 d6, d14",
            "vzip.16 d3, d11",
            "vzip.16 d7, d15",
            "vst4.32 {{d0-d3}}, [{d}]!",
            "vst4.32 {{d8-d11}}, [{d}]",
            "vst4.32 {{d4-d7}}, [{d1}]!",
            "vst4.32 {{d12-d15}}, [{d1}]",
            s = inout(reg) src => _,
            ld = in(reg) ld,
            d = inout(reg) dst => _,
            d1 = inout(reg) dst.add(panel) => _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _,
            out("q4") _, out("q5") _, out("q6") _, out("q7") _,
            options(nostack)
        );
    }
}

/// `dst[j] = src[2j]` for `j < 8·blocks`, 8 at a time with `vld2.8` (which
/// reads 16 bytes per block).
///
/// # Safety
/// The CPU must have NEON; `src + 0..16·blocks` readable, `dst + 0..8·blocks`
/// writable, `blocks > 0`.
pub unsafe fn copy_stride2(src: *const i8, dst: *mut i8, blocks: usize) {
    // SAFETY: reads 16·blocks bytes from src and writes 8·blocks bytes to dst
    // (in bounds per the contract); NEON per the contract.
    unsafe {
        core::arch::asm!(
            "1:",
            "vld2.8 {{d0-d1}}, [{s}]!",
            "vst1.8 {{d0}}, [{d}]!",
            "subs {n}, {n}, #1",
            "bne 1b",
            s = inout(reg) src => _,
            d = inout(reg) dst => _,
            n = inout(reg) blocks => _,
            out("q0") _,
            options(nostack)
        );
    }
}

/// `dst[i·outw + j] = src[i·step + 2j]` for `rows` rows: per row the blocks
/// of 8 with `vld2.8`, then one block ending at the row's end (overlapping
/// the last one, or repeating it when `outw` is a multiple of 8).
///
/// # Safety
/// The CPU must have NEON; `outw ≥ 8`, `rows > 0`; `src + i·step + 0..2·outw`
/// readable and `dst + i·outw + 0..outw` writable for `i < rows`.
pub unsafe fn copy_rows_stride2(
    src: *const i8,
    step: usize,
    dst: *mut i8,
    outw: usize,
    rows: usize,
) {
    debug_assert!(outw >= 8 && rows > 0);
    // SAFETY: row i reads src[i·step..][..2·outw] (the last block ends at
    // 2·outw) and writes dst[i·outw..][..outw], within the contract; NEON
    // per the contract.
    unsafe {
        core::arch::asm!(
            "1:",
            "mov {s}, {src}",
            "mov {b}, {nb}",
            "2:",
            "vld2.8 {{d0-d1}}, [{s}]!",
            "vst1.8 {{d0}}, [{d}]!",
            "subs {b}, {b}, #1",
            "bne 2b",
            "add {s}, {src}, {ts}",
            "sub {d}, {d}, {td}",
            "vld2.8 {{d0-d1}}, [{s}]",
            "vst1.8 {{d0}}, [{d}]!",
            "add {src}, {src}, {step}",
            "subs {rows}, {rows}, #1",
            "bne 1b",
            src = inout(reg) src => _,
            step = in(reg) step,
            d = inout(reg) dst => _,
            nb = in(reg) outw / 8,
            ts = in(reg) 2 * outw - 16,
            td = in(reg) 8 * (outw / 8) + 8 - outw,
            rows = inout(reg) rows => _,
            s = out(reg) _,
            b = out(reg) _,
            out("q0") _,
            options(nostack)
        );
    }
}

/// One column of a 4×4 tile: `c[r·ldc] = Σ_k A(r, k) · B(col, k)` for the
/// column whose 16-`k` groups start at `b` (64 bytes apart in a
/// [`GemmLayout::K16`] B panel). For a matrix's last 1 or 2 columns, where a
/// whole tile would do 4 columns' work: per 16 `k` 10 d-register loads,
/// 4 `vmull` + 4 `vmlal` + 4 `vpadal` (q) for 64 MACs.
///
/// [`GemmLayout::K16`]: crate::generic::int8::gemm::GemmLayout::K16
///
/// # Safety
/// The CPU must have NEON; `kp` is a positive multiple of 16; `a` has `4·kp`
/// readable bytes, `b + 64·j + 0..16` is readable for `j < kp / 16`, and
/// `c + r·ldc` is writable for `r < 4`.
pub unsafe fn gemm_4x1(a: *const i8, b: *const i8, kp: usize, c: *mut i32, ldc: usize) {
    debug_assert!(kp > 0 && kp % 16 == 0);
    // SAFETY: reads 64 bytes of A and 16 of B per 16 k (kp/16 blocks, within
    // the contract), writes one int32 in each of 4 rows; NEON per the contract.
    unsafe {
        core::arch::asm!(
            "vmov.i32 q12, #0",
            "vmov.i32 q13, #0",
            "vmov.i32 q14, #0",
            "vmov.i32 q15, #0",
            "1:",
            "vld1.8 {{d0-d3}}, [{a}]!",
            "vld1.8 {{d4-d7}}, [{a}]!",
            "vld1.8 {{d8-d9}}, [{b}], {bs}",
            "vmull.s8 q8, d0, d8",
            "vmull.s8 q9, d2, d8",
            "vmull.s8 q10, d4, d8",
            "vmull.s8 q11, d6, d8",
            "vmlal.s8 q8, d1, d9",
            "vmlal.s8 q9, d3, d9",
            "vmlal.s8 q10, d5, d9",
            "vmlal.s8 q11, d7, d9",
            "vpadal.s16 q12, q8",
            "vpadal.s16 q13, q9",
            "vpadal.s16 q14, q10",
            "vpadal.s16 q15, q11",
            "subs {n}, {n}, #1",
            "bne 1b",
            "vpadd.i32 d24, d24, d25",
            "vpadd.i32 d26, d26, d27",
            "vpadd.i32 d28, d28, d29",
            "vpadd.i32 d30, d30, d31",
            "vpadd.i32 d24, d24, d26",
            "vpadd.i32 d28, d28, d30",
            "vst1.32 {{d24[0]}}, [{c}], {ldc}",
            "vst1.32 {{d24[1]}}, [{c}], {ldc}",
            "vst1.32 {{d28[0]}}, [{c}], {ldc}",
            "vst1.32 {{d28[1]}}, [{c}]",
            a = inout(reg) a => _,
            b = inout(reg) b => _,
            bs = in(reg) 64usize,
            n = inout(reg) kp / 16 => _,
            c = inout(reg) c => _,
            ldc = in(reg) ldc * 4,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q4") _,
            out("q8") _, out("q9") _, out("q10") _, out("q11") _,
            out("q12") _, out("q13") _, out("q14") _, out("q15") _,
            options(nostack)
        );
    }
}
