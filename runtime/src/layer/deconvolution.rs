//! Deconvolution (transposed convolution) and DeconvolutionDepthWise, and
//! the core the 1-D variants ([`super::deconvolution1d`]) share.
//!
//! ncnn params `0=num_output 1=kernel_w 11=kernel_h 2=dilation_w
//! 12=dilation_h 3=stride_w 13=stride_h 4=pad_left 15=pad_right 14=pad_top
//! 16=pad_bottom 18=output_pad_right 19=output_pad_bottom 20=output_w
//! 21=output_h 5=bias_term 6=weight_data_size 7=group (DepthWise)
//! 9=activation_type 10=activation_params 28=dynamic_weight`.
//!
//! What ncnn computes: every input pixel `(i, j)` of channel `q` adds
//! `x · W[o][q][kh][kw]` to output pixel `(i·stride_h + kh·dilation_h,
//! j·stride_w + kw·dilation_w)` of a *full* map of
//! `(w − 1)·stride_w + kernel_extent_w + output_pad_right` columns (rows
//! alike), starting from the bias; then the full map is cut: by the pads when
//! any pad is positive, else — when `output_w`/`output_h` are set and a pad
//! is `-233` (SAME_UPPER) or `-234` (SAME_LOWER) — down to
//! `output_w × output_h`, the surplus split as ONNX does; then the
//! activation.
//!
//! How Octet computes it: GEMM + col2im. The weights are packed once into a
//! `(num_output · maxk) × (channels / group)` matrix per group (a grouped
//! 1×1 convolution of the existing fp32 SGEMM); the product with a band of
//! input rows gives, for every output channel and kernel tap, one column per
//! input pixel, and col2im adds each column row into the output window (the
//! cut is applied while scattering, so the full map is never stored). A
//! layer with one input channel per group (depthwise, or a depthwise
//! multiplier) runs a per-channel kernel instead: each tap adds a scaled
//! input row to an output row.

use octet_kernels::fp32::{Conv2dF32, ConvAlgo};
use octet_kernels::{parallel, Activation, ConvGeometry, Planes, PlanesMut};

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role, Weights};
use crate::option::Options;
use crate::param::ParamDict;

/// Most floats one band of GEMM columns holds (2 MiB): the input is cut
/// into bands of rows so the column matrix stays small on the boards.
const COL_BAND_FLOATS: usize = 1 << 19;

/// Whether the layer is the 2-D or the 1-D form (ncnn's Deconvolution1D
/// reads other param ids and treats a 2-D blob `h = channels, w = length`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Form {
    #[default]
    TwoD,
    OneD,
}

/// Parameters of a (1-D or 2-D, grouped or not) deconvolution.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct DeconvParams {
    pub form: Form,
    pub num_output: usize,
    pub kernel_w: usize,
    pub kernel_h: usize,
    pub dilation_w: usize,
    pub dilation_h: usize,
    pub stride_w: usize,
    pub stride_h: usize,
    pub pad_left: i32,
    pub pad_right: i32,
    pub pad_top: i32,
    pub pad_bottom: i32,
    pub output_pad_right: usize,
    pub output_pad_bottom: usize,
    pub output_w: usize,
    pub output_h: usize,
    pub bias_term: bool,
    pub weight_data_size: usize,
    pub group: usize,
    pub activation: Activation,
    /// Weights (and bias) come as the 2nd (and 3rd) input blob.
    pub dynamic_weight: bool,
}

fn positive(v: i32, what: &str) -> LayerResult<usize> {
    if v <= 0 {
        crate::bail!("{what} must be positive, got {v}");
    }
    Ok(v as usize)
}

fn non_negative(v: i32, what: &str) -> LayerResult<usize> {
    if v < 0 {
        crate::bail!("{what} must be ≥ 0, got {v}");
    }
    Ok(v as usize)
}

