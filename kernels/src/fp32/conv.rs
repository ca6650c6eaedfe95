//! Prepared fp32 convolution: picks an algorithm once, packs the weights for
//! it, then runs on padded inputs.

use super::depthwise::depthwise_f32;
use super::kernels::Fp32Kernels;
use super::sgemm::{self, BSource, PackedA};
use super::winograd::{self, Winograd, WinogradVariant};
use std::sync::{Mutex, OnceLock};

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

/// Weights prepared for one algorithm.
#[derive(Clone, Debug)]
struct Prepared {
    plan: Plan,
    /// Bias padded to the packed rows of each group (GEMM), or per channel (depthwise).
    bias: Vec<f32>,
    algo: ConvAlgo,
}

/// Raw weights kept until the first `forward` tells the map size.
#[derive(Clone, Debug)]
struct Deferred {
    weights: Vec<f32>,
    bias: Option<Vec<f32>>,
}

/// A convolution with weights prepared for one algorithm.
///
/// With [`ConvAlgo::Auto`] and no known output size, a 3×3 stride-1
/// convolution keeps its raw weights and picks and prepares its algorithm at
/// the first [`Conv2dF32::forward`], when the map size is known.
#[derive(Debug)]
pub struct Conv2dF32 {
    pub geom: ConvGeometry,
    act: Activation,
    has_bias: bool,
    kern: &'static Fp32Kernels,
    prepared: OnceLock<Prepared>,
    deferred: Mutex<Option<Deferred>>,
}

impl Clone for Conv2dF32 {
    fn clone(&self) -> Self {
        Conv2dF32 {
            geom: self.geom,
            act: self.act,
            has_bias: self.has_bias,
            kern: self.kern,
            prepared: self.prepared.clone(),
            deferred: Mutex::new(self.deferred.lock().map(|d| d.clone()).unwrap_or(None)),
        }
    }
}

/// The algorithm [`ConvAlgo::Auto`] picks for a convolution whose output
/// map is `out_size` (`None`: unknown), with this CPU's kernel set; see
/// [`select_algo_for`].
pub fn select_algo(geom: &ConvGeometry, out_size: Option<(usize, usize)>) -> ConvAlgo {
    select_algo_for(geom, out_size, crate::ops().fp32())
}

