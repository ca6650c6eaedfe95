//! int8 3×3 max pooling, stride 1 or 2 (SqueezeNet's and GoogLeNet's pools):
//! max commutes with the monotonic dequantization, so pooling int8 values is
//! exact, and a NEON row handles 16 outputs in a few dozen cost units where
//! the portable loops (or fp32 on armv7, which LLVM does not vectorise) spend
//! several per output.

use super::{scratch, Int8Isa};
use crate::generic::int8::pooling as generic;

/// Max over the 3×3 windows at stride `stride` (1 or 2, both directions) of
/// a plane `pw` wide (already padded): `outh` rows of `outw` into `out`, by
/// `isa`; rows of fewer than 32 outputs run as one long row (see
/// [`crate::pooling::max3x3_plane`]).
///
/// # Panics
/// If `stride` is not 1 or 2, or the plane is smaller than the windows need.
pub fn max_pool3x3(
    isa: Int8Isa,
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
        |r0, r1, r2, o| max3x3_row(isa, r0, r1, r2, stride, o),
    )
}

/// `out[j] = max` of the 3×3 window at column `stride·j` of rows `r0`–`r2`,
/// by `isa` (NEON on ARM, else portable; all give the same bytes).
///
/// # Panics
/// If `stride` is not 1 or 2, or a row is shorter than
/// `stride·(out.len() − 1) + 3`.
pub fn max3x3_row(isa: Int8Isa, r0: &[i8], r1: &[i8], r2: &[i8], stride: usize, out: &mut [i8]) {
    assert!(stride == 1 || stride == 2, "stride {stride}");
    let n = out.len();
    if n == 0 {
        return;
    }
    let need = stride * (n - 1) + 3;
    assert!(r0.len() >= need && r1.len() >= need && r2.len() >= need);
    // A NEON block of b outputs starting at j reads stride·(j + b) + 3 −
    // stride ≤ need bytes when j + b ≤ n: every block below is in bounds.
    #[allow(unused_mut)]
    let mut done = 0;
    match isa {
        #[cfg(target_arch = "arm")]
        Int8Isa::Neon => {
            use crate::arm32::int8::pooling as neon;
            let (p0, p1, p2, o) = (r0.as_ptr(), r1.as_ptr(), r2.as_ptr(), out.as_mut_ptr());
            let blocks = n / 16;
            // SAFETY: NEON per Int8Isa; the blocks are in bounds (above).
            unsafe {
                if blocks > 0 {
                    if stride == 2 {
                        neon::max3x3s2_x16(p0, p1, p2, o, blocks);
                    } else {
                        neon::max3x3s1_x16(p0, p1, p2, o, blocks);
                    }
                }
                done = 16 * blocks;
                if n - done >= 8 {
                    let x = stride * done;
                    let (p0, p1, p2, o) = (p0.add(x), p1.add(x), p2.add(x), o.add(done));
                    if stride == 2 {
                        neon::max3x3s2_x8(p0, p1, p2, o);
                    } else {
                        neon::max3x3s1_x8(p0, p1, p2, o);
                    }
                    done += 8;
                }
            }
        }
        #[cfg(target_arch = "aarch64")]
        Int8Isa::Neon | Int8Isa::NeonDot => {
            let blocks = n / 16;
            if blocks > 0 {
                // SAFETY: NEON is architectural; the blocks are in bounds.
                unsafe {
                    crate::arm64::int8::pooling::max3x3_x16(
                        r0.as_ptr(),
                        r1.as_ptr(),
                        r2.as_ptr(),
                        stride,
                        out.as_mut_ptr(),
                        blocks,
                    )
                }
            }
            done = 16 * blocks;
        }
        _ => {}
    }
    let x = stride * done;
    generic::max3x3_row(&r0[x..], &r1[x..], &r2[x..], stride, &mut out[done..]);
}
