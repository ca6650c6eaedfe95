//! Prepared int8 convolution: int8 input (with its scale), int8 weights (with
//! per-output-channel scales), int32 accumulation, and an output stage that
//! dequantizes to fp32 (`act(sum · 1/(in_scale·w_scale) + bias)`) or
//! requantizes straight to the next layer's int8 scale.
//!
//! Algorithms: packed int8 GEMM (any kernel, stride, dilation, groups; 1×1
//! stride 1 without im2col), Winograd F(2,3) and F(4,3) (3×3 stride 1), and a
//! depthwise kernel. All compute exact int32 sums (Winograd splits the
//! input-channel accumulation where the weights need it to stay exact, see
//! [`crate::int8::winograd`]), so every algorithm gives the same output, bit
//! for bit.

use super::depthwise::{depthwise_sums, SUMS_SLACK};
use super::gemm::{pack_b, PackedA, Stage};
use super::kernels::Int8Kernels;

use super::quantize::{dequant_multiplier, stage_with, StageOut};
use super::winograd::{winograd23_is_exact, winograd43_is_exact, WinogradI8};
use crate::generic::int8::gemm::Im2col;
use crate::{parallel, Activation, ConvGeometry, Planes, PlanesMut};

/// Which int8 convolution algorithm to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Int8Algo {
    /// Let [`Conv2dI8::new`] decide ([`choose_int8_algo`]).
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

/// Smallest channel count (input and output) for which Winograd pays off.
pub const WINOGRAD_MIN_CHANNELS: usize = 8;

/// Tiles of F(`m`,3) on a `w × h` output as the kernels run them: blocks of
/// 8, the last one 4 wide when it holds at most 4 tiles.
fn winograd_lane_tiles(m: usize, w: usize, h: usize) -> usize {
    let t = w.div_ceil(m) * h.div_ceil(m);
    let rest = t % 8;
    t - rest
        + match rest {
            0 => 0,
            1..=4 => 4,
            _ => 8,
        }
}

/// The algorithm [`Int8Algo::Auto`] picks for a layer, from its geometry and
/// (when known) its output map size:
///
/// 1. depthwise convolutions → [`Int8Algo::Depthwise`];
/// 2. 3×3, stride 1, dilation 1, ungrouped, with at least
///    [`WINOGRAD_MIN_CHANNELS`] input and output channels (below that the
///    per-tile transforms outweigh the saved multiplies; measured: GEMM wins
///    at 3 input channels, ties at 4, loses at 8):
///    - map size unknown → [`Int8Algo::Winograd43`];
///    - map `w × h` known → the cheapest of F(4,3), F(2,3) and GEMM by the
///      cost per (input, output) channel pair measured on the armv7 kernels
///      (qemu cortex-a7, neon64 cost): Winograd ≈ 0.61 per int16 multiply,
///      i.e. `0.61·(m+2)²·tiles_m` with tiles counted in the kernels' blocks
///      of 8 (a last block of ≤ 4 tiles costs 4), and GEMM ≈ `0.445·9·w·h`.
///      This gives GEMM for maps up to 3×3, F(2,3) around 4×4 and F(4,3)
///      from 5×5 up (F(4,3) and F(2,3) tie at 10×10);
/// 3. everything else → [`Int8Algo::Gemm`].
///
/// Both Winograd variants are exact for every layer with 8-bit weights (they
/// split the input-channel accumulation where the weights need it, see
/// [`crate::int8::winograd`]), so the weights do not enter the rule;
/// [`Conv2dI8::new`] falls back (F(4,3) → F(2,3) → GEMM) only if
/// [`winograd43_is_exact`] ever reports otherwise.
pub fn choose_int8_algo(geom: &ConvGeometry, out_size: Option<(usize, usize)>) -> Int8Algo {
    if geom.is_depthwise() {
        return Int8Algo::Depthwise;
    }
    let winograd_shape = geom.is_3x3_s1() && geom.group == 1;
    if !winograd_shape || geom.in_c < WINOGRAD_MIN_CHANNELS || geom.out_c < WINOGRAD_MIN_CHANNELS {
        return Int8Algo::Gemm;
    }
    let Some((w, h)) = out_size else {
        return Int8Algo::Winograd43;
    };
    let f43 = 0.61 * 36.0 * winograd_lane_tiles(4, w, h) as f64;
    let f23 = 0.61 * 16.0 * winograd_lane_tiles(2, w, h) as f64;
    let gemm = 0.445 * 9.0 * (w * h) as f64;
    if f43 <= f23 && f43 <= gemm {
        Int8Algo::Winograd43
    } else if f23 <= gemm {
        Int8Algo::Winograd23
    } else {
        Int8Algo::Gemm
    }
}

