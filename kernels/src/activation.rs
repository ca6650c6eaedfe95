//! Fused activations (ncnn's `activation_type` / `activation_params`).

use crate::fp32::eltwise::affine_clamp_in_place;

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
            Activation::Relu => relu_in_place(data),
            Activation::Clip(lo, hi) => affine_clamp_in_place(data, [1.0, 0.0, lo, hi], false),
            // Vectorised (NEON blocks on armv7), within 4e-7 of `apply`.
            Activation::Sigmoid => {
                crate::fp32::eltwise::unary_in_place(crate::fp32::eltwise::UnaryOp::Sigmoid, data)
            }
            // One loop per kind (not a match per element) so each vectorises.
            Activation::LeakyRelu(slope) => data
                .iter_mut()
                .for_each(|v| *v = if *v > 0.0 { *v } else { *v * slope }),
            Activation::HardSwish(alpha, beta) => {
                affine_clamp_in_place(data, [alpha, beta, 0.0, 1.0], true)
            }
            a => data.iter_mut().for_each(|v| *v = a.apply(*v)),
        }
    }

    /// True when `apply(x) == x` for every x.
    pub fn is_identity(self) -> bool {
        matches!(self, Activation::None)
    }
}

/// `v = v.max(0.0)` for every element (NaN becomes 0; where the float form
/// runs, a signalling NaN may stay NaN, as in `f32::max`). On armv7 the float
/// form stays scalar (LLVM does not vectorise fp32 there: NEON is not IEEE)
/// and calls libm's `fmaxf` per element, ~14 cost units; there it works on
/// the bit patterns instead: a float is kept when its bits, read as an
/// unsigned integer, are at most +inf's (`+0 ..= +inf`), else it becomes +0
/// (~3 per element, vectorised). Elsewhere the float form vectorises to one
/// `max` instruction, which the integer form cannot beat.
pub fn relu_in_place(data: &mut [f32]) {
    if cfg!(target_arch = "arm") {
        const INF: u32 = 0x7f80_0000;
        let bits: &mut [u32] = bytemuck::cast_slice_mut(data);
        bits.iter_mut()
            .for_each(|b| *b = if *b <= INF { *b } else { 0 });
    } else {
        data.iter_mut().for_each(|v| *v = v.max(0.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relu_in_place_is_max_with_zero() {
        let mut specials = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            1e-45,
            -1e-45,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
            f32::from_bits(0x7f80_0001),
            f32::from_bits(0xffc0_1234),
        ];
        // Odd lengths and a tail beyond any vector width.
        let mut x = 0x1234_5678u32;
        for _ in 0..37 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            specials.push(f32::from_bits(x));
        }
        let mut got = specials.clone();
        relu_in_place(&mut got);
        for (g, v) in got.iter().zip(&specials) {
            // `max` with a signalling NaN is NaN on some libms (then the
            // float form keeps it); NaN → 0 is the bit form's contract.
            if v.is_nan() {
                assert!(
                    *g == 0.0 || (g.is_nan() && !cfg!(target_arch = "arm")),
                    "relu(NaN {:#x}) = {g}",
                    v.to_bits()
                );
                continue;
            }
            let want = v.max(0.0);
            // max(±0, 0) may be either zero; relu_in_place gives +0.
            assert!(
                g.to_bits() == want.to_bits() || (*g == 0.0 && want == 0.0 && g.to_bits() == 0),
                "relu({v:e} = {:#x}) = {g:e}, want {want:e}",
                v.to_bits()
            );
        }
    }
}
