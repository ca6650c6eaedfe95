//! fp32 depthwise convolution (one input and one output channel per group).

use crate::{parallel, Activation, ConvGeometry, Planes, PlanesMut};

/// Depthwise convolution of a padded input; `weights` holds `c × kh × kw`.
pub fn depthwise_f32(
    input: Planes<f32>,
    g: &ConvGeometry,
    weights: &[f32],
    bias: Option<&[f32]>,
    act: Activation,
    output: &mut PlanesMut<f32>,
    threads: usize,
) {
    let (outw, outh) = (output.w, output.h);
    let maxk = g.maxk();
    let ofs = g.tap_offsets(input.w);
    let w = input.w;
    let mut planes = output.planes_mut();
    parallel::for_each_mut(&mut planes, threads, |q, out| {
        let src = input.plane(q);
        let k = &weights[q * maxk..(q + 1) * maxk];
        let b = bias.map_or(0.0, |b| b[q]);
        if g.kernel_w == 3
            && g.kernel_h == 3
            && g.dilation_w == 1
            && g.dilation_h == 1
            && g.stride_w == 1
        {
            for i in 0..outh {
                let r0 = &src[(i * g.stride_h) * w..];
                let r1 = &src[(i * g.stride_h + 1) * w..];
                let r2 = &src[(i * g.stride_h + 2) * w..];
                let o = &mut out[i * outw..(i + 1) * outw];
                for j in 0..outw {
                    let s = b
                        + k[0] * r0[j]
                        + k[1] * r0[j + 1]
                        + k[2] * r0[j + 2]
                        + k[3] * r1[j]
                        + k[4] * r1[j + 1]
                        + k[5] * r1[j + 2]
                        + k[6] * r2[j]
                        + k[7] * r2[j + 1]
                        + k[8] * r2[j + 2];
                    o[j] = s;
                }
                act.apply_slice(o);
            }
        } else {
            for i in 0..outh {
                for j in 0..outw {
                    let base = i * g.stride_h * w + j * g.stride_w;
                    let mut s = b;
                    for t in 0..maxk {
                        s += k[t] * src[base + ofs[t]];
                    }
                    out[i * outw + j] = act.apply(s);
                }
            }
        }
    });
}
