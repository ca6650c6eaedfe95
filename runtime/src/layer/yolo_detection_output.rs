//! YoloDetectionOutput: YOLOv2 region decoding and NMS. ncnn params
//! `0=num_class (20) 1=num_box (5) 2=confidence_threshold (0.01)
//! 3=nms_threshold (0.45) 4=biases` (anchor w, h pairs in grid cells).
//!
//! ncnn runs it in place on its inputs: each input has `num_box ·
//! (5 + num_class)` channels (ncnn checks the integer quotient); the class
//! channels of every box are softmaxed across classes per pixel; box `pp`
//! at pixel `(i, j)` has centre `((j + σ(x)) / w, (i + σ(y)) / h)`, size
//! `(e^w · bias_w / w, e^h · bias_h / h)` and confidence `σ(box) ·` the
//! largest class probability (taken above 0); boxes with confidence
//! `≥ confidence_threshold` from all inputs are sorted (ncnn's quicksort)
//! and suppressed across classes where `intersection / union >
//! nms_threshold`. Output rows `label score x0 y0 x1 y1` (label = class +
//! 1). As in ncnn, the outputs are the inputs after the in-place softmax,
//! the first replaced by the rows when there are any: with no detection the
//! first output is the first input with its class scores softmaxed.

use crate::error::LayerResult;
use crate::layer::nms::{qsort_descent, Rect};
use crate::layer::yolov3_detection_output::{float_bits_array, sigmoid};
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Clone, Debug, Default)]
pub struct YoloDetectionOutput {
    num_class: usize,
    num_box: usize,
    confidence_threshold: f32,
    nms_threshold: f32,
    biases: Vec<f32>,
}

#[derive(Clone, Copy, Debug)]
struct Det {
    score: f32,
    rect: Rect,
    label: usize,
}

/// ncnn's Softmax (axis 0) over channels `c0..c0 + n` of a 3-D Mat, per pixel.
fn softmax_channels(m: &mut Mat, c0: usize, n: usize) {
    let size = m.w() * m.h();
    let cstep = m.cstep();
    let data = m.data_mut();
    for i in 0..size {
        let at = |q: usize| (c0 + q) * cstep + i;
        let max = (0..n).fold(-f32::MAX, |mx, q| mx.max(data[at(q)]));
        let mut sum = 0f32;
        for q in 0..n {
            let e = (data[at(q)] - max).exp();
            data[at(q)] = e;
            sum += e;
        }
        for q in 0..n {
            data[at(q)] /= sum;
        }
    }
}

impl Layer for YoloDetectionOutput {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let num_class = pd.get_int(0, 20)?;
        let num_box = pd.get_int(1, 5)?;
        if num_class <= 0 {
            crate::bail!("num_class (0=) must be positive, got {num_class}");
        }
        if num_box <= 0 {
            crate::bail!("num_box (1=) must be positive, got {num_box}");
        }
        self.num_class = num_class as usize;
        self.num_box = num_box as usize;
        self.confidence_threshold = pd.get_float(2, 0.01)?;
        self.nms_threshold = pd.get_float(3, 0.45)?;
        self.biases = float_bits_array(pd, 4)?;
        if self.biases.len() < 2 * self.num_box {
            crate::bail!(
                "biases (4=) has {} values; {} boxes need {} (w, h pairs)",
                self.biases.len(),
                self.num_box,
                2 * self.num_box
            );
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        if inputs.is_empty() {
            crate::bail!("expects at least one feature map");
        }
        if ctx.num_outputs > inputs.len() {
            crate::bail!(
                "{} outputs declared; an in-place layer gives at most one per input ({})",
                ctx.num_outputs,
                inputs.len()
            );
        }
        let (nb, nc) = (self.num_box, self.num_class);
        let cpb = 5 + nc;
        let mut blobs = inputs;
        let mut all: Vec<Det> = Vec::new();
        for (b, m) in blobs.iter_mut().enumerate() {
            if m.dims() != 3 {
                crate::bail!("input {b} must be 3-D, got shape {:?}", m.shape());
            }
            let (w, h, c) = (m.w(), m.h(), m.c());
            if c / nb != cpb {
                crate::bail!(
                    "input {b} has {c} channels: {nb} boxes need {nb} × (5 + {nc} classes) = {}",
                    nb * cpb
                );
            }
            for pp in 0..nb {
                softmax_channels(m, pp * cpb + 5, nc);
            }
            for pp in 0..nb {
                let p = pp * cpb;
                // e^w · (bias_w / w), as in Yolov3DetectionOutput.
                let anchor_w = self.biases[2 * pp] / w as f32;
                let anchor_h = self.biases[2 * pp + 1] / h as f32;
                let (xs, ys) = (m.channel(p), m.channel(p + 1));
                let (ws, hs) = (m.channel(p + 2), m.channel(p + 3));
                let box_scores = m.channel(p + 4);
                for i in 0..h {
                    for j in 0..w {
                        let k = i * w + j;
                        let cx = (j as f32 + sigmoid(xs[k])) / w as f32;
                        let cy = (i as f32 + sigmoid(ys[k])) / h as f32;
                        let bw = ws[k].exp() * anchor_w;
                        let bh = hs[k].exp() * anchor_h;
                        let box_score = sigmoid(box_scores[k]);
                        let mut class_index = 0;
                        let mut class_score = 0f32;
                        for q in 0..nc {
                            let s = m.channel(p + 5 + q)[k];
                            if s > class_score {
                                class_index = q;
                                class_score = s;
                            }
                        }
                        let confidence = box_score * class_score;
                        if confidence >= self.confidence_threshold {
                            all.push(Det {
                                score: confidence,
                                rect: Rect {
                                    x1: cx - bw * 0.5,
                                    y1: cy - bh * 0.5,
                                    x2: cx + bw * 0.5,
                                    y2: cy + bh * 0.5,
                                },
                                label: class_index,
                            });
                        }
                    }
                }
            }
        }
        qsort_descent(&mut all, |d| d.score);
        let areas: Vec<f32> = all.iter().map(|d| d.rect.area()).collect();
        let mut picked: Vec<usize> = Vec::new();
        for (i, a) in all.iter().enumerate() {
            let keep = !picked.iter().any(|&j| {
                let inter = a.rect.intersection(&all[j].rect);
                let union = areas[i] + areas[j] - inter;
                inter / union > self.nms_threshold
            });
            if keep {
                picked.push(i);
            }
        }
        blobs.truncate(ctx.num_outputs);
        if let (false, Some(first)) = (picked.is_empty(), blobs.first_mut()) {
            let mut out = Mat::new_2d(6, picked.len());
            let o = out.data_mut();
            for (row, &i) in o.chunks_exact_mut(6).zip(&picked) {
                let d = &all[i];
                row.copy_from_slice(&[
                    d.label as f32 + 1.0,
                    d.score,
                    d.rect.x1,
                    d.rect.y1,
                    d.rect.x2,
                    d.rect.y2,
                ]);
            }
            *first = out;
        }
        Ok(blobs)
    }

    fn flops(&self, inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
        inputs
            .iter()
            .map(|s| s.iter().product::<usize>() as u64)
            .sum()
    }
}
