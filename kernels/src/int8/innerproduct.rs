//! int8 inner product: int8 input and weights, int32 dot products,
//! dequantized fp32 output. Weights stay row-major; NEON computes 4 rows ×
//! 16 inputs per step (`crate::arm32::int8::innerproduct`,
//! `crate::arm64::int8::innerproduct`), portable code the rest.

use super::quantize::{dequant_multiplier, quantize_with};
use super::Int8Isa;
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
    isa: Int8Isa,
}

/// Exact int8 dot product (wrapping past int32, like the NEON kernels).
#[inline(always)]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .fold(0i32, |s, (&x, &y)| s.wrapping_add(x as i32 * y as i32))
}

/// `out[r] = dot_i8(w[r·n..(r+1)·n], x)` for every row, with the NEON
/// kernel of `isa` on groups of 4 rows × multiples of 16 inputs.
pub fn dot_rows(isa: Int8Isa, w: &[i8], n: usize, x: &[i8], out: &mut [i32]) {
    assert!(x.len() >= n && w.len() >= out.len() * n);
    if isa.is_x86() && isa.is_available() {
        // SAFETY: the x86 ISAs include AVX2, available per the check.
        #[cfg(target_arch = "x86_64")]
        unsafe {
            crate::x86::int8::dot_rows_avx2(w, n, x, out)
        }
        return;
    }
    let r0 = dot_rows_neon(isa, w, n, x, out);
    dot_rows_portable(w, n, x, out, r0);
}

/// `out[r] = dot_i8(row r, x)` for `r ≥ r0`, always inlined so that the x86
/// build compiles an AVX2 copy.
#[inline(always)]
pub(crate) fn dot_rows_portable(w: &[i8], n: usize, x: &[i8], out: &mut [i32], r0: usize) {
    for (r, o) in out.iter_mut().enumerate().skip(r0) {
        *o = dot_i8(&w[r * n..(r + 1) * n], &x[..n]);
    }
}

/// The NEON part of [`dot_rows`]: whole groups of 4 rows; returns how many
/// rows it computed.
#[cfg(any(target_arch = "arm", target_arch = "aarch64"))]
fn dot_rows_neon(isa: Int8Isa, w: &[i8], n: usize, x: &[i8], out: &mut [i32]) -> usize {
    let kb = n / 16;
    if isa == Int8Isa::Generic || !isa.is_available() || kb == 0 {
        return 0;
    }
    let mut r0 = 0;
    while r0 + 4 <= out.len() {
        let (wp, xp, op) = (w[r0 * n..].as_ptr(), x.as_ptr(), out[r0..].as_mut_ptr());
        #[cfg(target_arch = "arm")]
        // SAFETY: NEON checked above; rows r0..r0+4 have n ≥ 16·kb bytes
        // each inside `w` (dot_rows' assert), x has n, out has 4 from r0.
        unsafe {
            crate::arm32::int8::innerproduct::dot4(wp, n, xp, kb, op)
        }
        #[cfg(target_arch = "aarch64")]
        // SAFETY: as above (NEON is architectural).
        unsafe {
            crate::arm64::int8::innerproduct::dot4(wp, n, xp, kb, op)
        }
        for (r, o) in out[r0..r0 + 4].iter_mut().enumerate() {
            let row = &w[(r0 + r) * n..(r0 + r + 1) * n];
            *o = o.wrapping_add(dot_i8(&row[16 * kb..], &x[16 * kb..n]));
        }
        r0 += 4;
    }
    r0
}

#[cfg(not(any(target_arch = "arm", target_arch = "aarch64")))]
fn dot_rows_neon(_: Int8Isa, _: &[i8], _: usize, _: &[i8], _: &mut [i32]) -> usize {
    0
}

impl InnerProductI8 {
    pub fn new(
        weights: &[i8],
        weight_scales: &[f32],
        bias: Option<&[f32]>,
        num_output: usize,
        act: Activation,
    ) -> Result<Self, String> {
        Self::new_with_isa(
            weights,
            weight_scales,
            bias,
            num_output,
            act,
            Int8Isa::detect(),
        )
    }

    /// [`InnerProductI8::new`] with an explicit implementation (an error if
    /// this CPU cannot run it).
    pub fn new_with_isa(
        weights: &[i8],
        weight_scales: &[f32],
        bias: Option<&[f32]>,
        num_output: usize,
        act: Activation,
        isa: Int8Isa,
    ) -> Result<Self, String> {
        if !isa.is_available() {
            return Err(format!("{isa:?} int8 kernels cannot run on this CPU"));
        }
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
            isa,
        })
    }

    pub fn weight_bytes(&self) -> usize {
        self.weights.len()
            + (self.weight_scales.len() + self.bias.as_ref().map_or(0, |b| b.len())) * 4
    }

    /// Quantizes `x` at `in_scale`, then `out[p] = act(dot · 1/(in_scale·w_scale[p]) + bias[p])`.
    pub fn forward(&self, x: &[f32], in_scale: f32, out: &mut [f32], threads: usize) {
        let mut xq = vec![0i8; x.len()];
        quantize_with(self.isa, x, in_scale, &mut xq);
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
            dot_rows(self.isa, rows, n, xq, &mut dots);
            for (i, (v, &d)) in o.iter_mut().zip(&dots).enumerate() {
                let p = p0 + i;
                let s = d as f32 * dequant_multiplier(in_scale, self.weight_scales[p]);
                *v = self.act.apply(s + self.bias.as_ref().map_or(0.0, |b| b[p]));
            }
        });
    }
}
