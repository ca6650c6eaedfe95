//! Prepared fp32 convolution: picks an algorithm once, packs the weights for
//! it, then runs on padded inputs.

use super::depthwise::depthwise_f32;
use super::sgemm::{self, BSource, DenseB, PackedA, NR};
use crate::{Activation, ConvGeometry, Planes, PlanesMut};

/// Which convolution algorithm to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ConvAlgo {
    /// Let [`Conv2dF32::new`] decide.
    #[default]
    Auto,
    /// im2col (implicit, inside the B packing) + packed GEMM; 1×1 stride-1 is a plain GEMM.
    Gemm,
    /// Depthwise direct kernel.
    Depthwise,
    /// Winograd F(6,3) (3×3 stride-1 only).
    Winograd63,
    /// Winograd F(4,3) (3×3 stride-1 only).
    Winograd43,
    /// Winograd F(2,3) (3×3 stride-1 only).
    Winograd23,
}

impl std::fmt::Display for ConvAlgo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConvAlgo::Auto => "auto",
            ConvAlgo::Gemm => "gemm",
            ConvAlgo::Depthwise => "depthwise",
            ConvAlgo::Winograd63 => "winograd63",
            ConvAlgo::Winograd43 => "winograd43",
            ConvAlgo::Winograd23 => "winograd23",
        })
    }
}

#[derive(Clone, Debug)]
enum Plan {
    Gemm { groups: Vec<PackedA> },
    Depthwise { weights: Vec<f32> },
}

/// A convolution with weights prepared for one algorithm.
#[derive(Clone, Debug)]
pub struct Conv2dF32 {
    pub geom: ConvGeometry,
    act: Activation,
    bias: Option<Vec<f32>>,
    plan: Plan,
    algo: ConvAlgo,
}

/// im2col read straight from the padded input while packing B.
struct Im2colB<'a> {
    input: Planes<'a, f32>,
    first_channel: usize,
    ofs: Vec<usize>,
    outw: usize,
    stride_w: usize,
    stride_h: usize,
}

impl BSource for Im2colB<'_> {
    fn pack(&self, k0: usize, kc: usize, j0: usize, nc: usize, out: &mut [f32]) {
        let maxk = self.ofs.len();
        let w = self.input.w;
        let panels = nc.div_ceil(NR);
        for t in 0..panels {
            let cols = NR.min(nc - t * NR);
            let jb = j0 + t * NR;
            let mut pos = [0usize; NR];
            for (jj, p) in pos.iter_mut().enumerate().take(cols) {
                let j = jb + jj;
                *p = (j / self.outw) * self.stride_h * w + (j % self.outw) * self.stride_w;
            }
            let dst = &mut out[t * kc * NR..(t + 1) * kc * NR];
            for p in 0..kc {
                let k = k0 + p;
                let plane = self.input.plane(self.first_channel + k / maxk);
                let tap = self.ofs[k % maxk];
                let d = &mut dst[p * NR..p * NR + NR];
                for jj in 0..cols {
                    d[jj] = plane[pos[jj] + tap];
                }
                d[cols..].iter_mut().for_each(|v| *v = 0.0);
            }
        }
    }
}

impl Conv2dF32 {
    /// `weights` in ncnn order (`out_c × in_c/group × kh × kw`). `out_size`
    /// is the output map size when known at load time (from the `.param`
    /// shape hints); it lets the algorithm rule consider the map size.
    pub fn new(
        geom: ConvGeometry,
        weights: &[f32],
        bias: Option<&[f32]>,
        act: Activation,
        algo: ConvAlgo,
        out_size: Option<(usize, usize)>,
    ) -> Result<Self, String> {
        validate(&geom, weights.len(), bias.map(|b| b.len()))?;
        let _ = out_size;
        let algo = match algo {
            ConvAlgo::Auto if geom.is_depthwise() => ConvAlgo::Depthwise,
            ConvAlgo::Depthwise if !geom.is_depthwise() => {
                return Err("depthwise algorithm asked for a non-depthwise convolution".into())
            }
            // Winograd kernels are not in place yet: GEMM computes the same result.
            _ if geom.is_depthwise() => ConvAlgo::Depthwise,
            _ => ConvAlgo::Gemm,
        };
        let plan = match algo {
            ConvAlgo::Depthwise => Plan::Depthwise {
                weights: weights.to_vec(),
            },
            _ => {
                let out_g = geom.out_c / geom.group;
                let k = (geom.in_c / geom.group) * geom.maxk();
                let groups = (0..geom.group)
                    .map(|g| {
                        PackedA::pack(&weights[g * out_g * k..(g + 1) * out_g * k], out_g, k, k)
                    })
                    .collect();
                Plan::Gemm { groups }
            }
        };
        Ok(Conv2dF32 {
            geom,
            act,
            bias: bias.map(|b| b.to_vec()),
            plan,
            algo,
        })
    }

