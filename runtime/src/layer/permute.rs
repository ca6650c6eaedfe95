//! Permute: `0=order_type`, the six orders of a 3-D blob's (w, h, c) axes:
//! 0 w h c, 1 h w c, 2 w c h, 3 c w h, 4 h c w, 5 c h w (innermost first).
//! For 2-D blobs order 1 transposes.

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Permute {
    order: i32,
}

impl Layer for Permute {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.order = pd.get_int(0, 0)?;
        if !(0..=5).contains(&self.order) {
            return Err(format!("order_type {} is not 0..5", self.order).into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        match m.dims() {
            1 => Ok(vec![m]),
            2 => {
                if self.order == 0 {
                    return Ok(vec![m]);
                }
                if self.order != 1 {
                    return Err(format!("order_type {} needs a 3-D input", self.order).into());
                }
                let (w, h) = (m.w(), m.h());
                let mut out = Mat::new_2d(h, w);
                let src = m.data();
                let dst = out.data_mut();
                for y in 0..h {
                    for x in 0..w {
                        dst[x * h + y] = src[y * w + x];
                    }
                }
                Ok(vec![out])
            }
            _ => {
                let (w, h, c) = (m.w(), m.h(), m.c());
                // Input axes (innermost first): 0=w, 1=h, 2=c. `axes[i]` is the
                // input axis that becomes output axis i.
                let axes: [usize; 3] = match self.order {
                    0 => [0, 1, 2],
                    1 => [1, 0, 2],
                    2 => [0, 2, 1],
                    3 => [2, 0, 1],
                    4 => [1, 2, 0],
                    _ => [2, 1, 0],
                };
                let size = [w, h, c];
                let (ow, oh, oc) = (size[axes[0]], size[axes[1]], size[axes[2]]);
                let mut out = Mat::new_3d(ow, oh, oc);
                let mut idx = [0usize; 3];
                for q in 0..oc {
                    let o = out.channel_mut(q);
                    for y in 0..oh {
                        for x in 0..ow {
                            idx[axes[0]] = x;
                            idx[axes[1]] = y;
                            idx[axes[2]] = q;
                            o[y * ow + x] = m.channel(idx[2])[idx[1] * w + idx[0]];
                        }
                    }
                }
                Ok(vec![out])
            }
        }
    }

    crate::impl_as_any!();
}
