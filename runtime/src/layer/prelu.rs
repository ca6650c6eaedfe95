//! PReLU: `0=num_slope`; `x < 0 → x · slope`, the slopes from the `.bin`.
//! One slope is shared; otherwise there is one per value of a 1-D blob, per
//! row of a 2-D blob, per channel of a 3-D/4-D blob (ncnn's mapping).

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role};
use crate::param::ParamDict;

#[derive(Default)]
pub struct PReLU {
    num_slope: usize,
    slope: Vec<f32>,
}

fn leaky(v: &mut [f32], s: f32) {
    v.iter_mut().for_each(|x| {
        if *x < 0.0 {
            *x *= s
        }
    });
}

impl Layer for PReLU {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let n = pd.get_int(0, 0)?;
        if n <= 0 {
            return Err(format!("num_slope (0=) must be positive, got {n}").into());
        }
        self.num_slope = n as usize;
        Ok(())
    }

    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        self.slope = mb.load_raw(self.num_slope, Role::Gain)?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let mut m = if m.is_int8() { m.dequantize() } else { m };
        let shape = m.shape();
        let outer = shape[0];
        if self.num_slope > 1 && self.num_slope != outer {
            return Err(format!(
                "num_slope (0=) {} matches neither 1 nor the outer axis of input shape {shape:?}",
                self.num_slope
            )
            .into());
        }
        let slope = |i: usize| self.slope[if self.num_slope > 1 { i } else { 0 }];
        match m.dims() {
            1 => {
                let d = m.channel_mut(0);
                for (i, x) in d.iter_mut().enumerate() {
                    if *x < 0.0 {
                        *x *= slope(i);
                    }
                }
            }
            2 => {
                let w = m.w();
                for (i, row) in m.channel_mut(0).chunks_exact_mut(w).enumerate() {
                    leaky(row, slope(i));
                }
            }
            _ => {
                for q in 0..m.c() {
                    leaky(m.channel_mut(q), slope(q));
                }
            }
        }
        Ok(vec![m])
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn weight_bytes(&self) -> usize {
        self.slope.len() * 4
    }
}
