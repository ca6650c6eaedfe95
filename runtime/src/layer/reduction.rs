//! Reduction: `0=operation 1=reduce_all 2=coeff 3=axes 4=keepdims 5=fixbug0`.
//! Operations: 0 sum, 1 asum, 2 sumsq, 3 mean, 4 max, 5 min, 6 prod, 7 l1,
//! 8 l2, 9 logsum, 10 logsumexp; the result is multiplied by `coeff`.
//!
//! Axes are numpy-order (`[c, d, h, w]`), negative ones count from the end.
//! A 1-D blob is always reduced over its one axis. Without `keepdims` the
//! reduced axes are dropped (all of them: a 1-D blob of one value); with it
//! they stay as size 1. As ncnn, axes without `5=1` are refused (ncnn's old
//! axes counted a batch dimension).

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

pub struct Reduction {
    operation: i32,
    reduce_all: bool,
    coeff: f32,
    axes: Vec<i32>,
    keepdims: bool,
}

impl Default for Reduction {
    fn default() -> Self {
        Reduction {
            operation: 0,
            reduce_all: true,
            coeff: 1.0,
            axes: Vec::new(),
            keepdims: false,
        }
    }
}

impl Reduction {
    /// Numpy-order reduce flags for a blob of `dims` dimensions.
    fn flags(&self, dims: usize) -> LayerResult<[bool; 4]> {
        let mut f = [false; 4];
        if self.reduce_all || dims == 1 {
            f[..dims].iter_mut().for_each(|v| *v = true);
            return Ok(f);
        }
        for &a in &self.axes {
            let r = if a < 0 { a + dims as i32 } else { a };
            if r < 0 || r as usize >= dims {
                return Err(format!("axis {a} (3=) out of range for a {dims}-D input").into());
            }
            f[r as usize] = true;
        }
        Ok(f)
    }
}

impl Layer for Reduction {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.operation = pd.get_int(0, 0)?;
        if !(0..=10).contains(&self.operation) {
            return Err(format!("operation (0=) must be 0..=10, got {}", self.operation).into());
        }
        self.reduce_all = pd.get_int(1, 1)? != 0;
        self.coeff = pd.get_float(2, 1.0)?;
        self.axes = if pd.contains(3) {
            pd.get_ints(3)?
        } else {
            Vec::new()
        };
        self.keepdims = pd.get_int(4, 0)? != 0;
        let fixbug0 = pd.get_int(5, 0)?;
        if fixbug0 == 0 && !self.axes.is_empty() {
            return Err(
                "axes (3=) without fixbug0 (5=1): the param is too old (axes counted a batch dimension), regenerate it"
                    .into(),
            );
        }
        if self.axes.iter().any(|&a| !(-4..4).contains(&a)) {
            return Err(format!("axes (3=) must be in -4..4, got {:?}", self.axes).into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        if m.is_empty() {
            return Err("empty input".into());
        }
        let shape = m.shape();
        let dims = shape.len();
        let flags = self.flags(dims)?;
        // Output shape with reduced axes as 1 (the keepdims shape).
        let kept: Vec<usize> = shape
            .iter()
            .zip(&flags)
            .map(|(&s, &r)| if r { 1 } else { s })
            .collect();
        let out_n: usize = kept.iter().product();
        let count: usize = shape
            .iter()
            .zip(&flags)
            .filter(|(_, &r)| r)
            .map(|(&s, _)| s)
            .product();
        let (v0, op): (f32, fn(f32, f32) -> f32) = match self.operation {
            0 | 3 | 9 => (0.0, |s, x| s + x),
            1 | 7 => (0.0, |s, x| s + x.abs()),
            2 | 8 => (0.0, |s, x| s + x * x),
            4 => (-f32::MAX, f32::max),
            5 => (f32::MAX, f32::min),
            6 => (1.0, |s, x| s * x),
            _ => (0.0, |s, x| s + x.exp()),
        };
        let mut acc = vec![v0; out_n];
        let data = m.to_vec();
        // Strides of the output per input axis (0 where reduced).
        let mut ostride = [0usize; 4];
        let mut st = 1usize;
        for a in (0..dims).rev() {
            ostride[a] = if flags[a] { 0 } else { st };
            st *= kept[a];
        }
        let inner = shape[dims - 1];
        let rows = data.len() / inner;
        for r in 0..rows {
            // Output offset of row r (all axes but the last).
            let mut rem = r;
            let mut off = 0usize;
            for a in (0..dims - 1).rev() {
                off += (rem % shape[a]) * ostride[a];
                rem /= shape[a];
            }
            let row = &data[r * inner..(r + 1) * inner];
            if flags[dims - 1] {
                acc[off] = row.iter().fold(acc[off], |s, &x| op(s, x));
            } else {
                acc[off..off + inner]
                    .iter_mut()
                    .zip(row)
                    .for_each(|(s, &x)| *s = op(*s, x));
            }
        }
        match self.operation {
            9 | 10 => acc.iter_mut().for_each(|v| *v = v.ln()),
            8 => acc.iter_mut().for_each(|v| {
                *v = if *v < f32::MIN_POSITIVE {
                    0.0
                } else {
                    v.sqrt()
                }
            }),
            _ => {}
        }
        let mut coeff = self.coeff;
        if self.operation == 3 {
            coeff /= count as f32;
        }
        if coeff != 1.0 {
            acc.iter_mut().for_each(|v| *v *= coeff);
        }
        let out_shape: Vec<usize> = if self.keepdims {
            kept
        } else {
            let s: Vec<usize> = shape
                .iter()
                .zip(&flags)
                .filter(|(_, &r)| !r)
                .map(|(&s, _)| s)
                .collect();
            if s.is_empty() {
                vec![1]
            } else {
                s
            }
        };
        Ok(vec![Mat::from_slice(&out_shape, &acc)?])
    }

    fn max_input_dims(&self) -> usize {
        4
    }
}
