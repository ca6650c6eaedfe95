//! armv7 NEON rows of the int8 3×3 depthwise convolution: 8 outputs at a
//! time, products of two taps summed in int16 (`vmull.s8` + `vmlal.s8`, at
//! most 2·128·127 = 32512 in magnitude) then widened into int32
//! (`vmovl`/`vaddw.s16`): per 8 outputs 6 d-register loads, 5 `vmull`,
//! 4 `vmlal`, 10 widening adds.

/// Taps 0–8 (row-major) multiplied into q4/q5 (int32 × 8), given the three
/// input rows' tap vectors produced by `$load` into d0 (c=0), d2 (c=1),
/// d6 (c=2) for each row in turn; weights dup'd in d16–d24.
macro_rules! dw_body {
    ($load0:expr, $load1:expr, $load2:expr) => {
        concat!(
            $load0,
            "vmull.s8 q2, d0, d16\n",
            "vmlal.s8 q2, d2, d17\n",
            "vmovl.s16 q4, d4\n",
            "vmovl.s16 q5, d5\n",
            "vmull.s8 q2, d6, d18\n",
            $load1,
            "vmlal.s8 q2, d0, d19\n",
            "vaddw.s16 q4, q4, d4\n",
            "vaddw.s16 q5, q5, d5\n",
            "vmull.s8 q2, d2, d20\n",
            "vmlal.s8 q2, d6, d21\n",
            "vaddw.s16 q4, q4, d4\n",
            "vaddw.s16 q5, q5, d5\n",
            $load2,
            "vmull.s8 q2, d0, d22\n",
            "vmlal.s8 q2, d2, d23\n",
            "vaddw.s16 q4, q4, d4\n",
            "vaddw.s16 q5, q5, d5\n",
            "vmull.s8 q2, d6, d24\n",
            "vaddw.s16 q4, q4, d4\n",
            "vaddw.s16 q5, q5, d5\n",
        )
    };
}

/// Stride 1: row `r` taps at x, x+1, x+2 from 16 bytes (two loads, the first
/// advancing the pointer by 8) and `vext`.
macro_rules! load_s1 {
    ($r:literal) => {
        concat!(
            "vld1.8 {{d0}}, [{",
            $r,
            "}]!\n",
            "vld1.8 {{d1}}, [{",
            $r,
            "}]\n",
            "vext.8 d2, d0, d1, #1\n",
            "vext.8 d6, d0, d1, #2\n",
        )
    };
}

/// Stride 2: row `r` taps at 2j, 2j+1 (`vld2`) and 2j+2 (`vld2` 2 bytes on).
macro_rules! load_s2 {
    ($r:literal) => {
        concat!(
            "add {t}, {",
            $r,
            "}, #2\n",
            "vld2.8 {{d0, d2}}, [{",
            $r,
            "}]!\n",
            "vld2.8 {{d6, d7}}, [{t}]\n",
        )
    };
}

/// Loads the 9 weights of `k` dup'd into d16–d24.
macro_rules! load_weights {
    () => {
        concat!(
            "vld1.8 {{d16[]}}, [{k}]!\n",
            "vld1.8 {{d17[]}}, [{k}]!\n",
            "vld1.8 {{d18[]}}, [{k}]!\n",
            "vld1.8 {{d19[]}}, [{k}]!\n",
            "vld1.8 {{d20[]}}, [{k}]!\n",
            "vld1.8 {{d21[]}}, [{k}]!\n",
            "vld1.8 {{d22[]}}, [{k}]!\n",
            "vld1.8 {{d23[]}}, [{k}]!\n",
            "vld1.8 {{d24[]}}, [{k}]\n",
        )
    };
}

