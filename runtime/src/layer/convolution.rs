//! Convolution (and the shared core of ConvolutionDepthWise): ncnn params
//! `0=num_output 1=kernel_w 11=kernel_h 2=dilation_w 12=dilation_h 3=stride_w
//! 13=stride_h 4=pad_left 15=pad_right 14=pad_top 16=pad_bottom 18=pad_value
//! 5=bias_term 6=weight_data_size 7=group 8=int8_scale_term 9=activation_type
//! 10=activation_params`. Padding `-233` is TensorFlow/ONNX SAME_UPPER,
//! `-234` SAME_LOWER.

use octet_kernels::fp32::{Conv2dF32, ConvAlgo};
use octet_kernels::int8::quantize::float2int8;
use octet_kernels::int8::{Border, Conv2dI8, Int8Algo, Int8Output};
use octet_kernels::{Activation, ConvGeometry};

use crate::error::{LayerError, LayerResult};
use crate::layer::padding::{copy_make_border, copy_make_border_i8, BorderType};
use crate::layer::{single, ForwardContext, Int8Form, Int8Input, QuantizedLayer};
use crate::mat::Mat;
use crate::modelbin::{BinWriter, ModelSource, Role, Weights};
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

    /// Weight scales an int8 `.bin` stores for `int8_scale_term` `term`
    /// (read by `load_model`, written by `write_int8`): Convolution one per
    /// output; ConvolutionDepthWise one per group for 1/101, a single one
    /// for 2/102.
    fn bin_scale_count(&self, term: i32) -> usize {
        if !self.dw_layer {
            self.num_output
        } else if term == 1 || term == 101 {
            self.group
        } else {
            1
        }
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
    pub(crate) p: ConvParams,
    /// Weights as loaded; released by `prepare` unless `Options::keep_weights`.
    pub(crate) weights: Option<Weights>,
    pub(crate) bias: Option<Vec<f32>>,
    /// Per output channel int8 weight scales (int8 models / tables).
    pub(crate) weight_scales: Vec<f32>,
    /// int8 scale of the input blob; `Some` means the layer has int8 scales.
    pub(crate) bottom_scale: Option<f32>,
    /// int8 scale of the output blob when the output is requantized.
    pub(crate) top_scale: Option<f32>,
    /// Output map size from the `.param` shape hint (`-23330`), if any.
    pub(crate) out_size_hint: Option<(usize, usize)>,
    fp32: Option<Conv2dF32>,
    int8: Option<Conv2dI8>,
}

/// Quantizes fp32 weights per output channel: `float2int8(w · scale[p])`.
pub fn quantize_weights(w: &[f32], scales: &[f32]) -> Vec<i8> {
    let per = w.len() / scales.len().max(1);
    w.chunks(per.max(1))
        .zip(scales)
        .flat_map(|(c, &s)| c.iter().map(move |&v| float2int8(v * s)))
        .collect()
}

