//! aarch64 NEON rows of the int8 3×3 depthwise convolution (the armv7
//! scheme: pairs of taps summed in int16 with `smull`/`smlal`, at most
//! 2·128·127 in magnitude, then widened into int32).

use core::arch::aarch64::*;

/// Adds the int16 pair sums `p` into the int32 accumulators.
#[inline(always)]
unsafe fn widen_add(acc: &mut (int32x4_t, int32x4_t), p: int16x8_t) {
    // SAFETY: register operations only.
    unsafe {
        acc.0 = vaddw_s16(acc.0, vget_low_s16(p));
        acc.1 = vaddw_high_s16(acc.1, p);
    }
}

/// 8 outputs from the taps `x[r][c]` (8 lanes each) and dup'd weights.
#[inline(always)]
unsafe fn dw8(x: [[int8x8_t; 3]; 3], w: &[int8x8_t; 9], out: *mut i32) {
    // SAFETY: register operations and an 8-int32 store the callers bound.
    unsafe {
        let p = vmlal_s8(vmull_s8(x[0][0], w[0]), x[0][1], w[1]);
        let mut acc = (vmovl_s16(vget_low_s16(p)), vmovl_high_s16(p));
        widen_add(&mut acc, vmlal_s8(vmull_s8(x[0][2], w[2]), x[1][0], w[3]));
        widen_add(&mut acc, vmlal_s8(vmull_s8(x[1][1], w[4]), x[1][2], w[5]));
        widen_add(&mut acc, vmlal_s8(vmull_s8(x[2][0], w[6]), x[2][1], w[7]));
        widen_add(&mut acc, vmull_s8(x[2][2], w[8]));
        vst1q_s32(out, acc.0);
        vst1q_s32(out.add(4), acc.1);
    }
}

/// `out[j] = Σ_{r,c} k[3r + c] · row_r[j + c]` for `j < 8·blocks`.
///
/// # Safety
/// Each row has `8·blocks + 8` readable bytes, `k` 9, `out` `8·blocks`
/// writable int32.
pub unsafe fn dw3x3s1(
    r0: *const i8,
    r1: *const i8,
    r2: *const i8,
    k: *const i8,
    out: *mut i32,
    blocks: usize,
) {
    // SAFETY: block b reads 16 bytes at 8b of each row and writes out[8b..8b+8].
    unsafe {
        let w: [int8x8_t; 9] = core::array::from_fn(|t| vld1_dup_s8(k.add(t)));
        for b in 0..blocks {
            let taps = |r: *const i8| {
                let v = vld1q_s8(r.add(8 * b));
                let lo = vget_low_s8(v);
                [
                    lo,
                    vext_s8::<1>(lo, vget_high_s8(v)),
                    vext_s8::<2>(lo, vget_high_s8(v)),
                ]
            };
            dw8([taps(r0), taps(r1), taps(r2)], &w, out.add(8 * b));
        }
    }
}

/// `out[j] = Σ_{r,c} k[3r + c] · row_r[2j + c]` for `j < 8·blocks`.
///
/// # Safety
/// Each row has `16·blocks + 2` readable bytes, `k` 9, `out` `8·blocks`
/// writable int32.
pub unsafe fn dw3x3s2(
    r0: *const i8,
    r1: *const i8,
    r2: *const i8,
    k: *const i8,
    out: *mut i32,
    blocks: usize,
) {
    // SAFETY: block b reads 18 bytes at 16b of each row and writes out[8b..8b+8].
    unsafe {
        let w: [int8x8_t; 9] = core::array::from_fn(|t| vld1_dup_s8(k.add(t)));
        for b in 0..blocks {
            let taps = |r: *const i8| {
                let a = vld2_s8(r.add(16 * b));
                let c = vld2_s8(r.add(16 * b + 2));
                [a.0, a.1, c.0]
            };
            dw8([taps(r0), taps(r1), taps(r2)], &w, out.add(8 * b));
        }
    }
}

/// Stride 1 over `rows` output rows (see the armv7 kernel of the same name):
/// `out[i·ostride + j] = Σ k[3r + c] · src[(i + r)·w + j + c]`, rows in order.
///
/// # Safety
/// For every output row `i`, `src + (i + r)·w + 0..8·blocks + 8` readable
/// (`r < 3`); `k` 9 readable; `out + 0..(rows−1)·ostride + 8·blocks`
/// writable int32.
pub unsafe fn dw3x3s1_rows(
    src: *const i8,
    w: usize,
    k: *const i8,
    out: *mut i32,
    ostride: usize,
    blocks: usize,
    rows: usize,
) {
    // SAFETY: per output row, the row kernel's contract holds by ours.
    unsafe {
        for i in 0..rows {
            let r = src.add(i * w);
            dw3x3s1(r, r.add(w), r.add(2 * w), k, out.add(ostride * i), blocks);
        }
    }
}

/// Stride 2 over `rows` output rows: `out[i·ostride + j] =
/// Σ k[3r + c] · src[(2i + r)·w + 2j + c]`, rows in order.
///
/// # Safety
/// For every output row `i`, `src + (2i + r)·w + 0..16·blocks + 2` readable
/// (`r < 3`); `k` 9 readable; `out + 0..(rows−1)·ostride + 8·blocks`
/// writable int32.
pub unsafe fn dw3x3s2_rows(
    src: *const i8,
    w: usize,
    k: *const i8,
    out: *mut i32,
    ostride: usize,
    blocks: usize,
    rows: usize,
) {
    // SAFETY: per output row, the row kernel's contract holds by ours.
    unsafe {
        for i in 0..rows {
            let r = src.add(2 * i * w);
            dw3x3s2(r, r.add(w), r.add(2 * w), k, out.add(ostride * i), blocks);
        }
    }
}
