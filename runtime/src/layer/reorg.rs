//! Reorg (space to depth, YOLOv2's passthrough): `c` channels of `h × w`
//! become `c·s²` channels of `⌊h/s⌋ × ⌊w/s⌋`, `s = 0=stride`; `1=mode` 0
//! puts phase `(sh, sw)` of channel `q` at `q·s² + sh·s + sw`, 1 at
//! `(sh·s + sw)·c + q`. int8 stays int8.

use crate::error::LayerResult;
use crate::layer::pixelshuffle::factor_and_mode;
use crate::layer::region::alloc_like;
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Reorg {
    s: usize,
    mode: i32,
}

#[allow(clippy::too_many_arguments)]
fn reorg<T: Copy>(
    src: &[T],
    step: usize,
    w: usize,
    c: usize,
    dst: &mut [T],
    ostep: usize,
    outw: usize,
    outh: usize,
    s: usize,
    mode: i32,
) {
    for q in 0..c {
        for sh in 0..s {
            for sw in 0..s {
                let p = if mode == 0 {
                    q * s * s + sh * s + sw
                } else {
                    (sh * s + sw) * c + q
                };
                for i in 0..outh {
                    let row = q * step + (i * s + sh) * w + sw;
                    let o = p * ostep + i * outw;
                    for (j, d) in dst[o..o + outw].iter_mut().enumerate() {
                        *d = src[row + j * s];
                    }
                }
            }
        }
    }
}

impl Layer for Reorg {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        (self.s, self.mode) = factor_and_mode(pd, "stride")?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let s = self.s;
        let (w, h, c) = (m.w(), m.h(), m.c());
        let (outw, outh) = (w / s, h / s);
        let outc = c.checked_mul(s * s).ok_or("too many channels")?;
        if outw == 0 || outh == 0 {
            return Err(format!("stride {s} is larger than the input {:?}", m.shape()).into());
        }
        let mut out = alloc_like(&m, 3, [outw, outh, 1, outc]);
        let (step, ostep) = (m.cstep(), out.cstep());
        if m.is_int8() {
            reorg(
                m.data_i8(),
                step,
                w,
                c,
                out.data_i8_mut(),
                ostep,
                outw,
                outh,
                s,
                self.mode,
            );
        } else {
            reorg(
                m.data(),
                step,
                w,
                c,
                out.data_mut(),
                ostep,
                outw,
                outh,
                s,
                self.mode,
            );
        }
        Ok(vec![out])
    }

    fn int8_input(&self) -> Int8Input {
        Int8Input::PassThrough
    }

    fn flops(&self, _inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
        0
    }
}
