//! PSROIPooling (R-FCN's position-sensitive ROI pooling). ncnn params
//! `0=pooled_width (7) 1=pooled_height (7) 2=spatial_scale (0.0625)
//! 3=output_dim`. The map has `output_dim · pooled_height · pooled_width`
//! channels; output channel `q`, bin `(ph, pw)` averages input channel
//! `(q · pooled_height + ph) · pooled_width + pw` over its bin.
//!
//! As ncnn: corners `round(x1) · scale`, `round(x2 + 1) · scale` (rows
//! alike), the region at least 0.1 wide and high, bin rows
//! `[⌊y1 + ph · bin_h⌋, ⌈y1 + (ph + 1) · bin_h⌉)` clipped to the map, an
//! empty bin 0. The roi is the second input's first four values.

use crate::error::LayerResult;
use crate::layer::roipooling::{pooled_size, roi_of};
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Clone, Debug, Default)]
pub struct PSROIPooling {
    pooled_width: usize,
    pooled_height: usize,
    spatial_scale: f32,
    output_dim: usize,
}

impl Layer for PSROIPooling {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        (self.pooled_width, self.pooled_height) = pooled_size(pd, 7)?;
        self.spatial_scale = pd.get_float(2, 0.0625)?;
        let od = pd.get_int(3, 0)?;
        if od <= 0 {
            crate::bail!("output_dim (3=) must be positive, got {od}");
        }
        self.output_dim = od as usize;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let (m, roi) = roi_of(&inputs)?;
        let (pwn, phn, od) = (self.pooled_width, self.pooled_height, self.output_dim);
        let want = od * phn * pwn;
        if m.c() != want {
            crate::bail!(
                "the map has {} channels; output_dim {od} × {phn} × {pwn} bins needs {want}",
                m.c()
            );
        }
        let (w, h) = (m.w() as i64, m.h() as i64);
        let s = self.spatial_scale;
        let x1 = roi[0].round() * s;
        let y1 = roi[1].round() * s;
        let x2 = (roi[2] + 1.0).round() * s;
        let y2 = (roi[3] + 1.0).round() * s;
        let roi_w = (x2 - x1).max(0.1);
        let roi_h = (y2 - y1).max(0.1);
        let bin_w = roi_w / pwn as f32;
        let bin_h = roi_h / phn as f32;
        let mut out = Mat::new_3d(pwn, phn, od);
        for q in 0..od {
            for ph in 0..phn {
                for pw in 0..pwn {
                    let src = m.channel((q * phn + ph) * pwn + pw);
                    let hs = (y1 + ph as f32 * bin_h).floor() as i64;
                    let ws = (x1 + pw as f32 * bin_w).floor() as i64;
                    let he = (y1 + (ph + 1) as f32 * bin_h).ceil() as i64;
                    let we = (x1 + (pw + 1) as f32 * bin_w).ceil() as i64;
                    let (hs, he) = (hs.clamp(0, h) as usize, he.clamp(0, h) as usize);
                    let (ws, we) = (ws.clamp(0, w) as usize, we.clamp(0, w) as usize);
                    let v = if he <= hs || we <= ws {
                        0.0
                    } else {
                        let mut sum = 0f32;
                        for y in hs..he {
                            for &x in &src[y * w as usize + ws..y * w as usize + we] {
                                sum += x;
                            }
                        }
                        sum / ((he - hs) * (we - ws)) as f32
                    };
                    out.channel_mut(q)[ph * pwn + pw] = v;
                }
            }
        }
        Ok(vec![out])
    }
}
