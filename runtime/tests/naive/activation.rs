//! Element-wise layers (AbsVal, Clip, Dropout, Exp, HardSigmoid, HardSwish,
//! Mish, ReLU, Sigmoid, Swish, TanH) and the activation fused into
//! Convolution / ConvolutionDepthWise / InnerProduct (`9=` type, `10=`
//! params), as ncnn's `activation_ss` computes it, in f32.

use super::{Params, Tensor};

/// ncnn's sigmoid: the argument clamped to ±88.376 first.
fn sigmoid(v: f32) -> f32 {
    let v = v.clamp(-88.376_26, 88.376_26);
    1.0 / (1.0 + (-v).exp())
}

/// HardSwish with ncnn's breakpoints `lower = -β/α`, `upper = 1/α + lower`.
fn hardswish(v: f32, alpha: f32, beta: f32) -> f32 {
    let lower = -beta / alpha;
    let upper = 1.0 / alpha + lower;
    if v < lower {
        0.0
    } else if v > upper {
        v
    } else {
        v * (v * alpha + beta)
    }
}

/// `activation_type` `kind` with `activation_params` `p` applied to `v`.
pub fn fused(v: f32, kind: i32, p: &[f32]) -> f32 {
    match kind {
        0 => v,
        1 => v.max(0.0),
        2 => {
            if v > 0.0 {
                v
            } else {
                v * p[0]
            }
        }
        3 => {
            let mut v = v;
            if v < p[0] {
                v = p[0];
            }
            if v > p[1] {
                v = p[1];
            }
            v
        }
        4 => sigmoid(v),
        // The fused form has no threshold: log(exp(v) + 1).
        5 => v * (v.exp() + 1.0).ln().tanh(),
        6 => hardswish(v, p[0], p[1]),
        k => panic!("activation type {k}"),
    }
}

/// The stand-alone element-wise layer `kind`.
pub fn unary(kind: &str, p: &Params, x: &Tensor) -> Tensor {
    match kind {
        "AbsVal" => x.map(|v| if v < 0.0 { -v } else { v }),
        "Clip" => {
            let (lo, hi) = (p.float(0, -f32::MAX), p.float(1, f32::MAX));
            x.map(|v| {
                let mut v = v;
                if v < lo {
                    v = lo;
                }
                if v > hi {
                    v = hi;
                }
                v
            })
        }
        "Dropout" => {
            let s = p.float(0, 1.0);
            x.map(|v| v * s)
        }
        "Exp" => {
            let (base, scale, shift) = (p.float(0, -1.0), p.float(1, 1.0), p.float(2, 0.0));
            if base == -1.0 {
                x.map(|v| (shift + v * scale).exp())
            } else {
                x.map(|v| base.powf(shift + v * scale))
            }
        }
        "HardSigmoid" => {
            let (alpha, beta) = (p.float(0, 0.2), p.float(1, 0.5));
            let lower = -beta / alpha;
            let upper = 1.0 / alpha + lower;
            x.map(|v| {
                if v < lower {
                    0.0
                } else if v > upper {
                    1.0
                } else {
                    v * alpha + beta
                }
            })
        }
        "HardSwish" => {
            let (alpha, beta) = (p.float(0, 0.2), p.float(1, 0.5));
            x.map(|v| hardswish(v, alpha, beta))
        }
        // The layer, unlike the fused form, switches to x and exp(x) past ±20.
        "Mish" => x.map(|v| {
            let sp = if v > 20.0 {
                v
            } else if v < -20.0 {
                v.exp()
            } else {
                (v.exp() + 1.0).ln()
            };
            v * sp.tanh()
        }),
        "ReLU" => {
            // ncnn writes 0 (not v · 0 = -0) when the slope is 0.
            let slope = p.float(0, 0.0);
            x.map(|v| match (v < 0.0, slope == 0.0) {
                (false, _) => v,
                (true, true) => 0.0,
                (true, false) => v * slope,
            })
        }
        "Sigmoid" => x.map(sigmoid),
        "Swish" => x.map(|v| v / (1.0 + (-v).exp())),
        "TanH" => x.map(f32::tanh),
        k => panic!("not an element-wise layer: {k}"),
    }
}
