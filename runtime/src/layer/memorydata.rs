//! MemoryData: a constant blob read from the `.bin` — `0=w 1=h 11=d 2=c`
//! give its shape (the last non-zero of `d`, `c`, `h`, `w` sets the dims;
//! all zero: one unset value, nothing read), `21=load_type` how it is stored (1, the default:
//! raw fp32; 0: tagged fp32 / fp16 / int8).

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role, Weights};
use crate::param::ParamDict;

#[derive(Default)]
pub struct MemoryData {
    /// (dims, w, h, d, c) of the blob.
    shape: (usize, usize, usize, usize, usize),
    tagged: bool,
    /// `w = h = d = c = 0`.
    shape_empty: bool,
    data: Mat,
}

impl Layer for MemoryData {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let mut v = [0usize; 4];
        for (slot, (id, name)) in v.iter_mut().zip([(0, "w"), (1, "h"), (11, "d"), (2, "c")]) {
            let x = pd.get_int(id, 0)?;
            *slot = usize::try_from(x).map_err(|_| format!("{name} ({id}={x}) is negative"))?;
        }
        let [w, h, d, c] = v;
        self.shape_empty = v == [0; 4];
        let dims = if d != 0 {
            4
        } else if c != 0 {
            3
        } else if h != 0 {
            2
        } else {
            1
        };
        let (w, h, d, c) = match dims {
            4 => (w, h, d, c),
            3 => (w, h, 1, c),
            2 => (w, h, 1, 1),
            _ => (w.max(1), 1, 1, 1),
        };
        if w == 0 || h == 0 || c == 0 {
            return Err(format!("shape w={w} h={h} d={d} c={c} has a zero size").into());
        }
        w.checked_mul(h)
            .and_then(|x| x.checked_mul(d))
            .and_then(|x| x.checked_mul(c))
            .filter(|&n| n <= 1 << 30)
            .ok_or_else(|| format!("shape w={w} h={h} d={d} c={c} is too large"))?;
        self.shape = (dims, w, h, d, c);
        let lt = pd.get_int(21, 1)?;
        if lt != 0 && lt != 1 {
            return Err(format!("load_type {lt} is not 0 (tagged) or 1 (raw fp32)").into());
        }
        self.tagged = lt == 0;
        Ok(())
    }

    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        let (dims, w, h, d, c) = self.shape;
        if self.shape_empty {
            // ncnn reads nothing and leaves its one value unset (zero here).
            self.data = Mat::new_1d(1);
            return Ok(());
        }
        let n = w * h * d * c;
        let v = if self.tagged {
            match mb.load_tagged(n, Role::Other)? {
                Weights::F32(v) => v,
                Weights::I8(v) => v.into_iter().map(f32::from).collect(),
            }
        } else {
            mb.load_raw(n, Role::Other)?
        };
        if v.len() != n {
            return Err(format!("read {} values, the shape needs {n}", v.len()).into());
        }
        let mut m = Mat::with_shape(dims, w, h, d, c);
        let plane = w * h * d;
        for q in 0..c {
            m.channel_mut(q)
                .copy_from_slice(&v[q * plane..(q + 1) * plane]);
        }
        self.data = m;
        Ok(())
    }

    fn forward(&self, _inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        Ok(vec![self.data.clone()])
    }

    fn int8_input(&self) -> Int8Input {
        Int8Input::PassThrough
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn weight_bytes(&self) -> usize {
        self.data.total() * 4
    }

    fn flops(&self, _inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
        0
    }
}
