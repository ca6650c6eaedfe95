//! ConvolutionDepthWise: a grouped convolution (`7=group`); depthwise when
//! groups equal channels. Shares its core with [`super::convolution`].

use crate::error::LayerResult;
use crate::layer::convolution::{ConvCore, ConvParams};
use crate::layer::{ForwardContext, Layer, Quantizable};
use crate::mat::Mat;
use crate::modelbin::ModelSource;
use crate::option::Options;
use crate::param::ParamDict;

/// ncnn `ConvolutionDepthWise`.
#[derive(Default)]
pub struct ConvolutionDepthWise {
    pub core: ConvCore,
}

impl Layer for ConvolutionDepthWise {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.core.p = ConvParams::load(pd, true)?;
        Ok(())
    }
    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        self.core.load_model(mb)
    }
    fn prepare(&mut self, opt: &Options) -> LayerResult<()> {
        self.core.prepare(opt)
    }
    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        self.core.forward(inputs, ctx)
    }
    fn weight_bytes(&self) -> usize {
        self.core.weight_bytes()
    }
    fn set_output_shape_hints(&mut self, shapes: &[(usize, usize, usize)]) {
        self.core.out_size_hint = shapes.first().map(|&(w, h, _)| (w, h));
    }
    fn accepts_int8(&self) -> bool {
        self.core.runs_int8()
    }
    fn quantizable(&mut self) -> Option<&mut dyn Quantizable> {
        Some(&mut self.core)
    }
    fn describe(&self) -> String {
        self.core.describe()
    }
    crate::impl_as_any!();
}
