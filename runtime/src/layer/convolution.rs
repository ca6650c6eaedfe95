//! Convolution (and the shared core of ConvolutionDepthWise): ncnn params
//! `0=num_output 1=kernel_w 11=kernel_h 2=dilation_w 12=dilation_h 3=stride_w
//! 13=stride_h 4=pad_left 15=pad_right 14=pad_top 16=pad_bottom 18=pad_value
//! 5=bias_term 6=weight_data_size 7=group 8=int8_scale_term 9=activation_type
//! 10=activation_params`. Padding `-233` is TensorFlow/ONNX SAME_UPPER,
//! `-234` SAME_LOWER.

use octet_kernels::fp32::{Conv2dF32, ConvAlgo};
use octet_kernels::{Activation, ConvGeometry};

use crate::error::{LayerError, LayerResult};
use crate::layer::padding::{copy_make_border, BorderType};
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role, Weights};
use crate::option::{Options, WinogradPref};
use crate::param::ParamDict;

/// Parameters shared by Convolution and ConvolutionDepthWise.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConvParams {
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
    pub pad_value: f32,
    pub bias_term: bool,
    pub weight_data_size: usize,
    pub group: usize,
    pub int8_scale_term: i32,
    pub activation: Activation,
    /// Loaded as ConvolutionDepthWise (its int8 scales are per group, not per output).
    pub dw_layer: bool,
}

fn positive(v: i32, what: &str) -> LayerResult<usize> {
    if v <= 0 {
        return Err(format!("{what} must be positive, got {v}").into());
    }
    Ok(v as usize)
}

fn check_pad(v: i32, what: &str) -> LayerResult<i32> {
    if v < 0 && v != -233 && v != -234 {
        return Err(format!("{what} {v} is invalid (≥ 0, or -233/-234 for SAME padding)").into());
    }
    Ok(v)
}

impl ConvParams {
    pub fn load(pd: &ParamDict, depthwise: bool) -> LayerResult<ConvParams> {
        let kernel_w = pd.get_int(1, 0)?;
        let dilation_w = pd.get_int(2, 1)?;
        let stride_w = pd.get_int(3, 1)?;
        let pad_left = check_pad(pd.get_int(4, 0)?, "pad_left")?;
        let pad_top = check_pad(pd.get_int(14, pad_left)?, "pad_top")?;
        let act_kind = pd.get_int(9, 0)?;
        let act_params = pd.get_floats(10)?;
        let p = ConvParams {
            num_output: positive(pd.get_int(0, 0)?, "num_output (0=)")?,
            kernel_w: positive(kernel_w, "kernel_w (1=)")?,
            kernel_h: positive(pd.get_int(11, kernel_w)?, "kernel_h (11=)")?,
            dilation_w: positive(dilation_w, "dilation_w (2=)")?,
            dilation_h: positive(pd.get_int(12, dilation_w)?, "dilation_h (12=)")?,
            stride_w: positive(stride_w, "stride_w (3=)")?,
            stride_h: positive(pd.get_int(13, stride_w)?, "stride_h (13=)")?,
            pad_left,
            pad_right: check_pad(pd.get_int(15, pad_left)?, "pad_right")?,
            pad_top,
            pad_bottom: check_pad(pd.get_int(16, pad_top)?, "pad_bottom")?,
            pad_value: pd.get_float(18, 0.0)?,
            bias_term: pd.get_int(5, 0)? != 0,
            weight_data_size: positive(pd.get_int(6, 0)?, "weight_data_size (6=)")?,
            group: if depthwise {
                positive(pd.get_int(7, 1)?, "group (7=)")?
            } else {
                1
            },
            int8_scale_term: pd.get_int(8, 0)?,
            activation: Activation::from_ncnn(act_kind, &act_params)?,
            dw_layer: depthwise,
        };
        let maxk = p.kernel_w * p.kernel_h;
        if p.num_output % p.group != 0 {
            return Err(format!(
                "num_output {} is not a multiple of group {}",
                p.num_output, p.group
            )
            .into());
        }
        let per_out = p.weight_data_size / p.num_output;
        if p.weight_data_size % p.num_output != 0 || per_out % maxk != 0 {
            return Err(format!(
                "weight_data_size {} does not split into {} outputs of {}×{} kernels",
                p.weight_data_size, p.num_output, p.kernel_h, p.kernel_w
            )
            .into());
        }
        if ![0, 1, 2, 101, 102].contains(&p.int8_scale_term) {
            return Err(format!(
                "int8_scale_term (8=) {} is not one of 0, 1, 2, 101, 102",
                p.int8_scale_term
            )
            .into());
        }
        Ok(p)
    }

