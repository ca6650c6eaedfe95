//! Flatten: any input (1-D to 4-D) to a 1-D blob of `w × h × d × c` values.

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

pub struct Flatten;

impl Layer for Flatten {
    fn load_param(&mut self, _pd: &ParamDict) -> LayerResult<()> {
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let n = m.total();
        Ok(vec![m.reshape(1, n, 1, 1, 1)?])
    }

    /// Reordering only: int8 stays int8 at its scale.
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
