//! Convolution1D and ConvolutionDepthWise1D: the convolution of a 2-D blob
//! (`h = channels, w = length`) along `w`. ncnn params `0=num_output
//! 1=kernel_w 2=dilation_w 3=stride_w 4=pad_left 15=pad_right 18=pad_value
//! 5=bias_term 6=weight_data_size 7=group (DepthWise1D) 9=activation_type
//! 10=activation_params 19=dynamic_weight`. Padding `-233` on both sides is
//! SAME_UPPER, `-234` SAME_LOWER (ncnn asks both pads to carry the marker).
//!
//! Runs the 2-D fp32 convolution kernels with a `1 × kernel_w` kernel on the
//! rows seen as one-row planes: im2col + GEMM, or the depthwise kernel when
//! groups equal channels and outputs.

use octet_kernels::fp32::{Conv2dF32, ConvAlgo};
use octet_kernels::{Activation, ConvGeometry, Planes, PlanesMut};

use crate::error::LayerResult;
use crate::layer::deconvolution::check_pads;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role, Weights};
use crate::option::Options;
use crate::param::ParamDict;

#[derive(Clone, Debug, Default, PartialEq)]
struct Conv1dParams {
    num_output: usize,
    kernel_w: usize,
    dilation_w: usize,
    stride_w: usize,
    pad_left: i32,
    pad_right: i32,
    pad_value: f32,
    bias_term: bool,
    weight_data_size: usize,
    group: usize,
    activation: Activation,
    dynamic_weight: bool,
}

fn positive(v: i32, what: &str) -> LayerResult<usize> {
    if v <= 0 {
        crate::bail!("{what} must be positive, got {v}");
    }
    Ok(v as usize)
}

impl Conv1dParams {
    fn load(pd: &ParamDict, grouped: bool) -> LayerResult<Conv1dParams> {
        let dynamic_weight = pd.get_int(19, 0)? != 0;
        let pad_left = pd.get_int(4, 0)?;
        let pad_right = pd.get_int(15, pad_left)?;
        check_pads(&[(pad_left, "pad_left (4=)"), (pad_right, "pad_right (15=)")])?;
        let group = if grouped {
            positive(pd.get_int(7, 1)?, "group (7=)")?
        } else {
            1
        };
        let (num_output, kernel_w, weight_data_size) = if dynamic_weight {
            (0, 0, 0)
        } else {
            (
                positive(pd.get_int(0, 0)?, "num_output (0=)")?,
                positive(pd.get_int(1, 0)?, "kernel_w (1=)")?,
                positive(pd.get_int(6, 0)?, "weight_data_size (6=)")?,
            )
        };
        let p = Conv1dParams {
            num_output,
            kernel_w,
            dilation_w: positive(pd.get_int(2, 1)?, "dilation_w (2=)")?,
            stride_w: positive(pd.get_int(3, 1)?, "stride_w (3=)")?,
            pad_left,
            pad_right,
            pad_value: pd.get_float(18, 0.0)?,
            bias_term: pd.get_int(5, 0)? != 0,
            weight_data_size,
            group,
            activation: Activation::from_ncnn(pd.get_int(9, 0)?, &pd.get_floats(10)?)?,
            dynamic_weight,
        };
        if !dynamic_weight {
            if num_output % group != 0 {
                crate::bail!("num_output {num_output} is not a multiple of group {group}");
            }
            let per = num_output * kernel_w;
            if weight_data_size % per != 0 {
                crate::bail!(
                    "weight_data_size {weight_data_size} does not split into {num_output} \
                     outputs of {kernel_w}-tap kernels"
                );
            }
        }
        Ok(p)
    }

    fn in_channels(&self) -> usize {
        self.weight_data_size / (self.num_output * self.kernel_w) * self.group
    }

    fn geometry(&self, in_c: usize, num_output: usize, kernel_w: usize) -> ConvGeometry {
        ConvGeometry {
            in_c,
            out_c: num_output,
            kernel_w,
            kernel_h: 1,
            stride_w: self.stride_w,
            stride_h: 1,
            dilation_w: self.dilation_w,
            dilation_h: 1,
            group: self.group,
        }
    }

    /// (left, right) border for a row of `w`, as ncnn's `make_padding`.
    fn padding_for(&self, w: usize, kernel_w: usize) -> (usize, usize) {
        let (l, r) = (self.pad_left, self.pad_right);
        if l > 0 || r > 0 {
            return (l.max(0) as usize, r.max(0) as usize);
        }
        let ext = self.dilation_w * (kernel_w - 1) + 1;
        let wpad = (ext + (w - 1) / self.stride_w * self.stride_w).saturating_sub(w);
        if l == -233 && r == -233 {
            (wpad / 2, wpad - wpad / 2)
        } else if l == -234 && r == -234 {
            (wpad - wpad / 2, wpad / 2)
        } else {
            (0, 0)
        }
    }
}

/// Shared by both 1-D convolution types.
#[derive(Default)]
struct Conv1dCore {
    p: Conv1dParams,
    weights: Option<Vec<f32>>,
    bias: Option<Vec<f32>>,
    conv: Option<Conv2dF32>,
}

