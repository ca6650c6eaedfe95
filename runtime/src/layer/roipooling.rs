//! ROIPooling (Fast R-CNN): max pooling of one region of a 3-D map into a
//! `pooled_width × pooled_height` grid per channel. ncnn params
//! `0=pooled_width 1=pooled_height 2=spatial_scale (1)`. The second input
//! holds the region `x1 y1 x2 y2` (its first four values), in image
//! coordinates.
//!
//! As ncnn: the corners are `round(v · spatial_scale)` (half away from 0),
//! the region is at least 1×1 cells, bin `(ph, pw)` spans rows
//! `[y1 + ⌊ph · bin_h⌋, y1 + ⌈(ph + 1) · bin_h⌉)` (columns alike) clipped to
//! the map, and an empty bin gives 0.

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Clone, Debug, Default)]
pub struct ROIPooling {
    pooled_width: usize,
    pooled_height: usize,
    spatial_scale: f32,
}

/// The first four values of a roi blob, or an error naming its shape.
pub(crate) fn roi_of(inputs: &[Mat]) -> LayerResult<(&Mat, [f32; 4])> {
    if inputs.len() != 2 {
        crate::bail!(
            "expects a feature map and a roi, got {} inputs",
            inputs.len()
        );
    }
    let m = &inputs[0];
    if m.dims() != 3 {
        crate::bail!("the feature map must be 3-D, got shape {:?}", m.shape());
    }
    let r = inputs[1].to_vec();
    if r.len() < 4 {
        crate::bail!(
            "the roi must hold x1 y1 x2 y2, got shape {:?}",
            inputs[1].shape()
        );
    }
    Ok((m, [r[0], r[1], r[2], r[3]]))
}

/// Reads `0=pooled_width 1=pooled_height` (both required positive).
pub(crate) fn pooled_size(pd: &ParamDict, default: i32) -> LayerResult<(usize, usize)> {
    let pw = pd.get_int(0, default)?;
    let ph = pd.get_int(1, default)?;
    if pw <= 0 || ph <= 0 {
        crate::bail!("pooled_width/pooled_height (0=/1=) must be positive, got {pw}/{ph}");
    }
    Ok((pw as usize, ph as usize))
}

impl Layer for ROIPooling {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        (self.pooled_width, self.pooled_height) = pooled_size(pd, 0)?;
        self.spatial_scale = pd.get_float(2, 1.0)?;
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let (m, roi) = roi_of(&inputs)?;
        let (w, h) = (m.w() as i64, m.h() as i64);
        let s = self.spatial_scale;
        let x1 = (roi[0] * s).round() as i64;
        let y1 = (roi[1] * s).round() as i64;
        let x2 = (roi[2] * s).round() as i64;
        let y2 = (roi[3] * s).round() as i64;
        let roi_w = (x2 - x1 + 1).max(1);
        let roi_h = (y2 - y1 + 1).max(1);
        let (pwn, phn) = (self.pooled_width, self.pooled_height);
        let bin_w = roi_w as f32 / pwn as f32;
        let bin_h = roi_h as f32 / phn as f32;
        let mut out = Mat::new_3d(pwn, phn, m.c());
        for q in 0..m.c() {
            let src = m.channel(q);
            let dst = out.channel_mut(q);
            for ph in 0..phn {
                for pw in 0..pwn {
                    // ncnn: int + floorf(float) → float, then truncated to int.
                    let hs = (y1 as f32 + (ph as f32 * bin_h).floor()) as i64;
                    let ws = (x1 as f32 + (pw as f32 * bin_w).floor()) as i64;
                    let he = (y1 as f32 + ((ph + 1) as f32 * bin_h).ceil()) as i64;
                    let we = (x1 as f32 + ((pw + 1) as f32 * bin_w).ceil()) as i64;
                    let (hs, he) = (hs.clamp(0, h) as usize, he.clamp(0, h) as usize);
                    let (ws, we) = (ws.clamp(0, w) as usize, we.clamp(0, w) as usize);
                    let v = if he <= hs || we <= ws {
                        0.0
                    } else {
                        let mut mx = src[hs * w as usize + ws];
                        for y in hs..he {
                            for &x in &src[y * w as usize + ws..y * w as usize + we] {
                                mx = mx.max(x);
                            }
                        }
                        mx
                    };
                    dst[ph * pwn + pw] = v;
                }
            }
        }
        Ok(vec![out])
    }
}
