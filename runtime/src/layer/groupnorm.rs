//! GroupNorm (`0=group 1=channels 2=eps 3=affine`) and InstanceNorm
//! (`0=channels 1=eps 2=affine`). GroupNorm's channels are the outermost
//! axis (a 1-D blob's values, a 2-D blob's rows, a 3-D/4-D blob's
//! channels); each group of `channels / group` of them is normalised
//! together. InstanceNorm normalises each channel of a 3-D/4-D blob (a
//! 1-D/2-D blob is one channel). With `affine`, `gamma` and `beta` (one per
//! channel, from the `.bin`) scale and shift the result.

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role};
use crate::param::ParamDict;

pub struct GroupNorm {
    instance: bool,
    group: usize,
    channels: usize,
    eps: f32,
    affine: bool,
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

impl GroupNorm {
    pub fn group() -> Self {
        GroupNorm {
            instance: false,
            group: 1,
            channels: 0,
            eps: 0.001,
            affine: true,
            gamma: Vec::new(),
            beta: Vec::new(),
        }
    }

    pub fn instance() -> Self {
        GroupNorm {
            instance: true,
            ..GroupNorm::group()
        }
    }

    /// Normalises `v`, a run of `v.len() / size` channels of `size` values
    /// starting at channel `q0`.
    fn normalize(&self, v: &mut [f32], size: usize, q0: usize) {
        let n = v.len() as f32;
        let mean = v.iter().sum::<f32>() / n;
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
        let a = 1.0 / (var + self.eps).sqrt();
        let b = -mean * a;
        for (k, ch) in v.chunks_exact_mut(size).enumerate() {
            if self.affine {
                let (g, bb) = (self.gamma[q0 + k], self.beta[q0 + k]);
                ch.iter_mut().for_each(|x| *x = (*x * a + b) * g + bb);
            } else {
                ch.iter_mut().for_each(|x| *x = *x * a + b);
            }
        }
    }
}

impl Layer for GroupNorm {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let (group, channels) = if self.instance {
            (0, pd.get_int(0, 0)?)
        } else {
            (pd.get_int(0, 1)?, pd.get_int(1, 0)?)
        };
        let off = if self.instance { 0 } else { 1 };
        if channels <= 0 {
            return Err(format!("channels ({off}=) must be positive, got {channels}").into());
        }
        if !self.instance && (group <= 0 || channels % group != 0) {
            return Err(format!(
                "group (0=) must be positive and divide channels (1=) {channels}, got {group}"
            )
            .into());
        }
        self.group = group.max(1) as usize;
        self.channels = channels as usize;
        self.eps = pd.get_float(off + 1, 0.001)?;
        self.affine = pd.get_int(off + 2, 1)? != 0;
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
        let m = single(inputs)?;
        let mut m = if m.is_int8() { m.dequantize() } else { m };
        if self.instance {
            if m.c() != self.channels {
                return Err(format!(
                    "channels (0=) {} but the input shape {:?} has {} channels",
                    self.channels,
                    m.shape(),
                    m.c()
                )
                .into());
            }
            let size = m.plane_len();
            for q in 0..m.c() {
                self.normalize(m.channel_mut(q), size, q);
            }
            return Ok(vec![m]);
        }
        let shape = m.shape();
        if shape[0] != self.channels {
            return Err(format!(
                "channels (1=) {} but the input shape {shape:?} has {} on its outer axis",
                self.channels, shape[0]
            )
            .into());
        }
        let mut flat = m.to_vec();
        let size = flat.len() / self.channels;
        let cg = self.channels / self.group;
        for (g, run) in flat.chunks_exact_mut(cg * size).enumerate() {
            self.normalize(run, size, g * cg);
        }
        Ok(vec![Mat::from_slice(&shape, &flat)?])
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn weight_bytes(&self) -> usize {
        (self.gamma.len() + self.beta.len()) * 4
    }
}
