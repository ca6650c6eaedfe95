//! BinaryOp: `0=op 1=with_scalar 2=b`. Ops: 0 add, 1 sub, 2 mul, 3 div,
//! 4 max, 5 min, 6 pow, 7 rsub, 8 rdiv, 9 rpow, 10 atan2, 11 ratan2.
//!
//! Broadcasting follows ncnn's rule: the lower-rank operand lines up with the
//! *outer* dimensions of the other (a 1-D `b` of length `c` is per-channel
//! for a 3-D `a`; a 2-D `b` of `c × h` is per row of each channel), then every
//! dimension must be equal or 1.

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct BinaryOp {
    op: i32,
    with_scalar: bool,
    b: f32,
}

#[inline]
fn apply(op: i32, a: f32, b: f32) -> f32 {
    match op {
        0 => a + b,
        1 => a - b,
        2 => a * b,
        3 => a / b,
        4 => a.max(b),
        5 => a.min(b),
        6 => a.powf(b),
        7 => b - a,
        8 => b / a,
        9 => b.powf(a),
        10 => a.atan2(b),
        _ => b.atan2(a),
    }
}

/// `[c, h, w]` of a Mat, outer-aligned to rank 3 (missing inner dims are 1).
fn outer_aligned(m: &Mat) -> [usize; 3] {
    let s = m.shape();
    let mut r = [1usize; 3];
    r[..s.len()].copy_from_slice(&s);
    r
}

impl Layer for BinaryOp {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.op = pd.get_int(0, 0)?;
        if !(0..=11).contains(&self.op) {
            return Err(format!("unknown op type {}", self.op).into());
        }
        self.with_scalar = pd.get_int(1, 0)? != 0;
        self.b = pd.get_float(2, 0.0)?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let op = self.op;
        if self.with_scalar {
            let mut a = super::single(inputs)?;
            let b = self.b;
            a.data_mut().iter_mut().for_each(|v| *v = apply(op, *v, b));
            return Ok(vec![a]);
        }
        if inputs.len() != 2 {
            return Err(format!(
                "expects 2 inputs (or 1=1 with a scalar), got {}",
                inputs.len()
            )
            .into());
        }
        let mut it = inputs.into_iter();
        let (a, b) = (
            it.next().ok_or("missing input")?,
            it.next().ok_or("missing input")?,
        );
        if a.shape() == b.shape() {
            let mut out = a;
            for q in 0..out.c() {
                let bs = b.channel(q);
                out.channel_mut(q)
                    .iter_mut()
                    .zip(bs)
                    .for_each(|(x, y)| *x = apply(op, *x, *y));
            }
            return Ok(vec![out]);
        }
        // Numpy-order shapes padded with trailing 1s to rank 3 (ncnn aligns
        // the lower-rank operand with the outer dimensions).
        let (sa, sb) = (outer_aligned(&a), outer_aligned(&b));
        let mut so = [0usize; 3];
        for d in 0..3 {
            so[d] = match (sa[d], sb[d]) {
                (x, y) if x == y => x,
                (1, y) => y,
                (x, 1) => x,
                _ => {
                    return Err(format!(
                        "shapes {:?} and {:?} do not broadcast",
                        a.shape(),
                        b.shape()
                    )
                    .into())
                }
            };
        }
        let dims = a.dims().max(b.dims());
        let (fa, fb) = (a.to_vec(), b.to_vec());
        let idx = |s: &[usize; 3], i: usize, j: usize, k: usize| {
            let (i, j, k) = (
                if s[0] == 1 { 0 } else { i },
                if s[1] == 1 { 0 } else { j },
                if s[2] == 1 { 0 } else { k },
            );
            (i * s[1] + j) * s[2] + k
        };
        let mut flat = Vec::with_capacity(so.iter().product());
        for i in 0..so[0] {
            for j in 0..so[1] {
                for k in 0..so[2] {
                    flat.push(apply(op, fa[idx(&sa, i, j, k)], fb[idx(&sb, i, j, k)]));
                }
            }
        }
        let out = Mat::from_slice(&so[..dims], &flat)?;
        Ok(vec![out])
    }
}