/// Checks pads: each ≥ 0 or -233 / -234 (ONNX SAME_UPPER / SAME_LOWER);
/// positive pads never mix with the SAME markers (ncnn would hand the
/// negative values to its border cut).
pub(crate) fn check_pads(pads: &[(i32, &str)]) -> LayerResult<()> {
    for &(v, what) in pads {
        if v < 0 && v != -233 && v != -234 {
            crate::bail!("{what} {v} is invalid (≥ 0, or -233/-234 for SAME padding)");
        }
    }
    if pads.iter().any(|p| p.0 > 0) && pads.iter().any(|p| p.0 < 0) {
        let list: Vec<String> = pads.iter().map(|(v, n)| format!("{n}={v}")).collect();
        crate::bail!(
            "pads {} mix positive pads with -233/-234; ncnn cuts by the positive pads and \
             would pass the negative ones on",
            list.join(" ")
        );
    }
    Ok(())
}

impl DeconvParams {
    /// Reads ncnn's params; `grouped` for the DepthWise types (`7=group`).
    pub fn load(pd: &ParamDict, form: Form, grouped: bool) -> LayerResult<DeconvParams> {
        let two = form == Form::TwoD;
        let dynamic_weight = pd.get_int(28, 0)? != 0;
        let kernel_w = pd.get_int(1, 0)?;
        let dilation_w = pd.get_int(2, 1)?;
        let stride_w = pd.get_int(3, 1)?;
        let pad_left = pd.get_int(4, 0)?;
        let pad_right = pd.get_int(15, pad_left)?;
        let (pad_top, pad_bottom) = if two {
            let t = pd.get_int(14, pad_left)?;
            (t, pd.get_int(16, t)?)
        } else {
            (0, 0)
        };
        let output_pad_right = non_negative(pd.get_int(18, 0)?, "output_pad_right (18=)")?;
        let output_pad_bottom = if two {
            non_negative(
                pd.get_int(19, output_pad_right as i32)?,
                "output_pad_bottom (19=)",
            )?
        } else {
            0
        };
        let output_w = non_negative(pd.get_int(20, 0)?, "output_w (20=)")?;
        let output_h = if two {
            non_negative(pd.get_int(21, output_w as i32)?, "output_h (21=)")?
        } else {
            0
        };
        let act_kind = pd.get_int(9, 0)?;
        let act_params = pd.get_floats(10)?;
        let group = if grouped {
            positive(pd.get_int(7, 1)?, "group (7=)")?
        } else {
            1
        };
        // With dynamic weights ncnn takes the kernel size and num_output from
        // the weight blob: 0= 1= 6= are then unused (its own tests set 0).
        let (num_output, kernel_w, kernel_h, weight_data_size) = if dynamic_weight {
            (0, 0, 0, 0)
        } else {
            let kw = positive(kernel_w, "kernel_w (1=)")?;
            let kh = if two {
                positive(pd.get_int(11, kernel_w)?, "kernel_h (11=)")?
            } else {
                1
            };
            (
                positive(pd.get_int(0, 0)?, "num_output (0=)")?,
                kw,
                kh,
                positive(pd.get_int(6, 0)?, "weight_data_size (6=)")?,
            )
        };
        let p = DeconvParams {
            form,
            num_output,
            kernel_w,
            kernel_h,
            dilation_w: positive(dilation_w, "dilation_w (2=)")?,
            dilation_h: if two {
                positive(pd.get_int(12, dilation_w)?, "dilation_h (12=)")?
            } else {
                1
            },
            stride_w: positive(stride_w, "stride_w (3=)")?,
            stride_h: if two {
                positive(pd.get_int(13, stride_w)?, "stride_h (13=)")?
            } else {
                1
            },
            pad_left,
            pad_right,
            pad_top,
            pad_bottom,
            output_pad_right,
            output_pad_bottom,
            output_w,
            output_h,
            bias_term: pd.get_int(5, 0)? != 0,
            weight_data_size,
            group,
            activation: Activation::from_ncnn(act_kind, &act_params)?,
            dynamic_weight,
        };
        if two {
            check_pads(&[
                (pad_left, "pad_left (4=)"),
                (pad_right, "pad_right (15=)"),
                (pad_top, "pad_top (14=)"),
                (pad_bottom, "pad_bottom (16=)"),
            ])?;
        } else {
            check_pads(&[(pad_left, "pad_left (4=)"), (pad_right, "pad_right (15=)")])?;
        }
        if p.output_size_set() && !p.any_pad_positive() && p.same_mode().is_none() {
            // ncnn leaves the output empty (and fails) in this case.
            crate::bail!(
                "output_w/output_h (20=/21=) are applied only with pad -233 or -234 \
                 (ONNX SAME_UPPER / SAME_LOWER); pads are {} {} {} {}",
                p.pad_left,
                p.pad_right,
                p.pad_top,
                p.pad_bottom
            );
        }
        if !dynamic_weight {
            if num_output % group != 0 {
                crate::bail!("num_output {num_output} is not a multiple of group {group}");
            }
            let per = num_output
                .checked_mul(kernel_w * kernel_h)
                .ok_or("kernel size overflows")?;
            if weight_data_size % per != 0 {
                crate::bail!(
                    "weight_data_size {weight_data_size} does not split into {num_output} \
                     outputs of {kernel_h}×{kernel_w} kernels"
                );
            }
        }
        Ok(p)
    }