    /// The algorithm actually used.
    pub fn algo(&self) -> ConvAlgo {
        self.algo
    }

    pub fn weight_bytes(&self) -> usize {
        let w = match &self.plan {
            Plan::Gemm { groups } => groups.iter().map(|g| g.bytes()).sum(),
            Plan::Depthwise { weights } => weights.len() * 4,
        };
        w + self.bias.as_ref().map_or(0, |b| b.len() * 4)
    }

    /// Runs on a padded input; `output` must be `out_c` planes of the output size.
    pub fn forward(&self, input: Planes<f32>, output: &mut PlanesMut<f32>, threads: usize) {
        let g = &self.geom;
        assert_eq!(input.c, g.in_c, "input channels");
        let (outw, outh) = g
            .output_size(input.w, input.h)
            .expect("kernel larger than input");
        assert!(
            output.w == outw && output.h == outh && output.c == g.out_c,
            "output shape"
        );
        match &self.plan {
            Plan::Depthwise { weights } => depthwise_f32(
                input,
                g,
                weights,
                self.bias.as_deref(),
                self.act,
                output,
                threads,
            ),
            Plan::Gemm { groups } => {
                let in_g = g.in_c / g.group;
                let out_g = g.out_c / g.group;
                let n = outw * outh;
                let ldc = output.cstep;
                for (gi, a) in groups.iter().enumerate() {
                    let bias = self
                        .bias
                        .as_deref()
                        .map(|b| &b[gi * out_g..(gi + 1) * out_g]);
                    let c = &mut output.data[gi * out_g * ldc..];
                    if g.is_1x1_s1() {
                        let b = DenseB {
                            data: &input.data[gi * in_g * input.cstep..],
                            ld: input.cstep,
                        };
                        sgemm::sgemm(a, &b, n, c, ldc, bias, self.act, threads);
                    } else {
                        let b = Im2colB {
                            input,
                            first_channel: gi * in_g,
                            ofs: g.tap_offsets(input.w),
                            outw,
                            stride_w: g.stride_w,
                            stride_h: g.stride_h,
                        };
                        sgemm::sgemm(a, &b, n, c, ldc, bias, self.act, threads);
                    }
                }
            }
        }
    }
}

/// Checks that weight and bias counts match the geometry.
pub fn validate(geom: &ConvGeometry, weights: usize, bias: Option<usize>) -> Result<(), String> {
    if geom.group == 0 || geom.in_c % geom.group != 0 || geom.out_c % geom.group != 0 {
        return Err(format!(
            "group {} does not divide input channels {} and output channels {}",
            geom.group, geom.in_c, geom.out_c
        ));
    }
    if geom.kernel_w == 0 || geom.kernel_h == 0 || geom.stride_w == 0 || geom.stride_h == 0 {
        return Err("kernel and stride must be positive".into());
    }
    if geom.dilation_w == 0 || geom.dilation_h == 0 {
        return Err("dilation must be positive".into());
    }
    if weights != geom.weight_len() {
        return Err(format!(
            "{} weights, expected {} ({} out × {} in × {}×{} kernel)",
            weights,
            geom.weight_len(),
            geom.out_c,
            geom.in_c / geom.group,
            geom.kernel_h,
            geom.kernel_w
        ));
    }
    if let Some(b) = bias {
        if b != geom.out_c {
            return Err(format!("{b} bias values, expected {}", geom.out_c));
        }
    }
    Ok(())
}
