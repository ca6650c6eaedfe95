//! MVN: `0=normalize_variance 1=across_channels 2=eps`. Subtracts the mean
//! (per channel, or of the whole blob), then optionally divides by
//! `√(mean square) + eps` (eps outside the root, as ncnn). As ncnn, the
//! output of a 1-D/2-D input is 3-D (`[1, h, w]`).

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct Mvn {
    normalize_variance: bool,
    across_channels: bool,
    eps: f32,
}

impl Layer for Mvn {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.normalize_variance = pd.get_int(0, 0)? != 0;
        self.across_channels = pd.get_int(1, 0)? != 0;
        self.eps = pd.get_float(2, 0.0001)?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let m = single(inputs)?;
        if m.is_empty() {
            return Err("empty input".into());
        }
        let mut flat = m.to_vec();
        let (c, size) = (m.c(), m.plane_len());
        let n = (c * size) as f32;
        let sums: Vec<f32> = flat.chunks_exact(size).map(|v| v.iter().sum()).collect();
        let all_mean = sums.iter().sum::<f32>() / n;
        for (q, v) in flat.chunks_exact_mut(size).enumerate() {
            let mean = if self.across_channels {
                all_mean
            } else {
                sums[q] / size as f32
            };
            v.iter_mut().for_each(|x| *x -= mean);
        }
        if self.normalize_variance {
            let sq: Vec<f32> = flat
                .chunks_exact(size)
                .map(|v| v.iter().map(|x| x * x).sum())
                .collect();
            let all = sq.iter().sum::<f32>() / n;
            for (q, v) in flat.chunks_exact_mut(size).enumerate() {
                let msq = if self.across_channels {
                    all
                } else {
                    sq[q] / size as f32
                };
                let inv = 1.0 / (msq.sqrt() + self.eps);
                v.iter_mut().for_each(|x| *x *= inv);
            }
        }
        let shape = if m.dims() == 4 {
            m.shape()
        } else {
            vec![c, m.h(), m.w()]
        };
        Ok(vec![Mat::from_slice(&shape, &flat)?])
    }

    fn max_input_dims(&self) -> usize {
        4
    }
}
