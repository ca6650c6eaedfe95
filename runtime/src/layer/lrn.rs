//! LRN: `0=region(0 across channels, 1 within channel) 1=local_size 2=alpha
//! 3=beta 4=bias`, as ncnn computes it.

use crate::error::LayerResult;
use crate::layer::padding::{copy_make_border, BorderType};
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

/// `x^-beta`; the usual beta 0.75 as `1 / (√x · √√x)`, far cheaper than
/// `powf` (a libm call per element on ARM) and as exact.
#[inline]
fn pow_neg(x: f32, beta: f32) -> f32 {
    if beta == 0.75 {
        let r = x.sqrt();
        1.0 / (r * r.sqrt())
    } else {
        x.powf(-beta)
    }
}

#[derive(Default)]
pub struct Lrn {
    within_channel: bool,
    local_size: usize,
    alpha: f32,
    beta: f32,
    bias: f32,
}

impl Layer for Lrn {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.within_channel = match pd.get_int(0, 0)? {
            0 => false,
            1 => true,
            r => return Err(format!("region type {r} is not 0 or 1").into()),
        };
        let ls = pd.get_int(1, 5)?;
        if ls <= 0 {
            return Err(format!("local_size must be positive, got {ls}").into());
        }
        self.local_size = ls as usize;
        self.alpha = pd.get_float(2, 1.0)?;
        self.beta = pd.get_float(3, 0.75)?;
        self.bias = pd.get_float(4, 1.0)?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let mut m = single(inputs)?;
        if m.dims() != 3 {
            return Err(format!("expects a 3-D input, got {:?}", m.shape()).into());
        }
        let (w, h, c) = (m.w(), m.h(), m.c());
        let n = w * h;
        let mut sq = Mat::new_3d(w, h, c);
        for q in 0..c {
            let src = m.channel(q).to_vec();
            for (d, s) in sq.channel_mut(q).iter_mut().zip(&src) {
                *d = s * s;
            }
        }
        if !self.within_channel {
            let alpha_div = self.alpha / self.local_size as f32;
            let half = self.local_size / 2;
            // Window sum over channels q-half..=q+half, slid from one channel
            // to the next (add the entering plane, drop the leaving one).
            let mut ssum = vec![0f32; n];
            for p in 0..half.min(c) {
                ssum.iter_mut()
                    .zip(sq.channel(p))
                    .for_each(|(s, v)| *s += v);
            }
            for q in 0..c {
                if q + half < c {
                    ssum.iter_mut()
                        .zip(sq.channel(q + half))
                        .for_each(|(s, v)| *s += v);
                }
                if q > half {
                    ssum.iter_mut()
                        .zip(sq.channel(q - half - 1))
                        .for_each(|(s, v)| *s -= v);
                }
                let (bias, beta) = (self.bias, self.beta);
                m.channel_mut(q)
                    .iter_mut()
                    .zip(&ssum)
                    .for_each(|(x, s)| *x *= pow_neg(bias + alpha_div * s, beta));
            }
        } else {
            let pad = self.local_size / 2;
            let bordered = copy_make_border(
                &sq,
                pad,
                self.local_size - pad - 1,
                pad,
                self.local_size - pad - 1,
                BorderType::Constant,
                0.0,
            );
            let bw = bordered.w();
            let maxk = self.local_size * self.local_size;
            let alpha_div = self.alpha / maxk as f32;
            for q in 0..c {
                let b = bordered.channel(q).to_vec();
                let x = m.channel_mut(q);
                for i in 0..h {
                    for j in 0..w {
                        let mut ss = 0f32;
                        for ky in 0..self.local_size {
                            for kx in 0..self.local_size {
                                ss += b[(i + ky) * bw + j + kx];
                            }
                        }
                        x[i * w + j] *= pow_neg(self.bias + alpha_div * ss, self.beta);
                    }
                }
            }
        }
        Ok(vec![m])
    }
}
