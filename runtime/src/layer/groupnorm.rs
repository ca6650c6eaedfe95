//! GroupNorm: `0=group 1=channels 2=eps 3=affine`; the channels (a 1-D
//! blob's values, a 2-D blob's rows, a 3-D / 4-D blob's planes) split into
//! `group` runs of `channels / group`, each normalised as one: `x = (x −
//! mean) / √(var + eps) · γ[c] + β[c]`.

use crate::error::LayerResult;
use crate::layer::layernorm::{channels_mut, sum, sum_sq_dev};
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role};
use crate::param::ParamDict;

#[derive(Default)]
pub struct GroupNorm {
    group: usize,
    channels: usize,
    eps: f32,
    affine: bool,
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

impl Layer for GroupNorm {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let (group, channels) = (pd.get_int(0, 1)?, pd.get_int(1, 0)?);
        self.eps = pd.get_float(2, 0.001)?;
        self.affine = pd.get_int(3, 1)? != 0;
        match (usize::try_from(group), usize::try_from(channels)) {
            (Ok(g), Ok(c)) if g > 0 && c > 0 && c % g == 0 => {
                (self.group, self.channels) = (g, c);
                Ok(())
            }
            _ => Err(format!(
                "group (0={group}) must be positive and divide channels (1={channels})"
            )
            .into()),
        }
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
        let shape = m.shape();
        let mut chans = channels_mut(&mut m);
        if chans.len() != self.channels {
            return Err(format!(
                "channels (1={}) but the input {shape:?} has {}",
                self.channels,
                chans.len()
            )
            .into());
        }
        let per = self.channels / self.group;
        for (g, run) in chans.chunks_mut(per).enumerate() {
            let n = run.iter().map(|c| c.len()).sum::<usize>() as f32;
            let mean = run.iter().map(|c| sum(c)).sum::<f32>() / n;
            let var = run.iter().map(|c| sum_sq_dev(c, mean)).sum::<f32>() / n;
            let a = 1.0 / (var + self.eps).sqrt();
            let b = -mean * a;
            for (k, c) in run.iter_mut().enumerate() {
                if self.affine {
                    let (gm, be) = (self.gamma[g * per + k], self.beta[g * per + k]);
                    c.iter_mut().for_each(|x| *x = (*x * a + b) * gm + be);
                } else {
                    c.iter_mut().for_each(|x| *x = *x * a + b);
                }
            }
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
