//! Scale: `0=scale_data_size 1=bias_term`; per-channel `y = s * x + b`. With
//! `0=-233` the scales come from a second input blob.

use crate::error::LayerResult;
use crate::layer::batchnorm::per_channel_affine;
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role};
use crate::param::ParamDict;

#[derive(Default)]
pub struct Scale {
    size: i32,
    bias_term: bool,
    scale: Vec<f32>,
    bias: Option<Vec<f32>>,
}

impl Layer for Scale {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.size = pd.get_int(0, 0)?;
        if self.size <= 0 && self.size != -233 {
            return Err(format!(
                "scale_data_size (0=) must be positive or -233, got {}",
                self.size
            )
            .into());
        }
        self.bias_term = pd.get_int(1, 0)? != 0;
        Ok(())
    }

    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        if self.size == -233 {
            return Ok(());
        }
        let n = self.size as usize;
        self.scale = mb.load_raw(n, Role::Gain)?;
        if self.bias_term {
            self.bias = Some(mb.load_raw(n, Role::Shift)?);
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let mut it = inputs.into_iter();
        let mut m = it.next().ok_or("missing input")?;
        if self.size == -233 {
            let s = it
                .next()
                .ok_or("0=-233 needs the scales as a second input")?
                .to_vec();
            per_channel_affine(&mut m, &s, self.bias.as_deref())?;
        } else {
            per_channel_affine(&mut m, &self.scale, self.bias.as_deref())?;
        }
        Ok(vec![m])
    }

    fn weight_bytes(&self) -> usize {
        (self.scale.len() + self.bias.as_ref().map_or(0, |b| b.len())) * 4
    }
}
