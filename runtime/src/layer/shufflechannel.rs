//! ShuffleChannel (ShuffleNet): views the `c` channels as `0=group` rows of
//! `c / group` and transposes them; `1=reverse` undoes it (uses
//! `c / group` rows). 1-D to 4-D (a blob below 3-D has one channel); int8
//! stays int8.

use crate::error::LayerResult;
use crate::layer::region::alloc_like;
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct ShuffleChannel {
    group: usize,
    reverse: bool,
}

fn shuffle<T: Copy>(src: &[T], dst: &mut [T], plane: usize, step: usize, g: usize, per: usize) {
    for i in 0..g {
        for j in 0..per {
            let (s, d) = ((per * i + j) * step, (g * j + i) * step);
            dst[d..d + plane].copy_from_slice(&src[s..s + plane]);
        }
    }
}

impl Layer for ShuffleChannel {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let g = pd.get_int(0, 1)?;
        self.group = usize::try_from(g)
            .ok()
            .filter(|&g| g > 0)
            .ok_or_else(|| format!("group {g} is not positive"))?;
        self.reverse = pd.get_int(1, 0)? != 0;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        let c = m.c();
        if c % self.group != 0 {
            return Err(format!(
                "group {} does not divide the {c} channels of the input {:?}",
                self.group,
                m.shape()
            )
            .into());
        }
        let g = if self.reverse {
            c / self.group
        } else {
            self.group
        };
        let per = c / g;
        let mut out = alloc_like(&m, m.dims(), [m.w(), m.h(), m.d(), c]);
        let (plane, step) = (m.plane_len(), m.cstep());
        if m.is_int8() {
            shuffle(m.data_i8(), out.data_i8_mut(), plane, step, g, per);
        } else {
            shuffle(m.data(), out.data_mut(), plane, step, g, per);
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
