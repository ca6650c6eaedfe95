//! LayerNorm: `0=affine_size 1=eps 2=affine`; `x = (x − mean) / √(var +
//! eps) · γ + β` over the last axis, or as ncnn does on 3-D / 4-D blobs,
//! over the last two or three when `affine_size` is `w·h` or `w·h·d` (γ, β:
//! `affine_size` values each, when `affine`). The statistics and the
//! normalisation of the other norm layers (RMSNorm, GroupNorm,
//! InstanceNorm) live here too.

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role};
use crate::param::ParamDict;

/// Sum of `v` in 8 interleaved partial sums (vectorises; no less accurate
/// than ncnn's running sum).
pub(crate) fn sum(v: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += x;
        }
    }
    acc.iter().sum::<f32>() + rest.iter().sum::<f32>()
}

/// Σ (v − mean)².
pub(crate) fn sum_sq_dev(v: &[f32], mean: f32) -> f32 {
    let mut acc = [0f32; 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, x) in acc.iter_mut().zip(c) {
            *a += (x - mean) * (x - mean);
        }
    }
    acc.iter().sum::<f32>() + rest.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>()
}

/// The blob's values as mutable runs of `unit` elements, within each
/// channel (a 1-D or 2-D blob is one channel).
pub(crate) fn units_mut(m: &mut Mat, unit: usize) -> Vec<&mut [f32]> {
    let (c, cstep, plane) = (m.c(), m.cstep(), m.plane_len());
    if unit == 0 || plane % unit != 0 {
        return Vec::new();
    }
    m.data_mut()
        .chunks_mut(cstep.max(1))
        .take(c)
        .flat_map(|ch| ch[..plane].chunks_mut(unit))
        .collect()
}

/// The channels of a norm layer: a 1-D blob's values, a 2-D blob's rows, a
/// 3-D / 4-D blob's planes (ncnn's GroupNorm and InstanceNorm view).
pub(crate) fn channels_mut(m: &mut Mat) -> Vec<&mut [f32]> {
    let unit = match m.dims() {
        1 => 1,
        2 => m.w(),
        _ => m.plane_len(),
    };
    units_mut(m, unit)
}

#[derive(Default)]
pub struct LayerNorm {
    affine_size: usize,
    eps: f32,
    affine: bool,
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

/// `x = (x·a + b)·γ + β` with `a = 1/√(var + eps)`, `b = −mean·a`, as ncnn.
fn layernorm(v: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let n = v.len() as f32;
    let mean = sum(v) / n;
    let var = sum_sq_dev(v, mean) / n;
    let a = 1.0 / (var + eps).sqrt();
    let b = -mean * a;
    if gamma.is_empty() {
        v.iter_mut().for_each(|x| *x = *x * a + b);
    } else {
        for ((x, g), be) in v.iter_mut().zip(gamma).zip(beta) {
            *x = (*x * a + b) * g + be;
        }
    }
}

/// LayerNorm's and RMSNorm's `0=affine_size 1=eps 2=affine`.
pub(crate) fn affine_params(pd: &ParamDict) -> LayerResult<(usize, f32, bool)> {
    let size = pd.get_int(0, 0)?;
    let eps = pd.get_float(1, 0.001)?;
    let affine = pd.get_int(2, 1)? != 0;
    let size = usize::try_from(size)
        .ok()
        .filter(|&s| s > 0 || !affine)
        .ok_or_else(|| format!("affine_size (0=) must be positive with affine, got {size}"))?;
    Ok((size, eps, affine))
}

/// [`norm_unit`], which with `affine` must be `affine_size` (γ and β have
/// that many values).
pub(crate) fn affine_unit(m: &Mat, affine_size: usize, affine: bool) -> LayerResult<usize> {
    let unit = norm_unit(m, affine_size);
    if affine && unit != affine_size {
        return Err(format!(
            "affine_size {affine_size} matches no trailing axes of the input {:?}",
            m.shape()
        )
        .into());
    }
    Ok(unit)
}

/// The run length ncnn normalises over for this blob and `affine_size`.
pub(crate) fn norm_unit(m: &Mat, affine_size: usize) -> usize {
    let (w, h, d) = (m.w(), m.h(), m.d());
    match m.dims() {
        1 | 2 => w,
        3 if affine_size == w => w,
        3 => w * h,
        _ if affine_size == w => w,
        _ if affine_size == w * h => w * h,
        _ => w * h * d,
    }
}

impl Layer for LayerNorm {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        (self.affine_size, self.eps, self.affine) = affine_params(pd)?;
        Ok(())
    }

    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        if self.affine {
            self.gamma = mb.load_raw(self.affine_size, Role::Gain)?;
            self.beta = mb.load_raw(self.affine_size, Role::Shift)?;
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let mut m = crate::layer::single(inputs)?;
        let unit = affine_unit(&m, self.affine_size, self.affine)?;
        let (gamma, beta, eps) = (&self.gamma, &self.beta, self.eps);
        for v in units_mut(&mut m, unit) {
            layernorm(v, gamma, beta, eps);
        }
        Ok(vec![m])
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn weight_bytes(&self) -> usize {
        (self.gamma.len() + self.beta.len()) * 4
    }
}
