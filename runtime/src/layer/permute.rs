//! Permute: `0=order_type`, ncnn's numbering of the axis orders of a 2-D,
//! 3-D or 4-D blob, each order naming the input axis that becomes each
//! output axis, innermost first:
//! - 2-D: 0 `w h`, 1 `h w`;
//! - 3-D: 0 `w h c`, 1 `h w c`, 2 `w c h`, 3 `c w h`, 4 `h c w`, 5 `c h w`;
//! - 4-D: 24 orders in groups of six by the outermost axis (`c`, `d`, `h`,
//!   `w`), the other three in the 3-D pattern within each group — 0 `w h d c`,
//!   1 `h w d c`, …, 6 `w h c d`, …, 12 `w d c h`, …, 23 `c d h w`.
//!
//! 1-D blobs pass unchanged, as does order 0.

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Permute {
    order: i32,
}

/// Input axes (0 = w, 1 = h, 2 = d, 3 = c) that become output axes
/// `[w, h, d, c]` for `order` on a `dims`-D blob (3-D blobs have no `d`:
/// slot 2 stays 2), or `None` when the order does not exist for `dims`.
fn axes_for(order: i32, dims: usize) -> Option<[usize; 4]> {
    // The within-group pattern over three axes (a, b, c), innermost first.
    const PATTERN: [[usize; 3]; 6] = [
        [0, 1, 2],
        [1, 0, 2],
        [0, 2, 1],
        [2, 0, 1],
        [1, 2, 0],
        [2, 1, 0],
    ];
    let order = usize::try_from(order).ok()?;
    match dims {
        2 if order < 2 => Some(if order == 0 {
            [0, 1, 2, 3]
        } else {
            [1, 0, 2, 3]
        }),
        3 if order < 6 => {
            let three = [0, 1, 3]; // w, h, c
            let p = PATTERN[order].map(|i| three[i]);
            Some([p[0], p[1], 2, p[2]])
        }
        4 if order < 24 => {
            let outer = [3, 2, 1, 0][order / 6]; // c, d, h, w
            let rest: Vec<usize> = (0..4).filter(|&a| a != outer).collect();
            let p = PATTERN[order % 6].map(|i| rest[i]);
            Some([p[0], p[1], p[2], outer])
        }
        _ => None,
    }
}

impl Layer for Permute {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.order = pd.get_int(0, 0)?;
        if !(0..24).contains(&self.order) {
            return Err(format!("order_type {} is not 0..23", self.order).into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        if m.dims() <= 1 || self.order == 0 {
            return Ok(vec![m]);
        }
        let axes = axes_for(self.order, m.dims()).ok_or_else(|| {
            format!(
                "order_type {} does not exist for a {}-D input (shape {:?})",
                self.order,
                m.dims(),
                m.shape()
            )
        })?;
        let size = [m.w(), m.h(), m.d(), m.c()];
        let [ow, oh, od, oc] = axes.map(|a| size[a]);
        // Input element strides of each axis (channels at cstep).
        let stride = [1, m.w(), m.w() * m.h(), m.cstep()];
        let [sw, sh, sd, sc] = axes.map(|a| stride[a]);
        let mut out = if m.is_int8() {
            Mat::with_shape_i8(m.dims(), ow, oh, od, oc, m.int8_scale())
        } else {
            Mat::with_shape(m.dims(), ow, oh, od, oc)
        };
        let ocstep = out.cstep();
        macro_rules! gather {
            ($src:expr, $dst:expr) => {{
                let (src, dst) = ($src, $dst);
                for q in 0..oc {
                    let mut o = q * ocstep;
                    for z in 0..od {
                        for y in 0..oh {
                            let base = q * sc + z * sd + y * sh;
                            for x in 0..ow {
                                dst[o] = src[base + x * sw];
                                o += 1;
                            }
                        }
                    }
                }
            }};
        }
        if m.is_int8() {
            gather!(m.data_i8(), out.data_i8_mut());
        } else {
            gather!(m.data(), out.data_mut());
        }
        Ok(vec![out])
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

#[cfg(test)]
mod tests {
    use super::axes_for;

    #[test]
    fn orders_follow_ncnn_numbering() {
        // ncnn's comments: output axes innermost first, as input axis names.
        let name = |a: [usize; 4], dims: usize| -> String {
            let n = ["w", "h", "d", "c"];
            let idx: &[usize] = if dims == 3 { &[0, 1, 3] } else { &[0, 1, 2, 3] };
            idx.iter().map(|&i| n[a[i]]).collect::<Vec<_>>().join(" ")
        };
        let three = ["w h c", "h w c", "w c h", "c w h", "h c w", "c h w"];
        for (o, want) in three.iter().enumerate() {
            assert_eq!(name(axes_for(o as i32, 3).unwrap(), 3), *want);
        }
        let four = [
            (0, "w h d c"),
            (5, "d h w c"),
            (6, "w h c d"),
            (11, "c h w d"),
            (12, "w d c h"),
            (16, "d c w h"),
            (18, "h d c w"),
            (22, "d c h w"),
            (23, "c d h w"),
        ];
        for (o, want) in four {
            assert_eq!(name(axes_for(o, 4).unwrap(), 4), want, "order {o}");
        }
        assert!(axes_for(6, 3).is_none() && axes_for(2, 2).is_none());
    }
}
