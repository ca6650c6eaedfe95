//! UnaryOp: `0=op_type`, element-wise on 1-D to 4-D blobs. Ops: 0 abs,
//! 1 neg, 2 floor, 3 ceil, 4 square, 5 sqrt, 6 rsqrt, 7 exp, 8 log, 9 sin,
//! 10 cos, 11 tan, 12 asin, 13 acos, 14 atan, 15 reciprocal, 16 tanh,
//! 17 log10, 18 round (half to even), 19 trunc, 20 sign, 21 expm1, 22 sinh,
//! 23 asinh, 24 cosh, 25 acosh, 26 atanh, 27 log1p.

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

/// Op `k`'s function, ncnn's order.
const OPS: [fn(f32) -> f32; 28] = [
    f32::abs,
    |x| -x,
    f32::floor,
    f32::ceil,
    |x| x * x,
    f32::sqrt,
    |x| 1.0 / x.sqrt(),
    f32::exp,
    f32::ln,
    f32::sin,
    f32::cos,
    f32::tan,
    f32::asin,
    f32::acos,
    f32::atan,
    |x| 1.0 / x,
    f32::tanh,
    f32::log10,
    f32::round_ties_even,
    f32::trunc,
    |x| {
        if x > 0.0 {
            1.0
        } else if x < 0.0 {
            -1.0
        } else {
            0.0
        }
    },
    f32::exp_m1,
    f32::sinh,
    f32::asinh,
    f32::cosh,
    f32::acosh,
    f32::atanh,
    f32::ln_1p,
];

#[derive(Default)]
pub struct UnaryOp {
    op: usize,
}

impl Layer for UnaryOp {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let op = pd.get_int(0, 0)?;
        if !(0..OPS.len() as i32).contains(&op) {
            return Err(format!("op_type (0=) must be 0..={}, got {op}", OPS.len() - 1).into());
        }
        self.op = op as usize;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let mut m = if m.is_int8() { m.dequantize() } else { m };
        let f = OPS[self.op];
        for q in 0..m.c() {
            m.channel_mut(q).iter_mut().for_each(|v| *v = f(*v));
        }
        Ok(vec![m])
    }

    fn max_input_dims(&self) -> usize {
        4
    }
}
