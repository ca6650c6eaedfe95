//! int8 inner product: int8 input and weights, int32 dot products,
//! dequantized fp32 output.

use super::quantize::{dequant_multiplier, float2int8};
use crate::{parallel, Activation};

/// Prepared int8 fully connected layer.
#[derive(Clone, Debug)]
pub struct InnerProductI8 {
    pub num_output: usize,
    pub num_input: usize,
    weights: Vec<i8>,
    weight_scales: Vec<f32>,
    bias: Option<Vec<f32>>,
    act: Activation,
}

/// Exact int8 dot product.
#[inline]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    a.iter().zip(b).map(|(&x, &y)| x as i32 * y as i32).sum()
}

impl InnerProductI8 {
    pub fn new(
        weights: &[i8],
        weight_scales: &[f32],
        bias: Option<&[f32]>,
        num_output: usize,
        act: Activation,
    ) -> Result<Self, String> {
        if num_output == 0 || weights.len() % num_output != 0 {
            return Err(format!(
                "{} weights do not divide into {num_output} outputs",
                weights.len()
            ));
        }
        if weight_scales.len() != num_output {
            return Err(format!(
                "{} weight scales for {num_output} outputs",
                weight_scales.len()
            ));
        }
        if bias.is_some_and(|b| b.len() != num_output) {
            return Err(format!("bias length differs from {num_output} outputs"));
        }
        Ok(InnerProductI8 {
            num_output,
            num_input: weights.len() / num_output,
            weights: weights.to_vec(),
            weight_scales: weight_scales.to_vec(),
            bias: bias.map(|b| b.to_vec()),
            act,
        })
    }

    pub fn weight_bytes(&self) -> usize {
        self.weights.len()
            + (self.weight_scales.len() + self.bias.as_ref().map_or(0, |b| b.len())) * 4
    }

    /// Quantizes `x` at `in_scale`, then `out[p] = act(dot · 1/(in_scale·w_scale[p]) + bias[p])`.
    pub fn forward(&self, x: &[f32], in_scale: f32, out: &mut [f32], threads: usize) {
        let xq: Vec<i8> = x.iter().map(|&v| float2int8(v * in_scale)).collect();
        self.forward_i8(&xq, in_scale, out, threads);
    }

    /// Same on an already quantized input.
    pub fn forward_i8(&self, xq: &[i8], in_scale: f32, out: &mut [f32], threads: usize) {
        assert_eq!(xq.len(), self.num_input);
        assert_eq!(out.len(), self.num_output);
        let chunk = self.num_output.div_ceil(threads.max(1) * 4).max(1);
        parallel::for_each_chunk_mut(out, chunk, threads, |ci, o| {
            for (i, v) in o.iter_mut().enumerate() {
                let p = ci * chunk + i;
                let w = &self.weights[p * self.num_input..(p + 1) * self.num_input];
                let s = dot_i8(w, xq) as f32 * dequant_multiplier(in_scale, self.weight_scales[p]);
                *v = self.act.apply(s + self.bias.as_ref().map_or(0.0, |b| b[p]));
            }
        });
    }
}
