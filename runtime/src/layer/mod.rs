//! Layers, one file per ncnn layer type, and the registry that maps the type
//! name in a `.param` to its implementation.
//!
//! Each layer follows ncnn's life cycle: `load_param` reads its `k=v` params,
//! `load_model` reads its weights in ncnn's order, `prepare` packs them for
//! the kernels (ncnn's `create_pipeline`), and `forward` runs it.
//!
//! What the net and the tools need to know about a layer, the layer says
//! itself through `&self` (as ncnn's `support_int8_storage` and friends are
//! layer data): [`Layer::int8_input`], [`Layer::quantized`],
//! [`Layer::max_input_dims`], [`Layer::declared_input`], … No code outside
//! this folder matches on a layer's type name (`tests/layer_names.rs`
//! checks). Adding a layer is one file here, one row in [`REGISTRY`], and
//! its tests.

use crate::error::LayerResult;
use crate::mat::Mat;
use crate::modelbin::{BinWriter, ModelSource};
use crate::option::Options;
use crate::param::ParamDict;

pub mod batchnorm;
pub mod bias;
pub mod binaryop;
pub mod concat;
pub mod convolution;
pub mod convolution1d;
pub mod convolution_depthwise;
pub mod crop;
pub mod deconvolution;
pub mod deconvolution1d;
pub mod deepcopy;
pub mod detection_output;
pub mod elementwise;
pub mod eltwise;
pub mod expanddims;
pub mod flatten;
pub mod flip;
pub mod groupnorm;
pub mod innerproduct;
pub mod input;
pub mod instancenorm;
pub mod interp;
pub mod layernorm;
pub mod lrn;
pub mod memorydata;
pub mod mvn;
pub mod nms;
pub mod padding;
pub mod permute;
pub mod pixelshuffle;
pub mod pooling;
pub mod pooling1d;
pub mod prelu;
pub mod priorbox;
pub mod proposal;
pub mod psroipooling;
pub mod reduction;
pub(crate) mod region;
pub mod reorg;
pub mod reshape;
pub mod rmsnorm;
pub mod roialign;
pub mod roipooling;
pub mod scale;
pub mod shufflechannel;
pub mod slice;
pub mod softmax;
pub mod split;
pub mod squeeze;
pub mod tile;
pub mod unaryop;
pub mod yolo_detection_output;
pub mod yolov3_detection_output;

pub use input::InputShape;

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

/// How a layer treats an int8 blob: the one question the int8 planner, the
/// extractor, calibration and `octet quantize` ask about a layer's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Int8Input {
    /// Computes in fp32: the extractor dequantizes an int8 input first.
    Dequantize,
    /// Moves, selects or clamps values without rescaling them (Split,
    /// Concat, max Pooling, ReLU, …): an int8 input gives int8 outputs at
    /// the same scale, so the planner looks through the layer to the
    /// readers behind it.
    PassThrough,
    /// Reads only the input's shape (PriorBox): the blob may stay int8.
    ShapeOnly,
    /// Computes from int8 at the input's scale: a quantized layer that runs
    /// int8 (see [`Layer::quantized`]).
    Quantized,
}

impl Int8Input {
    /// Whether `forward` takes an int8 input as it is.
    pub fn takes_int8(self) -> bool {
        self != Int8Input::Dequantize
    }
}

/// A layer of the graph.
pub trait Layer: Send + Sync {
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

    /// How the layer treats int8 inputs. Valid before `prepare` (for the
    /// requantization plan: what the layer will do with the scales it has)
    /// and after it (what it does).
    fn int8_input(&self) -> Int8Input {
        Int8Input::Dequantize
    }

    /// Whether ncnn's own int8 runtime takes an int8 blob into this layer
    /// (ncnn2int8's `fuse_requantize` looks through Split and ReLU into int8
    /// convolutions, nothing else). `octet quantize` writes an int8 blob
    /// only where every reader says so, so that ncnn runs what it writes;
    /// Octet itself plans by [`Layer::int8_input`].
    fn ncnn_takes_int8(&self) -> bool {
        false
    }

    /// The most dimensions an input may have (ncnn blobs have 1 to 4).
    /// The extractor refuses larger inputs with a clear error, so a layer
    /// written for 1–3-D blobs never misreads a 4-D one.
    fn max_input_dims(&self) -> usize {
        3
    }

