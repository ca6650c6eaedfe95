//! Crop: a box of the input, 1-D to 4-D; int8 stays int8. The box comes
//! from, in ncnn's order of precedence:
//! - `9=starts 10=ends [11=axes]` (numpy slicing: negative from the end,
//!   `-233` the whole axis, ends clamped to the axis, an end of 0 meaning
//!   the axis' end as in ncnn), or the same as shape expressions of the
//!   inputs (`19=` `20=` `21=`, pnnx's dynamic slices, see
//!   `crate::expression`);
//! - offsets `0=woffset 1=hoffset 13=doffset 2=coffset`, sizes
//!   `3=outw 4=outh 14=outd 5=outc` (`-233`: what the offsets leave) and
//!   end offsets `6=woffset2 7=hoffset2 15=doffset2 8=coffset2`;
//! - with none of the sizes and end offsets set, a second input: the output
//!   takes its shape (its channels only when it has as many dims), at the
//!   offsets; or, when `woffset=-233`, its values are the offsets and sizes
//!   (int32, ncnn's order).

use crate::error::LayerResult;
use crate::expression::ShapeExpr;
use crate::layer::region::{copy_box, size4};
use crate::layer::{ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Crop {
    /// Offsets (w, h, d, c).
    off: [i32; 4],
    /// Sizes (w, h, d, c).
    out: [i32; 4],
    /// End offsets (w, h, d, c).
    off2: [i32; 4],
    starts: Vec<i32>,
    ends: Vec<i32>,
    axes: Vec<i32>,
    /// `19=` `20=` `21=`: starts, ends and axes as expressions.
    exprs: Option<[Option<ShapeExpr>; 3]>,
}

/// The box `(start, size)` per axis (w, h, d, c), as ncnn's signed values.
type Roi = ([i64; 4], [i64; 4]);

/// Internal axes (w = 0, h = 1, d = 2, c = 3) of the numpy axes of a blob.
fn axis_order(dims: usize) -> &'static [usize] {
    match dims {
        1 => &[0],
        2 => &[1, 0],
        3 => &[3, 1, 0],
        _ => &[3, 2, 1, 0],
    }
}

impl Crop {
    fn numpy_style(&self) -> bool {
        (!self.starts.is_empty() && !self.ends.is_empty()) || self.exprs.is_some()
    }

    fn uses_reference(&self) -> bool {
        !self.numpy_style() && self.out == [0; 4] && self.off2 == [0; 4]
    }

    fn roi_numpy(&self, m: &Mat, starts: &[i32], ends: &[i32], axes: &[i32]) -> LayerResult<Roi> {
        let dims = m.dims();
        let full = size4(m).map(|v| v as i64);
        let mut start = [0i64; 4];
        let mut size = full;
        let order = axis_order(dims);
        let given = axes;
        let axes: Vec<i32> = if axes.is_empty() {
            (0..dims as i32).collect()
        } else {
            axes.to_vec()
        };
        for (i, &a) in axes.iter().enumerate() {
            let na = if a < 0 { a + dims as i32 } else { a };
            let Some(&ax) = usize::try_from(na).ok().and_then(|na| order.get(na)) else {
                return Err(format!(
                    "axes {given:?}: axis {a} does not exist for a {dims}-D input {:?}",
                    m.shape()
                )
                .into());
            };
            let (Some(&s), Some(&e)) = (starts.get(i), ends.get(i)) else {
                return Err(format!(
                    "starts {starts:?} and ends {ends:?} need {} values (one per axis)",
                    axes.len()
                )
                .into());
            };
            let len = full[ax];
            let s = if s == -233 { 0 } else { i64::from(s) };
            let e = if e == -233 { len } else { i64::from(e) };
            let s = if s >= 0 { s } else { len + s };
            let e = len.min(if e > 0 { e } else { len + e });
            start[ax] = s;
            size[ax] = e - s;
        }
        Ok((start, size))
    }

    fn roi_params(&self, m: &Mat) -> Roi {
        let dims = m.dims();
        let full = size4(m).map(|v| v as i64);
        let mut start = [0i64; 4];
        let mut size = full;
        for &ax in axis_order(dims) {
            start[ax] = i64::from(self.off[ax]);
            let rest = full[ax] - start[ax] - i64::from(self.off2[ax]);
            size[ax] = if self.out[ax] == -233 {
                rest
            } else {
                rest.min(i64::from(self.out[ax]))
            };
        }
        (start, size)
    }

    fn roi_reference(&self, m: &Mat, r: &Mat) -> LayerResult<Roi> {
        let dims = m.dims();
        let full = size4(m).map(|v| v as i64);
        let mut start = [0i64; 4];
        let mut size = full;
        if self.off[0] == -233 {
            // The reference holds the offsets and sizes as int32.
            let v: Vec<i64> = if r.is_int8() {
                Vec::new()
            } else {
                r.to_vec()
                    .iter()
                    .map(|f| i64::from(f.to_bits() as i32))
                    .collect()
            };
            let (offs, sizes): (&[usize], &[usize]) = match dims {
                1 => (&[0], &[3]),
                2 => (&[0, 1], &[3, 4]),
                3 => (&[0, 1, 2], &[3, 4, 5]),
                _ => (&[0, 1, 2, 3], &[4, 5, 6, 7]),
            };
            let axes: &[usize] = match dims {
                1 => &[0],
                2 => &[0, 1],
                3 => &[0, 1, 3],
                _ => &[0, 1, 2, 3],
            };
            for ((&ax, &o), &s) in axes.iter().zip(offs).zip(sizes) {
                let (Some(&o), Some(&s)) = (v.get(o), v.get(s)) else {
                    return Err(format!(
                        "woffset=-233: the reference blob {:?} holds {} int32 values, \
                         fewer than the offsets and sizes of a {dims}-D input",
                        r.shape(),
                        v.len()
                    )
                    .into());
                };
                start[ax] = o;
                size[ax] = s;
            }
            return Ok((start, size));
        }
        let rs = size4(r).map(|v| v as i64);
        for &ax in axis_order(dims) {
            start[ax] = i64::from(self.off[ax]);
            size[ax] = rs[ax];
        }
        if dims >= 3 && r.dims() != dims {
            size[3] = full[3];
        }
        Ok((start, size))
    }
}