impl Conv1dCore {
    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        let p = &self.p;
        if p.dynamic_weight {
            return Ok(());
        }
        let fan_in = p.weight_data_size / p.num_output;
        self.weights = Some(
            match mb.load_tagged(p.weight_data_size, Role::Weight { fan_in })? {
                Weights::F32(v) => v,
                Weights::I8(_) => crate::bail!("int8 weights: ncnn's 1-D convolutions are fp32"),
            },
        );
        if p.bias_term {
            self.bias = Some(mb.load_raw(p.num_output, Role::Bias)?);
        }
        Ok(())
    }

    fn prepare(&mut self, opt: &Options) -> LayerResult<()> {
        if self.p.dynamic_weight {
            return Ok(());
        }
        let w = self.weights.as_ref().ok_or("weights not loaded")?;
        let g = self
            .p
            .geometry(self.p.in_channels(), self.p.num_output, self.p.kernel_w);
        self.conv = Some(Conv2dF32::new(
            g,
            w,
            self.bias.as_deref(),
            self.p.activation,
            ConvAlgo::Auto,
            None,
        )?);
        if !opt.keep_weights {
            self.weights = None;
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let p = &self.p;
        let (input, extra) = if p.dynamic_weight {
            let want = if p.bias_term { 3 } else { 2 };
            if inputs.len() != want {
                crate::bail!(
                    "dynamic_weight (19=1) expects {want} inputs (data, weight{}), got {}",
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
        // A 1-D blob is one channel (ncnn reads its h = 1).
        if input.dims() != 2 && input.dims() != 1 {
            crate::bail!(
                "expects a 2-D input (channels, length), got shape {:?}",
                input.shape()
            );
        }
        let (w, in_c) = (input.w(), input.h());
        let dynamic_conv;
        let (conv, kernel_w) = if p.dynamic_weight {
            // ncnn: the weight blob is (w=kw, h=inch/group, c=outch), outch-major.
            let wm = &extra[0];
            let (kw, num_output) = (wm.w(), wm.c());
            if wm.dims() != 3 || kw == 0 || num_output % p.group != 0 || in_c % p.group != 0 {
                crate::bail!(
                    "weight blob of shape {:?} is not (outch, inch/group, kw) for {in_c} \
                     input channels and group {}",
                    wm.shape(),
                    p.group
                );
            }
            if wm.h() != in_c / p.group {
                crate::bail!(
                    "weight blob of shape {:?} has {} input channels per group, the input {}",
                    wm.shape(),
                    wm.h(),
                    in_c / p.group
                );
            }
            let bias = if p.bias_term {
                let b = extra[1].to_vec();
                if b.len() != num_output {
                    crate::bail!(
                        "bias blob of shape {:?} does not hold {num_output} values",
                        extra[1].shape()
                    );
                }
                Some(b)
            } else {
                None
            };
            dynamic_conv = Conv2dF32::new(
                p.geometry(in_c, num_output, kw),
                &wm.to_vec(),
                bias.as_deref(),
                p.activation,
                ConvAlgo::Auto,
                None,
            )?;
            (&dynamic_conv, kw)
        } else {
            let conv = self.conv.as_ref().ok_or("not prepared")?;
            if in_c != conv.geom.in_c {
                crate::bail!(
                    "input has {in_c} channels (shape {:?}), the weights expect {}",
                    input.shape(),
                    conv.geom.in_c
                );
            }
            (conv, p.kernel_w)
        };
        let (l, r) = p.padding_for(w, kernel_w);
        let pw = w + l + r;
        let ext = p.dilation_w * (kernel_w - 1) + 1;
        if pw < ext {
            crate::bail!("input length {w} (padded {pw}) is shorter than the kernel extent {ext}");
        }
        let outw = (pw - ext) / p.stride_w + 1;
        let num_output = conv.geom.out_c;
        // The padded rows, one tight row per channel.
        let padded: Vec<f32>;
        let src: &[f32] = if l + r > 0 {
            let mut v = vec![p.pad_value; pw * in_c];
            let data = input.data();
            for q in 0..in_c {
                v[q * pw + l..q * pw + l + w].copy_from_slice(&data[q * w..(q + 1) * w]);
            }
            padded = v;
            &padded
        } else {
            input.data()
        };
        let mut out = Mat::new_2d(outw, num_output);
        {
            let mut planes = PlanesMut::new(out.data_mut(), outw, 1, num_output, outw);
            conv.forward(
                Planes::new(src, pw, 1, in_c, pw),
                &mut planes,
                ctx.threads(),
            );
        }
        Ok(vec![out])
    }
}

macro_rules! conv1d_layer {
    ($ty:ident, $grouped:expr) => {
        impl Layer for $ty {
            fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
                self.core.p = Conv1dParams::load(pd, $grouped)?;
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
                self.core.conv.as_ref().map_or(0, |c| c.weight_bytes())
            }
            fn flops(&self, _inputs: &[Vec<usize>], output: &[usize]) -> u64 {
                let p = &self.core.p;
                let per = (p.weight_data_size / p.num_output.max(1)) as u64;
                2 * output.iter().product::<usize>() as u64 * per
            }
            fn describe(&self) -> String {
                self.core
                    .conv
                    .as_ref()
                    .map_or(String::new(), |c| format!("fp32 {}", c.algo()))
            }
        }
    };
}

/// ncnn `Convolution1D`.
#[derive(Default)]
pub struct Convolution1D {
    core: Conv1dCore,
}

conv1d_layer!(Convolution1D, false);

/// ncnn `ConvolutionDepthWise1D` (grouped, `7=group`; depthwise when
/// groups equal channels and outputs).
#[derive(Default)]
pub struct ConvolutionDepthWise1D {
    core: Conv1dCore,
}

conv1d_layer!(ConvolutionDepthWise1D, true);