/// The algorithm [`Int8Algo::Auto`] picks for a layer run by `kern`:
/// [`choose_int8_algo`], except that where the CPU has an int8 dot product
/// (AVX-512 VNNI, aarch64 `sdot`) every non-depthwise layer runs GEMM.
/// `vpdpbusd` multiplies 64 int8 pairs per instruction and `sdot` 16, while
/// the Winograd GEMM multiplies int16 pairs (16 per `vpdpwssd` ymm, 4 per
/// `smlal`): F(4,3)'s 4× fewer multiplies do not make that up once the
/// transforms are counted. Measured: x86 (1 thread, AMD EPYC with AVX-512
/// VNNI) resnet18 int8 9.4 ms all-GEMM against 22.3 ms with Winograd where
/// [`choose_int8_algo`] puts it, googlenet 12.9 against 17.3 ms; aarch64
/// with dotprod (`qemu-aarch64 -cpu max`, neon64 cost per inference)
/// resnet18 266.3M against 453.1M, squeezenet 79.6M against 122.5M,
/// squeezenet_ssd 262.0M against 455.6M. Without dotprod (`-cpu
/// cortex-a53`) Winograd stays well ahead (resnet18 578.4M against 932.4M
/// all-GEMM), as it does with AVX2 alone (`vpmaddwd` for both: within a few
/// percent on resnet18), so those follow the portable rule.
pub fn choose_int8_algo_for(
    kern: &Int8Kernels,
    geom: &ConvGeometry,
    out_size: Option<(usize, usize)>,
) -> Int8Algo {
    match choose_int8_algo(geom, out_size) {
        Int8Algo::Winograd23 | Int8Algo::Winograd43 if kern.has_dot_product() => Int8Algo::Gemm,
        a => a,
    }
}

/// The prepared weights of one algorithm.
#[derive(Clone, Debug)]
enum Plan {
    /// A panels per group.
    Gemm(Vec<PackedA>),
    Winograd(WinogradI8),
    /// `c × kh × kw` weights.
    Depthwise(Vec<i8>),
}

/// A constant border around an input map (`value` in every added element),
/// for [`Conv2dI8::forward_bordered`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Border {
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
    pub value: i8,
}

impl Border {
    pub fn is_empty(&self) -> bool {
        self.top + self.bottom + self.left + self.right == 0
    }
}

