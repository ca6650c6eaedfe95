//! int8 inner product: int8 input and weights, int32 dot products,
//! dequantized fp32 output. Weights stay row-major; where the kernel object
//! has a 4-row kernel (NEON: `crate::arm32::int8::innerproduct`,
//! `crate::arm64::int8::innerproduct`) it computes 4 rows × 16 inputs per
//! step, its `dot_rows` (portable, or AVX2) the rest.

use super::kernels::Int8Kernels;
use super::quantize::{dequant_multiplier, quantize_with};
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
    kern: &'static Int8Kernels,
}

/// Exact int8 dot product (wrapping past int32, like the NEON kernels).
#[inline(always)]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .fold(0i32, |s, (&x, &y)| s.wrapping_add(x as i32 * y as i32))
}

/// `out[r] = dot_i8(w[r·n..(r+1)·n], x)` for every row, with `kern`'s
/// 4-row kernel on groups of 4 rows × multiples of 16 inputs where it has
/// one, its `dot_rows` for the rest.
pub fn dot_rows(kern: &Int8Kernels, w: &[i8], n: usize, x: &[i8], out: &mut [i32]) {
    assert!(x.len() >= n && w.len() >= out.len() * n);
    let kb = n / 16;
    let mut r0 = 0;
    if let (Some(dot4), true) = (kern.dot4, kb > 0) {
        while r0 + 4 <= out.len() {
            let (wp, xp, op) = (w[r0 * n..].as_ptr(), x.as_ptr(), out[r0..].as_mut_ptr());
            // SAFETY: `kern` is a token that this CPU runs its kernels; rows
            // r0..r0+4 have n ≥ 16·kb bytes each inside `w` (assert above),
            // x has n, out has 4 from r0.
            unsafe { dot4(wp, n, xp, kb, op) }
            for (r, o) in out[r0..r0 + 4].iter_mut().enumerate() {
                let row = &w[(r0 + r) * n..(r0 + r + 1) * n];
                *o = o.wrapping_add(dot_i8(&row[16 * kb..], &x[16 * kb..n]));
            }
            r0 += 4;
        }
    }
    if r0 < out.len() {
        // SAFETY: as above; the rows from r0 are inside `w`, `x` has n.
        unsafe { (kern.dot_rows)(&w[r0 * n..], n, x, &mut out[r0..]) }
    }
}

/// `out[r] = dot_i8(row r, x)` for `r ≥ r0`, always inlined so that the x86
/// build compiles an AVX2 copy.
#[inline(always)]
pub(crate) fn dot_rows_portable(w: &[i8], n: usize, x: &[i8], out: &mut [i32], r0: usize) {
    for (r, o) in out.iter_mut().enumerate().skip(r0) {
        *o = dot_i8(&w[r * n..(r + 1) * n], &x[..n]);
    }
}

impl InnerProductI8 {
    pub fn new(
        weights: &[i8],
        weight_scales: &[f32],
        bias: Option<&[f32]>,
        num_output: usize,
        act: Activation,
    ) -> Result<Self, String> {
        Self::with_kernels(
            weights,
            weight_scales,
            bias,
            num_output,
            act,
            crate::ops().int8(),
        )
    }

    /// [`InnerProductI8::new`] with an explicit kernel object (tests compare
    /// them; the object proves this CPU runs it).
    pub fn with_kernels(
        weights: &[i8],
        weight_scales: &[f32],
        bias: Option<&[f32]>,
        num_output: usize,
        act: Activation,
        kern: &'static Int8Kernels,
    ) -> Result<Self, String> {
        if weights.contains(&i8::MIN) {
            return Err("int8 weights must lie in [-127, 127]".into());
        }
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
            kern,
        })
    }

    pub fn weight_bytes(&self) -> usize {
        self.weights.len()
            + (self.weight_scales.len() + self.bias.as_ref().map_or(0, |b| b.len())) * 4
    }

    /// Quantizes `x` at `in_scale`, then `out[p] = act(dot · 1/(in_scale·w_scale[p]) + bias[p])`.
    pub fn forward(&self, x: &[f32], in_scale: f32, out: &mut [f32], threads: usize) {
        let mut xq = vec![0i8; x.len()];
        quantize_with(self.kern, x, in_scale, &mut xq);
        self.forward_i8(&xq, in_scale, out, threads);
    }

    /// Same on an already quantized input.
    pub fn forward_i8(&self, xq: &[i8], in_scale: f32, out: &mut [f32], threads: usize) {
        assert_eq!(xq.len(), self.num_input);
        assert_eq!(out.len(), self.num_output);
        let n = self.num_input;
        // Chunks of a multiple of 4 outputs, for the 4-row kernel.
        let chunk = (self.num_output.div_ceil(threads.max(1) * 4).max(1)).div_ceil(4) * 4;
        parallel::for_each_chunk_mut(out, chunk, threads, |ci, o| {
            let p0 = ci * chunk;
            let mut dots = vec![0i32; o.len()];
            let rows = &self.weights[p0 * n..(p0 + o.len()) * n];
            dot_rows(self.kern, rows, n, xq, &mut dots);
            for (i, (v, &d)) in o.iter_mut().zip(&dots).enumerate() {
                let p = p0 + i;
                let s = d as f32 * dequant_multiplier(in_scale, self.weight_scales[p]);
                *v = self.act.apply(s + self.bias.as_ref().map_or(0.0, |b| b[p]));
            }
        });
    }
}
