//! Naive references for every layer type Octet registers, written from
//! ncnn's definitions (`docs/developer-guide/operators.md` and the plain C++
//! layers in `src/layer/*.cpp`), not from Octet's code: plain index
//! arithmetic over (c, d, h, w), `f64` accumulation where ncnn accumulates,
//! and weights read by the reference itself, in ncnn's order, from the same
//! `.bin` bytes Octet loads.
//!
//! Tensors are dense, in numpy order: `[w]`, `[h, w]`, `[c, h, w]` or
//! `[c, d, h, w]`; an empty result (DetectionOutput with no detection) is
//! shape `[0]`.
#![allow(dead_code)]

pub mod activation;
pub mod binary;
pub mod conv;
pub mod dense;
pub mod math;
pub mod movement;
pub mod norm;
pub mod pool;
pub mod shape;
pub mod ssd;

use std::collections::HashMap;

/// A dense tensor in numpy order.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Tensor {
    pub fn new(shape: &[usize], data: Vec<f32>) -> Tensor {
        assert!((1..=4).contains(&shape.len()), "shape {shape:?}");
        assert_eq!(
            shape.iter().product::<usize>(),
            data.len(),
            "shape {shape:?} vs {} values",
            data.len()
        );
        Tensor {
            shape: shape.to_vec(),
            data,
        }
    }

    pub fn zeros(shape: &[usize]) -> Tensor {
        Tensor::new(shape, vec![0.0; shape.iter().product()])
    }

    /// No values (ncnn's empty Mat).
    pub fn empty() -> Tensor {
        Tensor {
            shape: vec![0],
            data: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn dims(&self) -> usize {
        self.shape.len()
    }

    /// ncnn's `(w, h, d, c)`, 1 for the axes a lower-rank blob lacks.
    pub fn whdc(&self) -> (usize, usize, usize, usize) {
        match *self.shape.as_slice() {
            [w] => (w, 1, 1, 1),
            [h, w] => (w, h, 1, 1),
            [c, h, w] => (w, h, 1, c),
            [c, d, h, w] => (w, h, d, c),
            _ => unreachable!("shape {:?}", self.shape),
        }
    }

    /// Element (c, d, h, w) in ncnn's axes.
    pub fn at(&self, c: usize, d: usize, h: usize, w: usize) -> f32 {
        let (ww, hh, dd, _) = self.whdc();
        self.data[((c * dd + d) * hh + h) * ww + w]
    }

    /// The same values under another shape.
    pub fn reshaped(&self, shape: &[usize]) -> Tensor {
        Tensor::new(shape, self.data.clone())
    }

    pub fn map(&self, f: impl Fn(f32) -> f32) -> Tensor {
        Tensor::new(&self.shape, self.data.iter().map(|&v| f(v)).collect())
    }
}

/// A layer's `k=v` params as ncnn's `ParamDict` reads them from a `.param`
/// line: scalars by id, arrays as `-23300-id=n,v1,…,vn`.
#[derive(Clone, Debug, Default)]
pub struct Params {
    raw: HashMap<i32, String>,
}

impl Params {
    pub fn parse(text: &str) -> Params {
        let mut raw = HashMap::new();
        for tok in text.split_whitespace() {
            let (k, v) = tok.split_once('=').unwrap_or_else(|| panic!("param {tok}"));
            raw.insert(k.parse().unwrap_or_else(|_| panic!("id {k}")), v.into());
        }
        Params { raw }
    }

    pub fn has(&self, id: i32) -> bool {
        self.raw.contains_key(&id)
    }

    pub fn int(&self, id: i32, default: i32) -> i32 {
        self.raw.get(&id).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{id}={v} is not an int"))
        })
    }

    pub fn float(&self, id: i32, default: f32) -> f32 {
        self.raw.get(&id).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{id}={v} is not a float"))
        })
    }

    /// The array param `id` (stored under `-23300 - id`), empty when absent.
    pub fn floats(&self, id: i32) -> Vec<f32> {
        let Some(v) = self.raw.get(&(-23300 - id)) else {
            return Vec::new();
        };
        let mut it = v.split(',');
        let n: usize = it.next().unwrap().parse().unwrap();
        let vals: Vec<f32> = it.map(|s| s.parse().unwrap()).collect();
        assert_eq!(vals.len(), n, "array param {id}: {v}");
        vals
    }
}

