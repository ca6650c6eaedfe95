//! Concat: joins inputs along `0=axis` (negative counts from the end).

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Concat {
    axis: i32,
}

impl Layer for Concat {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.axis = pd.get_int(0, 0)?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let first = inputs.first().ok_or("needs at least one input")?;
        let inputs: Vec<Mat> = if inputs.iter().any(Mat::is_int8) {
            // int8 stays int8 for a channel concat of inputs sharing one
            // scale (int8 producers feeding the same readers requantize to
            // the same scale, see Net::plan_requantize); anything else is
            // joined in fp32.
            let (scale, dims) = (first.int8_scale(), first.dims());
            let same = inputs
                .iter()
                .all(|m| m.is_int8() && m.dims() == dims && m.int8_scale() == scale);
            let axis0 = self.axis == 0 || self.axis == -(dims as i32);
            let (w, h, d) = (first.w(), first.h(), first.d());
            let same_planes = inputs.iter().all(|m| (m.w(), m.h(), m.d()) == (w, h, d));
            if same && dims >= 3 && axis0 && same_planes {
                let c = inputs.iter().map(Mat::c).sum();
                let mut out = Mat::with_shape_i8(dims, w, h, d, c, scale);
                let mut q = 0;
                for m in &inputs {
                    for p in 0..m.c() {
                        out.channel_i8_mut(q).copy_from_slice(m.channel_i8(p));
                        q += 1;
                    }
                }
                return Ok(vec![out]);
            }
            inputs.iter().map(Mat::dequantize).collect()
        } else {
            inputs
        };
        let first = &inputs[0];
        let dims = first.dims();
        let axis = if self.axis < 0 {
            self.axis + dims as i32
        } else {
            self.axis
        };
        if axis < 0 || axis as usize >= dims {
            return Err(format!("axis {} out of range for {dims}-D inputs", self.axis).into());
        }
        let axis = axis as usize;
        for m in &inputs {
            if m.dims() != dims {
                return Err(format!(
                    "inputs differ in rank: {:?} vs {:?}",
                    first.shape(),
                    m.shape()
                )
                .into());
            }
        }
        // In numpy order ([c,h,w]), axis 0 is the outermost dimension.
        let shape0 = first.shape();
        let mut out_shape = shape0.clone();
        out_shape[axis] = 0;
        for m in &inputs {
            let s = m.shape();
            for d in 0..dims {
                if d != axis && s[d] != shape0[d] {
                    return Err(format!(
                        "input shapes {:?} and {:?} differ outside axis {axis}",
                        shape0, s
                    )
                    .into());
                }
            }
            out_shape[axis] += s[axis];
        }
        if dims >= 3 && axis == 0 {
            // Channel concat (the common case): copy planes, no flattening.
            let (w, h, d) = (first.w(), first.h(), first.d());
            let mut out = Mat::with_shape(dims, w, h, d, out_shape[0]);
            let mut q = 0;
            for m in &inputs {
                for c in 0..m.c() {
                    out.channel_mut(q).copy_from_slice(m.channel(c));
                    q += 1;
                }
            }
            return Ok(vec![out]);
        }
        let outer: usize = out_shape[..axis].iter().product();
        let inner: usize = out_shape[axis + 1..].iter().product();
        let flats: Vec<Vec<f32>> = inputs.iter().map(|m| m.to_vec()).collect();
        let mut flat = Vec::with_capacity(out_shape.iter().product());
        for o in 0..outer {
            for (m, f) in inputs.iter().zip(&flats) {
                let n = m.shape()[axis] * inner;
                flat.extend_from_slice(&f[o * n..(o + 1) * n]);
            }
        }
        Ok(vec![Mat::from_slice(&out_shape, &flat)?])
    }

    /// int8 inputs are joined as int8 when they share a scale, else in fp32.
    fn int8_input(&self) -> Int8Input {
        Int8Input::PassThrough
    }

    fn max_input_dims(&self) -> usize {
        4
    }
}
