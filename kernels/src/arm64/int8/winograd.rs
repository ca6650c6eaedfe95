//! aarch64 NEON int16 GEMM tiles of the int8 Winograd convolutions
//! (`smlal`/`smlal2` by element; wrapping int32 accumulators).

use core::arch::aarch64::*;

/// `c[r·8 + l] = Σ_q u[4q + r] · v[8q + l]`: 4 output channels × 8 tiles.
///
/// # Safety
/// `k` is a multiple of 4; `u` has `4k` and `v` `8k` readable int16, `c` 32
/// writable int32.
pub unsafe fn gemm16_4x8(u: *const i16, v: *const i16, k: usize, c: *mut i32) {
    // SAFETY: step q reads u[4q..4q+4] and v[8q..8q+8] (q < k, in bounds);
    // the stores write c[0..32].
    unsafe {
        let mut lo = [vdupq_n_s32(0); 4];
        let mut hi = [vdupq_n_s32(0); 4];
        for q in 0..k {
            let uq = vld1_s16(u.add(4 * q));
            let vq = vld1q_s16(v.add(8 * q));
            let vl = vget_low_s16(vq);
            lo[0] = vmlal_lane_s16::<0>(lo[0], vl, uq);
            hi[0] = vmlal_high_lane_s16::<0>(hi[0], vq, uq);
            lo[1] = vmlal_lane_s16::<1>(lo[1], vl, uq);
            hi[1] = vmlal_high_lane_s16::<1>(hi[1], vq, uq);
            lo[2] = vmlal_lane_s16::<2>(lo[2], vl, uq);
            hi[2] = vmlal_high_lane_s16::<2>(hi[2], vq, uq);
            lo[3] = vmlal_lane_s16::<3>(lo[3], vl, uq);
            hi[3] = vmlal_high_lane_s16::<3>(hi[3], vq, uq);
        }
        for r in 0..4 {
            vst1q_s32(c.add(8 * r), lo[r]);
            vst1q_s32(c.add(8 * r + 4), hi[r]);
        }
    }
}

/// `c[r·4 + l] = Σ_q u[4q + r] · v[4q + l]`: 4 output channels × 4 tiles.
///
/// # Safety
/// `k` is a multiple of 4; `u` and `v` have `4k` readable int16, `c` 16
/// writable int32.
pub unsafe fn gemm16_4x4(u: *const i16, v: *const i16, k: usize, c: *mut i32) {
    // SAFETY: step q reads u[4q..4q+4] and v[4q..4q+4] (q < k); the stores
    // write c[0..16].
    unsafe {
        let mut acc = [vdupq_n_s32(0); 4];
        for q in 0..k {
            let uq = vld1_s16(u.add(4 * q));
            let vq = vld1_s16(v.add(4 * q));
            acc[0] = vmlal_lane_s16::<0>(acc[0], vq, uq);
            acc[1] = vmlal_lane_s16::<1>(acc[1], vq, uq);
            acc[2] = vmlal_lane_s16::<2>(acc[2], vq, uq);
            acc[3] = vmlal_lane_s16::<3>(acc[3], vq, uq);
        }
        for (r, a) in acc.iter().enumerate() {
            vst1q_s32(c.add(4 * r), *a);
        }
    }
}