    fn any_pad_positive(&self) -> bool {
        [self.pad_left, self.pad_right, self.pad_top, self.pad_bottom]
            .iter()
            .any(|&p| p > 0)
    }

    fn output_size_set(&self) -> bool {
        match self.form {
            Form::TwoD => self.output_w > 0 && self.output_h > 0,
            Form::OneD => self.output_w > 0,
        }
    }

    /// `Some(true)` SAME_UPPER (-233), `Some(false)` SAME_LOWER (-234), as
    /// ncnn's `cut_padding` looks for them (any pad, -233 first).
    fn same_mode(&self) -> Option<bool> {
        let pads = [self.pad_left, self.pad_right, self.pad_top, self.pad_bottom];
        if pads.contains(&-233) {
            Some(true)
        } else if pads.contains(&-234) {
            Some(false)
        } else {
            None
        }
    }

    /// Input channels the static weights imply.
    pub fn in_channels(&self) -> usize {
        self.weight_data_size / (self.num_output * self.kernel_w * self.kernel_h) * self.group
    }

    /// Cut (top, bottom, left, right) of a full `fw × fh` map, as ncnn's `cut_padding`.
    fn cut(&self, fw: usize, fh: usize) -> LayerResult<(usize, usize, usize, usize)> {
        let (t, b, l, r) = if self.any_pad_positive() {
            (
                self.pad_top.max(0) as usize,
                self.pad_bottom.max(0) as usize,
                self.pad_left.max(0) as usize,
                self.pad_right.max(0) as usize,
            )
        } else if self.output_size_set() {
            let oh = if self.form == Form::OneD {
                fh
            } else {
                self.output_h
            };
            if self.output_w > fw || oh > fh {
                crate::bail!(
                    "output size {}×{oh} (20=/21=) is larger than the full deconvolution \
                     output {fw}×{fh}",
                    self.output_w
                );
            }
            let (wcut, hcut) = (fw - self.output_w, fh - oh);
            match self.same_mode() {
                Some(true) => (hcut / 2, hcut - hcut / 2, wcut / 2, wcut - wcut / 2),
                Some(false) => (hcut - hcut / 2, hcut / 2, wcut - wcut / 2, wcut / 2),
                None => unreachable!("load_param refuses an output size without -233/-234"),
            }
        } else {
            (0, 0, 0, 0)
        };
        if l + r >= fw || t + b >= fh {
            crate::bail!(
                "cutting {t}/{b}/{l}/{r} (top/bottom/left/right) from the full {fw}×{fh} \
                 output leaves nothing"
            );
        }
        Ok((t, b, l, r))
    }
}

/// A deconvolution's shape: channels, kernel, strides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DeconvShape {
    pub in_c: usize,
    pub num_output: usize,
    pub group: usize,
    pub kernel_w: usize,
    pub kernel_h: usize,
    pub dilation_w: usize,
    pub dilation_h: usize,
    pub stride_w: usize,
    pub stride_h: usize,
}

impl DeconvShape {
    fn maxk(&self) -> usize {
        self.kernel_w * self.kernel_h
    }
    fn in_g(&self) -> usize {
        self.in_c / self.group
    }
    fn out_g(&self) -> usize {
        self.num_output / self.group
    }
    /// One input channel per group: the per-channel kernel runs.
    fn per_channel(&self) -> bool {
        self.in_g() == 1
    }
}

