//! Flip: reverses the axes listed in `0=axes` (numpy order, negative from
//! the end; a 1-D blob flips whatever is listed; none listed: unchanged).
//! 1-D to 4-D; int8 stays int8.

use crate::error::LayerResult;
use crate::layer::region::{alloc_like, size4};
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Flip {
    axes: Vec<i32>,
}

fn flip<T: Copy>(src: &[T], dst: &mut [T], s: [usize; 4], steps: (usize, usize), f: [bool; 4]) {
    let [w, h, d, c] = s;
    let (sstep, dstep) = steps;
    for q in 0..c {
        let q2 = if f[3] { c - 1 - q } else { q };
        for z in 0..d {
            let z2 = if f[2] { d - 1 - z } else { z };
            for y in 0..h {
                let y2 = if f[1] { h - 1 - y } else { y };
                let si = q2 * sstep + (z2 * h + y2) * w;
                let di = q * dstep + (z * h + y) * w;
                let (srow, drow) = (&src[si..si + w], &mut dst[di..di + w]);
                if f[0] {
                    for (o, &v) in drow.iter_mut().zip(srow.iter().rev()) {
                        *o = v;
                    }
                } else {
                    drow.copy_from_slice(srow);
                }
            }
        }
    }
}

impl Layer for Flip {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.axes = pd.get_ints(0)?;
        if self.axes.len() > 4 {
            return Err(format!("axes {:?}: more than 4 axes", self.axes).into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        if self.axes.is_empty() {
            return Ok(vec![m]);
        }
        let dims = m.dims();
        let letters: &[usize] = match dims {
            1 => &[0],
            2 => &[1, 0],
            3 => &[3, 1, 0],
            _ => &[3, 2, 1, 0],
        };
        let mut f = [false; 4];
        for &a in &self.axes {
            let k = if a < 0 { a + dims as i32 } else { a };
            let k = usize::try_from(k)
                .ok()
                .filter(|&k| k < dims)
                .ok_or_else(|| {
                    format!(
                        "axes {:?}: axis {a} does not exist for the input {:?}",
                        self.axes,
                        m.shape()
                    )
                })?;
            f[letters[k]] = true;
        }
        if dims == 1 {
            f[0] = true;
        }
        let s = size4(&m);
        let mut out = alloc_like(&m, dims, s);
        let steps = (m.cstep(), out.cstep());
        if m.is_int8() {
            flip(m.data_i8(), out.data_i8_mut(), s, steps, f);
        } else {
            flip(m.data(), out.data_mut(), s, steps, f);
        }
        Ok(vec![out])
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
