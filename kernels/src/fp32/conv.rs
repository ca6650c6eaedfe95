//! Prepared fp32 convolution: picks an algorithm once, packs the weights for
//! it, then runs on padded inputs.

use super::depthwise::depthwise_f32;
use super::kernels::Fp32Kernels;
use super::sgemm::{self, BSource, PackedA};
use super::winograd::{Winograd, WinogradVariant};
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
    /// One packed weight matrix per group; 1×1 stride-1 reads the input planes as B.
    Gemm {
        groups: Vec<PackedA>,
    },
    Winograd(Winograd),
    Depthwise {
        weights: Vec<f32>,
    },
}

/// A convolution with weights prepared for one algorithm.
#[derive(Clone, Debug)]
pub struct Conv2dF32 {
    pub geom: ConvGeometry,
    act: Activation,
    /// Bias padded to the packed rows of each group (GEMM), or per channel (depthwise).
    bias: Vec<f32>,
    has_bias: bool,
    plan: Plan,
    algo: ConvAlgo,
    kern: &'static Fp32Kernels,
}

/// The algorithm [`ConvAlgo::Auto`] picks.
///
/// The rule, for a 3×3 stride-1 dilation-1 convolution with `groups == 1`
/// (everything else is depthwise or GEMM):
///
/// - fewer than 8 input **and** fewer than 8 output channels → GEMM (the
///   transforms cost more than the few multiplications they save);
/// - otherwise, by the output map size `s = min(outw, outh)` when it is
///   known (from the `.param` shape hints): F(4,3) when `s ≤ 8`, else F(6,3).
pub fn select_algo(geom: &ConvGeometry, out_size: Option<(usize, usize)>) -> ConvAlgo {
    if geom.is_depthwise() {
        return ConvAlgo::Depthwise;
    }
    if geom.group != 1 || !geom.is_3x3_s1() {
        return ConvAlgo::Gemm;
    }
    if geom.in_c < 8 && geom.out_c < 8 {
        return ConvAlgo::Gemm;
    }
    match out_size {
        Some((w, h)) if w.min(h) <= 8 => ConvAlgo::Winograd43,
        _ => ConvAlgo::Winograd63,
    }
}

impl Conv2dF32 {
    /// `weights` in ncnn order (`out_c × in_c/group × kh × kw`). `out_size`
    /// is the output map size when known at load time (from the `.param`
    /// shape hints); it lets the algorithm rule ([`select_algo`]) consider
    /// the map size.
    pub fn new(
        geom: ConvGeometry,
        weights: &[f32],
        bias: Option<&[f32]>,
        act: Activation,
        algo: ConvAlgo,
        out_size: Option<(usize, usize)>,
    ) -> Result<Self, String> {
        Self::with_kernels(
            geom,
            weights,
            bias,
            act,
            algo,
            out_size,
            Fp32Kernels::best(),
        )
    }