/// Weights prepared for one of the two algorithms.
enum Plan {
    /// `(num_output · maxk) × in_g` per group, as a grouped 1×1 convolution.
    Gemm(Box<Conv2dF32>),
    /// The weights as loaded (`num_output × maxk`, one input channel per group).
    PerChannel(Vec<f32>),
}

/// Packs ncnn-order weights (`group × out_g × in_g × maxk`) for `shape`.
fn make_plan(shape: &DeconvShape, w: &[f32]) -> LayerResult<Plan> {
    let (maxk, in_g) = (shape.maxk(), shape.in_g());
    if shape.per_channel() {
        return Ok(Plan::PerChannel(w.to_vec()));
    }
    let rows = shape
        .num_output
        .checked_mul(maxk)
        .ok_or("kernel size overflows")?;
    // Row (g·out_g + p)·maxk + k, column q: W[g][p][q][k].
    let mut a = vec![0f32; rows * in_g];
    for o in 0..shape.num_output {
        for q in 0..in_g {
            let src = &w[(o * in_g + q) * maxk..(o * in_g + q + 1) * maxk];
            for (k, &v) in src.iter().enumerate() {
                a[(o * maxk + k) * in_g + q] = v;
            }
        }
    }
    let geom = ConvGeometry {
        in_c: shape.in_c,
        out_c: rows,
        kernel_w: 1,
        kernel_h: 1,
        stride_w: 1,
        stride_h: 1,
        dilation_w: 1,
        dilation_h: 1,
        group: shape.group,
    };
    Ok(Plan::Gemm(Box::new(Conv2dF32::new(
        geom,
        &a,
        None,
        Activation::None,
        ConvAlgo::Gemm,
        None,
    )?)))
}

/// The columns `j` of an input row whose output column `j·sw + x0` falls
/// inside `0..out_w`.
#[inline]
fn col_range(w: usize, out_w: usize, x0: isize, sw: usize) -> (usize, usize) {
    let lo = if x0 >= 0 {
        0
    } else {
        ((-x0) as usize).div_ceil(sw)
    };
    let last = out_w as isize - 1 - x0;
    let hi = if last < 0 {
        0
    } else {
        (last as usize / sw + 1).min(w)
    };
    let lo = lo.min(w);
    (lo, hi.max(lo))
}

/// `out[j·sw + x0] += src[j] · scale` for the columns that land in `out`.
#[inline]
fn scatter_row(out: &mut [f32], src: &[f32], scale: f32, x0: isize, sw: usize) {
    let (lo, hi) = col_range(src.len(), out.len(), x0, sw);
    if lo >= hi {
        return;
    }
    let start = (lo as isize * sw as isize + x0) as usize;
    let src = &src[lo..hi];
    if sw == 1 {
        for (o, &s) in out[start..start + src.len()].iter_mut().zip(src) {
            *o += s * scale;
        }
    } else {
        for (o, &s) in out[start..].iter_mut().step_by(sw).zip(src) {
            *o += s * scale;
        }
    }
}

/// `out[j·sw + x0] += src[j]` (GEMM columns: no weight to apply).
#[inline]
fn add_row(out: &mut [f32], src: &[f32], x0: isize, sw: usize) {
    let (lo, hi) = col_range(src.len(), out.len(), x0, sw);
    if lo >= hi {
        return;
    }
    let start = (lo as isize * sw as isize + x0) as usize;
    let src = &src[lo..hi];
    if sw == 1 {
        for (o, &s) in out[start..start + src.len()].iter_mut().zip(src) {
            *o += s;
        }
    } else {
        for (o, &s) in out[start..].iter_mut().step_by(sw).zip(src) {
            *o += s;
        }
    }
}

/// Where the output window sits in the full map.
#[derive(Clone, Copy, Debug)]
struct Window {
    top: usize,
    left: usize,
    out_w: usize,
    out_h: usize,
}

