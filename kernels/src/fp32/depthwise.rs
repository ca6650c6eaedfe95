//! fp32 depthwise convolution (one input and one output channel per group):
//! 3×3 stride 1 and stride 2 (dilation 1) run the kernel set's fast paths,
//! every other shape a portable direct loop.

use super::kernels::Fp32Kernels;
use crate::{parallel, Activation, ConvGeometry, Planes, PlanesMut};

/// Depthwise convolution of a padded input; `weights` holds `c × kh × kw`,
/// `bias` one value per channel.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_f32(
    kern: &Fp32Kernels,
    input: Planes<f32>,
    g: &ConvGeometry,
    weights: &[f32],
    bias: &[f32],
    act: Activation,
    output: &mut PlanesMut<f32>,
    threads: usize,
) {
    let (outw, outh) = (output.w, output.h);
    let maxk = g.maxk();
    let ofs = g.tap_offsets(input.w);
    let w = input.w;
    let fast = g.kernel_w == 3
        && g.kernel_h == 3
        && g.dilation_w == 1
        && g.dilation_h == 1
        && g.stride_w == g.stride_h
        && (g.stride_w == 1 || g.stride_w == 2);
    let relu = act == Activation::Relu;
    let other_act = !matches!(act, Activation::None | Activation::Relu);
    let mut planes = output.planes_mut();
    parallel::for_each_mut(&mut planes, threads, |q, out| {
        let src = input.plane(q);
        let k = &weights[q * maxk..(q + 1) * maxk];
        let b = bias[q];
        if fast {
            let k: &[f32; 9] = k.try_into().expect("3×3 kernel");
            let f = if g.stride_w == 1 {
                kern.dw3x3s1
            } else {
                kern.dw3x3s2
            };
            // SAFETY: the kernel set was chosen for this CPU; `src` is one full padded plane
            // (the output size came from it) and `out` one full output plane.
            unsafe { f(src, w, k, b, out, outw, outh, relu) };
        } else {
            for i in 0..outh {
                for j in 0..outw {
                    let base = i * g.stride_h * w + j * g.stride_w;
                    let mut s = b;
                    for t in 0..maxk {
                        s += k[t] * src[base + ofs[t]];
                    }
                    out[i * outw + j] = if relu { s.max(0.0) } else { s };
                }
            }
        }
        if other_act {
            act.apply_slice(out);
        }
    });
}
