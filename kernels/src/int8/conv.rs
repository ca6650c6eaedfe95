//! Prepared int8 convolution: int8 input (with its scale), int8 weights (with
//! per-output-channel scales), int32 accumulation, and an output stage that
//! dequantizes to fp32 (`act(sum · 1/(in_scale·w_scale) + bias)`) or
//! requantizes straight to the next layer's int8 scale.

use super::quantize::{dequant_multiplier, dequantize_i32, requantize_i32};
use crate::{parallel, Activation, ConvGeometry, Planes, PlanesMut};

/// Which int8 convolution algorithm to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Int8Algo {
    /// Let [`Conv2dI8::new`] decide.
    #[default]
    Auto,
    /// im2col + int8 GEMM (int32 accumulation).
    Gemm,
    /// Winograd F(2,3), 3×3 stride 1.
    Winograd23,
    /// Winograd F(4,3), 3×3 stride 1, only where int32 cannot overflow.
    Winograd43,
    /// Depthwise direct kernel.
    Depthwise,
}

impl std::fmt::Display for Int8Algo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Int8Algo::Auto => "auto",
            Int8Algo::Gemm => "gemm",
            Int8Algo::Winograd23 => "winograd23",
            Int8Algo::Winograd43 => "winograd43",
            Int8Algo::Depthwise => "depthwise",
        })
    }
}

/// Where an int8 convolution writes.
pub enum Int8Output<'a> {
    /// Dequantized fp32.
    F32(PlanesMut<'a, f32>),
    /// Requantized int8 at `scale`.
    I8 { out: PlanesMut<'a, i8>, scale: f32 },
}

/// An int8 convolution with weights prepared for one algorithm.
#[derive(Clone, Debug)]
pub struct Conv2dI8 {
    pub geom: ConvGeometry,
    weights: Vec<i8>,
    weight_scales: Vec<f32>,
    bias: Option<Vec<f32>>,
    act: Activation,
    algo: Int8Algo,
}

impl Conv2dI8 {
    /// `weights` in ncnn order (`out_c × in_c/group × kh × kw`), values in
    /// [-127, 127]; `weight_scales` one per output channel. `out_size` is the
    /// output map size when known at load time (from the `.param` shape
    /// hints); it lets the algorithm rule consider the map size.
    pub fn new(
        geom: ConvGeometry,
        weights: &[i8],
        weight_scales: &[f32],
        bias: Option<&[f32]>,
        act: Activation,
        algo: Int8Algo,
        out_size: Option<(usize, usize)>,
    ) -> Result<Self, String> {
        crate::fp32::conv::validate(&geom, weights.len(), bias.map(|b| b.len()))?;
        if weight_scales.len() != geom.out_c {
            return Err(format!(
                "{} weight scales for {} output channels",
                weight_scales.len(),
                geom.out_c
            ));
        }
        if weights.contains(&i8::MIN) {
            return Err("int8 weights must lie in [-127, 127]".into());
        }
        let _ = out_size;
        let algo = match algo {
            Int8Algo::Depthwise if !geom.is_depthwise() => {
                return Err("depthwise algorithm asked for a non-depthwise convolution".into())
            }
            _ if geom.is_depthwise() => Int8Algo::Depthwise,
            // Winograd kernels are not in place yet: the direct kernel gives the same sums.
            _ => Int8Algo::Gemm,
        };
        Ok(Conv2dI8 {
            geom,
            weights: weights.to_vec(),
            weight_scales: weight_scales.to_vec(),
            bias: bias.map(|b| b.to_vec()),
            act,
            algo,
        })
    }

    /// The algorithm actually used.
    pub fn algo(&self) -> Int8Algo {
        self.algo
    }

    pub fn weight_bytes(&self) -> usize {
        self.weights.len()
            + (self.weight_scales.len() + self.bias.as_ref().map_or(0, |b| b.len())) * 4
    }

    /// Runs on a padded int8 input whose values mean `q / in_scale`.
    pub fn forward(&self, input: Planes<i8>, in_scale: f32, output: Int8Output, threads: usize) {
        let g = &self.geom;
        assert_eq!(input.c, g.in_c, "input channels");
        let (outw, outh) = g
            .output_size(input.w, input.h)
            .expect("kernel larger than input");
        let n = outw * outh;
        let in_g = g.in_c / g.group;
        let out_g = g.out_c / g.group;
        let maxk = g.maxk();
        let ofs = g.tap_offsets(input.w);
        let sums_of = |p: usize| -> Vec<i32> {
            let grp = p / out_g;
            let mut sums = vec![0i32; n];
            for q in 0..in_g {
                let plane = input.plane(grp * in_g + q);
                let kw = &self.weights[(p * in_g + q) * maxk..(p * in_g + q + 1) * maxk];
                for (k, &wk) in kw.iter().enumerate() {
                    if wk == 0 {
                        continue;
                    }
                    let wk = wk as i32;
                    for i in 0..outh {
                        let row = &plane[(i * g.stride_h) * input.w + ofs[k]..];
                        let s = &mut sums[i * outw..(i + 1) * outw];
                        for (j, sj) in s.iter_mut().enumerate() {
                            *sj += row[j * g.stride_w] as i32 * wk;
                        }
                    }
                }
            }
            sums
        };
        let stage = |p: usize| {
            (
                dequant_multiplier(in_scale, self.weight_scales[p]),
                self.bias.as_ref().map_or(0.0, |b| b[p]),
            )
        };
        match output {
            Int8Output::F32(mut out) => {
                assert!(
                    out.w == outw && out.h == outh && out.c == g.out_c,
                    "output shape"
                );
                let mut planes = out.planes_mut();
                parallel::for_each_mut(&mut planes, threads, |p, o| {
                    let (mul, bias) = stage(p);
                    dequantize_i32(&sums_of(p), mul, bias, self.act, o);
                });
            }
            Int8Output::I8 { mut out, scale } => {
                assert!(
                    out.w == outw && out.h == outh && out.c == g.out_c,
                    "output shape"
                );
                let mut planes = out.planes_mut();
                parallel::for_each_mut(&mut planes, threads, |p, o| {
                    let (mul, bias) = stage(p);
                    requantize_i32(&sums_of(p), mul, bias, self.act, scale, o);
                });
            }
        }
    }
}