/// Runs the deconvolution of `input` (`in_c` planes of `w × h`) into `out`
/// (`num_output` planes of the cut window).
#[allow(clippy::too_many_arguments)]
fn run(
    shape: &DeconvShape,
    plan: &Plan,
    bias: Option<&[f32]>,
    act: Activation,
    input: Planes<f32>,
    win: Window,
    out: &mut PlanesMut<f32>,
    threads: usize,
) -> LayerResult<()> {
    let (w, h) = (input.w, input.h);
    let maxk = shape.maxk();
    let (kw_n, kh_n) = (shape.kernel_w, shape.kernel_h);
    let (sw, sh, dw, dh) = (
        shape.stride_w,
        shape.stride_h,
        shape.dilation_w,
        shape.dilation_h,
    );
    let (ow, oh) = (win.out_w, win.out_h);
    let mut planes = out.planes_mut();
    parallel::for_each_mut(&mut planes, threads, |o, plane| {
        plane.fill(bias.map_or(0.0, |b| b[o]));
    });
    // Output row of input row `i`, tap row `kh`, if it is inside the window.
    let out_row = move |i: usize, kh: usize| -> Option<usize> {
        let y = (i * sh + kh * dh).checked_sub(win.top)?;
        (y < oh).then_some(y)
    };
    let x0 = move |kw: usize| (kw * dw) as isize - win.left as isize;
    match plan {
        Plan::PerChannel(weights) => {
            let out_g = shape.out_g();
            parallel::for_each_mut(&mut planes, threads, |o, plane| {
                let src = input.plane(o / out_g);
                let k = &weights[o * maxk..(o + 1) * maxk];
                for kh in 0..kh_n {
                    for i in 0..h {
                        let Some(y) = out_row(i, kh) else { continue };
                        let orow = &mut plane[y * ow..(y + 1) * ow];
                        let srow = &src[i * w..(i + 1) * w];
                        for kw in 0..kw_n {
                            scatter_row(orow, srow, k[kh * kw_n + kw], x0(kw), sw);
                        }
                    }
                }
            });
        }
        Plan::Gemm(conv) => {
            let rows = shape.num_output * maxk;
            let band = (COL_BAND_FLOATS / (rows * w).max(1)).clamp(1, h);
            let mut col = Mat::new_2d(band * w, rows);
            let mut r0 = 0;
            while r0 < h {
                let nr = band.min(h - r0);
                let n = nr * w;
                let band_in = Planes::new(&input.data[r0 * w..], w, nr, input.c, input.cstep);
                {
                    let mut cols = PlanesMut::new(col.data_mut(), w, nr, rows, n);
                    conv.forward(band_in, &mut cols, threads);
                }
                let cdata = col.data();
                parallel::for_each_mut(&mut planes, threads, |o, plane| {
                    for kh in 0..kh_n {
                        for i in 0..nr {
                            let Some(y) = out_row(r0 + i, kh) else {
                                continue;
                            };
                            let orow = &mut plane[y * ow..(y + 1) * ow];
                            for kw in 0..kw_n {
                                let c = (o * maxk + kh * kw_n + kw) * n + i * w;
                                add_row(orow, &cdata[c..c + w], x0(kw), sw);
                            }
                        }
                    }
                });
                r0 += nr;
            }
        }
    }
    if !act.is_identity() {
        parallel::for_each_mut(&mut planes, threads, |_, plane| act.apply_slice(plane));
    }
    Ok(())
}

/// Weights, bias and prepared plan of a deconvolution layer.
#[derive(Default)]
pub(crate) struct DeconvCore {
    pub(crate) p: DeconvParams,
    weights: Option<Vec<f32>>,
    bias: Option<Vec<f32>>,
    plan: Option<Plan>,
}

/// A flattened blob's values (ncnn's `flatten`).
fn flat(m: &Mat) -> Vec<f32> {
    m.to_vec()
}

impl DeconvCore {
    fn shape(&self, in_c: usize) -> DeconvShape {
        let p = &self.p;
        DeconvShape {
            in_c,
            num_output: p.num_output,
            group: p.group,
            kernel_w: p.kernel_w,
            kernel_h: p.kernel_h,
            dilation_w: p.dilation_w,
            dilation_h: p.dilation_h,
            stride_w: p.stride_w,
            stride_h: p.stride_h,
        }
    }

