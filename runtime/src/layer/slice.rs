//! Slice: cuts a blob into consecutive parts along `1=axis` (numpy order,
//! negative from the end), one per output. The parts' sizes come from
//! `0=slices` (`-233`: an equal share of what is left) or from
//! `2=indices`, the cut points (negative from the end; the last part takes
//! the rest). 1-D to 4-D; int8 stays int8.

use crate::error::LayerResult;
use crate::layer::region::{copy_box, internal_axis, size4};
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Slice {
    slices: Vec<i32>,
    indices: Vec<i32>,
    axis: i32,
}

impl Slice {
    /// The sizes of the `n` parts of an axis of length `len`.
    fn part_sizes(&self, len: usize, n: usize) -> LayerResult<Vec<usize>> {
        let len_i = i64::try_from(len).map_err(|_| "axis too long".to_string())?;
        let mut sizes = Vec::with_capacity(n);
        let mut q: i64 = 0;
        for i in 0..n {
            let size = if !self.indices.is_empty() {
                if i + 1 == n {
                    len_i - q
                } else {
                    let Some(&ix) = self.indices.get(i) else {
                        return Err(format!(
                            "indices has {} cut points for {n} outputs (needs {})",
                            self.indices.len(),
                            n - 1
                        )
                        .into());
                    };
                    let ix = i64::from(ix);
                    let p = if ix < 0 { len_i + ix } else { ix };
                    p - q
                }
            } else {
                let Some(&s) = self.slices.get(i) else {
                    return Err(
                        format!("slices has {} sizes for {n} outputs", self.slices.len()).into(),
                    );
                };
                if s == -233 {
                    (len_i - q) / (n - i) as i64
                } else {
                    i64::from(s)
                }
            };
            if size <= 0 || q + size > len_i {
                return Err(format!(
                    "part {i} of {n} has size {size} at offset {q} on an axis of length {len} \
                     (slices {:?}, indices {:?})",
                    self.slices, self.indices
                )
                .into());
            }
            sizes.push(size as usize);
            q += size;
        }
        Ok(sizes)
    }
}

impl Layer for Slice {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.slices = pd.get_ints(0)?;
        self.axis = pd.get_int(1, 0)?;
        self.indices = pd.get_ints(2)?;
        if self.slices.is_empty() && self.indices.is_empty() {
            return Err("neither slices (0=) nor indices (2=) is given".into());
        }
        if let Some(s) = self.slices.iter().find(|&&s| s <= 0 && s != -233) {
            return Err(
                format!("slices {:?}: size {s} is not positive or -233", self.slices).into(),
            );
        }
        if !(-4..4).contains(&self.axis) {
            return Err(format!("axis {} is not -4..3", self.axis).into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let dims = m.dims();
        let ax = internal_axis(self.axis, dims).ok_or_else(|| {
            format!(
                "axis {} does not exist for a {dims}-D input (shape {:?})",
                self.axis,
                m.shape()
            )
        })?;
        let full = size4(&m);
        let n = ctx.num_outputs.max(1);
        let sizes = self.part_sizes(full[ax], n)?;
        let mut outs = Vec::with_capacity(n);
        let mut q = 0;
        for s in sizes {
            let mut start = [0; 4];
            let mut size = full;
            start[ax] = q;
            size[ax] = s;
            outs.push(copy_box(&m, dims, start, size)?);
            q += s;
        }
        Ok(outs)
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
