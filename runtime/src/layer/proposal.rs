//! Proposal (Faster R-CNN's region proposal layer). ncnn params
//! `0=feat_stride (16) 1=base_size (16) 2=pre_nms_topN (6000)
//! 3=after_nms_topN (300) 4=nms_thresh (0.7) 5=min_size (16)`; the anchors
//! are ncnn's fixed 3 ratios (0.5, 1, 2) × 3 scales (8, 16, 32).
//!
//! Inputs: scores (`2·A` channels: background then foreground per anchor),
//! box deltas (`4·A` channels of the same map), `im_info` (`h, w, scale`).
//! As ncnn: every anchor shifted to every pixel is moved by its deltas
//! (centre + size·d, size·e^d), clipped to the image, dropped when a side
//! is shorter than `min_size · scale` (+1 pixel convention), sorted by
//! foreground score (ncnn's quicksort), cut to `pre_nms_topN` (when > 0),
//! suppressed at `intersection / union > nms_thresh`, and the first
//! `after_nms_topN` kept. Outputs: rois `(N, 1, 4)` = `x1 y1 x2 y2`, and
//! with a second top their scores `(N, 1, 1)`. Where ncnn fails on zero
//! proposals (it cannot create an empty blob), Octet gives empty blobs.

use crate::error::LayerResult;
use crate::layer::nms::{qsort_descent, Rect};
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Clone, Debug, Default)]
pub struct Proposal {
    feat_stride: i32,
    pre_nms_top_n: i32,
    after_nms_top_n: usize,
    nms_thresh: f32,
    min_size: i32,
    anchors: Vec<[f32; 4]>,
}

/// ncnn's `generate_anchors` for its fixed ratios and scales.
fn generate_anchors(base_size: i32) -> Vec<[f32; 4]> {
    let (cx, cy) = (base_size as f32 * 0.5, base_size as f32 * 0.5);
    let mut v = Vec::with_capacity(9);
    for ar in [0.5f32, 1.0, 2.0] {
        let r_w = (base_size as f32 / ar.sqrt()).round() as i32;
        let r_h = (r_w as f32 * ar).round() as i32;
        for scale in [8f32, 16.0, 32.0] {
            let (rs_w, rs_h) = (r_w as f32 * scale, r_h as f32 * scale);
            v.push([
                cx - rs_w * 0.5,
                cy - rs_h * 0.5,
                cx + rs_w * 0.5,
                cy + rs_h * 0.5,
            ]);
        }
    }
    v
}

