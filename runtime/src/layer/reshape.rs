//! Reshape: `0=w 1=h 11=d 2=c`, as ncnn reads them: the output has as many
//! dimensions as the leading sizes given (`-233`, the default, drops a
//! dimension: `d` absent → 3-D, `c` absent → 2-D, `h` absent → 1-D), `0`
//! keeps the input's size in that position and `-1` infers one size from
//! the total. Values keep their (c, d, h, w) order. `3=permute` (the
//! pre-2023 flag ncnn no longer reads) and `6=` shape expressions are
//! refused rather than guessed at.

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Reshape {
    w: i32,
    h: i32,
    d: i32,
    c: i32,
    ndim: usize,
}

impl Layer for Reshape {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.w = pd.get_int(0, -233)?;
        self.h = pd.get_int(1, -233)?;
        self.d = pd.get_int(11, -233)?;
        self.c = pd.get_int(2, -233)?;
        if pd.get_int(3, 0)? != 0 {
            return Err("Reshape with permute (3=1) is not supported".into());
        }
        if pd.contains(6) {
            return Err("Reshape with a shape expression (6=) is not supported".into());
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
        let m = single(inputs)?;
        let total = m.total();
        let keep = |v: i32, same: usize| if v == 0 { same as i64 } else { v as i64 };
        // (w, h, d, c); sizes past ndim are 1.
        let mut shape = [
            keep(self.w, m.w()),
            if self.ndim >= 2 {
                keep(self.h, m.h())
            } else {
                1
            },
            if self.ndim >= 4 {
                keep(self.d, m.d())
            } else {
                1
            },
            if self.ndim >= 3 {
                keep(self.c, m.c())
            } else {
                1
            },
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
        let [w, h, d, c] = shape.map(|v| v.max(0) as usize);
        Ok(vec![m.reshape(self.ndim, w, h, d, c).map_err(|e| {
            format!(
                "{e} (Reshape w={} h={} d={} c={})",
                self.w, self.h, self.d, self.c
            )
        })?])
    }

    /// Reordering only: int8 stays int8 at its scale.
    fn int8_input(&self) -> Int8Input {
        Int8Input::PassThrough
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn flops(&self, _inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
        0
    }
}
