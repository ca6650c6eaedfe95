//! Portable int8 3×3 max pooling rows: the definition the NEON rows match.

/// `out[j] = max` of the 3×3 window at column `stride·j` of rows `r0`–`r2`
/// (each at least `stride·(out.len() − 1) + 3` long).
pub fn max3x3_row(r0: &[i8], r1: &[i8], r2: &[i8], stride: usize, out: &mut [i8]) {
    for (j, o) in out.iter_mut().enumerate() {
        let x = j * stride;
        let col = |c: usize| r0[x + c].max(r1[x + c]).max(r2[x + c]);
        *o = col(0).max(col(1)).max(col(2));
    }
}
