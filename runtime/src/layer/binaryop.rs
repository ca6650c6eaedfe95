//! BinaryOp: `0=op 1=with_scalar 2=b`. Ops: 0 add, 1 sub, 2 mul, 3 div,
//! 4 max, 5 min, 6 pow, 7 rsub, 8 rdiv, 9 rpow, 10 atan2, 11 ratan2,
//! 12 fmod, 13 rfmod, 14 logaddexp, 15 floor_divide, 16 rfloor_divide,
//! 17 remainder, 18 rremainder (the `r` forms swap the operands).
//!
//! Broadcasting follows ncnn's `binaryop.cpp`: the lower-rank operand is
//! first given the other's rank — a 1-D `[n]` becomes `[n, 1…]` when `n` is
//! the other's outermost size (`h` of a 2-D, `c` of a 3-D/4-D) and
//! `[1…, n]` otherwise; a 2-D or 3-D one keeps its axes outermost (`[h, w]`
//! → `[h, w, 1(, 1)]`, `[c, h, w]` → `[c, h, w, 1]`) — then every axis must
//! be equal or 1 in one of them (an axis of 1 repeats). Anything else is an
//! error naming both shapes.

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;
use octet_kernels::fp32::eltwise::{binary_in_place, binary_scalar_in_place, BinaryOp as KernelOp};

#[derive(Default)]
pub struct BinaryOp {
    op: i32,
    with_scalar: bool,
    b: f32,
}

fn remainder(x: f32, y: f32) -> f32 {
    let (x, y) = (x as f64, y as f64);
    (x - y * (x / y).round_ties_even()) as f32
}

fn logaddexp(x: f32, y: f32) -> f32 {
    let (hi, lo) = (x.max(y), x.min(y));
    hi + (lo - hi).exp().ln_1p()
}

/// Calls `$body` with `$f` bound to op `$op`'s function, monomorphised so
/// that each op's loop is compiled (and vectorised) on its own.
macro_rules! with_op {
    ($op:expr, $f:ident, $body:expr) => {
        match $op {
            0 => {
                let $f = |a: f32, b: f32| a + b;
                $body
            }
            1 => {
                let $f = |a: f32, b: f32| a - b;
                $body
            }
            2 => {
                let $f = |a: f32, b: f32| a * b;
                $body
            }
            3 => {
                let $f = |a: f32, b: f32| a / b;
                $body
            }
            4 => {
                let $f = |a: f32, b: f32| a.max(b);
                $body
            }
            5 => {
                let $f = |a: f32, b: f32| a.min(b);
                $body
            }
            6 => {
                let $f = |a: f32, b: f32| a.powf(b);
                $body
            }
            7 => {
                let $f = |a: f32, b: f32| b - a;
                $body
            }
            8 => {
                let $f = |a: f32, b: f32| b / a;
                $body
            }
            9 => {
                let $f = |a: f32, b: f32| b.powf(a);
                $body
            }
            10 => {
                let $f = |a: f32, b: f32| a.atan2(b);
                $body
            }
            11 => {
                let $f = |a: f32, b: f32| b.atan2(a);
                $body
            }
            12 => {
                let $f = |a: f32, b: f32| a % b;
                $body
            }
            13 => {
                let $f = |a: f32, b: f32| b % a;
                $body
            }
            14 => {
                let $f = logaddexp;
                $body
            }
            15 => {
                let $f = |a: f32, b: f32| (a / b).floor();
                $body
            }
            16 => {
                let $f = |a: f32, b: f32| (b / a).floor();
                $body
            }
            17 => {
                let $f = remainder;
                $body
            }
            _ => {
                let $f = |a: f32, b: f32| remainder(b, a);
                $body
            }
        }
    };
}

/// `s` (numpy order) given rank `rank` by ncnn's rule, against `other`.
fn extend(s: &[usize], other: &[usize], rank: usize) -> Vec<usize> {
    if s.len() >= rank {
        return s.to_vec();
    }
    let mut v = vec![1; rank];
    if s.len() == 1 && s[0] != other[0] {
        v[rank - 1] = s[0];
    } else {
        v[..s.len()].copy_from_slice(s);
    }
    v
}

/// Row-major strides of `s`, 0 on axes of size 1 (they repeat).
fn strides(s: &[usize]) -> Vec<usize> {
    let mut st = vec![0; s.len()];
    let mut acc = 1;
    for k in (0..s.len()).rev() {
        st[k] = if s[k] == 1 { 0 } else { acc };
        acc *= s[k];
    }
    st
}