    /// For an Input layer, the shape it declares; `None` for every other layer.
    fn declared_input(&self) -> Option<InputShape> {
        None
    }

    /// Bytes of weights held after `prepare`.
    fn weight_bytes(&self) -> usize {
        0
    }

    /// Multiply-adds ×2 (or element operations) of one forward, from the
    /// input and output shapes (numpy order), for `octet info`.
    fn flops(&self, inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
        inputs
            .first()
            .map_or(0, |s| s.iter().product::<usize>() as u64)
    }

    /// The int8 interface of a layer that can run int8 from scales (a
    /// table's, or its `.bin`'s).
    fn quantized(&self) -> Option<&dyn QuantizedLayer> {
        None
    }

    fn quantized_mut(&mut self) -> Option<&mut dyn QuantizedLayer> {
        None
    }

    /// Output shapes `(w, h, c)` the `.param` declares (`-23330`), before `prepare`.
    fn set_output_shape_hints(&mut self, _shapes: &[(usize, usize, usize)]) {}

    /// A short note on how the layer runs (kernel, precision), for reports.
    fn describe(&self) -> String {
        String::new()
    }
}

/// What one int8 layer writes into an ncnn int8 model (`octet quantize`):
/// params to set on its `.param` line and its `.bin` bytes (written into
/// the writer passed to [`QuantizedLayer::write_int8`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Int8Form {
    /// `(id, value)` params replacing the layer's own (`8=` int8_scale_term).
    pub params: Vec<(i32, i32)>,
}

/// A layer that owns int8 weights and scales: Convolution,
/// ConvolutionDepthWise, InnerProduct (and the matrix layers to come). It
/// reads its int8 form from a `.bin` (in `load_model`), takes scales from a
/// table, shows calibration its weights, and writes its int8 form back.
pub trait QuantizedLayer {
    /// Weight scales a table line gives: one per output channel, or per
    /// group (ConvolutionDepthWise).
    fn weight_scale_count(&self) -> usize;

    /// The fp32 weights as loaded, `weight_scale_count()` equal runs in
    /// ncnn's order. An error when the layer holds int8 weights (calibrate
    /// the fp32 model) or was prepared without `Options::keep_weights`.
    fn fp32_weights(&self) -> LayerResult<&[f32]>;

    /// Sets the scales a calibration table gives (see
    /// [`QuantizedLayer::weight_scale_count`]) and the input blob scale.
    /// Clears any requantization of the output.
    fn set_table_scales(&mut self, weight_scales: &[f32], blob_scale: f32) -> LayerResult<()>;

    /// The weight scales in effect, `weight_scale_count()` of them (empty
    /// without int8 scales).
    fn weight_scales(&self) -> Vec<f32>;

    /// Input blob scale, when the layer has int8 scales.
    fn input_scale(&self) -> Option<f32>;

    /// Whether the layer can write its output as int8 (requantized), so
    /// that int8 readers take it without a float round trip.
    fn can_requantize(&self) -> bool {
        false
    }

    /// Requantize the output to int8 at this scale (`None`: dequantize to
    /// fp32). Ignored unless [`QuantizedLayer::can_requantize`].
    fn set_output_scale(&mut self, _s: Option<f32>) {}

    /// The scale the output is requantized to, if it is.
    fn output_scale(&self) -> Option<f32> {
        None
    }

    /// Whether output channel `p` depends only on weight scale `p`, so a
    /// calibration search may tune the scales channel by channel.
    fn channels_independent(&self) -> bool {
        true
    }

    /// The layer's int8 output alone on `input` (fp32) with these scales:
    /// all output values, or only output channel `channel`'s. Calibration
    /// (EQ) scores candidate scales with it.
    fn probe_int8(
        &self,
        input: &Mat,
        weight_scales: &[f32],
        blob_scale: f32,
        channel: Option<usize>,
    ) -> LayerResult<Vec<f32>>;

    /// For a layer whose int8 kernel needs narrower weights for some scales
    /// (int8 Winograd F(4,3)): `Some(true)` when the weights quantized with
    /// `scales` (127 / absmax) would make the kernel inexact but 6-bit ones
    /// (31 / absmax) keep it exact, `Some(false)` when 8 bits are fine,
    /// `None` when no such kernel runs.
    fn needs_narrow_weights(&self, _scales: &[f32]) -> Option<bool> {
        None
    }