impl Layer for Crop {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.off = [
            pd.get_int(0, 0)?,
            pd.get_int(1, 0)?,
            pd.get_int(13, 0)?,
            pd.get_int(2, 0)?,
        ];
        self.out = [
            pd.get_int(3, 0)?,
            pd.get_int(4, 0)?,
            pd.get_int(14, 0)?,
            pd.get_int(5, 0)?,
        ];
        self.off2 = [
            pd.get_int(6, 0)?,
            pd.get_int(7, 0)?,
            pd.get_int(15, 0)?,
            pd.get_int(8, 0)?,
        ];
        self.starts = pd.get_ints(9)?;
        self.ends = pd.get_ints(10)?;
        self.axes = pd.get_ints(11)?;
        let mut exprs: [Option<ShapeExpr>; 3] = [None, None, None];
        for (k, id) in [19, 20, 21].into_iter().enumerate() {
            if let Some(text) = pd.get_str(id)? {
                exprs[k] = Some(ShapeExpr::parse(text).map_err(|e| format!("param {id}: {e}"))?);
            }
        }
        // ncnn slices by expressions when both starts and ends are given.
        self.exprs = match exprs {
            [Some(_), Some(_), _] => Some(exprs),
            [None, None, None] => None,
            _ => return Err("param 19 (starts) and 20 (ends) expressions come together".into()),
        };
        if self.numpy_style() {
            if self.starts.len() != self.ends.len() {
                return Err(format!(
                    "starts {:?} and ends {:?} differ in length",
                    self.starts, self.ends
                )
                .into());
            }
            if !self.axes.is_empty() && self.axes.len() != self.starts.len() {
                return Err(format!(
                    "axes {:?} and starts {:?} differ in length",
                    self.axes, self.starts
                )
                .into());
            }
            if self.starts.len() > 4 {
                return Err(format!("starts {:?} has more than 4 axes", self.starts).into());
            }
        } else {
            let bad = |v: &[i32]| v.iter().any(|&x| x < 0);
            if (self.off[0] != -233 && bad(&self.off)) || bad(&self.off2) {
                return Err(format!(
                    "offsets {:?} / end offsets {:?} (w, h, d, c) must not be negative",
                    self.off, self.off2
                )
                .into());
            }
            if self.out.iter().any(|&x| x < 0 && x != -233) {
                return Err(
                    format!("sizes {:?} (w, h, d, c) must be positive or -233", self.out).into(),
                );
            }
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = inputs.first().ok_or("expects an input, got none")?;
        let (start, size) = if let Some(exprs) = &self.exprs {
            let shapes: Vec<[usize; 4]> =
                inputs.iter().map(|x| size4(x).map(|v| v.max(1))).collect();
            let mut v: [Vec<i32>; 3] = Default::default();
            for (k, e) in exprs.iter().enumerate() {
                if let Some(e) = e {
                    v[k] = e.eval(&shapes)?;
                }
            }
            if v[0].len() != v[1].len() || (!v[2].is_empty() && v[2].len() != v[0].len()) {
                return Err(format!(
                    "the expressions give starts {:?}, ends {:?}, axes {:?} of different lengths",
                    v[0], v[1], v[2]
                )
                .into());
            }
            self.roi_numpy(m, &v[0], &v[1], &v[2])?
        } else if self.numpy_style() {
            self.roi_numpy(m, &self.starts, &self.ends, &self.axes)?
        } else if self.uses_reference() {
            let r = inputs.get(1).ok_or(
                "without output sizes or end offsets, Crop takes its shape from a second input; got one input",
            )?;
            self.roi_reference(m, r)?
        } else {
            self.roi_params(m)
        };
        let full = size4(m).map(|v| v as i64);
        let dims = m.dims();
        // ncnn returns the input itself when the box has its shape.
        let same = axis_order(dims).iter().all(|&ax| size[ax] == full[ax]);
        if same {
            let mut it = inputs.into_iter();
            return Ok(vec![it.next().unwrap_or_default()]);
        }
        let mut s = [0usize; 4];
        let mut z = [1usize; 4];
        for ax in 0..4 {
            let fits = start[ax] >= 0 && size[ax] > 0 && start[ax] + size[ax] <= full[ax];
            if !fits {
                return Err(format!(
                    "the crop box offsets {start:?} sizes {size:?} (w, h, d, c) do not fit in the input {:?}",
                    m.shape()
                )
                .into());
            }
            s[ax] = start[ax] as usize;
            z[ax] = size[ax] as usize;
        }
        Ok(vec![copy_box(m, dims, s, z)?])
    }

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