    /// Input channels the weights imply.
    pub fn in_channels(&self) -> usize {
        self.weight_data_size / self.num_output / (self.kernel_w * self.kernel_h) * self.group
    }

    pub fn geometry(&self) -> ConvGeometry {
        ConvGeometry {
            in_c: self.in_channels(),
            out_c: self.num_output,
            kernel_w: self.kernel_w,
            kernel_h: self.kernel_h,
            stride_w: self.stride_w,
            stride_h: self.stride_h,
            dilation_w: self.dilation_w,
            dilation_h: self.dilation_h,
            group: self.group,
        }
    }

    /// Border amounts (top, bottom, left, right) for an input of `w × h`.
    pub fn padding_for(&self, w: usize, h: usize) -> (usize, usize, usize, usize) {
        let (l, r, t, b) = (self.pad_left, self.pad_right, self.pad_top, self.pad_bottom);
        if l == -233 || l == -234 {
            let g = self.geometry();
            let wpad =
                (g.kernel_extent_w() + (w - 1) / self.stride_w * self.stride_w).saturating_sub(w);
            let hpad =
                (g.kernel_extent_h() + (h - 1) / self.stride_h * self.stride_h).saturating_sub(h);
            if l == -233 {
                (hpad / 2, hpad - hpad / 2, wpad / 2, wpad - wpad / 2)
            } else {
                (hpad - hpad / 2, hpad / 2, wpad - wpad / 2, wpad / 2)
            }
        } else {
            (
                t.max(0) as usize,
                b.max(0) as usize,
                l.max(0) as usize,
                r.max(0) as usize,
            )
        }
    }
}

/// Weights, scales and prepared kernels of a convolution.
#[derive(Default)]
pub struct ConvCore {
    pub p: ConvParams,
    pub weights: Option<Weights>,
    pub bias: Option<Vec<f32>>,
    /// Per output channel int8 weight scales (int8 models / tables).
    pub weight_scales: Vec<f32>,
    /// int8 scale of the input blob.
    pub bottom_scale: Option<f32>,
    /// int8 scale of the output blob when the output is requantized.
    pub top_scale: Option<f32>,
    fp32: Option<Conv2dF32>,
    /// Output map size from the `.param` shape hint (`-23330`), if any.
    pub out_size_hint: Option<(usize, usize)>,
}

