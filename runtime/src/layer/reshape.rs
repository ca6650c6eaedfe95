//! Reshape: `0=w 1=h 2=c` (`-233` absent, `0` keeps the input's size, `-1`
//! infers it). `3=permute` is rejected rather than guessed at.

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Reshape {
    w: i32,
    h: i32,
    c: i32,
}

impl Layer for Reshape {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.w = pd.get_int(0, -233)?;
        self.h = pd.get_int(1, -233)?;
        self.c = pd.get_int(2, -233)?;
        if pd.contains(11) {
            return Err("4-D reshape (11=) is not supported".into());
        }
        if pd.get_int(3, 0)? != 0 {
            return Err("Reshape with permute (3=1) is not supported".into());
        }
        for (v, n) in [(self.w, "w"), (self.h, "h"), (self.c, "c")] {
            if v < -1 && v != -233 {
                return Err(format!("{n}={v} is invalid").into());
            }
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let total = m.total();
        let dims = if self.c != -233 {
            3
        } else if self.h != -233 {
            2
        } else {
            1
        };
        // 0 copies the input's size in that position.
        let pick = |v: i32, same: usize| -> i64 {
            if v == 0 {
                same as i64
            } else {
                v as i64
            }
        };
        let mut shape = [
            pick(self.w, m.w()),
            if dims >= 2 { pick(self.h, m.h()) } else { 1 },
            if dims == 3 { pick(self.c, m.c()) } else { 1 },
        ];
        let unknown = shape.iter().filter(|&&v| v == -1).count();
        if unknown > 1 {
            return Err("more than one dimension is -1".into());
        }
        let known: i64 = shape.iter().filter(|&&v| v != -1).product();
        if unknown == 1 {
            if known == 0 || total as i64 % known != 0 {
                return Err(format!(
                    "cannot infer a dimension: {total} values do not divide by {known}"
                )
                .into());
            }
            for v in shape.iter_mut() {
                if *v == -1 {
                    *v = total as i64 / known;
                }
            }
        }
        let (w, h, c) = (shape[0] as usize, shape[1] as usize, shape[2] as usize);
        if w * h * c != total {
            return Err(format!(
                "cannot reshape {:?} ({total} values) to w={w} h={h} c={c}",
                m.shape()
            )
            .into());
        }
        Ok(vec![m.reshape(dims, w, h, c)?])
    }

    crate::impl_as_any!();
}
