//! Split (one blob to many consumers, sharing the buffer) and Noop.

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

/// Fans a blob out to several consumers. The outputs share the input's
/// buffer: no copy is made.
pub struct Split;

/// Passes its inputs through.
pub struct Noop;

impl Layer for Split {
    fn load_param(&mut self, _pd: &ParamDict) -> LayerResult<()> {
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = super::single(inputs)?;
        Ok(vec![m; ctx.num_outputs])
    }

    fn accepts_int8(&self) -> bool {
        true
    }

    crate::impl_as_any!();
}

impl Layer for Noop {
    fn load_param(&mut self, _pd: &ParamDict) -> LayerResult<()> {
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        Ok(inputs)
    }

    fn accepts_int8(&self) -> bool {
        true
    }

    crate::impl_as_any!();
}
