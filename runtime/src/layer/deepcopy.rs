//! DeepCopy: a copy of the input in a buffer of its own. 1-D to 4-D; int8
//! stays int8.

use crate::error::LayerResult;
use crate::layer::region::{alloc_like, size4};
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

pub struct DeepCopy;

impl Layer for DeepCopy {
    fn load_param(&mut self, _pd: &ParamDict) -> LayerResult<()> {
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let mut out = alloc_like(&m, m.dims(), size4(&m));
        if m.is_int8() {
            out.data_i8_mut().copy_from_slice(m.data_i8());
        } else {
            out.data_mut().copy_from_slice(m.data());
        }
        Ok(vec![out])
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
