//! Eltwise: `0=op(0 prod, 1 sum, 2 max) 1=coefficients` over same-shaped inputs.

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;
use octet_kernels::fp32::eltwise::{binary_in_place, BinaryOp};

#[derive(Default)]
pub struct Eltwise {
    op: i32,
    coeffs: Vec<f32>,
}

impl Layer for Eltwise {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.op = pd.get_int(0, 0)?;
        if !(0..=2).contains(&self.op) {
            return Err(format!("op type {} is not 0 (prod), 1 (sum) or 2 (max)", self.op).into());
        }
        self.coeffs = pd.get_floats(1)?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        if inputs.len() < 2 {
            return Err(format!("needs at least 2 inputs, got {}", inputs.len()).into());
        }
        if !self.coeffs.is_empty() && self.coeffs.len() != inputs.len() {
            return Err(format!(
                "{} coefficients for {} inputs",
                self.coeffs.len(),
                inputs.len()
            )
            .into());
        }
        let shape = inputs[0].shape();
        for m in &inputs[1..] {
            if m.shape() != shape {
                return Err(format!("input shapes differ: {:?} vs {:?}", shape, m.shape()).into());
            }
        }
        let mut it = inputs.into_iter();
        let mut out = it.next().ok_or("no input")?;
        let coeff = |i: usize| self.coeffs.get(i).copied().unwrap_or(1.0);
        let c0 = coeff(0);
        let with_coeffs = self.op == 1 && !self.coeffs.is_empty();
        if with_coeffs && c0 != 1.0 {
            out.data_mut().iter_mut().for_each(|v| *v *= c0);
        }
        for (i, m) in it.enumerate() {
            let ci = coeff(i + 1);
            for q in 0..out.c() {
                let src = m.channel(q);
                let dst = out.channel_mut(q);
                match self.op {
                    0 => binary_in_place(BinaryOp::Mul, dst, src),
                    1 if with_coeffs => dst.iter_mut().zip(src).for_each(|(d, s)| *d += s * ci),
                    1 => binary_in_place(BinaryOp::Add, dst, src),
                    _ => binary_in_place(BinaryOp::Max, dst, src),
                }
            }
        }
        Ok(vec![out])
    }
}
