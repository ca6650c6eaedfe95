//! aarch64 Advanced SIMD fp32 3×3 max pooling rows, 4 outputs per step
//! (`vld2q_f32` splits even and odd columns for stride 2, `vextq_f32` shifts
//! in the next columns). `vmaxq_f32` is ncnn's ARM pooling: the same values
//! as [`crate::generic::fp32::pooling::max3x3_row`] except that NaN
//! propagates and +0 and −0 are one value.

use core::arch::aarch64::*;

/// `blocks` × 4 outputs of stride `stride` (1 or 2): reads floats
/// `0..4·stride·blocks + 3 − stride` of each row, writes `4·blocks`.
///
/// # Safety
/// `blocks > 0`; `r0`–`r2` have `4·stride·blocks + 3 − stride` readable
/// floats, `out` has `4·blocks` writable ones.
pub unsafe fn max3x3_x4(
    r0: *const f32,
    r1: *const f32,
    r2: *const f32,
    stride: usize,
    out: *mut f32,
    blocks: usize,
) {
    for b in 0..blocks {
        // SAFETY: block b reads floats 4·stride·b .. 4·stride·(b + 1) + 3 −
        // stride of each row and writes 4 at out + 4b, within the contract.
        unsafe {
            let x = 4 * stride * b;
            let (p0, p1, p2) = (r0.add(x), r1.add(x), r2.add(x));
            let m = if stride == 2 {
                let (a, b1, c) = (vld2q_f32(p0), vld2q_f32(p1), vld2q_f32(p2));
                let even = vmaxq_f32(vmaxq_f32(a.0, b1.0), c.0);
                let odd = vmaxq_f32(vmaxq_f32(a.1, b1.1), c.1);
                let next = vmaxq_f32(
                    vmaxq_f32(vld1q_dup_f32(p0.add(8)), vld1q_dup_f32(p1.add(8))),
                    vld1q_dup_f32(p2.add(8)),
                );
                vmaxq_f32(vmaxq_f32(even, odd), vextq_f32::<1>(even, next))
            } else {
                let v = vmaxq_f32(vmaxq_f32(vld1q_f32(p0), vld1q_f32(p1)), vld1q_f32(p2));
                let tail = vmax_f32(
                    vmax_f32(vld1_f32(p0.add(4)), vld1_f32(p1.add(4))),
                    vld1_f32(p2.add(4)),
                );
                let tail = vcombine_f32(tail, tail);
                vmaxq_f32(
                    vmaxq_f32(v, vextq_f32::<1>(v, tail)),
                    vextq_f32::<2>(v, tail),
                )
            };
            vst1q_f32(out.add(4 * b), m);
        }
    }
}