/// Stride 1, several output rows: for output row `i < rows` and
/// `j < 8·blocks`, `out[i·ostride + j] = Σ_{r,c} k[3r + c] · src[(i + r)·w + j + c]`,
/// rows in order (with `ostride < 8·blocks` a row's last block runs into the
/// next row, which then overwrites it).
///
/// # Safety
/// The CPU must have NEON; `blocks, rows > 0`; for every output row `i`,
/// `src + (i + r)·w + 0..8·blocks + 8` readable (`r < 3`); `k` 9 readable;
/// `out + 0..(rows−1)·ostride + 8·blocks` writable int32.
pub unsafe fn dw3x3s1_rows(
    src: *const i8,
    w: usize,
    k: *const i8,
    out: *mut i32,
    ostride: usize,
    blocks: usize,
    rows: usize,
) {
    // SAFETY: output row i reads bytes 0..8·blocks+8 of input rows i..i+3 and
    // writes 8·blocks int32 at out + i·ostride, in bounds per the contract;
    // NEON per the contract.
    unsafe {
        core::arch::asm!(
            load_weights!(),
            "2:",
            "mov {r0}, {src}",
            "add {r1}, {src}, {w}",
            "add {r2}, {r1}, {w}",
            "mov {n}, {blocks}",
            "1:",
            dw_body!(load_s1!("r0"), load_s1!("r1"), load_s1!("r2")),
            "vst1.32 {{d8-d11}}, [{out}]!",
            "subs {n}, {n}, #1",
            "bne 1b",
            "add {out}, {out}, {oskip}",
            "add {src}, {src}, {w}",
            "subs {rows}, {rows}, #1",
            "bne 2b",
            src = inout(reg) src => _,
            w = in(reg) w,
            k = inout(reg) k => _,
            out = inout(reg) out => _,
            // Back from the row's end to the next row: wraps for ostride < 8·blocks.
            oskip = in(reg) (ostride * 4).wrapping_sub(32 * blocks),
            blocks = in(reg) blocks,
            rows = inout(reg) rows => _,
            n = out(reg) _,
            r0 = out(reg) _,
            r1 = out(reg) _,
            r2 = out(reg) _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q4") _, out("q5") _,
            out("q8") _, out("q9") _, out("q10") _, out("q11") _, out("q12") _,
            options(nostack)
        );
    }
}

/// Stride 2, several output rows: `out[i·ostride + j] =
/// Σ_{r,c} k[3r + c] · src[(2i + r)·w + 2j + c]` (as [`dw3x3s1_rows`]).
///
/// # Safety
/// The CPU must have NEON; `blocks, rows > 0`; for every output row `i`,
/// `src + (2i + r)·w + 0..16·blocks + 2` readable (`r < 3`); `k` 9 readable;
/// `out + 0..(rows−1)·ostride + 8·blocks` writable int32.
pub unsafe fn dw3x3s2_rows(
    src: *const i8,
    w: usize,
    k: *const i8,
    out: *mut i32,
    ostride: usize,
    blocks: usize,
    rows: usize,
) {
    // SAFETY: output row i reads bytes 0..16·blocks+2 of input rows 2i..2i+3
    // and writes 8·blocks int32 at out + i·ostride, in bounds per the
    // contract; NEON per the contract.
    unsafe {
        core::arch::asm!(
            load_weights!(),
            "2:",
            "mov {r0}, {src}",
            "add {r1}, {src}, {w}",
            "add {r2}, {r1}, {w}",
            "mov {n}, {blocks}",
            "1:",
            dw_body!(load_s2!("r0"), load_s2!("r1"), load_s2!("r2")),
            "vst1.32 {{d8-d11}}, [{out}]!",
            "subs {n}, {n}, #1",
            "bne 1b",
            "add {out}, {out}, {oskip}",
            "add {src}, {src}, {w}, lsl #1",
            "subs {rows}, {rows}, #1",
            "bne 2b",
            src = inout(reg) src => _,
            w = in(reg) w,
            k = inout(reg) k => _,
            out = inout(reg) out => _,
            // Back from the row's end to the next row: wraps for ostride < 8·blocks.
            oskip = in(reg) (ostride * 4).wrapping_sub(32 * blocks),
            blocks = in(reg) blocks,
            rows = inout(reg) rows => _,
            n = out(reg) _,
            r0 = out(reg) _,
            r1 = out(reg) _,
            r2 = out(reg) _,
            t = out(reg) _,
            out("q0") _, out("q1") _, out("q2") _, out("q3") _, out("q4") _, out("q5") _,
            out("q8") _, out("q9") _, out("q10") _, out("q11") _, out("q12") _,
            options(nostack)
        );
    }
}