/// The algorithm [`ConvAlgo::Auto`] picks, for the kernel set `kern`.
///
/// Depthwise convolutions use the depthwise kernel; everything that is not
/// 3×3 stride 1 dilation 1 with one group uses GEMM (1×1 stride 1 without
/// im2col). For 3×3 stride-1 convolutions with `K` input and `M` output
/// channels:
///
/// - `K < 8` **and** `M < 8` → GEMM (as ncnn: with so few channels the
///   transforms cost more than the multiplications they save);
/// - unknown map size → F(6,3) up to 128 input and output channels, else
///   F(4,3) (ncnn's rule; `Conv2dF32` normally waits for the first run and
///   its real size instead);
/// - otherwise the cheapest of F(6,3), F(4,3), F(2,3) and GEMM by a cost
///   count in multiply-adds, for an `outw × outh` map:
///   - Winograd F(m,3), `T = m + 2`, `t = ⌈outw/m⌉·⌈outh/m⌉` tiles padded to
///     the GEMM's column panels (`t'`), `M'` rows padded to its row panels,
///     `c` chunks of tiles: `T²·t'·K·M' + t·(cᵢₙ·K + cₒᵤₜ·M) + β·T²·K·M·c`;
///   - GEMM: `9·n'·K·M' + 2·9·n·K + β·9·K·M·b` (`n = outw·outh` pixels, `n'`
///     padded, `b` column blocks; the second term is the im2col packing);
///
///   where `cᵢₙ`, `cₒᵤₜ` are the per-tile, per-channel costs of the input and
///   output transforms in multiply-adds of the same kernel set
///   (`Fp32Kernels::wino_cost`: armv7 F(6,3) 600 and 520, F(4,3) 380 and
///   250, F(2,3) 115 and 90, counted from the NEON kernels' instruction costs
///   and checked per layer under qemu; x86 530, 290, 300, timed), and `β` the
///   cost of streaming one weight (`Fp32Kernels::weight_read_cost`, 2 on
///   the boards, 4 on x86: the transformed weights are `T²/9` times the 3×3
///   ones and each is used once per tile, so on small maps with many
///   channels reading them dominates).
///
///   In effect: large maps (≥ 16 or so) take F(6,3); maps whose tiles fit
///   them badly (14×14: 9 tiles of 6×6 for 196 pixels) F(4,3); 7×7 maps
///   F(4,3) on ARM and F(2,3) on x86 (whose bigger FMA width makes the
///   weight traffic of F(4,3) dominate); tiny maps with many channels F(2,3)
///   or GEMM (a 1×1 map: GEMM). Checked on x86 with the `fp32_kernels`
///   criterion bench (`conv3x3s1/*`, the 3×3 layer shapes of the six
///   networks): the pick is the fastest of the four, or within 8% of it.
pub fn select_algo_for(
    geom: &ConvGeometry,
    out_size: Option<(usize, usize)>,
    kern: &Fp32Kernels,
) -> ConvAlgo {
    if geom.is_depthwise() {
        return ConvAlgo::Depthwise;
    }
    if geom.group != 1 || !geom.is_3x3_s1() {
        return ConvAlgo::Gemm;
    }
    if geom.in_c < 8 && geom.out_c < 8 {
        return ConvAlgo::Gemm;
    }
    let Some((w, h)) = out_size else {
        return if geom.in_c <= 128 && geom.out_c <= 128 {
            ConvAlgo::Winograd63
        } else {
            ConvAlgo::Winograd43
        };
    };
    let (k, m) = (geom.in_c as f64, geom.out_c as f64);
    let mpad = sgemm::panel_plan(geom.out_c, kern.mr, kern.mr_small)
        .iter()
        .sum::<usize>() as f64;
    let n = w * h;
    let beta = kern.weight_read_cost as f64;
    let gemm = 9.0 * winograd::padded_columns(n, kern) as f64 * k * mpad
        + 18.0 * n as f64 * k
        + beta * 9.0 * k * m * sgemm::column_blocks(n, 9 * geom.in_c, kern) as f64;
    let mut best = (gemm, ConvAlgo::Gemm);
    for (i, (variant, algo)) in [
        (WinogradVariant::F63, ConvAlgo::Winograd63),
        (WinogradVariant::F43, ConvAlgo::Winograd43),
        (WinogradVariant::F23, ConvAlgo::Winograd23),
    ]
    .into_iter()
    .enumerate()
    {
        let (mt, t) = (variant.m(), variant.t());
        let tiles = w.div_ceil(mt) * h.div_ceil(mt);
        let cols = winograd::padded_columns(tiles, kern) as f64;
        let [cin, cout] = kern.wino_cost[i];
        let chunks = winograd::chunks(variant, tiles, geom.in_c, geom.out_c, kern) as f64;
        let cost = (t * t) as f64 * cols * k * mpad
            + tiles as f64 * (cin as f64 * k + cout as f64 * m)
            + beta * (t * t) as f64 * k * m * chunks;
        if cost < best.0 {
            best = (cost, algo);
        }
    }
    best.1
}