/// ncnn's `.bin` as a layer reads it (`src/modelbin.cpp`): `load(n, 0)` is a
/// 4-byte tag (0 for plain fp32, the only kind synthetic weights use) then
/// the values; `load(n, 1)` is `n` plain fp32 values.
pub struct Bin<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Bin<'a> {
    pub fn new(bytes: &'a [u8]) -> Bin<'a> {
        Bin { bytes, pos: 0 }
    }

    /// `mb.load(n, 0)`.
    pub fn tagged(&mut self, n: usize) -> Vec<f32> {
        let tag = self.raw_u32();
        assert_eq!(tag, 0, "weight tag {tag:#x} at byte {}", self.pos - 4);
        self.raw(n)
    }

    /// `mb.load(n, 1)`.
    pub fn raw(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| f32::from_bits(self.raw_u32())).collect()
    }

    fn raw_u32(&mut self) -> u32 {
        let b = self
            .bytes
            .get(self.pos..self.pos + 4)
            .unwrap_or_else(|| panic!(".bin ends at byte {}", self.bytes.len()));
        self.pos += 4;
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Bytes no read has taken (must be 0 once the layer loaded its weights).
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }
}

/// The scales of an int8 run (a calibration table's): one weight scale per
/// output channel (per group for ConvolutionDepthWise) and the input blob's.
#[derive(Clone, Debug)]
pub struct Int8Scales {
    pub weight: Vec<f32>,
    pub blob: f32,
}

/// ncnn's `float2int8`: round half away from zero, clamp to [-127, 127].
pub fn float2int8(v: f32) -> i32 {
    (v.round() as i32).clamp(-127, 127)
}

/// Runs the naive layer `kind` (its `.param` params, its inputs, its
/// weights) and returns its `num_outputs` outputs. `int8` switches
/// Convolution, ConvolutionDepthWise and InnerProduct to ncnn's int8 path.
pub fn forward(
    kind: &str,
    p: &Params,
    inputs: &[Tensor],
    bin: &mut Bin,
    int8: Option<&Int8Scales>,
    num_outputs: usize,
) -> Vec<Tensor> {
    let one = |t: Tensor| vec![t];
    match kind {
        "AbsVal" | "Clip" | "Dropout" | "Exp" | "HardSigmoid" | "HardSwish" | "Mish" | "ReLU"
        | "Sigmoid" | "Swish" | "TanH" => one(activation::unary(kind, p, &inputs[0])),
        "BatchNorm" => one(norm::batchnorm(p, &inputs[0], bin)),
        "BinaryOp" => one(binary::binaryop(p, inputs)),
        "Concat" => one(shape::concat(p, inputs)),
        "Crop" => one(movement::crop(p, inputs)),
        "Convolution" => one(conv::convolution(p, &inputs[0], bin, int8, false)),
        "ConvolutionDepthWise" => one(conv::convolution(p, &inputs[0], bin, int8, true)),
        "DetectionOutput" => one(ssd::detection_output(p, inputs)),
        "DeepCopy" => one(inputs[0].clone()),
        "Eltwise" => one(binary::eltwise(p, inputs)),
        "ExpandDims" => one(movement::expanddims(p, &inputs[0])),
        "Flatten" => one(shape::flatten(&inputs[0])),
        "Flip" => one(movement::flip(p, &inputs[0])),
        "InnerProduct" => one(dense::inner_product(p, &inputs[0], bin, int8)),
        "Interp" => one(movement::interp(p, inputs)),
        "Input" => inputs.to_vec(),
        "Noop" => inputs[..num_outputs].to_vec(),
        "LRN" => one(norm::lrn(p, &inputs[0])),
        "LayerNorm" => one(norm::layernorm(p, &inputs[0], bin, false)),
        "RMSNorm" => one(norm::layernorm(p, &inputs[0], bin, true)),
        "GroupNorm" => one(norm::groupnorm(p, &inputs[0], bin)),
        "InstanceNorm" => one(norm::instancenorm(p, &inputs[0], bin)),
        "MemoryData" => one(movement::memorydata(p, bin)),
        "Reduction" => one(math::reduction(p, &inputs[0])),
        "UnaryOp" => one(math::unaryop(p, &inputs[0])),
        "Padding" => one(shape::padding(p, &inputs[0], bin)),
        "Permute" => one(shape::permute(p, &inputs[0])),
        "PixelShuffle" => one(movement::pixelshuffle(p, &inputs[0])),
        "Pooling" => one(pool::pooling(p, &inputs[0])),
        "PriorBox" => one(ssd::priorbox(p, inputs)),
        "Reorg" => one(movement::reorg(p, &inputs[0])),
        "Reshape" => one(shape::reshape(p, &inputs[0])),
        "Scale" => one(norm::scale(p, inputs, bin)),
        "ShuffleChannel" => one(movement::shufflechannel(p, &inputs[0])),
        "Slice" => movement::slice(p, &inputs[0], num_outputs),
        "Softmax" => one(norm::softmax(p, &inputs[0])),
        "Split" => vec![inputs[0].clone(); num_outputs],
        "Squeeze" => one(movement::squeeze(p, &inputs[0])),
        "Tile" => one(movement::tile(p, &inputs[0])),
        other => panic!("no naive reference for layer type {other}"),
    }
}
