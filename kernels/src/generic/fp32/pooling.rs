//! Portable fp32 3×3 max pooling rows.

/// `out[j] = max` of the 3×3 window at column `stride·j` of rows `r0`–`r2`
/// (each at least `stride·(out.len() − 1) + 3` long), visiting the window
/// row by row with C++'s `std::max` (`if a < b { b } else { a }`), as ncnn's
/// portable pooling does: ties, signed zeros and NaN come out as there.
pub fn max3x3_row(r0: &[f32], r1: &[f32], r2: &[f32], stride: usize, out: &mut [f32]) {
    let max = |a: f32, b: f32| if a < b { b } else { a };
    for (j, o) in out.iter_mut().enumerate() {
        let x = j * stride;
        let mut m = r0[x];
        for r in [r0, r1, r2] {
            for &v in &r[x..x + 3] {
                m = max(m, v);
            }
        }
        *o = m;
    }
}
