//! int8 depthwise convolution (one input and one output channel per group):
//! exact int32 sums per channel, then the output stage.
//!
//! 3×3 stride 1 and stride 2 run the kernel object's row kernel where it has
//! one (NEON: `crate::arm32::int8::depthwise`, `crate::arm64::int8::depthwise`)
//! over whole rows of blocks of 8 outputs; the last rows (whose loads would
//! leave the plane) use whole blocks where they fit and portable code for the
//! rest. Other shapes (and objects without one) use its `dw_sums`, a portable
//! tap-by-tap loop (compiled for AVX2 on x86).

use super::kernels::{DwRowsFn, Int8Kernels};
use crate::ConvGeometry;

/// Portable 3×3 row: `out[j] = Σ k[3r + c] · row_r[s·j + c]` for `j ≥ j0`.
#[inline(always)]
fn row3x3(rows: [&[i8]; 3], k: &[i32; 9], s: usize, j0: usize, out: &mut [i32]) {
    let [r0, r1, r2] = rows;
    for (j, o) in out.iter_mut().enumerate().skip(j0) {
        let x = s * j;
        *o = r0[x] as i32 * k[0]
            + r0[x + 1] as i32 * k[1]
            + r0[x + 2] as i32 * k[2]
            + r1[x] as i32 * k[3]
            + r1[x + 1] as i32 * k[4]
            + r1[x + 2] as i32 * k[5]
            + r2[x] as i32 * k[6]
            + r2[x + 1] as i32 * k[7]
            + r2[x + 2] as i32 * k[8];
    }
}

/// Bytes of each input row one output row of `blocks` blocks reads.
fn row_need(s: usize, blocks: usize) -> usize {
    if s == 1 {
        8 * blocks + 8
    } else {
        16 * blocks + 2
    }
}

/// Runs the 3×3 row kernel `rows3x3` (of a token for this CPU: see the
/// callers) on `rows` output rows of `blocks` blocks of 8, row `i` written
/// at `out[i·ostride..]` (rows in order: with `ostride < 8·blocks` the next
/// row overwrites a row's overhang), reading from `src` (the first input
/// row, `w` bytes per row).
#[allow(clippy::too_many_arguments)]
fn rows3x3(
    rows3x3: DwRowsFn,
    src: &[i8],
    w: usize,
    k: &[i8],
    s: usize,
    out: &mut [i32],
    ostride: usize,
    blocks: usize,
    rows: usize,
) {
    assert!(blocks > 0 && rows > 0 && k.len() >= 9);
    assert!(out.len() >= (rows - 1) * ostride + 8 * blocks);
    assert!(src.len() >= (s * (rows - 1) + 2) * w + row_need(s, blocks));
    let (p, k, o) = (src.as_ptr(), k.as_ptr(), out.as_mut_ptr());
    // SAFETY: the kernel comes from a kernel object, a token for this CPU;
    // the asserts give the bytes it reads (the last output row's last input
    // row reaches furthest) and the outputs it writes.
    unsafe { rows3x3(p, w, k, o, ostride, blocks, rows) }
}

/// Extra elements [`depthwise_sums`] needs after `outw·outh` in `sums` (the
/// last row's overhanging block).
pub const SUMS_SLACK: usize = 8;

/// `sums[i·outw + j] = Σ_taps w · x` of one channel: `plane` is the padded
/// `w`-wide input plane (`h` rows), `k` the channel's `kh × kw` weights.
/// `sums` holds `outw·outh +` [`SUMS_SLACK`] elements; `scratch` is reused
/// between calls (the plane's last rows are copied there, zero-padded, so
/// NEON loads never leave it).
#[allow(clippy::too_many_arguments)]
pub fn depthwise_sums(
    kern: &Int8Kernels,
    plane: &[i8],
    w: usize,
    g: &ConvGeometry,
    k: &[i8],
    outw: usize,
    outh: usize,
    sums: &mut [i32],
    scratch: &mut Vec<i8>,
) {
    assert!(sums.len() >= outw * outh + SUMS_SLACK);
    let three = g.kernel_w == 3 && g.kernel_h == 3 && g.dilation_w == 1 && g.dilation_h == 1;
    let s = g.stride_w;
    if let (true, Some(kernels)) = (
        three && g.stride_h == s && (s == 1 || s == 2),
        kern.dw3x3_rows,
    ) {
        let kernel = kernels[s - 1];
        // Whole rows of blocks of 8, written with the real row stride. Loads
        // run past each input row's end into the next rows (only discarded
        // outputs read those); output row i reads up to (s·i + 2)·w + need.
        let nblk = outw.div_ceil(8);
        let need = row_need(s, nblk);
        let i0 = if plane.len() < need + 2 * w {
            0
        } else {
            ((plane.len() - need - 2 * w) / w / s + 1).min(outh)
        };
        if i0 > 0 {
            rows3x3(kernel, plane, w, k, s, sums, outw, nblk, i0);
        }
        if i0 < outh {
            // The last rows from a zero-padded copy of their input rows.
            let rows = outh - i0;
            let len = (s * (rows - 1) + 2) * w + need;
            scratch.clear();
            scratch.resize(len, 0);
            let from = &plane[s * i0 * w..];
            let n = from.len().min(len);
            scratch[..n].copy_from_slice(&from[..n]);
            rows3x3(
                kernel,
                scratch,
                w,
                k,
                s,
                &mut sums[i0 * outw..],
                outw,
                nblk,
                rows,
            );
        }
        return;
    }
    let sums = &mut sums[..outw * outh];
    // SAFETY: `kern` is a token that this CPU runs its kernels; `dw_sums`
    // takes slices and checks their bounds.
    unsafe { (kern.dw_sums)(plane, w, g, k, outw, sums) }
}

/// The portable part of [`depthwise_sums`] (`sums` exactly `outw·outh`),
/// always inlined so that the x86 build compiles an AVX2 copy.
#[inline(always)]
pub(crate) fn depthwise_portable(
    plane: &[i8],
    w: usize,
    g: &ConvGeometry,
    k: &[i8],
    outw: usize,
    sums: &mut [i32],
) {
    let three = g.kernel_w == 3 && g.kernel_h == 3 && g.dilation_w == 1 && g.dilation_h == 1;
    let s = g.stride_w;
    if three && g.stride_h == s && (s == 1 || s == 2) {
        let kk: [i32; 9] = core::array::from_fn(|i| k[i] as i32);
        for (i, out) in sums.chunks_exact_mut(outw).enumerate() {
            let src = &plane[s * i * w..];
            let rows: [&[i8]; 3] = core::array::from_fn(|r| &src[r * w..]);
            row3x3(rows, &kk, s, 0, out);
        }
        return;
    }
    sums.fill(0);
    let ofs = g.tap_offsets(w);
    for (&wk, &o) in k.iter().zip(&ofs) {
        let wk = wk as i32;
        if wk == 0 {
            continue;
        }
        for (i, out) in sums.chunks_exact_mut(outw).enumerate() {
            let row = &plane[i * g.stride_h * w + o..];
            for (j, s) in out.iter_mut().enumerate() {
                *s += row[j * g.stride_w] as i32 * wk;
            }
        }
    }
}
