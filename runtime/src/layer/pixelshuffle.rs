//! PixelShuffle (depth to space): `c` channels of `h × w` become
//! `c / r²` channels of `h·r × w·r`, `r = 0=upscale_factor`; `1=mode` 0
//! takes output channel `p`'s `r × r` phases from channels `p·r² + …`
//! (PyTorch's order), 1 from channels `(phase)·outc + p` (DCR). Extra
//! channels beyond a multiple of `r²` are dropped, as in ncnn. int8 stays
//! int8.

use crate::error::LayerResult;
use crate::layer::region::alloc_like;
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct PixelShuffle {
    r: usize,
    mode: i32,
}

/// Shared by PixelShuffle and Reorg: `stride`/`factor`, mode 0 or 1.
pub(crate) fn factor_and_mode(pd: &ParamDict, name: &str) -> LayerResult<(usize, i32)> {
    let r = pd.get_int(0, 1)?;
    let r = usize::try_from(r)
        .ok()
        .filter(|&r| (1..=1024).contains(&r))
        .ok_or_else(|| format!("{name} {r} is not 1..1024"))?;
    let mode = pd.get_int(1, 0)?;
    if mode != 0 && mode != 1 {
        return Err(format!("mode {mode} is not 0 or 1").into());
    }
    Ok((r, mode))
}

#[allow(clippy::too_many_arguments)]
fn shuffle<T: Copy>(
    src: &[T],
    step: usize,
    w: usize,
    h: usize,
    dst: &mut [T],
    ostep: usize,
    outc: usize,
    r: usize,
    mode: i32,
) {
    let outw = w * r;
    for p in 0..outc {
        for sh in 0..r {
            for sw in 0..r {
                let q = if mode == 0 {
                    p * r * r + sh * r + sw
                } else {
                    (sh * r + sw) * outc + p
                };
                let s = &src[q * step..q * step + w * h];
                for i in 0..h {
                    let o = p * ostep + (i * r + sh) * outw + sw;
                    for (j, &v) in s[i * w..i * w + w].iter().enumerate() {
                        dst[o + j * r] = v;
                    }
                }
            }
        }
    }
}

impl Layer for PixelShuffle {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        (self.r, self.mode) = factor_and_mode(pd, "upscale_factor")?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let r = self.r;
        let (w, h, c) = (m.w(), m.h(), m.c());
        let outc = c / (r * r);
        if outc == 0
            || w.checked_mul(r)
                .and_then(|x| x.checked_mul(h * r))
                .is_none()
        {
            return Err(format!(
                "upscale_factor {r} needs {} channels or more; the input {:?} has {c}",
                r * r,
                m.shape()
            )
            .into());
        }
        let mut out = alloc_like(&m, 3, [w * r, h * r, 1, outc]);
        let (step, ostep) = (m.cstep(), out.cstep());
        if m.is_int8() {
            shuffle(
                m.data_i8(),
                step,
                w,
                h,
                out.data_i8_mut(),
                ostep,
                outc,
                r,
                self.mode,
            );
        } else {
            shuffle(
                m.data(),
                step,
                w,
                h,
                out.data_mut(),
                ostep,
                outc,
                r,
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
