//! ExpandDims: inserts size-1 axes at `3=axes` (positions in the output,
//! numpy order, negative from its end). Up to 4-D out; int8 stays int8.

use crate::error::LayerResult;
use crate::layer::squeeze::reshape_numpy;
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct ExpandDims {
    axes: Vec<i32>,
}

impl Layer for ExpandDims {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.axes = pd.get_ints(3)?;
        if self.axes.len() > 3 {
            return Err(format!("axes {:?}: more than 3 new axes", self.axes).into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let shape = m.shape();
        let outdims = shape.len() + self.axes.len();
        if outdims > 4 {
            return Err(format!(
                "axes {:?} on the input {shape:?} give {outdims} dimensions; ncnn blobs have up to 4",
                self.axes
            )
            .into());
        }
        let mut new = vec![false; outdims];
        for &a in &self.axes {
            let k = if a < 0 { a + outdims as i32 } else { a };
            let k = usize::try_from(k)
                .ok()
                .filter(|&k| k < outdims)
                .ok_or_else(|| format!("axes {:?}: axis {a} is outside 0..{outdims}", self.axes))?;
            if new[k] {
                return Err(format!("axes {:?}: axis {a} is given twice", self.axes).into());
            }
            new[k] = true;
        }
        let mut it = shape.iter();
        let out: Vec<usize> = new
            .iter()
            .map(|&n| {
                if n {
                    1
                } else {
                    it.next().copied().unwrap_or(1)
                }
            })
            .collect();
        if out == shape {
            return Ok(vec![m]);
        }
        Ok(vec![reshape_numpy(&m, &out)?])
    }

    fn int8_input(&self) -> Int8Input {
        Int8Input::PassThrough
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn flops(&self, _inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
        0
    }
}
