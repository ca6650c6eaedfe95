//! int8 3×3 max pooling, stride 1 or 2 (SqueezeNet's and GoogLeNet's pools):
//! max commutes with the monotonic dequantization, so pooling int8 values is
//! exact, and a NEON row handles 16 outputs in a few dozen cost units where
//! the portable loops (or fp32 on armv7, which LLVM does not vectorise) spend
//! several per output.

use super::scratch;
use crate::generic::int8::pooling as generic;
use crate::pooling::PoolKernels;

/// Whether the registry's pooling kernels have SIMD int8 rows: then
/// [`max_pool3x3`] beats a caller's own window loops (ARM; on x86 plain
/// slice loops vectorise well).
pub fn max_pool3x3_is_simd() -> bool {
    crate::ops().pooling().i8_x16.is_some()
}

/// [`max_pool3x3_with`] with the registry's pooling kernels.
pub fn max_pool3x3(
    plane: &[i8],
    pw: usize,
    stride: usize,
    outw: usize,
    outh: usize,
    out: &mut [i8],
) {
    max_pool3x3_with(crate::ops().pooling(), plane, pw, stride, outw, outh, out)
}

/// Max over the 3×3 windows at stride `stride` (1 or 2, both directions) of
/// a plane `pw` wide (already padded): `outh` rows of `outw` into `out`, by
/// `kern`'s rows; rows of fewer than 32 outputs run as one long row (see
/// [`crate::pooling::max3x3_plane`]).
///
/// # Panics
/// If `stride` is not 1 or 2, or the plane is smaller than the windows need.
pub fn max_pool3x3_with(
    kern: &PoolKernels,
    plane: &[i8],
    pw: usize,
    stride: usize,
    outw: usize,
    outh: usize,
    out: &mut [i8],
) {
    crate::pooling::max3x3_plane(
        plane,
        pw,
        stride,
        outw,
        outh,
        out,
        32,
        |n, f| f(&mut scratch::take::<i8>(n)),
        |r0, r1, r2, o| max3x3_row_with(kern, r0, r1, r2, stride, o),
    )
}

/// [`max3x3_row_with`] with the registry's pooling kernels.
pub fn max3x3_row(r0: &[i8], r1: &[i8], r2: &[i8], stride: usize, out: &mut [i8]) {
    max3x3_row_with(crate::ops().pooling(), r0, r1, r2, stride, out)
}

/// `out[j] = max` of the 3×3 window at column `stride·j` of rows `r0`–`r2`,
/// by `kern`'s SIMD blocks where it has them, the portable loop for the
/// rest (all give the same bytes).
///
/// # Panics
/// If `stride` is not 1 or 2, or a row is shorter than
/// `stride·(out.len() − 1) + 3`.
pub fn max3x3_row_with(
    kern: &PoolKernels,
    r0: &[i8],
    r1: &[i8],
    r2: &[i8],
    stride: usize,
    out: &mut [i8],
) {
    assert!(stride == 1 || stride == 2, "stride {stride}");
    let n = out.len();
    if n == 0 {
        return;
    }
    let need = stride * (n - 1) + 3;
    assert!(r0.len() >= need && r1.len() >= need && r2.len() >= need);
    // A SIMD block of b outputs starting at j reads stride·(j + b) + 3 −
    // stride ≤ need bytes when j + b ≤ n: every block below is in bounds.
    let mut done = 0;
    let (p0, p1, p2, o) = (r0.as_ptr(), r1.as_ptr(), r2.as_ptr(), out.as_mut_ptr());
    if let Some(rows) = kern.i8_x16 {
        let blocks = n / 16;
        if blocks > 0 {
            // SAFETY: `kern` is a token that this CPU runs its kernels (only
            // the registry and the enumeration hand kernel objects out); the
            // blocks are in bounds (above).
            unsafe { rows[stride - 1](p0, p1, p2, o, blocks) }
            done = 16 * blocks;
        }
    }
    if let Some(eight) = kern.i8_x8 {
        if n - done >= 8 {
            let x = stride * done;
            // SAFETY: as above; the block of 8 from `done` is in bounds.
            unsafe { eight[stride - 1](p0.add(x), p1.add(x), p2.add(x), o.add(done)) }
            done += 8;
        }
    }
    let x = stride * done;
    generic::max3x3_row(&r0[x..], &r1[x..], &r2[x..], stride, &mut out[done..]);
}