    /// Writes the layer's int8 form in ncnn's layout (the layout
    /// `load_model` reads): int8 weights, bias, weight scales, `input_scale`
    /// and, when `output_scale` is given, the requantization scale. Needs
    /// the fp32 weights ([`QuantizedLayer::fp32_weights`]) and int8 scales.
    fn write_int8(
        &self,
        input_scale: f32,
        output_scale: Option<f32>,
        out: &mut BinWriter,
    ) -> LayerResult<Int8Form>;
}

/// One row of the layer registry: the `.param` type name, a constructor,
/// and a line for the docs.
pub struct LayerType {
    pub name: &'static str,
    pub create: fn() -> Box<dyn Layer>,
    pub summary: &'static str,
}

macro_rules! row {
    ($name:literal, $summary:literal, $make:expr) => {
        LayerType {
            name: $name,
            create: || Box::new($make),
            summary: $summary,
        }
    };
}

/// Every layer type Octet implements, sorted by name. The list of supported
/// types, the error for an unknown one, `octet info --layers` and the
/// README's layer table all come from here.
pub static REGISTRY: &[LayerType] = {
    use elementwise::{Activation, ActivationKind as A};
    &[
        row!("AbsVal", "absolute value", Activation::new(A::AbsVal)),
        row!("BNLL", "log(1 + e^x)", Activation::new(A::Bnll)),
        row!(
            "BatchNorm",
            "per-channel (x − mean) / √(var + eps) · slope + bias",
            batchnorm::BatchNorm::default()
        ),
        row!("Bias", "per-channel x + bias", bias::Bias::default()),
        row!(
            "BinaryOp",
            "element-wise +, −, ×, ÷, max, min, pow, … with broadcasting",
            binaryop::BinaryOp::default()
        ),
        row!(
            "CELU",
            "x, or α(e^(x/α) − 1) below 0",
            Activation::new(A::Celu)
        ),
        row!("Clip", "clamp to [min, max]", Activation::new(A::Clip)),
        row!(
            "Concat",
            "join along an axis (int8 kept when scales agree)",
            concat::Concat::default()
        ),
        row!(
            "Convolution",
            "2-D convolution, fp32 and int8 (GEMM, Winograd F(2,3)/F(4,3)/F(6,3))",
            convolution::Convolution::default()
        ),
        row!(
            "Convolution1D",
            "1-D convolution of a (channels, length) blob, fp32 (im2col + GEMM)",
            convolution1d::Convolution1D::default()
        ),
        row!(
            "ConvolutionDepthWise",
            "grouped / depthwise 2-D convolution, fp32 and int8",
            convolution_depthwise::ConvolutionDepthWise::default()
        ),
        row!(
            "ConvolutionDepthWise1D",
            "grouped / depthwise 1-D convolution, fp32",
            convolution1d::ConvolutionDepthWise1D::default()
        ),
        row!(
            "Crop",
            "a box of the input (offsets and sizes, numpy slices, or a reference blob)",
            crop::Crop::default()
        ),
        row!(
            "Deconvolution",
            "2-D transposed convolution, fp32 (GEMM + col2im)",
            deconvolution::Deconvolution::default()
        ),
        row!(
            "Deconvolution1D",
            "1-D transposed convolution, fp32 (GEMM + col2im)",
            deconvolution1d::Deconvolution1D::default()
        ),
        row!(
            "DeconvolutionDepthWise",
            "grouped / depthwise 2-D transposed convolution, fp32",
            deconvolution::DeconvolutionDepthWise::default()
        ),
        row!(
            "DeconvolutionDepthWise1D",
            "grouped / depthwise 1-D transposed convolution, fp32",
            deconvolution1d::DeconvolutionDepthWise1D::default()
        ),
        row!(
            "DeepCopy",
            "a copy of the input in its own buffer",
            deepcopy::DeepCopy
        ),
        row!(
            "DetectionOutput",
            "SSD box decoding and NMS",
            detection_output::DetectionOutput::default()
        ),
        row!(
            "Dropout",
            "x · scale (inference)",
            Activation::new(A::Dropout)
        ),
        row!("ELU", "x, or α(e^x − 1) below 0", Activation::new(A::Elu)),
        row!(
            "Eltwise",
            "element-wise product, sum (with coefficients) or max of inputs",
            eltwise::Eltwise::default()
        ),
        row!("Erf", "the error function", Activation::new(A::Erf)),
        row!("Exp", "base^(shift + scale · x)", Activation::new(A::Exp)),
        row!(
            "ExpandDims",
            "inserts size-1 axes",
            expanddims::ExpandDims::default()
        ),
        row!("Flatten", "to a 1-D blob", flatten::Flatten),
        row!("Flip", "reverses the listed axes", flip::Flip::default()),
        row!("GELU", "x·Φ(x), erf or tanh form", Activation::new(A::Gelu)),
        row!(
            "GroupNorm",
            "normalise groups of channels, per-channel γ and β",
            groupnorm::GroupNorm::default()
        ),
        row!(
            "HardSigmoid",
            "clamp(αx + β, 0, 1)",
            Activation::new(A::HardSigmoid)
        ),
        row!(
            "HardSwish",
            "x · clamp(αx + β, 0, 1)",
            Activation::new(A::HardSwish)
        ),
        row!(
            "InnerProduct",
            "fully connected, fp32 and int8",
            innerproduct::InnerProduct::default()
        ),
        row!("Input", "declares a network input", input::Input::default()),
        row!(
            "InstanceNorm",
            "normalise each channel, per-channel γ and β",
            instancenorm::InstanceNorm::default()
        ),
        row!(
            "Interp",
            "nearest / bilinear / bicubic resize (scales, sizes or a reference blob)",
            interp::Interp::default()
        ),
        row!("LRN", "local response normalization", lrn::Lrn::default()),
        row!(
            "LayerNorm",
            "normalise over the last axes, γ and β",
            layernorm::LayerNorm::default()
        ),
        row!(
            "Log",
            "log_base(shift + scale · x)",
            Activation::new(A::Log)
        ),
        row!(
            "MVN",
            "subtract the mean, optionally divide by the RMS (per channel or across)",
            mvn::Mvn::default()
        ),
        row!(
            "MemoryData",
            "a constant blob from the .bin",
            memorydata::MemoryData::default()
        ),
        row!("Mish", "x · tanh(softplus(x))", Activation::new(A::Mish)),
        row!("Noop", "passes its inputs on", split::Noop),
        row!(
            "PReLU",
            "x, or x · slope below 0 (per channel or shared)",
            prelu::PReLU::default()
        ),
        row!(
            "PSROIPooling",
            "position-sensitive ROI average pooling (R-FCN)",
            psroipooling::PSROIPooling::default()
        ),
        row!(
            "Padding",
            "constant, replicate or reflect border",
            padding::Padding::default()
        ),
        row!(
            "Permute",
            "reorders the axes of a 2-D to 4-D blob",
            permute::Permute::default()
        ),
        row!(
            "PixelShuffle",
            "depth to space (both channel orders)",
            pixelshuffle::PixelShuffle::default()
        ),
        row!(
            "Pooling",
            "max / average pooling, global, adaptive, fp32 and int8 (max)",
            pooling::Pooling::default()
        ),
        row!(
            "Pooling1D",
            "max / average pooling of a (channels, length) blob, global, adaptive",
            pooling1d::Pooling1D::default()
        ),
        row!(
            "Power",
            "(shift + scale · x)^power",
            Activation::new(A::Power)
        ),
        row!("PriorBox", "SSD prior boxes", priorbox::PriorBox::default()),
        row!(
            "Proposal",
            "Faster R-CNN region proposals (anchors, decoding, NMS)",
            proposal::Proposal::default()
        ),
        row!(
            "RMSNorm",
            "x / √(mean(x²) + ε) over the last axes, γ",
            rmsnorm::RmsNorm::default()
        ),
        row!(
            "ROIAlign",
            "bilinear ROI pooling (ncnn's original and detectron2's)",
            roialign::ROIAlign::default()
        ),
        row!(
            "ROIPooling",
            "max pooling of a region of interest (Fast R-CNN)",
            roipooling::ROIPooling::default()
        ),
        row!(
            "ReLU",
            "max(x, 0) or leaky (int8 kept)",
            Activation::new(A::Relu)
        ),
        row!(
            "Reduction",
            "sum, mean, max, min, prod, L1/L2, log-sum(-exp) over axes",
            reduction::Reduction::default()
        ),
        row!(
            "Reorg",
            "space to depth (YOLOv2 passthrough)",
            reorg::Reorg::default()
        ),
        row!(
            "Reshape",
            "another shape of the same values, 1-D to 4-D",
            reshape::Reshape::default()
        ),
        row!(
            "SELU",
            "λx, or λα(e^x − 1) below 0",
            Activation::new(A::Selu)
        ),
        row!(
            "Scale",
            "per-channel x · scale + bias",
            scale::Scale::default()
        ),
        row!(
            "Shrink",
            "x ∓ bias beyond ±λ, else 0",
            Activation::new(A::Shrink)
        ),
        row!(
            "ShuffleChannel",
            "channel shuffle of ShuffleNet (int8 kept)",
            shufflechannel::ShuffleChannel::default()
        ),
        row!("Sigmoid", "1 / (1 + e^−x)", Activation::new(A::Sigmoid)),
        row!(
            "Slice",
            "cuts a blob into parts along an axis (int8 kept)",
            slice::Slice::default()
        ),
        row!(
            "Softmax",
            "softmax along an axis",
            softmax::Softmax::default()
        ),
        row!("Softplus", "log(1 + e^x)", Activation::new(A::Softplus)),
        row!(
            "Split",
            "one blob to several readers, no copy",
            split::Split
        ),
        row!("Squeeze", "drops size-1 axes", squeeze::Squeeze::default()),
        row!("Swish", "x · sigmoid(x)", Activation::new(A::Swish)),
        row!("TanH", "tanh(x)", Activation::new(A::TanH)),
        row!(
            "Threshold",
            "1 above the threshold, else 0",
            Activation::new(A::Threshold)
        ),
        row!("Tile", "repeats the blob along axes", tile::Tile::default()),
        row!(
            "UnaryOp",
            "element-wise abs, neg, floor, sqrt, exp, log, trig, round, sign, …",
            unaryop::UnaryOp::default()
        ),
        row!(
            "YoloDetectionOutput",
            "YOLOv2 region decoding (softmax classes) and NMS",
            yolo_detection_output::YoloDetectionOutput::default()
        ),
        row!(
            "Yolov3DetectionOutput",
            "YOLOv3/v4 box decoding over several maps and NMS",
            yolov3_detection_output::Yolov3DetectionOutput::default()
        ),
    ]
};

