//! Bias: `0=bias_data_size`; adds one value (from the `.bin`) per channel
//! (a 1-D/2-D blob is one channel, as ncnn's `Mat::c` is 1).

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role};
use crate::param::ParamDict;

#[derive(Default)]
pub struct Bias {
    size: usize,
    bias: Vec<f32>,
}

impl Layer for Bias {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let n = pd.get_int(0, 0)?;
        if n <= 0 {
            return Err(format!("bias_data_size (0=) must be positive, got {n}").into());
        }
        self.size = n as usize;
        Ok(())
    }

    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        self.bias = mb.load_raw(self.size, Role::Bias)?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let mut m = if m.is_int8() { m.dequantize() } else { m };
        if m.c() > self.size {
            return Err(format!(
                "bias_data_size (0=) {} is less than the {} channels of input shape {:?}",
                self.size,
                m.c(),
                m.shape()
            )
            .into());
        }
        for q in 0..m.c() {
            let b = self.bias[q];
            m.channel_mut(q).iter_mut().for_each(|x| *x += b);
        }
        Ok(vec![m])
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn weight_bytes(&self) -> usize {
        self.bias.len() * 4
    }
}
