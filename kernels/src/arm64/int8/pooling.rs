//! aarch64 Advanced SIMD int8 3×3 max pooling rows, 16 outputs per step
//! (`vld2q_s8` splits even and odd columns for stride 2, `vextq_s8` shifts in
//! the next columns). Same results as
//! [`crate::generic::int8::pooling::max3x3_row`].

use core::arch::aarch64::*;

/// `blocks` × 16 outputs of stride `stride` (1 or 2): reads columns
/// `0..16·stride·blocks + 3 − stride` of each row, writes `16·blocks` bytes.
///
/// # Safety
/// `blocks > 0`; `r0`–`r2` have `16·stride·blocks + 3 − stride` readable
/// bytes (stride 1: `16·blocks + 2`; stride 2: `32·blocks + 1`), `out` has
/// `16·blocks` writable ones.
pub unsafe fn max3x3_x16(
    r0: *const i8,
    r1: *const i8,
    r2: *const i8,
    stride: usize,
    out: *mut i8,
    blocks: usize,
) {
    for b in 0..blocks {
        // SAFETY: block b reads bytes 16·stride·b .. 16·stride·(b + 1) + 3 −
        // stride of each row (the 16-byte vectors and the single bytes past
        // them) and writes 16 at out + 16b, within the contract.
        unsafe {
            let x = 16 * stride * b;
            let (p0, p1, p2) = (r0.add(x), r1.add(x), r2.add(x));
            let m = if stride == 2 {
                let (a, b1, c) = (vld2q_s8(p0), vld2q_s8(p1), vld2q_s8(p2));
                let even = vmaxq_s8(vmaxq_s8(a.0, b1.0), c.0);
                let odd = vmaxq_s8(vmaxq_s8(a.1, b1.1), c.1);
                let next = (*p0.add(32)).max(*p1.add(32)).max(*p2.add(32));
                let shifted = vextq_s8::<1>(even, vdupq_n_s8(next));
                vmaxq_s8(vmaxq_s8(even, odd), shifted)
            } else {
                let v = vmaxq_s8(vmaxq_s8(vld1q_s8(p0), vld1q_s8(p1)), vld1q_s8(p2));
                let col = |c: usize| (*p0.add(16 + c)).max(*p1.add(16 + c)).max(*p2.add(16 + c));
                let tail = vsetq_lane_s8::<1>(col(1), vdupq_n_s8(col(0)));
                vmaxq_s8(vmaxq_s8(v, vextq_s8::<1>(v, tail)), vextq_s8::<2>(v, tail))
            };
            vst1q_s8(out.add(16 * b), m);
        }
    }
}