/// Creates the layer for a `.param` type name, or `None` if Octet lacks it.
pub fn create_layer(kind: &str) -> Option<Box<dyn Layer>> {
    REGISTRY
        .iter()
        .find(|t| t.name == kind)
        .map(|t| (t.create)())
}

/// The names of every layer type Octet implements, sorted.
pub fn layer_type_names() -> impl Iterator<Item = &'static str> {
    REGISTRY.iter().map(|t| t.name)
}

/// The types whose layers have an int8 form ([`Layer::quantized`]).
pub fn quantizable_type_names() -> Vec<&'static str> {
    REGISTRY
        .iter()
        .filter(|t| (t.create)().quantized().is_some())
        .map(|t| t.name)
        .collect()
}

/// The error text for a type Octet does not implement.
pub fn unknown_type_message(kind: &str) -> String {
    format!(
        "unknown layer type `{kind}` (Octet supports: {})",
        layer_type_names().collect::<Vec<_>>().join(", ")
    )
}

/// The registry as a Markdown table (`octet info --layers`, the README).
pub fn registry_markdown() -> String {
    let mut s = String::from("| layer | what it computes |\n|---|---|\n");
    for t in REGISTRY {
        s.push_str(&format!("| `{}` | {} |\n", t.name, t.summary));
    }
    s
}

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
    fn registry_is_sorted_unique_and_constructs() {
        let names: Vec<&str> = super::layer_type_names().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "REGISTRY rows must be sorted and unique");
        for t in super::REGISTRY {
            let l = (t.create)();
            // Only Input declares a network input.
            assert_eq!(
                l.declared_input().is_some(),
                t.name == "Input",
                "{}",
                t.name
            );
        }
        assert!(super::create_layer("Nope").is_none());
        assert!(super::unknown_type_message("Nope").contains("Convolution"));
    }
}
