//! fp32 inner product (GEMV per output), the fully connected layer.

use crate::parallel;
use crate::Activation;

/// Prepared fully connected layer: `out[p] = act(bias[p] + Σ w[p][i] x[i])`.
#[derive(Clone, Debug)]
pub struct InnerProductF32 {
    pub num_output: usize,
    pub num_input: usize,
    weights: Vec<f32>,
    bias: Option<Vec<f32>>,
    act: Activation,
}

/// Dot product with independent partial sums so the compiler can vectorise it.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    const L: usize = 16;
    let n = a.len().min(b.len());
    let mut acc = [0f32; L];
    let chunks = n / L;
    for c in 0..chunks {
        let x = &a[c * L..c * L + L];
        let y = &b[c * L..c * L + L];
        for i in 0..L {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = 0f32;
    for i in chunks * L..n {
        s += a[i] * b[i];
    }
    let mut t = [0f32; 4];
    for i in 0..4 {
        t[i] = (acc[i] + acc[i + 4]) + (acc[i + 8] + acc[i + 12]);
    }
    s + (t[0] + t[2]) + (t[1] + t[3])
}

impl InnerProductF32 {
    pub fn new(
        weights: &[f32],
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
        })
    }

    pub fn weight_bytes(&self) -> usize {
        (self.weights.len() + self.bias.as_ref().map_or(0, |b| b.len())) * 4
    }

    /// `x` must hold `num_input` values; writes `num_output` values.
    pub fn forward(&self, x: &[f32], out: &mut [f32], threads: usize) {
        assert_eq!(x.len(), self.num_input);
        assert_eq!(out.len(), self.num_output);
        let chunk = self.num_output.div_ceil(threads.max(1) * 4).max(1);
        parallel::for_each_chunk_mut(out, chunk, threads, |ci, o| {
            for (i, v) in o.iter_mut().enumerate() {
                let p = ci * chunk + i;
                let w = &self.weights[p * self.num_input..(p + 1) * self.num_input];
                let s = dot(w, x) + self.bias.as_ref().map_or(0.0, |b| b[p]);
                *v = self.act.apply(s);
            }
        });
    }
}
