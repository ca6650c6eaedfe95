//! Layers, one file per ncnn layer type, and the registry that maps the type
//! name in a `.param` to its implementation.
//!
//! Each layer follows ncnn's life cycle: `load_param` reads its `k=v` params,
//! `load_model` reads its weights in ncnn's order, `prepare` packs them for
//! the kernels (ncnn's `create_pipeline`), and `forward` runs it.

use std::any::Any;

use crate::error::LayerResult;
use crate::mat::Mat;
use crate::modelbin::ModelSource;
use crate::option::Options;
use crate::param::ParamDict;

pub mod batchnorm;
pub mod binaryop;
pub mod concat;
pub mod convolution;
pub mod convolution_depthwise;
pub mod detection_output;
pub mod elementwise;
pub mod eltwise;
pub mod flatten;
pub mod innerproduct;
pub mod input;
pub mod lrn;
pub mod padding;
pub mod permute;
pub mod pooling;
pub mod priorbox;
pub mod reshape;
pub mod scale;
pub mod softmax;
pub mod split;

/// What a layer sees while it runs.
pub struct ForwardContext<'a> {
    pub opt: &'a Options,
    /// Number of outputs the `.param` declares for this layer.
    pub num_outputs: usize,
}

impl ForwardContext<'_> {
    pub fn threads(&self) -> usize {
        self.opt.num_threads.max(1)
    }
}

/// A layer of the graph.
pub trait Layer: Send + Sync + Any {
    /// Reads the layer's `k=v` params.
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()>;

    /// Reads the layer's weights, in ncnn's order.
    fn load_model(&mut self, _mb: &mut dyn ModelSource) -> LayerResult<()> {
        Ok(())
    }

    /// Packs weights for the kernels once the options (and int8 plan) are known.
    fn prepare(&mut self, _opt: &Options) -> LayerResult<()> {
        Ok(())
    }

    /// Runs the layer. Inputs are given by value: a layer holding the only
    /// reference to an input buffer may reuse it for its output.
    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>>;

    /// Whether `forward` takes int8 inputs as they are. The net dequantizes
    /// int8 inputs of layers that do not.
    fn accepts_int8(&self) -> bool {
        false
    }

    /// Whether the layer would take int8 inputs if a producer wrote int8
    /// (decided before `prepare`, for requantization planning).
    fn accepts_int8_when_fed(&self) -> bool {
        false
    }

    /// Bytes of weights held after `prepare`.
    fn weight_bytes(&self) -> usize {
        0
    }

    /// The int8 interface of layers that can run int8 (Convolution,
    /// ConvolutionDepthWise, InnerProduct).
    fn quantizable(&mut self) -> Option<&mut dyn Quantizable> {
        None
    }

    /// Output shapes `(w, h, c)` the `.param` declares (`-23330`), before `prepare`.
    fn set_output_shape_hints(&mut self, _shapes: &[(usize, usize, usize)]) {}

    /// A short note on how the layer runs (kernel, precision), for reports.
    fn describe(&self) -> String {
        String::new()
    }

    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// A layer that runs int8 when given scales (from its `.bin` or a table).
pub trait Quantizable {
    /// Sets the scales a calibration table gives: weight scales (one per
    /// output channel, or per group for ConvolutionDepthWise) and the input
    /// blob scale. Clears any requantization of the output.
    fn set_table_scales(&mut self, weight_scales: &[f32], blob_scale: f32) -> LayerResult<()>;
    /// Input blob scale, when the layer has int8 scales.
    fn input_scale(&self) -> Option<f32>;
    /// Requantize the output to int8 at this scale (`None`: dequantize to fp32).
    fn set_output_scale(&mut self, s: Option<f32>);
    /// The scale the output is requantized to, if it is.
    fn output_scale(&self) -> Option<f32>;
    /// Whether the layer can take an int8 blob as its input (and so can be
    /// fed by a requantizing producer).
    fn takes_int8_input(&self) -> bool;
}

/// Implements the `as_any` boilerplate of [`Layer`].
#[macro_export]
#[doc(hidden)]
macro_rules! impl_as_any {
    () => {
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
        fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
            self
        }
    };
}

