//! Shared helpers of the data-movement layers (Slice, Crop, …): numpy axes
//! of a blob and copies of a box of it, row by row.

use crate::error::LayerResult;
use crate::mat::Mat;

/// The internal axis (0 = w, 1 = h, 2 = d, 3 = c) of numpy axis `axis`
/// (negative counts from the end) of a `dims`-D blob, or `None` when out
/// of range.
pub(crate) fn internal_axis(axis: i32, dims: usize) -> Option<usize> {
    let d = i32::try_from(dims).ok()?;
    let a = if axis < 0 { axis + d } else { axis };
    if !(0..d).contains(&a) {
        return None;
    }
    let order: &[usize] = match dims {
        1 => &[0],
        2 => &[1, 0],
        3 => &[3, 1, 0],
        _ => &[3, 2, 1, 0],
    };
    order.get(a as usize).copied()
}

/// `(w, h, d, c)` of a Mat.
pub(crate) fn size4(m: &Mat) -> [usize; 4] {
    [m.w(), m.h(), m.d(), m.c()]
}

/// A new zero Mat of `m`'s element type and scale with this shape.
pub(crate) fn alloc_like(m: &Mat, dims: usize, s: [usize; 4]) -> Mat {
    if m.is_int8() {
        Mat::with_shape_i8(dims, s[0], s[1], s[2], s[3], m.int8_scale())
    } else {
        Mat::with_shape(dims, s[0], s[1], s[2], s[3])
    }
}

fn copy_rows<T: Copy>(
    src: &[T],
    sshape: [usize; 4],
    scstep: usize,
    dst: &mut [T],
    dcstep: usize,
    start: [usize; 4],
    size: [usize; 4],
) {
    let [sw, sh, _, _] = sshape;
    let [x0, y0, z0, q0] = start;
    let [ow, oh, od, oc] = size;
    for q in 0..oc {
        for z in 0..od {
            for y in 0..oh {
                let s = (q0 + q) * scstep + ((z0 + z) * sh + y0 + y) * sw + x0;
                let o = q * dcstep + (z * oh + y) * ow;
                dst[o..o + ow].copy_from_slice(&src[s..s + ow]);
            }
        }
    }
}

/// Copies the box `start .. start + size` (per axis w, h, d, c) of `m` into
/// a new `dims`-D Mat of the same element type. An error when the box
/// leaves `m` or is empty.
pub(crate) fn copy_box(
    m: &Mat,
    dims: usize,
    start: [usize; 4],
    size: [usize; 4],
) -> LayerResult<Mat> {
    let full = size4(m);
    for k in 0..4 {
        let fits = matches!(start[k].checked_add(size[k]), Some(e) if size[k] > 0 && e <= full[k]);
        if !fits {
            return Err(format!(
                "region start {start:?} size {size:?} (w, h, d, c) does not fit in the input {:?}",
                m.shape()
            )
            .into());
        }
    }
    let mut out = alloc_like(m, dims, size);
    let (scstep, dcstep) = (m.cstep(), out.cstep());
    if m.is_int8() {
        copy_rows(
            m.data_i8(),
            full,
            scstep,
            out.data_i8_mut(),
            dcstep,
            start,
            size,
        );
    } else {
        copy_rows(m.data(), full, scstep, out.data_mut(), dcstep, start, size);
    }
    Ok(out)
}
