//! Split (one blob to many consumers, sharing the buffer) and Noop.

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

/// Fans a blob out to several consumers. The outputs share the input's
/// buffer: no copy is made.
pub struct Split;

/// Passes its inputs through; with fewer outputs than inputs, the first
/// ones (ncnn runs it in place: top `i` is bottom `i`).
pub struct Noop;

impl Layer for Split {
    fn load_param(&mut self, _pd: &ParamDict) -> LayerResult<()> {
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = super::single(inputs)?;
        Ok(vec![m; ctx.num_outputs])
    }

    fn int8_input(&self) -> Int8Input {
        Int8Input::PassThrough
    }

    fn ncnn_takes_int8(&self) -> bool {
        true
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn flops(&self, _inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
        0
    }
}

impl Layer for Noop {
    fn load_param(&mut self, _pd: &ParamDict) -> LayerResult<()> {
        Ok(())
    }

    fn forward(&self, mut inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        if inputs.len() < ctx.num_outputs {
            return Err(format!(
                "{} outputs declared for {} inputs",
                ctx.num_outputs,
                inputs.len()
            )
            .into());
        }
        inputs.truncate(ctx.num_outputs);
        Ok(inputs)
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