    pub fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        let p = &self.p;
        if p.dynamic_weight {
            return Ok(());
        }
        let maxk = p.kernel_w * p.kernel_h;
        let in_g = p.in_channels() / p.group;
        // He-uniform over what one output pixel sums: in_g · maxk taps, of
        // which about 1/(stride_w · stride_h) land on any one pixel.
        let fan_in = (in_g * maxk / (p.stride_w * p.stride_h)).max(1);
        let w = match mb.load_tagged(p.weight_data_size, Role::Weight { fan_in })? {
            Weights::F32(v) => v,
            Weights::I8(_) => {
                crate::bail!("int8 weights: ncnn's deconvolutions have no int8 form")
            }
        };
        self.weights = Some(w);
        if p.bias_term {
            self.bias = Some(mb.load_raw(p.num_output, Role::Bias)?);
        }
        Ok(())
    }

    pub fn prepare(&mut self, opt: &Options) -> LayerResult<()> {
        if self.p.dynamic_weight {
            return Ok(());
        }
        let w = self.weights.as_ref().ok_or("weights not loaded")?;
        let shape = self.shape(self.p.in_channels());
        self.plan = Some(make_plan(&shape, w)?);
        if !opt.keep_weights {
            self.weights = None;
        }
        Ok(())
    }

    pub fn weight_bytes(&self) -> usize {
        let w = match &self.plan {
            Some(Plan::Gemm(c)) => c.weight_bytes(),
            Some(Plan::PerChannel(v)) => v.len() * 4,
            None => 0,
        };
        w + self.bias.as_ref().map_or(0, |b| b.len() * 4)
    }

    pub fn describe(&self) -> String {
        match &self.plan {
            Some(Plan::Gemm(_)) => "fp32 gemm + col2im".into(),
            Some(Plan::PerChannel(_)) => "fp32 per-channel".into(),
            None if self.p.dynamic_weight => "fp32 gemm + col2im (dynamic weights)".into(),
            None => String::new(),
        }
    }

    pub fn max_input_dims(&self) -> usize {
        if self.p.dynamic_weight {
            4
        } else {
            3
        }
    }

    pub fn flops(&self, inputs: &[Vec<usize>]) -> u64 {
        let Some(s) = inputs.first() else { return 0 };
        let pixels: usize = s.iter().product();
        let p = &self.p;
        let per = p.num_output / p.group.max(1) * p.kernel_w * p.kernel_h;
        2 * pixels as u64 * per as u64
    }

    /// Weights and shape from the weight (and bias) blobs of a dynamic layer.
    fn dynamic(
        &self,
        in_c: usize,
        wm: &Mat,
        bm: Option<&Mat>,
    ) -> LayerResult<(DeconvShape, Plan, Option<Vec<f32>>)> {
        let p = &self.p;
        let g = p.group;
        // ncnn: 2-D weights are (w=kw, h=kh, d=outch/group, c=inch); 1-D
        // weights (w=kw, h=outch/group, c=inch); both inch-major.
        let (kw, kh, out_g, wc) = match p.form {
            Form::TwoD => (wm.w(), wm.h(), wm.d(), wm.c()),
            Form::OneD => (wm.w(), 1, wm.h(), wm.c()),
        };
        if wm.dims() < 2 || kw == 0 || kh == 0 || out_g == 0 {
            crate::bail!("weight blob of shape {:?} is empty", wm.shape());
        }
        if in_c % g != 0 {
            crate::bail!("input has {in_c} channels, not a multiple of group {g}");
        }
        let maxk = kw * kh;
        let num_output = out_g * g;
        let in_g = in_c / g;
        let want = in_c * out_g * maxk;
        if wc != in_c || wm.total() != want {
            crate::bail!(
                "weight blob of shape {:?} does not hold {in_c} input channels × {out_g} \
                 outputs per group × {kh}×{kw} taps (ncnn's inch, outch/group, kh, kw)",
                wm.shape()
            );
        }
        let src = flat(wm);
        // [g][in_g][out_g][maxk] → [g][out_g][in_g][maxk].
        let mut w = vec![0f32; want];
        for gi in 0..g {
            let base = gi * in_g * out_g * maxk;
            for i in 0..out_g {
                for j in 0..in_g {
                    let d = base + (i * in_g + j) * maxk;
                    let s = base + (j * out_g + i) * maxk;
                    w[d..d + maxk].copy_from_slice(&src[s..s + maxk]);
                }
            }
        }
        let bias = match (p.bias_term, bm) {
            (false, _) => None,
            (true, Some(b)) => {
                if b.total() != num_output {
                    crate::bail!(
                        "bias blob of shape {:?} does not hold {num_output} values",
                        b.shape()
                    );
                }
                Some(flat(b))
            }
            (true, None) => crate::bail!("bias_term is set: expects a bias blob as 3rd input"),
        };
        let shape = DeconvShape {
            in_c,
            num_output,
            group: g,
            kernel_w: kw,
            kernel_h: kh,
            dilation_w: p.dilation_w,
            dilation_h: p.dilation_h,
            stride_w: p.stride_w,
            stride_h: p.stride_h,
        };
        let plan = make_plan(&shape, &w)?;
        Ok((shape, plan, bias))
    }

    pub fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let p = &self.p;
        let (input, extra) = if p.dynamic_weight {
            let want = if p.bias_term { 3 } else { 2 };
            if inputs.len() != want {
                crate::bail!(
                    "dynamic_weight (28=1) expects {want} inputs (data, weight{}), got {}",
                    if p.bias_term { ", bias" } else { "" },
                    inputs.len()
                );
            }
            let mut it = inputs.into_iter();
            let x = it.next().expect("counted");
            (x, it.collect::<Vec<_>>())
        } else {
            (single(inputs)?, Vec::new())
        };
        // The input as planes: 3-D (c planes of w × h) or, 1-D, rows of a 2-D blob.
        let (w, h, in_c) = match (p.form, input.dims()) {
            (Form::TwoD, 3) => (input.w(), input.h(), input.c()),
            // A 1-D blob is one channel (ncnn reads its h = 1).
            (Form::OneD, 1 | 2) => (input.w(), 1, input.h()),
            (Form::TwoD, _) => crate::bail!(
                "expects a 3-D input (c, h, w), got shape {:?}",
                input.shape()
            ),
            (Form::OneD, _) => crate::bail!(
                "expects a 2-D input (channels, length), got shape {:?}",
                input.shape()
            ),
        };
        let dynamic;
        let (shape, plan, bias) = if p.dynamic_weight {
            dynamic = self.dynamic(in_c, &extra[0], extra.get(1))?;
            (dynamic.0, &dynamic.1, dynamic.2.as_deref())
        } else {
            let shape = self.shape(p.in_channels());
            if in_c != shape.in_c {
                crate::bail!(
                    "input has {in_c} channels (shape {:?}), the weights expect {}",
                    input.shape(),
                    shape.in_c
                );
            }
            (
                shape,
                self.plan.as_ref().ok_or("not prepared")?,
                self.bias.as_deref(),
            )
        };
        let full = |n: usize, s: usize, k: usize, d: usize, extra: usize| {
            (n - 1)
                .checked_mul(s)
                .and_then(|v| v.checked_add(d.checked_mul(k - 1)? + 1))
                .and_then(|v| v.checked_add(extra))
                .ok_or("output size overflows")
        };
        let fw = full(
            w,
            shape.stride_w,
            shape.kernel_w,
            shape.dilation_w,
            p.output_pad_right,
        )?;
        let fh = if p.form == Form::OneD {
            1
        } else {
            full(
                h,
                shape.stride_h,
                shape.kernel_h,
                shape.dilation_h,
                p.output_pad_bottom,
            )?
        };
        let (t, b, l, r) = p.cut(fw, fh)?;
        let win = Window {
            top: t,
            left: l,
            out_w: fw - l - r,
            out_h: fh - t - b,
        };
        win.out_w
            .checked_mul(win.out_h)
            .and_then(|v| v.checked_mul(shape.num_output))
            .filter(|&v| v <= 1 << 31)
            .ok_or_else(|| {
                format!(
                    "output {}×{}×{} is too large",
                    shape.num_output, win.out_h, win.out_w
                )
            })?;
        let threads = ctx.threads();
        let out = match p.form {
            Form::TwoD => {
                let mut out = Mat::new_3d(win.out_w, win.out_h, shape.num_output);
                let mut planes = out.planes_mut();
                run(
                    &shape,
                    plan,
                    bias,
                    p.activation,
                    input.planes(),
                    win,
                    &mut planes,
                    threads,
                )?;
                out
            }
            Form::OneD => {
                let mut out = Mat::new_2d(win.out_w, shape.num_output);
                let ow = win.out_w;
                let mut planes = PlanesMut::new(out.data_mut(), ow, 1, shape.num_output, ow);
                let inp = Planes::new(input.data(), w, 1, in_c, w);
                run(
                    &shape,
                    plan,
                    bias,
                    p.activation,
                    inp,
                    win,
                    &mut planes,
                    threads,
                )?;
                out
            }
        };
        Ok(vec![out])
    }
}

