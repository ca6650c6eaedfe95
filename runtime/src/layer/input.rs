//! Input: declares a network input (`0=w 1=h 11=d 2=c`, 0 or absent: any);
//! the extractor supplies the data.

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

/// The shape an Input layer declares; a size ≤ 0 is left open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputShape {
    pub w: i32,
    pub h: i32,
    pub d: i32,
    pub c: i32,
}

impl InputShape {
    /// The declared shape in numpy order (`[w]`, `[h, w]`, `[c, h, w]`,
    /// `[c, d, h, w]`), when its sizes are all given.
    pub fn numpy_shape(&self) -> Option<Vec<usize>> {
        let pos = |v: i32| (v > 0).then_some(v as usize);
        match (pos(self.w), pos(self.h), pos(self.d), pos(self.c)) {
            (Some(w), Some(h), Some(d), Some(c)) => Some(vec![c, d, h, w]),
            (Some(w), Some(h), None, Some(c)) => Some(vec![c, h, w]),
            (Some(w), Some(h), None, None) => Some(vec![h, w]),
            (Some(w), None, None, None) => Some(vec![w]),
            _ => None,
        }
    }

    /// Checks a tensor against the declaration. Channels (and depth), when
    /// declared, must match; width and height may differ, as fully
    /// convolutional networks allow, and layers that cannot take another
    /// size say so.
    pub fn check(&self, m: &Mat) -> Result<(), String> {
        let dims = if self.d > 0 { 4 } else { 3 };
        if self.c > 0 {
            if m.dims() != dims {
                return Err(format!(
                    "expected a {dims}-D tensor ({}), got shape {:?}",
                    self.describe(),
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
            if self.d > 0 && m.d() != self.d as usize {
                return Err(format!(
                    "expected depth {}, got {} (shape {:?})",
                    self.d,
                    m.d(),
                    m.shape()
                ));
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        if self.d > 0 {
            format!("c={}, d={}, h={}, w={}", self.c, self.d, self.h, self.w)
        } else {
            format!("c={}, h={}, w={}", self.c, self.h, self.w)
        }
    }
}

#[derive(Default)]
pub struct Input {
    shape: InputShape,
}

impl Layer for Input {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.shape = InputShape {
            w: pd.get_int(0, 0)?,
            h: pd.get_int(1, 0)?,
            d: pd.get_int(11, 0)?,
            c: pd.get_int(2, 0)?,
        };
        Ok(())
    }

    fn forward(&self, _inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        Err("input blob not set".into())
    }

    fn declared_input(&self) -> Option<InputShape> {
        Some(self.shape)
    }

    fn max_input_dims(&self) -> usize {
        4
    }

    fn flops(&self, _inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
        0
    }
}