    /// [`Self::new`] with an explicit kernel set (tests compare sets; benches time them).
    pub fn with_kernels(
        geom: ConvGeometry,
        weights: &[f32],
        bias: Option<&[f32]>,
        act: Activation,
        algo: ConvAlgo,
        out_size: Option<(usize, usize)>,
        kern: &'static Fp32Kernels,
    ) -> Result<Self, String> {
        validate(&geom, weights.len(), bias.map(|b| b.len()))?;
        let winograd_ok = geom.is_3x3_s1() && geom.group == 1;
        let algo = match algo {
            ConvAlgo::Auto => select_algo(&geom, out_size),
            ConvAlgo::Depthwise if !geom.is_depthwise() => {
                return Err("depthwise algorithm asked for a non-depthwise convolution".into())
            }
            // A depthwise convolution is always run by the depthwise kernel.
            _ if geom.is_depthwise() => ConvAlgo::Depthwise,
            ConvAlgo::Winograd63 | ConvAlgo::Winograd43 | ConvAlgo::Winograd23 if !winograd_ok => {
                ConvAlgo::Gemm
            }
            a => a,
        };
        let plan = match algo {
            ConvAlgo::Depthwise => Plan::Depthwise {
                weights: weights.to_vec(),
            },
            ConvAlgo::Winograd63 | ConvAlgo::Winograd43 | ConvAlgo::Winograd23 => {
                let variant = match algo {
                    ConvAlgo::Winograd63 => WinogradVariant::F63,
                    ConvAlgo::Winograd43 => WinogradVariant::F43,
                    _ => WinogradVariant::F23,
                };
                Plan::Winograd(Winograd::new(
                    variant, weights, bias, geom.out_c, geom.in_c, kern,
                ))
            }
            _ => {
                let out_g = geom.out_c / geom.group;
                let k = (geom.in_c / geom.group) * geom.maxk();
                let groups = (0..geom.group)
                    .map(|g| {
                        PackedA::pack(
                            &weights[g * out_g * k..(g + 1) * out_g * k],
                            out_g,
                            k,
                            k,
                            kern,
                        )
                    })
                    .collect();
                Plan::Gemm { groups }
            }
        };
        let bias_vec = match &plan {
            Plan::Gemm { groups } => {
                // Per group, padded to the packed rows: [group][padded row].
                let out_g = geom.out_c / geom.group;
                groups
                    .iter()
                    .enumerate()
                    .flat_map(|(g, a)| a.pad_bias(bias.map(|b| &b[g * out_g..(g + 1) * out_g])))
                    .collect()
            }
            Plan::Depthwise { .. } => bias.map_or_else(|| vec![0.0; geom.out_c], |b| b.to_vec()),
            Plan::Winograd(_) => Vec::new(),
        };
        Ok(Conv2dF32 {
            geom,
            act,
            bias: bias_vec,
            has_bias: bias.is_some(),
            plan,
            algo,
            kern,
        })
    }

    /// The algorithm actually used.
    pub fn algo(&self) -> ConvAlgo {
        self.algo
    }

    /// The kernel set the weights are packed for.
    pub fn kernels(&self) -> &'static Fp32Kernels {
        self.kern
    }

    /// Bytes of the prepared weights (packed, or Winograd-transformed) and bias.
    pub fn weight_bytes(&self) -> usize {
        let w = match &self.plan {
            Plan::Gemm { groups } => groups.iter().map(|g| g.bytes()).sum(),
            Plan::Depthwise { weights } => weights.len() * 4,
            Plan::Winograd(w) => w.weight_bytes(),
        };
        w + self.bias.len() * 4
    }

    /// Whether the layer has a bias term.
    pub fn has_bias(&self) -> bool {
        self.has_bias
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
                self.kern, input, g, weights, &self.bias, self.act, output, threads,
            ),
            Plan::Winograd(w) => w.forward(self.kern, input, output, self.act, threads),
            Plan::Gemm { groups } => {
                let in_g = g.in_c / g.group;
                let out_g = g.out_c / g.group;
                let n = outw * outh;
                let ldc = output.cstep;
                let ofs = g.tap_offsets(input.w);
                let mut bias_off = 0;
                for (gi, a) in groups.iter().enumerate() {
                    let bias = &self.bias[bias_off..bias_off + a.padded_rows()];
                    bias_off += a.padded_rows();
                    let c = &mut output.data[gi * out_g * ldc..];
                    let b = if g.is_1x1_s1() {
                        BSource::Dense {
                            data: &input.data[gi * in_g * input.cstep..],
                            ld: input.cstep,
                        }
                    } else {
                        BSource::Im2col {
                            input,
                            first_channel: gi * in_g,
                            ofs: &ofs,
                            outw,
                            stride_w: g.stride_w,
                            stride_h: g.stride_h,
                        }
                    };
                    sgemm::sgemm(self.kern, a, &b, n, c, ldc, bias, self.act, threads);
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
