//! The plane-level strategy of the 3×3 max pooling kernels, shared by
//! [`crate::fp32::pooling`] and [`crate::int8::pooling`], which supply the
//! row kernel and the scratch buffer.

/// Max over the 3×3 windows at stride `stride` (1 or 2, both directions) of
/// a plane `pw` wide (already padded): `outh` rows of `outw` into `out`.
///
/// Wide maps run `row(r0, r1, r2, out_row)` per output row. Narrow ones
/// (stride 1, or fewer than `long_row_below` outputs per row) would spend
/// most of each row in the scalar tail and call set-up, so they treat the
/// plane as one long row: output `(i, j)`'s window starts at input
/// `s·(i·pw + j)` in both cases, so "virtual output" `x = i·pw + j` for every
/// `x < (outh − 1)·pw + outw` is one row call over rows starting at `0`,
/// `pw` and `2·pw` (into a buffer from `with_scratch`); the `j ≥ outw` ones
/// are computed and dropped (they stay inside the plane).
///
/// # Panics
/// If `stride` is not 1 or 2, or the plane is smaller than the windows need.
#[allow(clippy::too_many_arguments)]
pub(crate) fn max3x3_plane<T: Copy>(
    plane: &[T],
    pw: usize,
    stride: usize,
    outw: usize,
    outh: usize,
    out: &mut [T],
    long_row_below: usize,
    with_scratch: impl FnOnce(usize, &mut dyn FnMut(&mut [T])),
    row: impl Fn(&[T], &[T], &[T], &mut [T]),
) {
    assert!(stride == 1 || stride == 2, "stride {stride}");
    if outw == 0 || outh == 0 {
        return;
    }
    assert!(pw >= stride * (outw - 1) + 3, "plane too narrow");
    assert!(
        plane.len() >= (stride * (outh - 1) + 3) * pw,
        "plane too short"
    );
    assert!(out.len() >= outw * outh);
    if stride == 1 || outw < long_row_below {
        let n = (outh - 1) * pw + outw;
        with_scratch(n, &mut |virt: &mut [T]| {
            row(plane, &plane[pw..], &plane[2 * pw..], &mut virt[..n]);
            for (i, orow) in out.chunks_exact_mut(outw).take(outh).enumerate() {
                orow.copy_from_slice(&virt[i * pw..i * pw + outw]);
            }
        });
    } else {
        for (i, orow) in out.chunks_exact_mut(outw).take(outh).enumerate() {
            let r = |k: usize| &plane[(i * stride + k) * pw..(i * stride + k + 1) * pw];
            row(r(0), r(1), r(2), orow);
        }
    }
}
