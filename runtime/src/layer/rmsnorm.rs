//! RMSNorm: `0=affine_size 1=eps 2=affine`; `x = x / √(mean(x²) + eps) · γ`
//! over the same runs as LayerNorm (the last axis, or the last two or three
//! of a 3-D / 4-D blob when `affine_size` is `w·h` or `w·h·d`).

use crate::error::LayerResult;
use crate::layer::layernorm::{affine_params, affine_unit, sum_sq_dev, units_mut};
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role};
use crate::param::ParamDict;

#[derive(Default)]
pub struct RmsNorm {
    affine_size: usize,
    eps: f32,
    affine: bool,
    gamma: Vec<f32>,
}

impl Layer for RmsNorm {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        (self.affine_size, self.eps, self.affine) = affine_params(pd)?;
        Ok(())
    }

    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        if self.affine {
            self.gamma = mb.load_raw(self.affine_size, Role::Gain)?;
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let mut m = crate::layer::single(inputs)?;
        let unit = affine_unit(&m, self.affine_size, self.affine)?;
        for v in units_mut(&mut m, unit) {
            let a = 1.0 / (sum_sq_dev(v, 0.0) / v.len() as f32 + self.eps).sqrt();
            if self.gamma.is_empty() {
                v.iter_mut().for_each(|x| *x *= a);
            } else {
                v.iter_mut()
                    .zip(&self.gamma)
                    .for_each(|(x, g)| *x = (*x * a) * g);
            }
        }
        Ok(vec![m])
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn weight_bytes(&self) -> usize {
        self.gamma.len() * 4
    }
}
