//! ConvolutionDepthWise: a grouped convolution (`7=group`); depthwise when
//! groups equal channels. Shares its core with [`super::convolution`].

use crate::layer::convolution::{conv_layer, ConvCore};

/// ncnn `ConvolutionDepthWise`.
#[derive(Default)]
pub struct ConvolutionDepthWise {
    core: ConvCore,
}

conv_layer!(ConvolutionDepthWise, true);
