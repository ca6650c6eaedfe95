//! aarch64 NEON dot products of the int8 inner product (the armv7 scheme:
//! `smull` + `smlal2` into int16, `sadalp` into int32).

use core::arch::aarch64::*;

/// `out[r] = Σ_{k < 16·kblocks} w[r·ldw + k] · x[k]` for `r < 4` (wrapping).
///
/// # Safety
/// `w + r·ldw + 0..16·kblocks` readable for `r < 4`, `x + 0..16·kblocks`
/// readable, `out + 0..4` writable.
pub unsafe fn dot4(w: *const i8, ldw: usize, x: *const i8, kblocks: usize, out: *mut i32) {
    // SAFETY: block b reads 16 bytes at 16b of x and of each row; the store
    // writes out[0..4].
    unsafe {
        let mut acc = [vdupq_n_s32(0); 4];
        for b in 0..kblocks {
            let xv = vld1q_s8(x.add(16 * b));
            for (r, a) in acc.iter_mut().enumerate() {
                let wv = vld1q_s8(w.add(r * ldw + 16 * b));
                let p = vmlal_high_s8(vmull_s8(vget_low_s8(wv), vget_low_s8(xv)), wv, xv);
                *a = vpadalq_s16(*a, p);
            }
        }
        let s = vpaddq_s32(vpaddq_s32(acc[0], acc[1]), vpaddq_s32(acc[2], acc[3]));
        vst1q_s32(out, s);
    }
}
