//! LayerNorm (`0=affine_size 1=eps 2=affine`) and RMSNorm (same params):
//! each run of `affine_size` contiguous values — a row (`w`), or for 3-D /
//! 4-D blobs a plane (`w·h`) or a 4-D channel (`w·h·d`) — is normalised
//! (LayerNorm: `(x − mean) / √(var + eps)`, RMSNorm: `x / √(mean(x²) + eps)`)
//! then, with `affine`, scaled by `gamma` (and LayerNorm shifted by `beta`),
//! `affine_size` values each from the `.bin`.

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role};
use crate::param::ParamDict;

pub struct LayerNorm {
    rms: bool,
    size: usize,
    eps: f32,
    affine: bool,
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

impl LayerNorm {
    pub fn layer() -> Self {
        LayerNorm {
            rms: false,
            size: 0,
            eps: 0.001,
            affine: true,
            gamma: Vec::new(),
            beta: Vec::new(),
        }
    }

    pub fn rms() -> Self {
        LayerNorm {
            rms: true,
            ..LayerNorm::layer()
        }
    }

    fn normalize(&self, v: &mut [f32]) {
        let n = v.len() as f32;
        let (a, b) = if self.rms {
            let sq: f32 = v.iter().map(|x| x * x).sum();
            (1.0 / (sq / n + self.eps).sqrt(), 0.0)
        } else {
            let mean = v.iter().sum::<f32>() / n;
            let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
            let a = 1.0 / (var + self.eps).sqrt();
            (a, -mean * a)
        };
        if !self.affine {
            v.iter_mut().for_each(|x| *x = *x * a + b);
        } else if self.rms {
            v.iter_mut()
                .zip(&self.gamma)
                .for_each(|(x, g)| *x = *x * a * g);
        } else {
            v.iter_mut()
                .zip(&self.gamma)
                .zip(&self.beta)
                .for_each(|((x, g), bb)| *x = (*x * a + b) * g + bb);
        }
    }
}

impl Layer for LayerNorm {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let size = pd.get_int(0, 0)?;
        if size <= 0 {
            return Err(format!("affine_size (0=) must be positive, got {size}").into());
        }
        self.size = size as usize;
        self.eps = pd.get_float(1, 0.001)?;
        self.affine = pd.get_int(2, 1)? != 0;
        Ok(())
    }

    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        if self.affine {
            self.gamma = mb.load_raw(self.size, Role::Gain)?;
            if !self.rms {
                self.beta = mb.load_raw(self.size, Role::Shift)?;
            }
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let mut m = if m.is_int8() { m.dequantize() } else { m };
        let (w, h, d) = (m.w(), m.h(), m.d());
        let ok = match m.dims() {
            1 | 2 => self.size == w,
            3 => self.size == w || self.size == w * h,
            4 => self.size == w || self.size == w * h || self.size == w * h * d,
            _ => false,
        };
        if !ok {
            return Err(format!(
                "affine_size (0=) {} matches no inner run (w, w·h, w·h·d) of input shape {:?}",
                self.size,
                m.shape()
            )
            .into());
        }
        let n = self.size;
        for q in 0..m.c() {
            for run in m.channel_mut(q).chunks_exact_mut(n) {
                self.normalize(run);
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
