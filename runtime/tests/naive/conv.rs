//! Convolution and ConvolutionDepthWise (`src/layer/convolution.cpp`,
//! `convolutiondepthwise.cpp`), fp32 and int8.
//!
//! Params: `0` num_output, `1`/`11` kernel w/h, `2`/`12` dilation,
//! `3`/`13` stride, `4`/`15`/`14`/`16` pad left/right/top/bottom (each
//! defaulting to the one before; all `-233`: SAME, extra padding at the
//! end; all `-234`: SAME_LOWER, extra at the start), `18` pad value, `5`
//! bias, `6` weight count, `7` groups (depthwise only), `9`/`10` fused
//! activation. Weights `[num_output][in_c / group][kh][kw]` (tagged), then
//! the bias (raw).

use super::activation::fused;
use super::{dense, float2int8, Bin, Int8Scales, Params, Tensor};

pub struct ConvParams {
    pub num_output: usize,
    pub kw: usize,
    pub kh: usize,
    pub dil_w: usize,
    pub dil_h: usize,
    pub stride_w: usize,
    pub stride_h: usize,
    pub pad_left: i32,
    pub pad_right: i32,
    pub pad_top: i32,
    pub pad_bottom: i32,
    pub pad_value: f32,
    pub bias: bool,
    pub weight_size: usize,
    pub group: usize,
    pub act: i32,
    pub act_params: Vec<f32>,
}

impl ConvParams {
    pub fn parse(p: &Params, depthwise: bool) -> ConvParams {
        let kw = p.int(1, 0);
        let dw = p.int(2, 1);
        let sw = p.int(3, 1);
        let pl = p.int(4, 0);
        let pt = p.int(14, pl);
        ConvParams {
            num_output: p.int(0, 0) as usize,
            kw: kw as usize,
            kh: p.int(11, kw) as usize,
            dil_w: dw as usize,
            dil_h: p.int(12, dw) as usize,
            stride_w: sw as usize,
            stride_h: p.int(13, sw) as usize,
            pad_left: pl,
            pad_right: p.int(15, pl),
            pad_top: pt,
            pad_bottom: p.int(16, pt),
            pad_value: p.float(18, 0.0),
            bias: p.int(5, 0) != 0,
            weight_size: p.int(6, 0) as usize,
            group: if depthwise { p.int(7, 1) as usize } else { 1 },
            act: p.int(9, 0),
            act_params: p.floats(10),
        }
    }

    /// (top, bottom, left, right) padding of an `h × w` input.
    pub fn pads(&self, w: usize, h: usize) -> (i64, i64, i64, i64) {
        let ext_w = (self.dil_w * (self.kw - 1) + 1) as i64;
        let ext_h = (self.dil_h * (self.kh - 1) + 1) as i64;
        let (w, h) = (w as i64, h as i64);
        let (sw, sh) = (self.stride_w as i64, self.stride_h as i64);
        let all = |v: i32| {
            [self.pad_left, self.pad_right, self.pad_top, self.pad_bottom]
                .iter()
                .all(|&p| p == v)
        };
        let explicit = [self.pad_left, self.pad_right, self.pad_top, self.pad_bottom]
            .iter()
            .any(|&p| p > 0);
        if explicit {
            (
                self.pad_top as i64,
                self.pad_bottom as i64,
                self.pad_left as i64,
                self.pad_right as i64,
            )
        } else if all(-233) || all(-234) {
            let wpad = ext_w + (w - 1) / sw * sw - w;
            let hpad = ext_h + (h - 1) / sh * sh - h;
            if wpad <= 0 && hpad <= 0 {
                return (0, 0, 0, 0);
            }
            // ncnn pads (both) only when one is positive; a negative one
            // would crop, which these cases avoid.
            assert!(wpad >= 0 && hpad >= 0, "SAME padding would crop");
            if all(-233) {
                (hpad / 2, hpad - hpad / 2, wpad / 2, wpad - wpad / 2)
            } else {
                (hpad - hpad / 2, hpad / 2, wpad - wpad / 2, wpad / 2)
            }
        } else {
            (0, 0, 0, 0)
        }
    }
}

