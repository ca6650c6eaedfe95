//! fp32 3×3 max pooling, stride 1 or 2 (the benchmark networks' pools). The
//! portable loops stay scalar on armv7 (LLVM does not vectorise fp32 there:
//! NEON is not IEEE), ~30 cost units per output; a NEON row does 4 outputs
//! in ~35. The NEON rows use `vmax` as ncnn's ARM pooling does: the values
//! are the portable rows' except that NaN propagates, +0 and −0 are one
//! value and (armv7) subnormals are flushed to zero.

use crate::generic::fp32::pooling as generic;
use crate::pooling::PoolKernels;

/// Whether the registry's pooling kernels have SIMD fp32 rows: then
/// [`max_pool3x3`] beats a caller's own window loops (ARM; on x86 the
/// portable loops vectorise, and a caller's loops may do as well).
pub fn max_pool3x3_is_simd() -> bool {
    crate::ops().pooling().f32_x4.is_some()
}

/// [`max3x3_row_with`] with the registry's pooling kernels.
pub fn max3x3_row(r0: &[f32], r1: &[f32], r2: &[f32], stride: usize, out: &mut [f32]) {
    max3x3_row_with(crate::ops().pooling(), r0, r1, r2, stride, out)
}

/// `out[j] = max` of the 3×3 window at column `stride·j` of rows `r0`–`r2`,
/// by `kern`'s SIMD blocks where it has them, the portable loop for the rest.
///
/// # Panics
/// If `stride` is not 1 or 2, or a row is shorter than
/// `stride·(out.len() − 1) + 3`.
pub fn max3x3_row_with(
    kern: &PoolKernels,
    r0: &[f32],
    r1: &[f32],
    r2: &[f32],
    stride: usize,
    out: &mut [f32],
) {
    assert!(stride == 1 || stride == 2, "stride {stride}");
    let n = out.len();
    if n == 0 {
        return;
    }
    let need = stride * (n - 1) + 3;
    assert!(r0.len() >= need && r1.len() >= need && r2.len() >= need);
    // A SIMD block of 4 outputs from j reads stride·(j + 4) + 3 − stride ≤
    // need floats when j + 4 ≤ n: every block below is in bounds.
    let mut done = 0;
    if let Some(rows) = kern.f32_x4 {
        let blocks = n / 4;
        if blocks > 0 {
            let (p0, p1, p2, o) = (r0.as_ptr(), r1.as_ptr(), r2.as_ptr(), out.as_mut_ptr());
            // SAFETY: `kern` is a token that this CPU runs its kernels (only
            // the registry and the enumeration hand kernel objects out); the
            // blocks are in bounds (above).
            unsafe { rows[stride - 1](p0, p1, p2, o, blocks) }
            done = 4 * blocks;
        }
    }
    let x = stride * done;
    generic::max3x3_row(&r0[x..], &r1[x..], &r2[x..], stride, &mut out[done..]);
}

/// Max over the 3×3 windows at stride `stride` (1 or 2, both directions) of
/// a plane `pw` wide (already padded): `outh` rows of `outw` into `out`, by
/// `kern`'s rows; rows of fewer than 16 outputs run as one long row (see
/// [`crate::pooling::max3x3_plane`]).
///
/// # Panics
/// If `stride` is not 1 or 2, or the plane is smaller than the windows need.
pub fn max_pool3x3_with(
    kern: &PoolKernels,
    plane: &[f32],
    pw: usize,
    stride: usize,
    outw: usize,
    outh: usize,
    out: &mut [f32],
) {
    crate::pooling::max3x3_plane(
        plane,
        pw,
        stride,
        outw,
        outh,
        out,
        16,
        |n, f| super::scratch::with(n, |b| f(b)),
        |r0, r1, r2, o| max3x3_row_with(kern, r0, r1, r2, stride, o),
    )
}

/// [`max_pool3x3_with`] with the registry's pooling kernels.
pub fn max_pool3x3(
    plane: &[f32],
    pw: usize,
    stride: usize,
    outw: usize,
    outh: usize,
    out: &mut [f32],
) {
    max_pool3x3_with(crate::ops().pooling(), plane, pw, stride, outw, outh, out)
}
