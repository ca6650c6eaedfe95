//! Fused activations (ncnn's `activation_type` / `activation_params`).

/// An activation fused into a layer's output stage, as ncnn's `9=` / `10=` params.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Activation {
    #[default]
    None,
    Relu,
    LeakyRelu(f32),
    Clip(f32, f32),
    Sigmoid,
    Mish,
    HardSwish(f32, f32),
}

impl Activation {
    /// From ncnn's `activation_type` and `activation_params`.
    pub fn from_ncnn(kind: i32, params: &[f32]) -> Result<Activation, String> {
        let p = |i: usize, d: f32| params.get(i).copied().unwrap_or(d);
        Ok(match kind {
            0 => Activation::None,
            1 => Activation::Relu,
            2 => Activation::LeakyRelu(p(0, 0.0)),
            3 => Activation::Clip(p(0, f32::MIN), p(1, f32::MAX)),
            4 => Activation::Sigmoid,
            5 => Activation::Mish,
            6 => Activation::HardSwish(p(0, 0.2), p(1, 0.5)),
            other => return Err(format!("unknown activation type {other}")),
        })
    }

    #[inline(always)]
    pub fn apply(self, v: f32) -> f32 {
        match self {
            Activation::None => v,
            Activation::Relu => v.max(0.0),
            Activation::LeakyRelu(slope) => {
                if v > 0.0 {
                    v
                } else {
                    v * slope
                }
            }
            Activation::Clip(lo, hi) => v.max(lo).min(hi),
            Activation::Sigmoid => {
                let v = v.clamp(-88.376_26, 88.376_26);
                1.0 / (1.0 + (-v).exp())
            }
            Activation::Mish => v * (v.exp().ln_1p()).tanh(),
            Activation::HardSwish(alpha, beta) => {
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
        }
    }

    /// Applies the activation to every element.
    #[inline]
    pub fn apply_slice(self, data: &mut [f32]) {
        match self {
            Activation::None => {}
            Activation::Relu => data.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Clip(lo, hi) => data.iter_mut().for_each(|v| *v = v.max(lo).min(hi)),
            a => data.iter_mut().for_each(|v| *v = a.apply(*v)),
        }
    }

    /// True when `apply(x) == x` for every x.
    pub fn is_identity(self) -> bool {
        matches!(self, Activation::None)
    }
}
