//! Reshape: `0=w 1=h 11=d 2=c`, as ncnn reads them: the output has as many
//! dimensions as the leading sizes given (`-233`, the default, drops a
//! dimension: `d` absent → 3-D, `c` absent → 2-D, `h` absent → 1-D), `0`
//! keeps the input's size in that position and `-1` infers one size from
//! the total. Values keep their (c, d, h, w) order.
//!
//! `6=` is a shape expression (pnnx's dynamic shapes, `crate::expression`):
//! its list gives (w, h, [d,] c) from the input shapes, and the layer takes
//! as many inputs as it refers to (the first is reshaped).
//!
//! `3=1` (permute) is the flag older converters wrote for channel-last
//! frameworks: the values are read in channel-last order ((d,) h, w, c, the
//! outermost axis moved innermost), reshaped, and put back. ncnn honoured it
//! until 2025 (6396a73) and now ignores it, which silently changes such a
//! model's answers; Octet keeps the meaning the model was written for.

use crate::error::LayerResult;
use crate::expression::ShapeExpr;
use crate::layer::{ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Reshape {
    w: i32,
    h: i32,
    d: i32,
    c: i32,
    ndim: usize,
    permute: bool,
    expr: Option<ShapeExpr>,
}

/// The shape of `m` outermost first (ncnn's c, d, h, w for its dims).
fn outer_first(dims: usize, w: usize, h: usize, d: usize, c: usize) -> Vec<usize> {
    match dims {
        1 => vec![w],
        2 => vec![h, w],
        3 => vec![c, h, w],
        _ => vec![c, d, h, w],
    }
}

/// For a dense array whose shape is `shape` (outermost first): moves its
/// outermost axis innermost (`to_last`), or undoes that (`!to_last`: `data`
/// is laid out as the rest of `shape` followed by `shape[0]`).
fn rotate_axes(data: &[f32], shape: &[usize], to_last: bool) -> Vec<f32> {
    let a = shape.first().copied().unwrap_or(1);
    if shape.len() < 2 || a <= 1 {
        return data.to_vec();
    }
    let rest = data.len() / a;
    let mut out = vec![0f32; data.len()];
    for i in 0..a {
        for j in 0..rest {
            if to_last {
                out[j * a + i] = data[i * rest + j];
            } else {
                out[i * rest + j] = data[j * a + i];
            }
        }
    }
    out
}

impl Layer for Reshape {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.w = pd.get_int(0, -233)?;
        self.h = pd.get_int(1, -233)?;
        self.d = pd.get_int(11, -233)?;
        self.c = pd.get_int(2, -233)?;
        self.permute = match pd.get_int(3, 0)? {
            0 => false,
            1 => true,
            v => return Err(format!("permute (3=) must be 0 or 1, got {v}").into()),
        };
        if let Some(text) = pd.get_str(6)? {
            let e = ShapeExpr::parse(text)?;
            if e.len() > 4 {
                return Err(
                    format!("shape expression (6=) gives {} sizes, at most 4", e.len()).into(),
                );
            }
            self.ndim = e.len();
            self.expr = Some(e);
            return Ok(());
        }
        // ncnn's rule: the first absent size, from the outside in, ends the shape.
        self.ndim = if self.w == -233 {
            0
        } else if self.h == -233 {
            1
        } else if self.c == -233 {
            2
        } else if self.d == -233 {
            3
        } else {
            4
        };
        if self.ndim == 0 {
            return Err("w (0=) must be given".into());
        }
        let sizes = [(self.w, "w"), (self.h, "h"), (self.c, "c"), (self.d, "d")];
        for &(v, n) in &sizes[..self.ndim] {
            if v < -1 {
                return Err(format!("{n}={v} is invalid (a size, 0 to keep, -1 to infer)").into());
            }
        }
        if sizes[..self.ndim].iter().filter(|(v, _)| *v == -1).count() > 1 {
            return Err("more than one size is -1".into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let wanted = self.expr.as_ref().map_or(1, |e| e.blob_count().max(1));
        if inputs.len() != wanted {
            return Err(format!("expects {wanted} input(s), got {}", inputs.len()).into());
        }
        let (w, h, d, c) = match &self.expr {
            None => (self.w, self.h, self.d, self.c),
            Some(e) => {
                let shapes: Vec<[usize; 4]> = inputs
                    .iter()
                    .map(|m| [m.w(), m.h(), m.d(), m.c()].map(|v| v.max(1)))
                    .collect();
                let v = e.eval(&shapes)?;
                for (i, &x) in v.iter().enumerate() {
                    if x < -1 {
                        return Err(format!(
                            "shape expression gives size {x} at position {i} for inputs {:?}",
                            inputs.iter().map(Mat::shape).collect::<Vec<_>>()
                        )
                        .into());
                    }
                }
                match *v.as_slice() {
                    [w] => (w, 1, 1, 1),
                    [w, h] => (w, h, 1, 1),
                    [w, h, c] => (w, h, 1, c),
                    [w, h, d, c] => (w, h, d, c),
                    _ => return Err("shape expression gives no sizes".into()),
                }
            }
        };
        if self.expr.is_some() && [w, h, d, c].iter().filter(|&&v| v == -1).count() > 1 {
            return Err("shape expression gives more than one -1".into());
        }
        let m = inputs.into_iter().next().ok_or("expects an input")?;
        let total = m.total();
        let keep = |v: i32, same: usize| if v == 0 { same as i64 } else { v as i64 };
        // (w, h, d, c); sizes past ndim are 1.
        let mut shape = [
            keep(w, m.w()),
            if self.ndim >= 2 { keep(h, m.h()) } else { 1 },
            if self.ndim >= 4 { keep(d, m.d()) } else { 1 },
            if self.ndim >= 3 { keep(c, m.c()) } else { 1 },
        ];
        let known = shape
            .iter()
            .filter(|&&v| v != -1)
            .try_fold(1i64, |a, &v| a.checked_mul(v))
            .ok_or("sizes overflow")?;
        if let Some(v) = shape.iter_mut().find(|v| **v == -1) {
            if known <= 0 || total as i64 % known != 0 {
                return Err(format!(
                    "cannot infer a size: {total} values ({:?}) do not divide by {known}",
                    m.shape()
                )
                .into());
            }
            *v = total as i64 / known;
        }
        let [ow, oh, od, oc] = shape.map(|v| v.max(0) as usize);
        let context = |e: String| format!("{e} (Reshape w={w} h={h} d={d} c={c})");
        // ncnn skips the permutation where the outermost axis is unchanged.
        let same_outer = m.dims() == self.ndim
            && match self.ndim {
                2 => m.h() == oh,
                3 | 4 => m.c() == oc,
                _ => false,
            };
        if !self.permute || same_outer || m.is_empty() {
            return Ok(vec![m
                .reshape(self.ndim, ow, oh, od, oc)
                .map_err(context)?]);
        }
        let out_shape = outer_first(self.ndim, ow, oh, od, oc);
        let out_total = out_shape.iter().product::<usize>();
        if out_total != total {
            return Err(context(format!("{total} values cannot take shape {out_shape:?}")).into());
        }
        let in_shape = outer_first(m.dims(), m.w(), m.h(), m.d(), m.c());
        let channel_last = rotate_axes(&m.to_vec(), &in_shape, true);
        // Read as the output's channel-last shape, then put the channel first.
        let data = rotate_axes(&channel_last, &out_shape, false);
        Ok(vec![Mat::from_slice(&out_shape, &data).map_err(context)?])
    }

    /// Reordering only: int8 stays int8 at its scale (the permuting form
    /// works on fp32).
    fn int8_input(&self) -> Int8Input {
        if self.permute {
            Int8Input::Dequantize
        } else {
            Int8Input::PassThrough
        }
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn flops(&self, _inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
        0
    }
}
