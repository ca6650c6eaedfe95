//! BatchNorm: `0=channels 1=eps`; weights slope, mean, variance, bias (raw).

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role};
use crate::param::ParamDict;

#[derive(Default)]
pub struct BatchNorm {
    channels: usize,
    eps: f32,
    /// y = b * x + a
    a: Vec<f32>,
    b: Vec<f32>,
}

/// Applies a per-channel `y = b[i] * x + a[i]` along the outermost axis.
pub(crate) fn per_channel_affine(m: &mut Mat, b: &[f32], a: Option<&[f32]>) -> LayerResult<()> {
    let n = match m.dims() {
        1 => m.w(),
        2 => m.h(),
        _ => m.c(),
    };
    if n != b.len() {
        return Err(format!("input has {n} channels, the weights have {}", b.len()).into());
    }
    match m.dims() {
        1 => {
            for (i, v) in m.data_mut().iter_mut().enumerate() {
                *v = *v * b[i] + a.map_or(0.0, |a| a[i]);
            }
        }
        2 => {
            let w = m.w();
            for (i, v) in m.data_mut().iter_mut().enumerate() {
                let r = i / w;
                *v = *v * b[r] + a.map_or(0.0, |a| a[r]);
            }
        }
        _ => {
            for q in 0..m.c() {
                let (bq, aq) = (b[q], a.map_or(0.0, |a| a[q]));
                m.channel_mut(q).iter_mut().for_each(|v| *v = *v * bq + aq);
            }
        }
    }
    Ok(())
}

impl Layer for BatchNorm {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let c = pd.get_int(0, 0)?;
        if c <= 0 {
            return Err(format!("channels (0=) must be positive, got {c}").into());
        }
        self.channels = c as usize;
        self.eps = pd.get_float(1, 0.0)?;
        Ok(())
    }

    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        let n = self.channels;
        let slope = mb.load_raw(n, Role::Gain)?;
        let mean = mb.load_raw(n, Role::Shift)?;
        let var = mb.load_raw(n, Role::Gain)?;
        let bias = mb.load_raw(n, Role::Shift)?;
        self.a = Vec::with_capacity(n);
        self.b = Vec::with_capacity(n);
        for i in 0..n {
            let sqrt_var = (var[i] + self.eps).sqrt();
            self.a.push(bias[i] - slope[i] * mean[i] / sqrt_var);
            self.b.push(slope[i] / sqrt_var);
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let mut m = single(inputs)?;
        per_channel_affine(&mut m, &self.b, Some(&self.a))?;
        Ok(vec![m])
    }

    fn weight_bytes(&self) -> usize {
        (self.a.len() + self.b.len()) * 4
    }
}