impl ConvCore {
    pub fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        let p = &self.p;
        let fan_in = p.weight_data_size / p.num_output;
        let w = mb.load_tagged(p.weight_data_size, Role::Weight { fan_in })?;
        if let Weights::I8(v) = &w {
            if v.contains(&-128) {
                return Err("int8 weights contain -128; ncnn's range is [-127, 127]".into());
            }
        }
        self.weights = Some(w);
        if p.bias_term {
            self.bias = Some(mb.load_raw(p.num_output, Role::Bias)?);
        }
        let depthwise = p.dw_layer;
        let term = p.int8_scale_term;
        if term != 0 {
            let per_channel = !depthwise || term == 1 || term == 101;
            let n = if !depthwise {
                p.num_output
            } else if per_channel {
                p.group
            } else {
                1
            };
            let ws = mb.load_raw(n, Role::WeightScales)?;
            // Expand per-group (or single) scales to one per output channel.
            let out_per = p.num_output / n;
            self.weight_scales = (0..p.num_output).map(|o| ws[o / out_per]).collect();
            self.bottom_scale = Some(mb.load_raw(1, Role::BlobScale)?[0]);
        }
        if term > 100 {
            self.top_scale = Some(mb.load_raw(1, Role::BlobScale)?[0]);
        }
        for (what, v) in [
            ("weight", &self.weight_scales),
            (
                "blob",
                &self
                    .bottom_scale
                    .into_iter()
                    .chain(self.top_scale)
                    .collect(),
            ),
        ] {
            if let Some(bad) = v.iter().find(|s| !s.is_finite() || **s < 0.0) {
                return Err(
                    format!("{what} scale {bad} is not a finite non-negative number").into(),
                );
            }
        }
        Ok(())
    }

    pub fn prepare(&mut self, opt: &Options) -> LayerResult<()> {
        let geom = self.p.geometry();
        match &self.weights {
            Some(Weights::F32(w)) => {
                let algo = if geom.is_3x3_s1() && !geom.is_depthwise() {
                    match opt.winograd {
                        WinogradPref::Auto => ConvAlgo::Auto,
                        WinogradPref::F23 => ConvAlgo::Winograd23,
                        WinogradPref::F43 => ConvAlgo::Winograd43,
                        WinogradPref::F63 => ConvAlgo::Winograd63,
                        WinogradPref::Off => ConvAlgo::Gemm,
                    }
                } else {
                    ConvAlgo::Auto
                };
                self.fp32 = Some(Conv2dF32::new(
                    geom,
                    w,
                    self.bias.as_deref(),
                    self.p.activation,
                    algo,
                    self.out_size_hint,
                )?);
            }
            Some(Weights::I8(_)) => {
                return Err(LayerError(
                    "this layer holds int8 weights only; running it in fp32 needs the fp32 model"
                        .into(),
                ))
            }
            None => return Err("weights not loaded".into()),
        }
        Ok(())
    }

    pub fn weight_bytes(&self) -> usize {
        self.fp32.as_ref().map_or(0, |c| c.weight_bytes())
    }

    pub fn describe(&self) -> String {
        match &self.fp32 {
            Some(c) => format!("fp32 {}", c.algo()),
            None => String::new(),
        }
    }

    pub fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let input = single(inputs)?;
        let geom = self.p.geometry();
        // A flattened blob through a 1×1 kernel is an inner product (ncnn does the same).
        let flat = input.dims() == 1 && geom.kernel_w == 1 && geom.kernel_h == 1;
        let input = if flat {
            input.reshape(3, 1, 1, input.w())?
        } else {
            input
        };
        if input.dims() != 3 {
            return Err(format!("expects a 3-D input, got shape {:?}", input.shape()).into());
        }
        if input.c() != geom.in_c {
            return Err(format!(
                "input has {} channels, the weights expect {}",
                input.c(),
                geom.in_c
            )
            .into());
        }
        let op = self.fp32.as_ref().ok_or("not prepared")?;
        let (t, b, l, r) = self.p.padding_for(input.w(), input.h());
        let padded = if t + b + l + r > 0 {
            copy_make_border(&input, t, b, l, r, BorderType::Constant, self.p.pad_value)
        } else {
            input
        };
        let (outw, outh) = geom.output_size(padded.w(), padded.h()).ok_or_else(|| {
            format!(
                "input {}×{} (padded {}×{}) is smaller than the {}×{} kernel",
                padded.w() - l - r,
                padded.h() - t - b,
                padded.w(),
                padded.h(),
                geom.kernel_extent_w(),
                geom.kernel_extent_h()
            )
        })?;
        let mut out = Mat::new_3d(outw, outh, geom.out_c);
        op.forward(padded.planes(), &mut out.planes_mut(), ctx.threads());
        if flat {
            out = out.reshape(1, geom.out_c, 1, 1)?;
        }
        Ok(vec![out])
    }
}

/// ncnn `Convolution`.
#[derive(Default)]
pub struct Convolution {
    pub core: ConvCore,
}

impl Layer for Convolution {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.core.p = ConvParams::load(pd, false)?;
        Ok(())
    }
    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        self.core.load_model(mb)
    }
    fn prepare(&mut self, opt: &Options) -> LayerResult<()> {
        self.core.prepare(opt)
    }
    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        self.core.forward(inputs, ctx)
    }
    fn weight_bytes(&self) -> usize {
        self.core.weight_bytes()
    }
    fn set_output_shape_hints(&mut self, shapes: &[(usize, usize, usize)]) {
        self.core.out_size_hint = shapes.first().map(|&(w, h, _)| (w, h));
    }
    fn describe(&self) -> String {
        self.core.describe()
    }
    crate::impl_as_any!();
}