impl ConvCore {
    pub fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        let p = &self.p;
        let fan_in = p.weight_data_size / p.num_output;
        let groups = match p.int8_scale_term {
            0 => 0,
            _ if !p.dw_layer => p.num_output,
            1 | 101 => p.group,
            _ => 1,
        };
        let role = if groups > 0 {
            Role::QuantizedWeight { fan_in, groups }
        } else {
            Role::Weight { fan_in }
        };
        let w = mb.load_tagged(p.weight_data_size, role)?;
        if let Weights::I8(v) = &w {
            if v.contains(&-128) {
                return Err("int8 weights contain -128; ncnn's range is [-127, 127]".into());
            }
        }
        self.weights = Some(w);
        if p.bias_term {
            self.bias = Some(mb.load_raw(p.num_output, Role::Bias)?);
        }
        let term = p.int8_scale_term;
        if term != 0 {
            let ws = mb.load_raw(p.bin_scale_count(term), Role::WeightScales)?;
            let bs = mb.load_raw(1, Role::BlobScale)?[0];
            self.set_scales(&ws, bs)?;
        }
        if term > 100 {
            let ts = mb.load_raw(1, Role::BlobScale)?[0];
            if !ts.is_finite() || ts < 0.0 {
                return Err(
                    format!("output blob scale {ts} is not a finite non-negative number").into(),
                );
            }
            self.top_scale = Some(ts);
        }
        Ok(())
    }

    /// Sets int8 scales: `ws` has one scale per output channel, per group, or a single one.
    pub fn set_scales(&mut self, ws: &[f32], blob_scale: f32) -> LayerResult<()> {
        let p = &self.p;
        if let Some(bad) = ws
            .iter()
            .chain([&blob_scale])
            .find(|s| !s.is_finite() || **s < 0.0)
        {
            return Err(format!("scale {bad} is not a finite non-negative number").into());
        }
        let n = ws.len();
        if n == 0
            || (n != p.num_output && n != p.group && n != 1)
            || (!p.dw_layer && n != p.num_output)
        {
            let want = if p.dw_layer {
                format!("{} (one per group) or 1", p.group)
            } else {
                format!("{} (one per output channel)", p.num_output)
            };
            return Err(format!("{n} weight scales, expected {want}").into());
        }
        let out_per = p.num_output / n;
        self.weight_scales = (0..p.num_output).map(|o| ws[o / out_per]).collect();
        self.bottom_scale = Some(blob_scale);
        Ok(())
    }

    pub fn prepare(&mut self, opt: &Options) -> LayerResult<()> {
        let geom = self.p.geometry();
        let weights = self.weights.as_ref().ok_or("weights not loaded")?;
        if opt.use_int8 && self.bottom_scale.is_some() {
            let wq = match weights {
                Weights::I8(v) => v.clone(),
                Weights::F32(w) => quantize_weights(w, &self.weight_scales),
            };
            let algo = match opt.winograd {
                WinogradPref::F23 => Int8Algo::Winograd23,
                WinogradPref::F43 => Int8Algo::Winograd43,
                WinogradPref::Off => Int8Algo::Gemm,
                WinogradPref::Auto | WinogradPref::F63 => Int8Algo::Auto,
            };
            let small_map = self.out_size_hint.is_none_or(|(w, h)| w * h <= 14 * 14);
            let algo = if !geom.is_3x3_s1() || geom.is_depthwise() {
                Int8Algo::Auto
            } else if opt.low_memory && algo == Int8Algo::Auto && small_map {
                Int8Algo::Gemm
            } else {
                algo
            };
            self.int8 = Some(Conv2dI8::new(
                geom,
                &wq,
                &self.weight_scales,
                self.bias.as_deref(),
                self.p.activation,
                algo,
                self.out_size_hint,
            )?);
            self.fp32 = None;
        } else {
            let Weights::F32(w) = weights else {
                return Err(LayerError(
                    "this layer holds int8 weights only; running it in fp32 needs the fp32 model"
                        .into(),
                ));
            };
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
            self.int8 = None;
            self.top_scale = None;
        }
        if !opt.keep_weights {
            self.weights = None;
        }
        Ok(())
    }

    pub fn weight_bytes(&self) -> usize {
        self.fp32.as_ref().map_or(0, |c| c.weight_bytes())
            + self.int8.as_ref().map_or(0, |c| c.weight_bytes())
    }

    pub fn describe(&self) -> String {
        match (&self.fp32, &self.int8) {
            (_, Some(c)) => format!(
                "int8 {}{}",
                c.algo(),
                if self.top_scale.is_some() {
                    " → int8"
                } else {
                    ""
                }
            ),
            (Some(c), None) => format!("fp32 {}", c.algo()),
            _ => String::new(),
        }
    }

    pub fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let input = single(inputs)?;
        let geom = self.p.geometry();
        // A flattened blob through a 1×1 kernel is an inner product (ncnn does the same).
        let flat = input.dims() == 1 && geom.kernel_w == 1 && geom.kernel_h == 1;
        let input = if flat {
            input.reshape(3, 1, 1, 1, input.w())?
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
        let (t, b, l, r) = self.p.padding_for(input.w(), input.h());
        let (pw, ph) = (input.w() + l + r, input.h() + t + b);
        let (outw, outh) = geom.output_size(pw, ph).ok_or_else(|| {
            format!(
                "input {}×{} (padded {pw}×{ph}) is smaller than the {}×{} kernel",
                input.w(),
                input.h(),
                geom.kernel_extent_w(),
                geom.kernel_extent_h()
            )
        })?;
        let mut out = if let Some(op) = &self.int8 {
            let q = if input.is_int8() {
                input
            } else {
                input.quantize(self.bottom_scale.unwrap_or(0.0))
            };
            let in_scale = q.int8_scale();
            let pad_value = float2int8(self.p.pad_value * in_scale);
            // Winograd copies the input into its tile grid anyway and adds the
            // border there; the other plans read a padded copy.
            let (padded, border) = if op.pads_itself() {
                let border = Border {
                    top: t,
                    bottom: b,
                    left: l,
                    right: r,
                    value: pad_value,
                };
                (q, border)
            } else if t + b + l + r > 0 {
                (
                    copy_make_border_i8(&q, t, b, l, r, pad_value),
                    Border::default(),
                )
            } else {
                (q, Border::default())
            };
            match self.top_scale {
                Some(ts) => {
                    let mut out = Mat::new_3d_i8(outw, outh, geom.out_c, ts);
                    op.forward_bordered(
                        padded.planes_i8(),
                        border,
                        in_scale,
                        Int8Output::I8 {
                            out: out.planes_i8_mut(),
                            scale: ts,
                        },
                        ctx.threads(),
                    );
                    out
                }
                None => {
                    let mut out = Mat::new_3d(outw, outh, geom.out_c);
                    op.forward_bordered(
                        padded.planes_i8(),
                        border,
                        in_scale,
                        Int8Output::F32(out.planes_mut()),
                        ctx.threads(),
                    );
                    out
                }
            }
        } else {
            let op = self.fp32.as_ref().ok_or("not prepared")?;
            let padded = if t + b + l + r > 0 {
                copy_make_border(&input, t, b, l, r, BorderType::Constant, self.p.pad_value)
            } else {
                input
            };
            let mut out = Mat::new_3d(outw, outh, geom.out_c);
            op.forward(padded.planes(), &mut out.planes_mut(), ctx.threads());
            out
        };
        if flat {
            out = out.reshape(1, geom.out_c, 1, 1, 1)?;
        }
        Ok(vec![out])
    }
}

