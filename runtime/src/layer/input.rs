//! Input: declares a network input (`0=w 1=h 2=c`); the extractor supplies the data.

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Input {
    pub w: i32,
    pub h: i32,
    pub c: i32,
}

impl Input {
    /// Checks a tensor against the declared shape. Channels (when declared)
    /// must match; width and height may differ, as fully convolutional
    /// networks allow, and layers that cannot take another size say so.
    pub fn check(&self, m: &Mat) -> Result<(), String> {
        if self.c > 0 {
            if m.dims() != 3 {
                return Err(format!(
                    "expected a 3-D tensor (c={}, h={}, w={}), got shape {:?}",
                    self.c,
                    self.h,
                    self.w,
                    m.shape()
                ));
            }
            if m.c() != self.c as usize {
                return Err(format!(
                    "expected {} channels, got {} (shape {:?})",
                    self.c,
                    m.c(),
                    m.shape()
                ));
            }
        }
        Ok(())
    }
}

impl Layer for Input {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.w = pd.get_int(0, 0)?;
        self.h = pd.get_int(1, 0)?;
        self.c = pd.get_int(2, 0)?;
        Ok(())
    }

    fn forward(&self, _inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        Err("input blob not set".into())
    }

    crate::impl_as_any!();
}
