//! fp32 inner product (the fully connected layer): GEMV for one input
//! vector, packed GEMM for a batch of rows.

use super::kernels::Fp32Kernels;
use super::sgemm::{self, BSource, PackedA};
use crate::{parallel, Activation};

/// Prepared fully connected layer: `out[p] = act(bias[p] + Σ w[p][i] x[i])`.
#[derive(Clone, Debug)]
pub struct InnerProductF32 {
    pub num_output: usize,
    pub num_input: usize,
    /// Row-major `num_output × num_input` (GEMV streams it once per call).
    weights: Vec<f32>,
    bias: Option<Vec<f32>>,
    act: Activation,
    kern: &'static Fp32Kernels,
}

/// Dot product with independent partial sums so the compiler can vectorise it.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    crate::generic::fp32::dot::<false>(a, b)
}

impl InnerProductF32 {
    pub fn new(
        weights: &[f32],
        bias: Option<&[f32]>,
        num_output: usize,
        act: Activation,
    ) -> Result<Self, String> {
        Self::with_kernels(weights, bias, num_output, act, crate::ops().fp32())
    }

    /// [`Self::new`] with an explicit kernel set.
    pub fn with_kernels(
        weights: &[f32],
        bias: Option<&[f32]>,
        num_output: usize,
        act: Activation,
        kern: &'static Fp32Kernels,
    ) -> Result<Self, String> {
        if num_output == 0 || weights.is_empty() || weights.len() % num_output != 0 {
            return Err(format!(
                "{} weights do not divide into {num_output} outputs",
                weights.len()
            ));
        }
        if let Some(b) = bias {
            if b.len() != num_output {
                return Err(format!(
                    "bias has {} values, expected {num_output}",
                    b.len()
                ));
            }
        }
        Ok(InnerProductF32 {
            num_output,
            num_input: weights.len() / num_output,
            weights: weights.to_vec(),
            bias: bias.map(|b| b.to_vec()),
            act,
            kern,
        })
    }

    pub fn weight_bytes(&self) -> usize {
        (self.weights.len() + self.bias.as_ref().map_or(0, |b| b.len())) * 4
    }

    /// `x` must hold `num_input` values; writes `num_output` values.
    pub fn forward(&self, x: &[f32], out: &mut [f32], threads: usize) {
        assert_eq!(x.len(), self.num_input);
        assert_eq!(out.len(), self.num_output);
        let n = self.num_input;
        // Chunks of 16 outputs (a few KB of weights each), several per thread.
        let chunk = if threads <= 1 {
            self.num_output
        } else {
            self.num_output.div_ceil(threads * 4).max(16)
        };
        parallel::for_each_chunk_mut(out, chunk, threads, |ci, o| {
            let r0 = ci * chunk;
            let w = &self.weights[r0 * n..(r0 + o.len()) * n];
            let b = self.bias.as_deref().map(|b| &b[r0..r0 + o.len()]);
            // SAFETY: the kernel set was chosen for this CPU; slices are checked by gemv.
            unsafe { (self.kern.gemv)(w, x, b, o) };
            self.act.apply_slice(o);
        });
    }

    /// `rows` inputs of `num_input` values (row-major) to `rows` outputs of
    /// `num_output` values: one GEMM instead of `rows` GEMVs.
    pub fn forward_rows(&self, x: &[f32], rows: usize, out: &mut [f32], threads: usize) {
        assert_eq!(x.len(), rows * self.num_input);
        assert_eq!(out.len(), rows * self.num_output);
        if rows == 1 {
            return self.forward(x, out, threads);
        }
        let (m, k) = (self.num_output, self.num_input);
        // C' = W · Xᵀ (num_output × rows), bias per row, then transposed into `out`.
        let a = PackedA::pack(&self.weights, m, k, k, self.kern);
        let bias = a.pad_bias(self.bias.as_deref());
        let b = BSource::Transposed { data: x, ld: k };
        let mut ct = vec![0f32; m * rows];
        sgemm::sgemm(
            self.kern, &a, &b, rows, &mut ct, rows, &bias, self.act, threads,
        );
        for (r, o) in out.chunks_exact_mut(m).enumerate() {
            for (p, v) in o.iter_mut().enumerate() {
                *v = ct[p * rows + r];
            }
        }
    }
}