impl ConvCore {
    pub(crate) fn int8_input(&self) -> Int8Input {
        // Before `prepare`: what the scales promise; after: what runs.
        let runs = self.int8.is_some() || (self.fp32.is_none() && self.bottom_scale.is_some());
        if runs {
            Int8Input::Quantized
        } else {
            Int8Input::Dequantize
        }
    }

    pub(crate) fn flops(&self, output: &[usize]) -> u64 {
        let per = (self.p.weight_data_size / self.p.num_output) as u64;
        2 * output.iter().product::<usize>() as u64 * per
    }
}

impl QuantizedLayer for ConvCore {
    fn weight_scale_count(&self) -> usize {
        if self.p.dw_layer {
            self.p.group
        } else {
            self.p.num_output
        }
    }

    fn fp32_weights(&self) -> LayerResult<&[f32]> {
        fp32_weights(&self.weights)
    }

    fn set_table_scales(&mut self, weight_scales: &[f32], blob_scale: f32) -> LayerResult<()> {
        self.set_scales(weight_scales, blob_scale)?;
        self.top_scale = None;
        Ok(())
    }

    fn weight_scales(&self) -> Vec<f32> {
        let n = self.weight_scale_count();
        if self.weight_scales.len() != self.p.num_output {
            return Vec::new();
        }
        let per = self.p.num_output / n;
        (0..n).map(|g| self.weight_scales[g * per]).collect()
    }

    fn input_scale(&self) -> Option<f32> {
        self.bottom_scale
    }

    fn can_requantize(&self) -> bool {
        true
    }

    fn set_output_scale(&mut self, s: Option<f32>) {
        self.top_scale = s;
    }

    fn output_scale(&self) -> Option<f32> {
        self.top_scale
    }

    fn channels_independent(&self) -> bool {
        self.p.group == 1 || self.p.geometry().is_depthwise()
    }

    fn probe_int8(
        &self,
        input: &Mat,
        weight_scales: &[f32],
        blob_scale: f32,
        channel: Option<usize>,
    ) -> LayerResult<Vec<f32>> {
        let w = self.fp32_weights()?;
        let g = self.p.geometry();
        if weight_scales.is_empty() || g.out_c % weight_scales.len() != 0 {
            return Err(format!(
                "{} weight scales for {} outputs",
                weight_scales.len(),
                g.out_c
            )
            .into());
        }
        let per_scale = g.out_c / weight_scales.len();
        let ws: Vec<f32> = (0..g.out_c).map(|o| weight_scales[o / per_scale]).collect();
        // One output channel: its weights alone (and, depthwise, its input plane alone).
        let (geom, weights, scales, bias, input) = match channel {
            None => (g, w.to_vec(), ws, self.bias.clone(), input.clone()),
            Some(p) => {
                if p >= g.out_c {
                    return Err(format!("channel {p} of {}", g.out_c).into());
                }
                let per = w.len() / g.out_c;
                let one = w[p * per..(p + 1) * per].to_vec();
                let bias = self.bias.as_ref().map(|b| vec![b[p]]);
                if g.is_depthwise() {
                    let plane = Mat::from_slice(&[1, input.h(), input.w()], input.channel(p))?;
                    let geom = ConvGeometry {
                        in_c: 1,
                        out_c: 1,
                        group: 1,
                        ..g
                    };
                    (geom, one, vec![ws[p]], bias, plane)
                } else {
                    (
                        ConvGeometry { out_c: 1, ..g },
                        one,
                        vec![ws[p]],
                        bias,
                        input.clone(),
                    )
                }
            }
        };
        let wq = quantize_weights(&weights, &scales);
        let op = Conv2dI8::new(
            geom,
            &wq,
            &scales,
            bias.as_deref(),
            self.p.activation,
            Int8Algo::Gemm,
            None,
        )?;
        let q = input.quantize(blob_scale);
        let (t, b, l, r) = self.p.padding_for(q.w(), q.h());
        let q = copy_make_border_i8(&q, t, b, l, r, float2int8(self.p.pad_value * blob_scale));
        let (ow, oh) = geom
            .output_size(q.w(), q.h())
            .ok_or("the kernel is larger than the input")?;
        let mut out = Mat::new_3d(ow, oh, geom.out_c);
        op.forward(
            q.planes_i8(),
            blob_scale,
            Int8Output::F32(out.planes_mut()),
            1,
        );
        Ok(out.to_vec())
    }

