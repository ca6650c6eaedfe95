//! Naive reference implementations. Every fast kernel is tested against these;
//! they are written for obviousness, not speed.

use crate::{Activation, ConvGeometry, Planes};

/// Direct fp32 convolution (groups, stride, dilation) on a padded input.
/// Returns `out_c` planes of `outh × outw`, tightly packed.
pub fn conv2d_f32(
    input: Planes<f32>,
    g: &ConvGeometry,
    weights: &[f32],
    bias: Option<&[f32]>,
    act: Activation,
) -> (Vec<f32>, usize, usize) {
    let (outw, outh) = g
        .output_size(input.w, input.h)
        .expect("kernel larger than input");
    let in_g = g.in_c / g.group;
    let out_g = g.out_c / g.group;
    let maxk = g.maxk();
    let ofs = g.tap_offsets(input.w);
    let mut out = vec![0f32; g.out_c * outh * outw];
    for p in 0..g.out_c {
        let grp = p / out_g;
        for i in 0..outh {
            for j in 0..outw {
                let mut sum = bias.map_or(0.0, |b| b[p]) as f64;
                for q in 0..in_g {
                    let plane = input.plane(grp * in_g + q);
                    let base = i * g.stride_h * input.w + j * g.stride_w;
                    let kw = &weights[(p * in_g + q) * maxk..(p * in_g + q + 1) * maxk];
                    for k in 0..maxk {
                        sum += plane[base + ofs[k]] as f64 * kw[k] as f64;
                    }
                }
                out[(p * outh + i) * outw + j] = act.apply(sum as f32);
            }
        }
    }
    (out, outw, outh)
}

/// Direct int8 convolution with exact int32 sums (no scaling) on a padded input.
pub fn conv2d_i8(input: Planes<i8>, g: &ConvGeometry, weights: &[i8]) -> (Vec<i32>, usize, usize) {
    let (outw, outh) = g
        .output_size(input.w, input.h)
        .expect("kernel larger than input");
    let in_g = g.in_c / g.group;
    let out_g = g.out_c / g.group;
    let maxk = g.maxk();
    let ofs = g.tap_offsets(input.w);
    let mut out = vec![0i32; g.out_c * outh * outw];
    for p in 0..g.out_c {
        let grp = p / out_g;
        for i in 0..outh {
            for j in 0..outw {
                let mut sum = 0i64;
                for q in 0..in_g {
                    let plane = input.plane(grp * in_g + q);
                    let base = i * g.stride_h * input.w + j * g.stride_w;
                    let kw = &weights[(p * in_g + q) * maxk..(p * in_g + q + 1) * maxk];
                    for k in 0..maxk {
                        sum += plane[base + ofs[k]] as i64 * kw[k] as i64;
                    }
                }
                out[(p * outh + i) * outw + j] =
                    i32::try_from(sum).expect("int32 overflow in reference");
            }
        }
    }
    (out, outw, outh)
}

/// `out[p] = act(bias[p] + Σ w[p][i] x[i])`.
pub fn inner_product_f32(
    x: &[f32],
    weights: &[f32],
    bias: Option<&[f32]>,
    num_output: usize,
    act: Activation,
) -> Vec<f32> {
    let n = x.len();
    (0..num_output)
        .map(|p| {
            let mut s = bias.map_or(0.0, |b| b[p]) as f64;
            for i in 0..n {
                s += weights[p * n + i] as f64 * x[i] as f64;
            }
            act.apply(s as f32)
        })
        .collect()
}