/// Creates the layer for a `.param` type name, or `None` if Octet lacks it.
pub fn create_layer(kind: &str) -> Option<Box<dyn Layer>> {
    use elementwise::{Activation, ActivationKind};
    Some(match kind {
        "Input" => Box::new(input::Input::default()),
        "Convolution" => Box::new(convolution::Convolution::default()),
        "ConvolutionDepthWise" => Box::new(convolution_depthwise::ConvolutionDepthWise::default()),
        "InnerProduct" => Box::new(innerproduct::InnerProduct::default()),
        "Pooling" => Box::new(pooling::Pooling::default()),
        "Split" => Box::new(split::Split),
        "Concat" => Box::new(concat::Concat::default()),
        "Softmax" => Box::new(softmax::Softmax::default()),
        "LRN" => Box::new(lrn::Lrn::default()),
        "Eltwise" => Box::new(eltwise::Eltwise::default()),
        "BinaryOp" => Box::new(binaryop::BinaryOp::default()),
        "BatchNorm" => Box::new(batchnorm::BatchNorm::default()),
        "Scale" => Box::new(scale::Scale::default()),
        "Flatten" => Box::new(flatten::Flatten),
        "Reshape" => Box::new(reshape::Reshape::default()),
        "Permute" => Box::new(permute::Permute::default()),
        "PriorBox" => Box::new(priorbox::PriorBox::default()),
        "DetectionOutput" => Box::new(detection_output::DetectionOutput::default()),
        "Padding" => Box::new(padding::Padding::default()),
        "ReLU" => Box::new(Activation::new(ActivationKind::Relu)),
        "Clip" => Box::new(Activation::new(ActivationKind::Clip)),
        "Sigmoid" => Box::new(Activation::new(ActivationKind::Sigmoid)),
        "TanH" => Box::new(Activation::new(ActivationKind::TanH)),
        "HardSwish" => Box::new(Activation::new(ActivationKind::HardSwish)),
        "HardSigmoid" => Box::new(Activation::new(ActivationKind::HardSigmoid)),
        "Swish" => Box::new(Activation::new(ActivationKind::Swish)),
        "Mish" => Box::new(Activation::new(ActivationKind::Mish)),
        "AbsVal" => Box::new(Activation::new(ActivationKind::AbsVal)),
        "Exp" => Box::new(Activation::new(ActivationKind::Exp)),
        "Dropout" => Box::new(Activation::new(ActivationKind::Dropout)),
        "Noop" => Box::new(split::Noop),
        _ => return None,
    })
}

/// The layer types Octet implements.
pub const LAYER_TYPES: &[&str] = &[
    "AbsVal",
    "BatchNorm",
    "BinaryOp",
    "Clip",
    "Concat",
    "Convolution",
    "ConvolutionDepthWise",
    "DetectionOutput",
    "Dropout",
    "Eltwise",
    "Exp",
    "Flatten",
    "HardSigmoid",
    "HardSwish",
    "InnerProduct",
    "Input",
    "LRN",
    "Mish",
    "Noop",
    "Padding",
    "Permute",
    "Pooling",
    "PriorBox",
    "ReLU",
    "Reshape",
    "Scale",
    "Sigmoid",
    "Softmax",
    "Split",
    "Swish",
    "TanH",
];

/// Takes the single input of a one-input layer.
pub(crate) fn single(inputs: Vec<Mat>) -> LayerResult<Mat> {
    let n = inputs.len();
    let mut it = inputs.into_iter();
    match (it.next(), it.next()) {
        (Some(m), None) => Ok(m),
        _ => Err(format!("expects 1 input, got {n}").into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_listed_type_is_registered() {
        for t in super::LAYER_TYPES {
            assert!(super::create_layer(t).is_some(), "{t}");
        }
        assert!(super::create_layer("Nope").is_none());
    }
}