/// Where an int8 convolution writes.
pub enum Int8Output<'a> {
    /// Dequantized fp32.
    F32(PlanesMut<'a, f32>),
    /// Requantized int8 at `scale`.
    I8 { out: PlanesMut<'a, i8>, scale: f32 },
    /// The exact int32 sums, before scales, bias and activation (for tests
    /// and for consumers that rescale themselves).
    I32(PlanesMut<'a, i32>),
}

/// An int8 convolution with weights prepared for one algorithm.
#[derive(Clone, Debug)]
pub struct Conv2dI8 {
    pub geom: ConvGeometry,
    kern: &'static Int8Kernels,
    plan: Plan,
    weight_scales: Vec<f32>,
    bias: Option<Vec<f32>>,
    act: Activation,
    algo: Int8Algo,
}

fn validate(
    geom: &ConvGeometry,
    weights: &[i8],
    scales: usize,
    bias: Option<usize>,
) -> Result<(), String> {
    let g = geom;
    if g.group == 0 || g.in_c % g.group != 0 || g.out_c % g.group != 0 {
        return Err(format!(
            "group {} does not divide input channels {} and output channels {}",
            g.group, g.in_c, g.out_c
        ));
    }
    if g.in_c == 0 || g.out_c == 0 {
        return Err("a convolution needs input and output channels".into());
    }
    if g.kernel_w == 0 || g.kernel_h == 0 || g.stride_w == 0 || g.stride_h == 0 {
        return Err("kernel and stride must be positive".into());
    }
    if g.dilation_w == 0 || g.dilation_h == 0 {
        return Err("dilation must be positive".into());
    }
    if weights.len() != g.weight_len() {
        return Err(format!(
            "{} weights, expected {} ({} out × {} in × {}×{} kernel)",
            weights.len(),
            g.weight_len(),
            g.out_c,
            g.in_c / g.group,
            g.kernel_h,
            g.kernel_w
        ));
    }
    if scales != g.out_c {
        return Err(format!(
            "{scales} weight scales for {} output channels",
            g.out_c
        ));
    }
    if let Some(b) = bias {
        if b != g.out_c {
            return Err(format!("{b} bias values, expected {}", g.out_c));
        }
    }
    if weights.contains(&i8::MIN) {
        return Err("int8 weights must lie in [-127, 127]".into());
    }
    Ok(())
}

impl Conv2dI8 {
    /// `weights` in ncnn order (`out_c × in_c/group × kh × kw`), values in
    /// [-127, 127]; `weight_scales` one per output channel. `out_size` is the
    /// output map size when known at load time (from the `.param` shape
    /// hints); it lets the algorithm rule consider the map size.
    ///
    /// `algo` is a request: [`Int8Algo::Auto`] follows [`choose_int8_algo_for`];
    /// a Winograd request on a layer that is not 3×3 stride 1 ungrouped runs
    /// GEMM; F(4,3) whose exactness bound fails runs F(2,3) (and F(2,3) whose
    /// bound fails runs GEMM). [`Conv2dI8::algo`] reports what runs.
    pub fn new(
        geom: ConvGeometry,
        weights: &[i8],
        weight_scales: &[f32],
        bias: Option<&[f32]>,
        act: Activation,
        algo: Int8Algo,
        out_size: Option<(usize, usize)>,
    ) -> Result<Self, String> {
        Self::with_kernels(
            geom,
            weights,
            weight_scales,
            bias,
            act,
            algo,
            out_size,
            crate::ops().int8(),
        )
    }

    /// [`Conv2dI8::new`] with an explicit kernel object (tests compare them;
    /// the object proves this CPU runs it).
    #[allow(clippy::too_many_arguments)]
    pub fn with_kernels(
        geom: ConvGeometry,
        weights: &[i8],
        weight_scales: &[f32],
        bias: Option<&[f32]>,
        act: Activation,
        algo: Int8Algo,
        out_size: Option<(usize, usize)>,
        kern: &'static Int8Kernels,
    ) -> Result<Self, String> {
        validate(&geom, weights, weight_scales.len(), bias.map(|b| b.len()))?;
        let winograd_shape = geom.is_3x3_s1() && geom.group == 1;
        let algo = match algo {
            Int8Algo::Depthwise if !geom.is_depthwise() => {
                return Err("depthwise algorithm asked for a non-depthwise convolution".into())
            }
            _ if geom.is_depthwise() => Int8Algo::Depthwise,
            Int8Algo::Auto => choose_int8_algo_for(kern, &geom, out_size),
            Int8Algo::Winograd23 | Int8Algo::Winograd43 if !winograd_shape => Int8Algo::Gemm,
            a => a,
        };
        let algo = match algo {
            Int8Algo::Winograd43 if !winograd43_is_exact(&geom, weights) => Int8Algo::Winograd23,
            a => a,
        };
        let algo = match algo {
            Int8Algo::Winograd23 if !winograd23_is_exact(&geom, weights) => Int8Algo::Gemm,
            a => a,
        };
        let plan = match algo {
            Int8Algo::Depthwise => Plan::Depthwise(weights.to_vec()),
            Int8Algo::Winograd23 => Plan::Winograd(WinogradI8::new(2, &geom, weights, kern)),
            Int8Algo::Winograd43 => Plan::Winograd(WinogradI8::new(4, &geom, weights, kern)),
            _ => {
                let (in_g, out_g) = (geom.in_c / geom.group, geom.out_c / geom.group);
                let k = in_g * geom.maxk();
                let layout = kern.layout();
                Plan::Gemm(
                    (0..geom.group)
                        .map(|g| {
                            PackedA::new(
                                layout,
                                &weights[g * out_g * k..(g + 1) * out_g * k],
                                out_g,
                                k,
                            )
                        })
                        .collect(),
                )
            }
        };
        Ok(Conv2dI8 {
            geom,
            kern,
            plan,
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

    /// The kernel object the weights are prepared for.
    pub fn kernels(&self) -> &'static Int8Kernels {
        self.kern
    }

    pub fn weight_bytes(&self) -> usize {
        let packed = match &self.plan {
            Plan::Gemm(groups) => groups.iter().map(|a| a.data.len()).sum(),
            Plan::Winograd(w) => w.weight_bytes(),
            Plan::Depthwise(w) => w.len(),
        };
        packed + (self.weight_scales.len() + self.bias.as_ref().map_or(0, |b| b.len())) * 4
    }

    /// Runs on a padded int8 input whose values mean `q / in_scale`.
    pub fn forward(&self, input: Planes<i8>, in_scale: f32, output: Int8Output, threads: usize) {
        self.forward_bordered(input, Border::default(), in_scale, output, threads)
    }

    /// True when [`Conv2dI8::forward_bordered`] takes a border: the Winograd
    /// plans copy every input plane into their tile grid anyway, so they add
    /// the border there instead of the caller making a padded copy first.
    pub fn pads_itself(&self) -> bool {
        matches!(self.plan, Plan::Winograd(_))
    }

    /// [`Conv2dI8::forward`] on `input` surrounded by `border`.
    ///
    /// # Panics
    /// If `border` is not empty and the plan does not [pad
    /// itself](Conv2dI8::pads_itself).
    pub fn forward_bordered(
        &self,
        input: Planes<i8>,
        border: Border,
        in_scale: f32,
        output: Int8Output,
        threads: usize,
    ) {
        let g = &self.geom;
        assert_eq!(input.c, g.in_c, "input channels");
        assert!(
            border.is_empty() || self.pads_itself(),
            "{:?} does not pad its input",
            self.algo
        );
        let (outw, outh) = g
            .output_size(
                input.w + border.left + border.right,
                input.h + border.top + border.bottom,
            )
            .expect("kernel larger than input");
        let n = outw * outh;
        let mul: Vec<f32> = self
            .weight_scales
            .iter()
            .map(|&ws| dequant_multiplier(in_scale, ws))
            .collect();
        let zeros;
        let bias: &[f32] = match &self.bias {
            Some(b) => b,
            None => {
                zeros = vec![0f32; g.out_c];
                &zeros
            }
        };
        let (mut f32_out, mut i8_out, mut i32_out);
        let mut outs: Vec<StageOut> = match output {
            Int8Output::F32(out) => {
                assert!(
                    out.w == outw && out.h == outh && out.c == g.out_c,
                    "output shape"
                );
                f32_out = out;
                f32_out
                    .planes_mut()
                    .into_iter()
                    .map(StageOut::F32)
                    .collect()
            }
            Int8Output::I8 { out, scale } => {
                assert!(
                    out.w == outw && out.h == outh && out.c == g.out_c,
                    "output shape"
                );
                i8_out = out;
                i8_out
                    .planes_mut()
                    .into_iter()
                    .map(|p| StageOut::I8(p, scale))
                    .collect()
            }
            Int8Output::I32(out) => {
                assert!(
                    out.w == outw && out.h == outh && out.c == g.out_c,
                    "output shape"
                );
                i32_out = out;
                i32_out
                    .planes_mut()
                    .into_iter()
                    .map(StageOut::I32)
                    .collect()
            }
        };
        let kern = self.kern;
        match &self.plan {
            Plan::Depthwise(weights) => {
                let maxk = g.maxk();
                // Channels in one group per worker (a few more for balance),
                // each group reusing its sums and scratch buffers.
                let per = if threads <= 1 {
                    g.out_c
                } else {
                    g.out_c.div_ceil(4 * threads).max(1)
                };
                let mut groups: Vec<&mut [StageOut]> = outs.chunks_mut(per).collect();
                parallel::for_each_mut(&mut groups, threads, |gi, group| {
                    let mut sums = vec![0i32; n + SUMS_SLACK];
                    let mut scratch = Vec::new();
                    for (j, out) in group.iter_mut().enumerate() {
                        let q = gi * per + j;
                        let k = &weights[q * maxk..(q + 1) * maxk];
                        depthwise_sums(
                            kern,
                            input.plane(q),
                            input.w,
                            g,
                            k,
                            outw,
                            outh,
                            &mut sums,
                            &mut scratch,
                        );
                        stage_with(kern, &sums[..n], mul[q], bias[q], self.act, out.reborrow());
                    }
                });
            }
            Plan::Winograd(wino) => {
                let stage = Stage {
                    mul: &mul,
                    bias,
                    act: self.act,
                };
                wino.forward(kern, input, border, outw, outh, &stage, &mut outs, threads);
            }
            Plan::Gemm(groups) => {
                let (in_g, out_g) = (g.in_c / g.group, g.out_c / g.group);
                let ofs = g.tap_offsets(input.w);
                let one_by_one =
                    g.kernel_w == 1 && g.kernel_h == 1 && g.stride_w == 1 && g.stride_h == 1;
                if one_by_one && g.group == 1 {
                    if let Some(frame) = constant_frame(&input) {
                        let stage = Stage {
                            mul: &mul,
                            bias,
                            act: self.act,
                        };
                        return framed_1x1(
                            kern, &groups[0], &input, frame, &stage, &mut outs, threads,
                        );
                    }
                }
                for (grp, a) in groups.iter().enumerate() {
                    let src = Im2col {
                        planes: input.planes(grp * in_g, in_g),
                        outw,
                        stride_w: g.stride_w,
                        stride_h: g.stride_h,
                        tap_ofs: &ofs,
                    };
                    let b = pack_b(kern, a.layout, &src, one_by_one, outh, threads);
                    let stage = Stage {
                        mul: &mul[grp * out_g..(grp + 1) * out_g],
                        bias: &bias[grp * out_g..(grp + 1) * out_g],
                        act: self.act,
                    };
                    super::gemm::gemm_rows(
                        kern,
                        a,
                        &b,
                        n,
                        &stage,
                        &mut outs[grp * out_g..(grp + 1) * out_g],
                        threads,
                    );
                }
            }
        }
    }
}

/// A border of the input in which every element of every channel is `value`:
/// `top`, `bottom` rows and `left`, `right` columns (at least one non-zero,
/// an interior of at least 1×1 left).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Frame {
    value: i8,
    top: usize,
    bottom: usize,
    left: usize,
    right: usize,
}

/// The constant frame of `input` (as padding leaves it), if any. Stops at the
/// first differing element, so inputs without one cost a few comparisons.
fn constant_frame(input: &Planes<i8>) -> Option<Frame> {
    let (w, h) = (input.w, input.h);
    if w < 2 && h < 2 || input.c == 0 {
        return None;
    }
    let value = input.plane(0)[0];
    let row_is = |i: usize| {
        (0..input.c).all(|q| {
            input.plane(q)[i * w..(i + 1) * w]
                .iter()
                .all(|&x| x == value)
        })
    };
    let col_is = |j: usize, r0: usize, r1: usize| {
        (0..input.c).all(|q| (r0..r1).all(|i| input.plane(q)[i * w + j] == value))
    };
    let mut top = 0;
    while top + 1 < h && row_is(top) {
        top += 1;
    }
    let mut bottom = 0;
    while top + bottom + 1 < h && row_is(h - 1 - bottom) {
        bottom += 1;
    }
    let (r0, r1) = (top, h - bottom);
    let mut left = 0;
    while left + 1 < w && col_is(left, r0, r1) {
        left += 1;
    }
    let mut right = 0;
    while left + right + 1 < w && col_is(w - 1 - right, r0, r1) {
        right += 1;
    }
    (top + bottom + left + right > 0).then_some(Frame {
        value,
        top,
        bottom,
        left,
        right,
    })
}

/// A 1×1 stride-1 ungrouped convolution whose input has a constant frame
/// (the padding of squeezenet's conv10, for instance): the GEMM runs on the
/// interior only, and every frame output of channel `p` is the output stage
/// of `value · Σ_q w[p][q]`, exactly what the full GEMM would compute there.
fn framed_1x1(
    kern: &Int8Kernels,
    a: &PackedA,
    input: &Planes<i8>,
    f: Frame,
    stage: &Stage,
    outs: &mut [StageOut],
    threads: usize,
) {
    let (w, h) = (input.w, input.h);
    let (iw, ih) = (w - f.left - f.right, h - f.top - f.bottom);
    let ni = iw * ih;
    let mut interior = vec![0i8; input.c * ni];
    for (q, dst) in interior.chunks_exact_mut(ni).enumerate() {
        let plane = input.plane(q);
        for (i, row) in dst.chunks_exact_mut(iw).enumerate() {
            row.copy_from_slice(&plane[(f.top + i) * w + f.left..][..iw]);
        }
    }
    let src = Im2col {
        planes: Planes::new(&interior, iw, ih, input.c, ni),
        outw: iw,
        stride_w: 1,
        stride_h: 1,
        tap_ofs: &[0],
    };
    let b = pack_b(kern, a.layout, &src, true, ih, threads);
    // Interior outputs into temporaries of the output's type, then placed.
    let m = outs.len();
    let mut tf: Vec<f32>;
    let mut ti: Vec<i8>;
    let mut t32: Vec<i32>;
    let mut tmp: Vec<StageOut> = match outs.first() {
        Some(StageOut::F32(_)) => {
            tf = vec![0f32; m * ni];
            tf.chunks_exact_mut(ni).map(StageOut::F32).collect()
        }
        Some(StageOut::I8(_, s)) => {
            let s = *s;
            ti = vec![0i8; m * ni];
            ti.chunks_exact_mut(ni)
                .map(|c| StageOut::I8(c, s))
                .collect()
        }
        _ => {
            t32 = vec![0i32; m * ni];
            t32.chunks_exact_mut(ni).map(StageOut::I32).collect()
        }
    };
    super::gemm::gemm_rows(kern, a, &b, ni, stage, &mut tmp, threads);
    parallel::for_each_mut(outs, threads, |p, out| {
        let sum = [f.value as i32 * a.row_sums[p]];
        match (out, &tmp[p]) {
            (StageOut::F32(o), StageOut::F32(t)) => {
                let mut e = [0f32];
                stage_with(
                    kern,
                    &sum,
                    stage.mul[p],
                    stage.bias[p],
                    stage.act,
                    StageOut::F32(&mut e),
                );
                place(o, t, e[0], w, iw, f);
            }
            (StageOut::I8(o, s), StageOut::I8(t, _)) => {
                let mut e = [0i8];
                stage_with(
                    kern,
                    &sum,
                    stage.mul[p],
                    stage.bias[p],
                    stage.act,
                    StageOut::I8(&mut e, *s),
                );
                place(o, t, e[0], w, iw, f);
            }
            (StageOut::I32(o), StageOut::I32(t)) => place(o, t, sum[0], w, iw, f),
            _ => unreachable!("temporaries have the output's type"),
        }
    });
}

/// Fills the `w`-wide plane `out` with `edge` and copies the interior rows
/// (`iw` wide) from `inner`.
fn place<T: Copy>(out: &mut [T], inner: &[T], edge: T, w: usize, iw: usize, f: Frame) {
    out.fill(edge);
    for (i, row) in inner.chunks_exact(iw).enumerate() {
        out[(f.top + i) * w + f.left..][..iw].copy_from_slice(row);
    }
}