/// Packs `weights` for `algo` (already resolved: not `Auto`).
fn prepare(
    geom: &ConvGeometry,
    weights: &[f32],
    bias: Option<&[f32]>,
    algo: ConvAlgo,
    kern: &'static Fp32Kernels,
) -> Prepared {
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
    let bias = match &plan {
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
    Prepared { plan, bias, algo }
}

impl Conv2dF32 {
    /// `weights` in ncnn order (`out_c × in_c/group × kh × kw`). `out_size`
    /// is the output map size when known at load time (from the `.param`
    /// shape hints); it lets the algorithm rule ([`select_algo`]) consider
    /// the map size, else a 3×3 stride-1 `Auto` convolution decides at its
    /// first `forward`.
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
            crate::ops().fp32(),
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
            ConvAlgo::Depthwise if !geom.is_depthwise() => {
                return Err("depthwise algorithm asked for a non-depthwise convolution".into())
            }
            // A depthwise convolution is always run by the depthwise kernel.
            _ if geom.is_depthwise() => ConvAlgo::Depthwise,
            ConvAlgo::Auto
                if out_size.is_some() || select_algo_for(&geom, None, kern) == ConvAlgo::Gemm =>
            {
                select_algo_for(&geom, out_size, kern)
            }
            ConvAlgo::Winograd63 | ConvAlgo::Winograd43 | ConvAlgo::Winograd23 if !winograd_ok => {
                ConvAlgo::Gemm
            }
            a => a,
        };
        let conv = Conv2dF32 {
            geom,
            act,
            has_bias: bias.is_some(),
            kern,
            prepared: OnceLock::new(),
            deferred: Mutex::new(None),
        };
        if algo == ConvAlgo::Auto {
            *conv.deferred.lock().expect("fresh mutex") = Some(Deferred {
                weights: weights.to_vec(),
                bias: bias.map(|b| b.to_vec()),
            });
        } else {
            let _ = conv.prepared.set(prepare(&geom, weights, bias, algo, kern));
        }
        Ok(conv)
    }

    /// The prepared weights, preparing them for a `outw × outh` map if deferred.
    fn prepared(&self, outw: usize, outh: usize) -> &Prepared {
        self.prepared.get_or_init(|| {
            let d = self
                .deferred
                .lock()
                .expect("no panic while preparing")
                .take()
                .expect("deferred weights are kept until prepared");
            let algo = select_algo_for(&self.geom, Some((outw, outh)), self.kern);
            prepare(&self.geom, &d.weights, d.bias.as_deref(), algo, self.kern)
        })
    }

    /// The algorithm used (`Auto` while the choice waits for the first run).
    pub fn algo(&self) -> ConvAlgo {
        self.prepared.get().map_or(ConvAlgo::Auto, |p| p.algo)
    }

    /// The kernel set the weights are packed for.
    pub fn kernels(&self) -> &'static Fp32Kernels {
        self.kern
    }

    /// Bytes of the prepared weights (packed, or Winograd-transformed) and
    /// bias; the raw weights while the choice waits for the first run.
    pub fn weight_bytes(&self) -> usize {
        match self.prepared.get() {
            Some(p) => {
                let w = match &p.plan {
                    Plan::Gemm { groups } => groups.iter().map(|g| g.bytes()).sum(),
                    Plan::Depthwise { weights } => weights.len() * 4,
                    Plan::Winograd(w) => w.weight_bytes(),
                };
                w + p.bias.len() * 4
            }
            None => self
                .deferred
                .lock()
                .ok()
                .and_then(|d| {
                    d.as_ref()
                        .map(|d| (d.weights.len() + d.bias.as_ref().map_or(0, |b| b.len())) * 4)
                })
                .unwrap_or(0),
        }
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
        let p = self.prepared(outw, outh);
        match &p.plan {
            Plan::Depthwise { weights } => depthwise_f32(
                self.kern, input, g, weights, &p.bias, self.act, output, threads,
            ),
            Plan::Winograd(w) => w.forward(self.kern, input, output, self.act, threads),
            Plan::Gemm { groups } => {
                let in_g = g.in_c / g.group;
                let out_g = g.out_c / g.group;
                let ldc = output.cstep;
                // A 1×1 convolution maps each pixel's channel vector alone: when the
                // input has a constant frame (the padding of a padded 1×1 layer), the
                // frame's outputs are one vector, computed once.
                let frame = if g.is_1x1_s1() {
                    constant_frame(&input)
                } else {
                    0
                };
                let (iw, ih) = (outw - 2 * frame, outh - 2 * frame);
                let ofs = g.tap_offsets(input.w);
                let k_g = in_g * ofs.len();
                let mut kofs = vec![0usize; if g.is_1x1_s1() && frame == 0 { 0 } else { k_g }];
                let mut bias_off = 0;
                for (gi, a) in groups.iter().enumerate() {
                    let bias = &p.bias[bias_off..bias_off + a.padded_rows()];
                    bias_off += a.padded_rows();
                    let c = &mut output.data[gi * out_g * ldc..];
                    if frame > 0 {
                        // Interior: a GEMM over the inner rectangle, written into the
                        // inner rectangle of each output plane.
                        let inner = frame * input.w + frame;
                        for (p, ko) in kofs.iter_mut().enumerate() {
                            *ko = (gi * in_g + p) * input.cstep + inner;
                        }
                        let b = BSource::Im2col {
                            input,
                            kofs: &kofs,
                            outw: iw,
                            stride_w: 1,
                            stride_h: 1,
                        };
                        sgemm::sgemm_window(
                            self.kern,
                            a,
                            &b,
                            iw * ih,
                            &mut c[frame * outw + frame..],
                            ldc,
                            (iw, outw),
                            bias,
                            self.act,
                            threads,
                        );
                        // Frame: the output of the frame's channel vector.
                        let ring: Vec<f32> =
                            (0..in_g).map(|q| input.plane(gi * in_g + q)[0]).collect();
                        let mut v = vec![0f32; out_g];
                        let b = BSource::Dense { data: &ring, ld: 1 };
                        sgemm::sgemm(self.kern, a, &b, 1, &mut v, 1, bias, self.act, 1);
                        for (o, &val) in v.iter().enumerate() {
                            fill_frame(
                                &mut c[o * ldc..o * ldc + outw * outh],
                                outw,
                                outh,
                                frame,
                                val,
                            );
                        }
                        continue;
                    }
                    let b = if g.is_1x1_s1() {
                        BSource::Dense {
                            data: &input.data[gi * in_g * input.cstep..],
                            ld: input.cstep,
                        }
                    } else {
                        for (p, ko) in kofs.iter_mut().enumerate() {
                            *ko = (gi * in_g + p / ofs.len()) * input.cstep + ofs[p % ofs.len()];
                        }
                        BSource::Im2col {
                            input,
                            kofs: &kofs,
                            outw,
                            stride_w: g.stride_w,
                            stride_h: g.stride_h,
                        }
                    };
                    sgemm::sgemm(
                        self.kern,
                        a,
                        &b,
                        outw * outh,
                        c,
                        ldc,
                        bias,
                        self.act,
                        threads,
                    );
                }
            }
        }
    }
}