/// The `Layer` impl of a deconvolution type: everything is its `DeconvCore`;
/// the types differ in how their params are read.
macro_rules! deconv_layer {
    ($ty:ident, $form:expr, $grouped:expr) => {
        impl $crate::layer::Layer for $ty {
            fn load_param(
                &mut self,
                pd: &$crate::param::ParamDict,
            ) -> $crate::error::LayerResult<()> {
                self.core.p =
                    $crate::layer::deconvolution::DeconvParams::load(pd, $form, $grouped)?;
                Ok(())
            }
            fn load_model(
                &mut self,
                mb: &mut dyn $crate::modelbin::ModelSource,
            ) -> $crate::error::LayerResult<()> {
                self.core.load_model(mb)
            }
            fn prepare(&mut self, opt: &$crate::option::Options) -> $crate::error::LayerResult<()> {
                self.core.prepare(opt)
            }
            fn forward(
                &self,
                inputs: Vec<$crate::mat::Mat>,
                ctx: &$crate::layer::ForwardContext,
            ) -> $crate::error::LayerResult<Vec<$crate::mat::Mat>> {
                self.core.forward(inputs, ctx)
            }
            fn max_input_dims(&self) -> usize {
                self.core.max_input_dims()
            }
            fn weight_bytes(&self) -> usize {
                self.core.weight_bytes()
            }
            fn flops(&self, inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
                self.core.flops(inputs)
            }
            fn describe(&self) -> String {
                self.core.describe()
            }
        }
    };
}
pub(crate) use deconv_layer;

