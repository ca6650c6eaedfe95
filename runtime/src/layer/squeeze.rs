//! Squeeze: drops size-1 axes — those flagged `0=squeeze_w 1=squeeze_h
//! 11=squeeze_d 2=squeeze_c`, or with `3=axes` those listed (numpy order,
//! negative from the end); an axis of another size stays. Dropping every
//! axis leaves one value (`[1]`). 1-D to 4-D; int8 stays int8.

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Squeeze {
    /// Flags per letter (w, h, d, c).
    flags: [bool; 4],
    axes: Vec<i32>,
}

/// ncnn's letters (0 = w, 1 = h, 2 = d, 3 = c) of the numpy axes.
fn letters(dims: usize) -> &'static [usize] {
    match dims {
        1 => &[0],
        2 => &[1, 0],
        3 => &[3, 1, 0],
        _ => &[3, 2, 1, 0],
    }
}

/// The Mat with a new numpy-order shape (same total).
pub(crate) fn reshape_numpy(m: &Mat, shape: &[usize]) -> LayerResult<Mat> {
    let (dims, w, h, d, c) = Mat::dims_of(shape)?;
    Ok(m.reshape(dims, w, h, d, c)?)
}

impl Layer for Squeeze {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.flags = [
            pd.get_int(0, 0)? != 0,
            pd.get_int(1, 0)? != 0,
            pd.get_int(11, 0)? != 0,
            pd.get_int(2, 0)? != 0,
        ];
        self.axes = pd.get_ints(3)?;
        if let Some(a) = self.axes.iter().find(|a| !(-4..4).contains(*a)) {
            return Err(format!("axes {:?}: axis {a} is not -4..3", self.axes).into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let shape = m.shape();
        let dims = shape.len();
        let mut drop = vec![false; dims];
        if self.axes.is_empty() {
            for (k, &l) in letters(dims).iter().enumerate() {
                drop[k] = self.flags[l] && shape[k] == 1;
            }
        } else {
            for &a in &self.axes {
                let k = if a < 0 { a + dims as i32 } else { a };
                let k = usize::try_from(k)
                    .ok()
                    .filter(|&k| k < dims)
                    .ok_or_else(|| {
                        format!(
                            "axes {:?}: axis {a} does not exist for the input {shape:?}",
                            self.axes
                        )
                    })?;
                drop[k] = shape[k] == 1;
            }
        }
        let mut out: Vec<usize> = shape
            .iter()
            .zip(&drop)
            .filter(|(_, &d)| !d)
            .map(|(&s, _)| s)
            .collect();
        if out.is_empty() {
            out.push(1);
        }
        if out == shape {
            return Ok(vec![m]);
        }
        Ok(vec![reshape_numpy(&m, &out)?])
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