/// Width of the outer frame of `input` in which every channel is constant
/// (equal, bit for bit, to its top-left value), leaving at least one pixel
/// inside; 0 when there is none. Stops at the first differing value, so an
/// unpadded input costs a few comparisons.
fn constant_frame(input: &Planes<f32>) -> usize {
    let (w, h) = (input.w, input.h);
    if w < 3 || h < 3 {
        return 0;
    }
    let max = (w.min(h) - 1) / 2;
    for r in 0..max {
        for q in 0..input.c {
            let p = input.plane(q);
            let v = p[0].to_bits();
            let same = |y: usize, x0: usize, x1: usize| {
                p[y * w + x0..y * w + x1].iter().all(|x| x.to_bits() == v)
            };
            let ring_ok = same(r, r, w - r)
                && same(h - 1 - r, r, w - r)
                && (r + 1..h - 1 - r)
                    .all(|y| p[y * w + r].to_bits() == v && p[y * w + w - 1 - r].to_bits() == v);
            if !ring_ok {
                return r;
            }
        }
    }
    max
}

/// Sets the outer `frame` rows and columns of a `w × h` plane to `v`.
fn fill_frame(plane: &mut [f32], w: usize, h: usize, frame: usize, v: f32) {
    for y in 0..h {
        let row = &mut plane[y * w..(y + 1) * w];
        if y < frame || y >= h - frame {
            row.fill(v);
        } else {
            row[..frame].fill(v);
            row[w - frame..].fill(v);
        }
    }
}

/// Checks that weight and bias counts match the geometry.
pub fn validate(geom: &ConvGeometry, weights: usize, bias: Option<usize>) -> Result<(), String> {
    if geom.in_c == 0 || geom.out_c == 0 {
        return Err(format!(
            "{} input and {} output channels: both must be positive",
            geom.in_c, geom.out_c
        ));
    }
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