/// ncnn `Deconvolution`.
#[derive(Default)]
pub struct Deconvolution {
    core: DeconvCore,
}

deconv_layer!(Deconvolution, Form::TwoD, false);

/// ncnn `DeconvolutionDepthWise`: grouped (`7=group`); depthwise when
/// groups equal channels and outputs.
#[derive(Default)]
pub struct DeconvolutionDepthWise {
    core: DeconvCore,
}

deconv_layer!(DeconvolutionDepthWise, Form::TwoD, true);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn col_range_keeps_columns_inside() {
        // out_w 5, x0 = -3, stride 2: j·2 − 3 ∈ [0, 5) → j ∈ {2, 3}.
        assert_eq!(col_range(10, 5, -3, 2), (2, 4));
        assert_eq!(col_range(3, 5, 0, 1), (0, 3));
        assert_eq!(col_range(3, 2, 4, 1), (0, 0));
        assert_eq!(col_range(3, 5, -10, 1), (3, 3));
    }

    #[test]
    fn scatter_adds_strided() {
        let mut out = vec![0f32; 6];
        scatter_row(&mut out, &[1.0, 2.0, 3.0], 2.0, 1, 2);
        assert_eq!(out, vec![0.0, 2.0, 0.0, 4.0, 0.0, 6.0]);
        let mut out = vec![0f32; 3];
        add_row(&mut out, &[1.0, 2.0, 3.0, 4.0], -1, 1);
        assert_eq!(out, vec![2.0, 3.0, 4.0]);
    }
}
