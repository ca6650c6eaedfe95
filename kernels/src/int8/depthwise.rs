//! int8 depthwise convolution (one input and one output channel per group):
//! exact int32 sums per channel, then the output stage.
//!
//! The sums are portable Rust shaped for LLVM's vectoriser (a row of
//! outputs at a time, one tap after another, widening int8 products into
//! int32), which NEON builds turn into SIMD; 3×3 stride 1 and stride 2 have
//! their own loops (all taps of a row at once), other shapes a generic one.

use crate::ConvGeometry;

/// `sums[i·outw + j] = Σ_taps w · x` of one channel: `plane` is the padded
/// `w`-wide input plane, `k` the channel's `kh × kw` weights.
pub fn depthwise_sums(
    plane: &[i8],
    w: usize,
    g: &ConvGeometry,
    k: &[i8],
    outw: usize,
    outh: usize,
    sums: &mut [i32],
) {
    let sums = &mut sums[..outw * outh];
    let three = g.kernel_w == 3 && g.kernel_h == 3 && g.dilation_w == 1 && g.dilation_h == 1;
    if three && g.stride_w == 1 && g.stride_h == 1 {
        let k: [i32; 9] = core::array::from_fn(|i| k[i] as i32);
        for (i, out) in sums.chunks_exact_mut(outw).enumerate() {
            let r0 = &plane[i * w..][..outw + 2];
            let r1 = &plane[(i + 1) * w..][..outw + 2];
            let r2 = &plane[(i + 2) * w..][..outw + 2];
            for (j, o) in out.iter_mut().enumerate() {
                *o = r0[j] as i32 * k[0]
                    + r0[j + 1] as i32 * k[1]
                    + r0[j + 2] as i32 * k[2]
                    + r1[j] as i32 * k[3]
                    + r1[j + 1] as i32 * k[4]
                    + r1[j + 2] as i32 * k[5]
                    + r2[j] as i32 * k[6]
                    + r2[j + 1] as i32 * k[7]
                    + r2[j + 2] as i32 * k[8];
            }
        }
    } else if three && g.stride_w == 2 && g.stride_h == 2 {
        let k: [i32; 9] = core::array::from_fn(|i| k[i] as i32);
        for (i, out) in sums.chunks_exact_mut(outw).enumerate() {
            let r0 = &plane[2 * i * w..][..2 * outw + 1];
            let r1 = &plane[(2 * i + 1) * w..][..2 * outw + 1];
            let r2 = &plane[(2 * i + 2) * w..][..2 * outw + 1];
            for (j, o) in out.iter_mut().enumerate() {
                let x = 2 * j;
                *o = r0[x] as i32 * k[0]
                    + r0[x + 1] as i32 * k[1]
                    + r0[x + 2] as i32 * k[2]
                    + r1[x] as i32 * k[3]
                    + r1[x + 1] as i32 * k[4]
                    + r1[x + 2] as i32 * k[5]
                    + r2[x] as i32 * k[6]
                    + r2[x + 1] as i32 * k[7]
                    + r2[x + 2] as i32 * k[8];
            }
        }
    } else {
        sums.fill(0);
        let ofs = g.tap_offsets(w);
        for (&wk, &o) in k.iter().zip(&ofs) {
            let wk = wk as i32;
            if wk == 0 {
                continue;
            }
            for (i, out) in sums.chunks_exact_mut(outw).enumerate() {
                let row = &plane[i * g.stride_h * w + o..];
                for (j, s) in out.iter_mut().enumerate() {
                    *s += row[j * g.stride_w] as i32 * wk;
                }
            }
        }
    }
}