/// Convolution (`depthwise` false) or ConvolutionDepthWise (true) of `x`.
pub fn convolution(
    p: &Params,
    x: &Tensor,
    bin: &mut Bin,
    int8: Option<&Int8Scales>,
    depthwise: bool,
) -> Tensor {
    let cp = ConvParams::parse(p, depthwise);
    let weights = bin.tagged(cp.weight_size);
    let bias = if cp.bias {
        bin.raw(cp.num_output)
    } else {
        Vec::new()
    };

    // A 1-D input to a 1×1 Convolution is ncnn's (deprecated) inner-product path.
    if !depthwise && x.dims() == 1 && cp.kw == 1 && cp.kh == 1 {
        assert!(int8.is_none(), "no int8 1-D convolution case");
        return dense::fully_connected(
            &x.data,
            &weights,
            &bias,
            cp.num_output,
            cp.act,
            &cp.act_params,
        );
    }

    assert_eq!(x.dims(), 3, "convolution input {:?}", x.shape);
    let (w, h, _, in_c) = x.whdc();
    let group = cp.group;
    let maxk = cp.kw * cp.kh;
    assert_eq!(in_c % group, 0);
    assert_eq!(cp.num_output % group, 0);
    let in_g = in_c / group;
    let out_g = cp.num_output / group;
    assert_eq!(
        cp.weight_size,
        cp.num_output * in_g * maxk,
        "weight count vs input channels"
    );

    let (pt, pb, pl, pr) = cp.pads(w, h);
    let padded_w = w as i64 + pl + pr;
    let padded_h = h as i64 + pt + pb;
    let ext_w = (cp.dil_w * (cp.kw - 1) + 1) as i64;
    let ext_h = (cp.dil_h * (cp.kh - 1) + 1) as i64;
    let out_w = ((padded_w - ext_w) / cp.stride_w as i64 + 1) as usize;
    let out_h = ((padded_h - ext_h) / cp.stride_h as i64 + 1) as usize;

    // The input (quantized for int8) with its border: `None` outside.
    let quant = |v: f32| match int8 {
        Some(s) => float2int8(v * s.blob) as f32,
        None => v,
    };
    let src = |q: usize, y: i64, xx: i64| -> Option<f32> {
        let (y, xx) = (y - pt, xx - pl);
        if y < 0 || xx < 0 || y >= h as i64 || xx >= w as i64 {
            None
        } else {
            Some(quant(x.at(q, 0, y as usize, xx as usize)))
        }
    };
    // The border value: the pad value (int8 runs pad the int8 blob with 0,
    // the only pad value the int8 cases use).
    let border = if int8.is_some() {
        assert_eq!(cp.pad_value, 0.0, "int8 cases use pad value 0");
        0.0
    } else {
        cp.pad_value
    };

    // int8 weights: one scale per output channel (Convolution) or per group.
    let qweights: Vec<f32> = match int8 {
        None => weights.clone(),
        Some(s) => {
            let per = if depthwise {
                cp.weight_size / group
            } else {
                in_g * maxk
            };
            weights
                .iter()
                .enumerate()
                .map(|(i, &v)| float2int8(v * s.weight[i / per]) as f32)
                .collect()
        }
    };

    let mut out = vec![0f32; cp.num_output * out_h * out_w];
    for g in 0..group {
        for po in 0..out_g {
            let oc = g * out_g + po;
            let kbase = oc * in_g * maxk;
            for oy in 0..out_h {
                for ox in 0..out_w {
                    // f64 for fp32 (exact for int8: the values are integers).
                    let mut sum = 0f64;
                    for qi in 0..in_g {
                        let q = g * in_g + qi;
                        for ky in 0..cp.kh {
                            for kx in 0..cp.kw {
                                let y = (oy * cp.stride_h + ky * cp.dil_h) as i64;
                                let xx = (ox * cp.stride_w + kx * cp.dil_w) as i64;
                                let v = src(q, y, xx).unwrap_or(border);
                                let wt = qweights[kbase + (qi * cp.kh + ky) * cp.kw + kx];
                                sum += v as f64 * wt as f64;
                            }
                        }
                    }
                    let v = match int8 {
                        None => {
                            let b = if cp.bias { bias[oc] as f64 } else { 0.0 };
                            (sum + b) as f32
                        }
                        Some(s) => {
                            assert!(sum.abs() < 2f64.powi(31), "int32 sum overflows");
                            let ws = s.weight[if depthwise { g } else { oc }];
                            let scale_in = if ws == 0.0 { 0.0 } else { 1.0 / (s.blob * ws) };
                            let mut v = sum as i32 as f32 * scale_in;
                            if cp.bias {
                                v += bias[oc];
                            }
                            v
                        }
                    };
                    out[(oc * out_h + oy) * out_w + ox] = fused(v, cp.act, &cp.act_params);
                }
            }
        }
    }
    Tensor::new(&[cp.num_output, out_h, out_w], out)
}
