//! ROIAlign: bilinear-sampled average pooling of one region. ncnn params
//! `0=pooled_width 1=pooled_height 2=spatial_scale (1) 3=sampling_ratio (0)
//! 4=aligned (0) 5=version (0)`. The roi is the second input's first four
//! values `x1 y1 x2 y2`.
//!
//! Corners are scaled (minus ½ when `aligned`); without `aligned` the region
//! is at least 1×1. **Version 0** (ncnn's original): each bin is clipped to
//! the map, sampled on a grid of `sampling_ratio` (or `⌈clipped bin size⌉`)
//! points per side placed by the unclipped bin size, empty bins give 0.
//! **Version 1** (detectron2): one grid of `sampling_ratio` (or
//! `⌈roi size / pooled size⌉`) points per bin side; points beyond
//! `[-1, size]` add nothing, others are clamped to the map, and the sum is
//! divided by the full grid count. Bilinear sampling reads the last row or
//! column for points at or past it (ncnn's version 0 may read one row past
//! the map there for bins cut by the map's lower edge; Octet clamps).

use crate::error::LayerResult;
use crate::layer::roipooling::{pooled_size, roi_of};
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Clone, Debug, Default)]
pub struct ROIAlign {
    pooled_width: usize,
    pooled_height: usize,
    spatial_scale: f32,
    sampling_ratio: i32,
    aligned: bool,
    version: i32,
}

/// Version 0's bilinear sample (ncnn's `bilinear_interpolate`), indices
/// clamped into the map.
fn sample_v0(p: &[f32], w: usize, h: usize, x: f32, y: f32) -> f32 {
    let x0 = (x as i64).clamp(0, w as i64 - 1) as usize;
    let y0 = (y as i64).clamp(0, h as i64 - 1) as usize;
    let (mut x1, mut y1) = (x as i64 + 1, y as i64 + 1);
    let (mut a0, mut a1) = (x1 as f32 - x, x - x as i64 as f32);
    let (mut b0, mut b1) = (y1 as f32 - y, y - y as i64 as f32);
    if x1 >= w as i64 {
        x1 = w as i64 - 1;
        a0 = 1.0;
        a1 = 0.0;
    }
    if y1 >= h as i64 {
        y1 = h as i64 - 1;
        b0 = 1.0;
        b1 = 0.0;
    }
    let (x1, y1) = (x1.max(0) as usize, y1.max(0) as usize);
    let r0 = p[y0 * w + x0] * a0 + p[y0 * w + x1] * a1;
    let r1 = p[y1 * w + x0] * a0 + p[y1 * w + x1] * a1;
    r0 * b0 + r1 * b1
}

/// Version 1's bilinear sample (detectron2's), for a point already in `[0, size]`.
fn sample_v1(p: &[f32], w: usize, h: usize, mut x: f32, mut y: f32) -> f32 {
    let (mut yl, mut xl) = (y as usize, x as usize);
    let (yh, xh);
    if yl >= h - 1 {
        yl = h - 1;
        yh = yl;
        y = yl as f32;
    } else {
        yh = yl + 1;
    }
    if xl >= w - 1 {
        xl = w - 1;
        xh = xl;
        x = xl as f32;
    } else {
        xh = xl + 1;
    }
    let (ly, lx) = (y - yl as f32, x - xl as f32);
    let (hy, hx) = (1.0 - ly, 1.0 - lx);
    hy * hx * p[yl * w + xl]
        + hy * lx * p[yl * w + xh]
        + ly * hx * p[yh * w + xl]
        + ly * lx * p[yh * w + xh]
}

impl Layer for ROIAlign {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        (self.pooled_width, self.pooled_height) = pooled_size(pd, 0)?;
        self.spatial_scale = pd.get_float(2, 1.0)?;
        self.sampling_ratio = pd.get_int(3, 0)?;
        self.aligned = pd.get_int(4, 0)? != 0;
        self.version = pd.get_int(5, 0)?;
        if self.version != 0 && self.version != 1 {
            crate::bail!(
                "version (5=) {} is not 0 (ncnn's original) or 1 (detectron2)",
                self.version
            );
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let (m, roi) = roi_of(&inputs)?;
        let (w, h) = (m.w(), m.h());
        let s = self.spatial_scale;
        let off = if self.aligned { 0.5 } else { 0.0 };
        let (x1, y1) = (roi[0] * s - off, roi[1] * s - off);
        let (x2, y2) = (roi[2] * s - off, roi[3] * s - off);
        let (mut roi_w, mut roi_h) = (x2 - x1, y2 - y1);
        if !self.aligned {
            roi_w = roi_w.max(1.0);
            roi_h = roi_h.max(1.0);
        }
        let (pwn, phn) = (self.pooled_width, self.pooled_height);
        let bin_w = roi_w / pwn as f32;
        let bin_h = roi_h / phn as f32;
        let sr = self.sampling_ratio;
        // A sampling grid side: the ratio, or ⌈extent⌉ (at most a bounded count).
        let grid = |extent: f32| -> usize {
            if sr > 0 {
                sr as usize
            } else {
                extent.ceil().clamp(0.0, 65536.0) as usize
            }
        };
        let mut out = Mat::new_3d(pwn, phn, m.c());
        let (gh1, gw1) = (grid(roi_h / phn as f32), grid(roi_w / pwn as f32));
        let count = (gh1 * gw1).max(1) as f32;
        for q in 0..m.c() {
            let p = m.channel(q);
            let dst = out.channel_mut(q);
            for ph in 0..phn {
                for pw in 0..pwn {
                    dst[ph * pwn + pw] = if self.version == 0 {
                        let hs = (y1 + ph as f32 * bin_h).clamp(0.0, h as f32);
                        let ws = (x1 + pw as f32 * bin_w).clamp(0.0, w as f32);
                        let he = (y1 + (ph + 1) as f32 * bin_h).clamp(0.0, h as f32);
                        let we = (x1 + (pw + 1) as f32 * bin_w).clamp(0.0, w as f32);
                        if he <= hs || we <= ws {
                            0.0
                        } else {
                            let (gh, gw) = (grid(he - hs), grid(we - ws));
                            let mut sum = 0f32;
                            for by in 0..gh {
                                let y = hs + (by as f32 + 0.5) * bin_h / gh as f32;
                                for bx in 0..gw {
                                    let x = ws + (bx as f32 + 0.5) * bin_w / gw as f32;
                                    sum += sample_v0(p, w, h, x, y);
                                }
                            }
                            sum / (gh * gw) as f32
                        }
                    } else {
                        let mut sum = 0f32;
                        for iy in 0..gh1 {
                            let yy =
                                y1 + ph as f32 * bin_h + (iy as f32 + 0.5) * bin_h / gh1 as f32;
                            for ix in 0..gw1 {
                                let xx =
                                    x1 + pw as f32 * bin_w + (ix as f32 + 0.5) * bin_w / gw1 as f32;
                                if yy < -1.0 || yy > h as f32 || xx < -1.0 || xx > w as f32 {
                                    continue;
                                }
                                sum += sample_v1(p, w, h, xx.max(0.0), yy.max(0.0));
                            }
                        }
                        sum / count
                    };
                }
            }
        }
        Ok(vec![out])
    }
}
