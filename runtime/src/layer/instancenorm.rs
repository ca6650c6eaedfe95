//! InstanceNorm: `0=channels 1=eps 2=affine`; each channel (`w·h·d`
//! values; a 1-D or 2-D blob is one) normalised on its own: `x = x·a + b`
//! with `a = γ / √(var + eps)`, `b = β − mean·a`, as ncnn.

use crate::error::LayerResult;
use crate::layer::layernorm::{sum, sum_sq_dev, units_mut};
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role};
use crate::param::ParamDict;

#[derive(Default)]
pub struct InstanceNorm {
    channels: usize,
    eps: f32,
    affine: bool,
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

impl Layer for InstanceNorm {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let channels = pd.get_int(0, 0)?;
        self.eps = pd.get_float(1, 0.001)?;
        self.affine = pd.get_int(2, 1)? != 0;
        self.channels = usize::try_from(channels)
            .ok()
            .filter(|&c| c > 0 || !self.affine)
            .ok_or_else(|| format!("channels (0=) must be positive with affine, got {channels}"))?;
        Ok(())
    }

    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        if self.affine {
            self.gamma = mb.load_raw(self.channels, Role::Gain)?;
            self.beta = mb.load_raw(self.channels, Role::Shift)?;
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let mut m = crate::layer::single(inputs)?;
        if self.affine && m.c() != self.channels {
            return Err(format!(
                "channels (0={}) but the input {:?} has {}",
                self.channels,
                m.shape(),
                m.c()
            )
            .into());
        }
        let plane = m.plane_len();
        for (q, v) in units_mut(&mut m, plane).into_iter().enumerate() {
            let n = v.len() as f32;
            let mean = sum(v) / n;
            let var = sum_sq_dev(v, mean) / n;
            let (a, b) = if self.affine {
                let a = self.gamma[q] / (var + self.eps).sqrt();
                (a, -mean * a + self.beta[q])
            } else {
                let a = 1.0 / (var + self.eps).sqrt();
                (a, -mean * a)
            };
            v.iter_mut().for_each(|x| *x = *x * a + b);
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
