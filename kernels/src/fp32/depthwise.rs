//! fp32 depthwise convolution (one input and one output channel per group):
//! 3×3 and 5×5 with stride 1 or 2 (dilation 1) run the kernel set's fast
//! paths, every other shape the portable row-wise loop
//! ([`crate::generic::fp32::depthwise_plane`]).

use super::kernels::Fp32Kernels;
use crate::generic::fp32 as g;
use crate::{parallel, Activation, ConvGeometry, Planes, PlanesMut};

/// Depthwise convolution of a padded input; `weights` holds `c × kh × kw`,
/// `bias` one value per channel.
#[allow(clippy::too_many_arguments)]
pub fn depthwise_f32(
    kern: &Fp32Kernels,
    input: Planes<f32>,
    geom: &ConvGeometry,
    weights: &[f32],
    bias: &[f32],
    act: Activation,
    output: &mut PlanesMut<f32>,
    threads: usize,
) {
    let (outw, outh) = (output.w, output.h);
    let maxk = geom.maxk();
    let w = input.w;
    let square_stride_1_or_2 = geom.dilation_w == 1
        && geom.dilation_h == 1
        && geom.stride_w == geom.stride_h
        && (geom.stride_w == 1 || geom.stride_w == 2);
    let fast_k = if square_stride_1_or_2 && geom.kernel_w == geom.kernel_h {
        geom.kernel_w
    } else {
        0
    };
    let s1 = geom.stride_w == 1;
    let relu = act == Activation::Relu;
    let other_act = !matches!(act, Activation::None | Activation::Relu);
    let mut planes = output.planes_mut();
    parallel::for_each_mut(&mut planes, threads, |q, out| {
        let src = input.plane(q);
        let k = &weights[q * maxk..(q + 1) * maxk];
        let b = bias[q];
        match fast_k {
            3 => {
                let k: &[f32; 9] = k.try_into().expect("3×3 kernel");
                let f = if s1 { kern.dw3x3s1 } else { kern.dw3x3s2 };
                // SAFETY: the kernel set was chosen for this CPU; `src` is one full padded plane
                // (the output size came from it) and `out` one full output plane.
                unsafe { f(src, w, k, b, out, outw, outh, relu) };
            }
            5 => {
                let k: &[f32; 25] = k.try_into().expect("5×5 kernel");
                let f = if s1 { kern.dw5x5s1 } else { kern.dw5x5s2 };
                // SAFETY: as for 3×3 above.
                unsafe { f(src, w, k, b, out, outw, outh, relu) };
            }
            _ => g::depthwise_plane::<false>(
                src,
                w,
                k,
                (geom.kernel_w, geom.kernel_h),
                (geom.stride_w, geom.stride_h),
                (geom.dilation_w, geom.dilation_h),
                b,
                out,
                outw,
                outh,
                relu,
            ),
        }
        if other_act {
            act.apply_slice(out);
        }
    });
}
