//! DetectionOutput (Caffe SSD): decodes boxes against priors, per-class NMS,
//! keeps the best. `0=num_class 1=nms_threshold 2=nms_top_k 3=keep_top_k
//! 4=confidence_threshold 5..8=variances`. Output rows are
//! `[label, score, xmin, ymin, xmax, ymax]`; no detection gives an empty blob.
//! Sorting replicates ncnn's quicksort so ties come out in ncnn's order.

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct DetectionOutput {
    num_class: i32,
    nms_threshold: f32,
    nms_top_k: i32,
    keep_top_k: i32,
    confidence_threshold: f32,
    variances: [f32; 4],
}

#[derive(Clone, Copy, Debug)]
struct BBox {
    xmin: f32,
    ymin: f32,
    xmax: f32,
    ymax: f32,
    label: i32,
}

fn intersection_area(a: &BBox, b: &BBox) -> f32 {
    if a.xmin > b.xmax || a.xmax < b.xmin || a.ymin > b.ymax || a.ymax < b.ymin {
        return 0.0;
    }
    (a.xmax.min(b.xmax) - a.xmin.max(b.xmin)) * (a.ymax.min(b.ymax) - a.ymin.max(b.ymin))
}

/// ncnn's `qsort_descent_inplace` (Hoare partition on the middle pivot).
fn qsort_descent<T: Copy>(datas: &mut [T], scores: &mut [f32], left: isize, right: isize) {
    let (mut i, mut j) = (left, right);
    let p = scores[((left + right) / 2) as usize];
    while i <= j {
        while scores[i as usize] > p {
            i += 1;
        }
        while scores[j as usize] < p {
            j -= 1;
        }
        if i <= j {
            datas.swap(i as usize, j as usize);
            scores.swap(i as usize, j as usize);
            i += 1;
            j -= 1;
        }
    }
    if left < j {
        qsort_descent(datas, scores, left, j);
    }
    if i < right {
        qsort_descent(datas, scores, i, right);
    }
}

fn sort_descent<T: Copy>(datas: &mut [T], scores: &mut [f32]) {
    if !datas.is_empty() {
        qsort_descent(datas, scores, 0, scores.len() as isize - 1);
    }
}

fn nms_sorted(bboxes: &[BBox], threshold: f32) -> Vec<usize> {
    let areas: Vec<f32> = bboxes
        .iter()
        .map(|r| (r.xmax - r.xmin) * (r.ymax - r.ymin))
        .collect();
    let mut picked: Vec<usize> = Vec::new();
    for (i, a) in bboxes.iter().enumerate() {
        let mut keep = true;
        for &j in &picked {
            let inter = intersection_area(a, &bboxes[j]);
            let union = areas[i] + areas[j] - inter;
            if inter / union > threshold {
                keep = false;
            }
        }
        if keep {
            picked.push(i);
        }
    }
    picked
}

impl Layer for DetectionOutput {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.num_class = pd.get_int(0, 0)?;
        self.nms_threshold = pd.get_float(1, 0.05)?;
        self.nms_top_k = pd.get_int(2, 300)?;
        self.keep_top_k = pd.get_int(3, 100)?;
        self.confidence_threshold = pd.get_float(4, 0.5)?;
        self.variances = [
            pd.get_float(5, 0.1)?,
            pd.get_float(6, 0.1)?,
            pd.get_float(7, 0.2)?,
            pd.get_float(8, 0.2)?,
        ];
        if self.num_class <= 0 && self.num_class != -233 {
            return Err(format!("num_class (0=) must be positive, got {}", self.num_class).into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        if inputs.len() != 3 {
            return Err(format!(
                "expects location, confidence and priorbox inputs, got {}",
                inputs.len()
            )
            .into());
        }
        let location = inputs[0].to_vec();
        let confidence = inputs[1].to_vec();
        let priorbox = &inputs[2];
        let mxnet = self.num_class == -233;
        let num_prior = if mxnet {
            priorbox.h()
        } else {
            priorbox.w() / 4
        };
        let num_class = if mxnet {
            inputs[1].h()
        } else {
            self.num_class as usize
        };
        let pb = priorbox.to_vec();
        let pw = priorbox.w();
        if location.len() < num_prior * 4
            || confidence.len() < num_prior * num_class
            || (!mxnet && priorbox.h() < 2)
        {
            return Err(format!(
                "inputs do not match: {} priors, {} location values, {} confidences for {num_class} classes",
                num_prior,
                location.len(),
                confidence.len()
            )
            .into());
        }
        let mut bboxes = vec![[0f32; 4]; num_prior];
        for i in 0..num_prior {
            let score = if mxnet {
                confidence[i]
            } else {
                confidence[i * num_class]
            };
            if (score as f64) >= 1.0 - self.confidence_threshold as f64 {
                continue;
            }
            let loc = &location[i * 4..i * 4 + 4];
            let p = &pb[i * 4..i * 4 + 4];
            let var: [f32; 4] = if mxnet {
                self.variances
            } else {
                [
                    pb[pw + i * 4],
                    pb[pw + i * 4 + 1],
                    pb[pw + i * 4 + 2],
                    pb[pw + i * 4 + 3],
                ]
            };
            let pb_w = p[2] - p[0];
            let pb_h = p[3] - p[1];
            let pb_cx = (p[0] + p[2]) * 0.5;
            let pb_cy = (p[1] + p[3]) * 0.5;
            let cx = var[0] * loc[0] * pb_w + pb_cx;
            let cy = var[1] * loc[1] * pb_h + pb_cy;
            let bw = ((var[2] * loc[2]) as f64).exp() as f32 * pb_w;
            let bh = ((var[3] * loc[3]) as f64).exp() as f32 * pb_h;
            bboxes[i] = [cx - bw * 0.5, cy - bh * 0.5, cx + bw * 0.5, cy + bh * 0.5];
        }
        let mut all_rects = Vec::new();
        let mut all_scores = Vec::new();
        for c in 1..num_class {
            let mut rects = Vec::new();
            let mut scores = Vec::new();
            for (j, b) in bboxes.iter().enumerate() {
                let score = if mxnet {
                    confidence[c * num_prior + j]
                } else {
                    confidence[j * num_class + c]
                };
                if score > self.confidence_threshold {
                    rects.push(BBox {
                        xmin: b[0],
                        ymin: b[1],
                        xmax: b[2],
                        ymax: b[3],
                        label: c as i32,
                    });
                    scores.push(score);
                }
            }
            sort_descent(&mut rects, &mut scores);
            if self.nms_top_k >= 0 && (self.nms_top_k as usize) < rects.len() {
                rects.truncate(self.nms_top_k as usize);
                scores.truncate(self.nms_top_k as usize);
            }
            for i in nms_sorted(&rects, self.nms_threshold) {
                all_rects.push(rects[i]);
                all_scores.push(scores[i]);
            }
        }
        sort_descent(&mut all_rects, &mut all_scores);
        if self.keep_top_k >= 0 && (self.keep_top_k as usize) < all_rects.len() {
            all_rects.truncate(self.keep_top_k as usize);
            all_scores.truncate(self.keep_top_k as usize);
        }
        if all_rects.is_empty() {
            return Ok(vec![Mat::empty()]);
        }
        let mut out = Mat::new_2d(6, all_rects.len());
        let d = out.data_mut();
        for (i, (r, s)) in all_rects.iter().zip(&all_scores).enumerate() {
            d[i * 6..i * 6 + 6].copy_from_slice(&[
                r.label as f32,
                *s,
                r.xmin,
                r.ymin,
                r.xmax,
                r.ymax,
            ]);
        }
        Ok(vec![out])
    }
}
