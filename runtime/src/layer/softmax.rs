//! Softmax along `0=axis` (`1=fixbug0` is accepted and ignored: Octet always
//! uses the corrected axis semantics).

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Softmax {
    axis: i32,
}

impl Layer for Softmax {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.axis = pd.get_int(0, 0)?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let shape = m.shape();
        let dims = shape.len();
        let axis = if self.axis < 0 {
            self.axis + dims as i32
        } else {
            self.axis
        };
        if axis < 0 || axis as usize >= dims {
            return Err(format!("axis {} out of range for shape {shape:?}", self.axis).into());
        }
        let axis = axis as usize;
        let outer: usize = shape[..axis].iter().product();
        let n = shape[axis];
        let inner: usize = shape[axis + 1..].iter().product();
        let mut flat = m.to_vec();
        for o in 0..outer {
            let base = o * n * inner;
            for i in 0..inner {
                let idx = |k: usize| base + k * inner + i;
                let mut max = f32::MIN;
                for k in 0..n {
                    max = max.max(flat[idx(k)]);
                }
                let mut sum = 0f32;
                for k in 0..n {
                    let e = (flat[idx(k)] - max).exp();
                    flat[idx(k)] = e;
                    sum += e;
                }
                for k in 0..n {
                    flat[idx(k)] /= sum;
                }
            }
        }
        Ok(vec![Mat::from_slice(&shape, &flat)?])
    }

    /// Any axis of a 1-D to 4-D blob.
    fn max_input_dims(&self) -> usize {
        4
    }
}