fn broadcast<F: Fn(f32, f32) -> f32>(
    fa: &[f32],
    sa: &[usize],
    fb: &[f32],
    sb: &[usize],
    so: &[usize],
    f: F,
) -> Vec<f32> {
    let rank = so.len();
    let (ta, tb) = (strides(sa), strides(sb));
    let w = so[rank - 1];
    let total: usize = so.iter().product();
    let mut out = vec![0f32; total];
    for (r, orow) in out.chunks_exact_mut(w).enumerate() {
        let (mut rem, mut oa, mut ob) = (r, 0usize, 0usize);
        for k in (0..rank - 1).rev() {
            let i = rem % so[k];
            rem /= so[k];
            oa += i * ta[k];
            ob += i * tb[k];
        }
        match (sa[rank - 1] == w, sb[rank - 1] == w) {
            (true, true) => orow
                .iter_mut()
                .zip(&fa[oa..oa + w])
                .zip(&fb[ob..ob + w])
                .for_each(|((o, &x), &y)| *o = f(x, y)),
            (true, false) => {
                let y = fb[ob];
                orow.iter_mut()
                    .zip(&fa[oa..oa + w])
                    .for_each(|(o, &x)| *o = f(x, y));
            }
            (false, true) => {
                let x = fa[oa];
                orow.iter_mut()
                    .zip(&fb[ob..ob + w])
                    .for_each(|(o, &y)| *o = f(x, y));
            }
            (false, false) => {
                let v = f(fa[oa], fb[ob]);
                orow.iter_mut().for_each(|o| *o = v);
            }
        }
    }
    out
}

/// The ops the element-wise kernels have (NEON blocks on armv7, where the
/// portable loops stay scalar): add, sub, mul, max, min.
fn kernel_op(op: i32) -> Option<KernelOp> {
    Some(match op {
        0 => KernelOp::Add,
        1 => KernelOp::Sub,
        2 => KernelOp::Mul,
        4 => KernelOp::Max,
        5 => KernelOp::Min,
        _ => return None,
    })
}

impl BinaryOp {
    /// `a = a op b` on one channel's values.
    fn scalar_slice(&self, a: &mut [f32], b: f32) {
        match kernel_op(self.op) {
            Some(k) => binary_scalar_in_place(k, a, b),
            None => with_op!(self.op, f, a.iter_mut().for_each(|v| *v = f(*v, b))),
        }
    }

    fn scalar(&self, mut a: Mat, b: f32) -> Mat {
        for q in 0..a.c() {
            self.scalar_slice(a.channel_mut(q), b);
        }
        a
    }

    /// `b` holds one value per channel of `a` (`[c, 1, 1]`, a
    /// squeeze-excitation multiply): in place, one scalar op per channel.
    fn per_channel(&self, mut a: Mat, b: &[f32]) -> Mat {
        for (q, &y) in b.iter().enumerate().take(a.c()) {
            self.scalar_slice(a.channel_mut(q), y);
        }
        a
    }
}

impl Layer for BinaryOp {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.op = pd.get_int(0, 0)?;
        if !(0..=18).contains(&self.op) {
            return Err(format!("op_type (0=) must be 0..=18, got {}", self.op).into());
        }
        self.with_scalar = pd.get_int(1, 0)? != 0;
        self.b = pd.get_float(2, 0.0)?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let op = self.op;
        if self.with_scalar {
            let a = super::single(inputs)?;
            if a.is_empty() {
                return Err("empty input".into());
            }
            let a = if a.is_int8() { a.dequantize() } else { a };
            return Ok(vec![self.scalar(a, self.b)]);
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
        if a.is_empty() || b.is_empty() {
            return Err(format!("empty input (shapes {:?} and {:?})", a.shape(), b.shape()).into());
        }
        let a = if a.is_int8() { a.dequantize() } else { a };
        let b = if b.is_int8() { b.dequantize() } else { b };
        if a.shape() == b.shape() {
            let mut out = a;
            if let Some(k) = kernel_op(op) {
                for q in 0..out.c() {
                    binary_in_place(k, out.channel_mut(q), b.channel(q));
                }
                return Ok(vec![out]);
            }
            with_op!(op, f, {
                for q in 0..out.c() {
                    out.channel_mut(q)
                        .iter_mut()
                        .zip(b.channel(q))
                        .for_each(|(x, &y)| *x = f(*x, y));
                }
            });
            return Ok(vec![out]);
        }
        let (sa0, sb0) = (a.shape(), b.shape());
        let rank = sa0.len().max(sb0.len());
        if b.total() == 1 && rank == sa0.len() {
            let y = b.to_vec()[0];
            return Ok(vec![self.scalar(a, y)]);
        }
        let (sa, sb) = (extend(&sa0, &sb0, rank), extend(&sb0, &sa0, rank));
        // One value of b per channel of a 3-D / 4-D a: in place.
        if rank >= 3 && sa == sa0 && sb[0] == sa[0] && sb[1..].iter().all(|&v| v == 1) {
            let y = b.to_vec();
            return Ok(vec![self.per_channel(a, &y)]);
        }
        let mut so = vec![0usize; rank];
        for k in 0..rank {
            so[k] = match (sa[k], sb[k]) {
                (x, y) if x == y => x,
                (1, y) => y,
                (x, 1) => x,
                _ => {
                    return Err(format!(
                        "shapes {sa0:?} and {sb0:?} do not broadcast (as {sa:?} and {sb:?})"
                    )
                    .into())
                }
            };
        }
        let (fa, fb) = (a.to_vec(), b.to_vec());
        let flat = with_op!(op, f, broadcast(&fa, &sa, &fb, &sb, &so, f));
        Ok(vec![Mat::from_slice(&so, &flat)?])
    }

    fn max_input_dims(&self) -> usize {
        4
    }
}