    fn needs_narrow_weights(&self, scales: &[f32]) -> Option<bool> {
        use octet_kernels::int8::{choose_int8_algo, winograd43_is_exact};
        let geom = self.p.geometry();
        if choose_int8_algo(&geom, self.out_size_hint) != Int8Algo::Winograd43 {
            return None;
        }
        let w = self.fp32_weights().ok()?;
        let per_out: Vec<f32> = {
            let per = self.p.num_output / scales.len().max(1);
            (0..self.p.num_output)
                .map(|o| scales[o / per.max(1)])
                .collect()
        };
        if winograd43_is_exact(&geom, &quantize_weights(w, &per_out)) {
            return Some(false);
        }
        let six: Vec<f32> = per_out.iter().map(|s| s * 31.0 / 127.0).collect();
        Some(winograd43_is_exact(&geom, &quantize_weights(w, &six)))
    }

    fn write_int8(
        &self,
        input_scale: f32,
        output_scale: Option<f32>,
        out: &mut BinWriter,
    ) -> LayerResult<Int8Form> {
        let w = self.fp32_weights()?;
        if self.weight_scales.len() != self.p.num_output {
            return Err("no int8 weight scales (give a table)".into());
        }
        // ConvolutionDepthWise: per-group scales (8=1); Convolution: per output (8=2).
        let term =
            if self.p.dw_layer { 1 } else { 2 } + if output_scale.is_some() { 100 } else { 0 };
        let scales = self.weight_scales();
        debug_assert_eq!(scales.len(), self.p.bin_scale_count(term));
        out.tagged_i8(&quantize_weights(w, &self.weight_scales));
        if let Some(b) = &self.bias {
            out.raw(b);
        }
        out.raw(&scales);
        out.raw(&[input_scale]);
        if let Some(t) = output_scale {
            out.raw(&[t]);
        }
        Ok(Int8Form {
            params: vec![(8, term)],
        })
    }
}

/// The fp32 weights a layer loaded, or why it has none.
pub(crate) fn fp32_weights(w: &Option<Weights>) -> LayerResult<&[f32]> {
    match w {
        Some(Weights::F32(v)) => Ok(v),
        Some(Weights::I8(_)) => {
            Err("holds int8 weights; calibrate or quantize the fp32 model".into())
        }
        None => Err("weights were released after loading (load with Options::keep_weights)".into()),
    }
}

/// The `Layer` impl of a convolution layer type: everything is its `ConvCore`;
/// the types differ only in how their params are read.
macro_rules! conv_layer {
    ($ty:ident, $depthwise:expr) => {
        impl $crate::layer::Layer for $ty {
            fn load_param(
                &mut self,
                pd: &$crate::param::ParamDict,
            ) -> $crate::error::LayerResult<()> {
                self.core.p = $crate::layer::convolution::ConvParams::load(pd, $depthwise)?;
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
            fn weight_bytes(&self) -> usize {
                self.core.weight_bytes()
            }
            fn set_output_shape_hints(&mut self, shapes: &[(usize, usize, usize)]) {
                self.core.out_size_hint = shapes.first().map(|&(w, h, _)| (w, h));
            }
            fn int8_input(&self) -> $crate::layer::Int8Input {
                self.core.int8_input()
            }
            fn ncnn_takes_int8(&self) -> bool {
                self.core.int8_input() == $crate::layer::Int8Input::Quantized
            }
            fn flops(&self, _inputs: &[Vec<usize>], output: &[usize]) -> u64 {
                self.core.flops(output)
            }
            fn quantized(&self) -> Option<&dyn $crate::layer::QuantizedLayer> {
                Some(&self.core)
            }
            fn quantized_mut(&mut self) -> Option<&mut dyn $crate::layer::QuantizedLayer> {
                Some(&mut self.core)
            }
            fn describe(&self) -> String {
                self.core.describe()
            }
        }
    };
}
pub(crate) use conv_layer;

/// ncnn `Convolution`.
#[derive(Default)]
pub struct Convolution {
    core: ConvCore,
}

conv_layer!(Convolution, false);
