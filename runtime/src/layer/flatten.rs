//! Flatten: any input to a 1-D blob of `w × h × c` values.

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
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
        Ok(vec![m.reshape(1, n, 1, 1)?])
    }

    crate::impl_as_any!();
}