impl Layer for Proposal {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.feat_stride = pd.get_int(0, 16)?;
        let base_size = pd.get_int(1, 16)?;
        self.pre_nms_top_n = pd.get_int(2, 6000)?;
        let after = pd.get_int(3, 300)?;
        self.nms_thresh = pd.get_float(4, 0.7)?;
        self.min_size = pd.get_int(5, 16)?;
        if self.feat_stride <= 0 {
            crate::bail!(
                "feat_stride (0=) must be positive, got {}",
                self.feat_stride
            );
        }
        if base_size <= 0 {
            crate::bail!("base_size (1=) must be positive, got {base_size}");
        }
        if after < 0 {
            crate::bail!("after_nms_topN (3=) must be ≥ 0, got {after}");
        }
        self.after_nms_top_n = after as usize;
        self.anchors = generate_anchors(base_size);
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        if inputs.len() != 3 {
            crate::bail!(
                "expects scores, box deltas and im_info inputs, got {}",
                inputs.len()
            );
        }
        if !(1..=2).contains(&ctx.num_outputs) {
            crate::bail!(
                "gives rois and optionally scores, {} outputs declared",
                ctx.num_outputs
            );
        }
        let (score, bbox) = (&inputs[0], &inputs[1]);
        let na = self.anchors.len();
        if score.dims() != 3 || score.c() < 2 * na {
            crate::bail!(
                "scores must be 3-D with {} channels (2 per anchor), got shape {:?}",
                2 * na,
                score.shape()
            );
        }
        let (w, h) = (score.w(), score.h());
        if bbox.dims() != 3 || bbox.c() < 4 * na || bbox.w() != w || bbox.h() != h {
            crate::bail!(
                "box deltas must be 3-D, {} channels of {h}×{w}, got shape {:?}",
                4 * na,
                bbox.shape()
            );
        }
        let info = inputs[2].to_vec();
        if info.len() < 3 {
            crate::bail!(
                "im_info must hold h, w, scale, got shape {:?}",
                inputs[2].shape()
            );
        }
        let (im_h, im_w, im_scale) = (info[0], info[1], info[2]);
        let stride = self.feat_stride as f32;
        let min_box = self.min_size as f32 * im_scale;
        let mut cands: Vec<(f32, Rect)> = Vec::new();
        for (q, anchor) in self.anchors.iter().enumerate() {
            let (dx, dy) = (bbox.channel(4 * q), bbox.channel(4 * q + 1));
            let (dw, dh) = (bbox.channel(4 * q + 2), bbox.channel(4 * q + 3));
            let scores = score.channel(q + na);
            let aw = anchor[2] - anchor[0];
            let ah = anchor[3] - anchor[1];
            let mut ay = anchor[1];
            for i in 0..h {
                let mut ax = anchor[0];
                for j in 0..w {
                    let k = i * w + j;
                    let cx = ax + aw * 0.5;
                    let cy = ay + ah * 0.5;
                    let pcx = cx + aw * dx[k];
                    let pcy = cy + ah * dy[k];
                    let pw = aw * dw[k].exp();
                    let ph = ah * dh[k].exp();
                    let clip = |v: f32, hi: f32| v.min(hi - 1.0).max(0.0);
                    let r = Rect {
                        x1: clip(pcx - pw * 0.5, im_w),
                        y1: clip(pcy - ph * 0.5, im_h),
                        x2: clip(pcx + pw * 0.5, im_w),
                        y2: clip(pcy + ph * 0.5, im_h),
                    };
                    if r.x2 - r.x1 + 1.0 >= min_box && r.y2 - r.y1 + 1.0 >= min_box {
                        cands.push((scores[k], r));
                    }
                    ax += stride;
                }
                ay += stride;
            }
        }
        qsort_descent(&mut cands, |c| c.0);
        if self.pre_nms_top_n > 0 && (self.pre_nms_top_n as usize) < cands.len() {
            cands.truncate(self.pre_nms_top_n as usize);
        }
        let areas: Vec<f32> = cands
            .iter()
            .map(|c| (c.1.x2 - c.1.x1) * (c.1.y2 - c.1.y1))
            .collect();
        let mut picked: Vec<usize> = Vec::new();
        for (i, a) in cands.iter().enumerate() {
            let keep = !picked.iter().any(|&j| {
                let inter = a.1.intersection(&cands[j].1);
                inter / (areas[i] + areas[j] - inter) > self.nms_thresh
            });
            if keep {
                picked.push(i);
            }
        }
        picked.truncate(self.after_nms_top_n);
        let n = picked.len();
        let mut outs = Vec::with_capacity(2);
        if n == 0 {
            outs.resize(ctx.num_outputs, Mat::empty());
            return Ok(outs);
        }
        let mut rois = Mat::new_3d(4, 1, n);
        for (q, &i) in picked.iter().enumerate() {
            let r = cands[i].1;
            rois.channel_mut(q)
                .copy_from_slice(&[r.x1, r.y1, r.x2, r.y2]);
        }
        outs.push(rois);
        if ctx.num_outputs > 1 {
            let mut s = Mat::new_3d(1, 1, n);
            for (q, &i) in picked.iter().enumerate() {
                s.channel_mut(q)[0] = cands[i].0;
            }
            outs.push(s);
        }
        Ok(outs)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn anchors_are_ncnns() {
        // ncnn's generate_anchors(16) (centre 8, not py-faster-rcnn's 7.5):
        // ratio 0.5 → 23×12 cells, ratio 2 → 11×22; the first and the last anchor.
        let a = super::generate_anchors(16);
        assert_eq!(a[0], [-84.0, -40.0, 100.0, 56.0]);
        assert_eq!(a[8], [-168.0, -344.0, 184.0, 360.0]);
    }
}
