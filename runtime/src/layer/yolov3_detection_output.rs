//! Yolov3DetectionOutput: YOLOv3/v4 box decoding and NMS over several
//! feature maps. ncnn params `0=num_class (20) 1=num_box (5)
//! 2=confidence_threshold (0.01) 3=nms_threshold (0.45) 4=biases
//! 5=mask 6=anchors_scale` (arrays; as ncnn reads them as float Mats, an
//! integer element counts by its bits, so the converters write the mask's
//! floats as integers: `1077936128` is 3.0).
//!
//! Input `b` has `num_box · (5 + num_class)` channels (ncnn checks the
//! integer quotient `channels / num_box`); box `pp` uses anchor
//! `mask[b·num_box + pp]` (truncated to an integer) of `biases` and the net
//! size `⌊anchors_scale[b] · w⌋ × ⌊anchors_scale[b] · h⌋`. Per pixel:
//! the class of the largest raw score, confidence
//! `1 / (1 + e^−box · (1 + e^−class))` (ncnn's expression — not the product
//! of two sigmoids its comment names), kept when `≥ confidence_threshold`;
//! centre `((j + σ(x)) / w, (i + σ(y)) / h)`, size
//! `(e^w · anchor_w / net_w, e^h · anchor_h / net_h)`. All boxes of all
//! inputs are sorted by confidence (ncnn's quicksort) and suppressed
//! **across classes**, as ncnn does: a box goes when it overlaps a kept one
//! by `intersection > nms_threshold · union`. Output rows
//! `label score x0 y0 x1 y1` (label = class + 1, coordinates relative to
//! the image), highest score first; an empty blob when nothing is kept.
//! (ncnn declares a `mask_group_num` field but reads no param for it.)

use crate::error::LayerResult;
use crate::layer::nms::{qsort_descent, Rect};
use crate::layer::{ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::{ParamDict, ParamValue};

/// An array param as ncnn's float `Mat` holds it: float elements as they
/// are, integer elements reinterpreted by their bits.
pub(crate) fn float_bits_array(pd: &ParamDict, id: i32) -> LayerResult<Vec<f32>> {
    match pd.iter().find(|(k, _)| **k == id).map(|(_, v)| v) {
        None => Ok(Vec::new()),
        Some(ParamValue::Array(a)) => a
            .iter()
            .map(|v| match v {
                ParamValue::Int(i) => Ok(f32::from_bits(*i as u32)),
                ParamValue::Float(f) => Ok(*f),
                other => Err(format!("param {id} must hold numbers, found {other:?}").into()),
            })
            .collect(),
        Some(other) => Err(format!("param {id} must be an array, found {other:?}").into()),
    }
}

#[inline]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

#[derive(Clone, Debug, Default)]
pub struct Yolov3DetectionOutput {
    num_class: usize,
    num_box: usize,
    confidence_threshold: f32,
    nms_threshold: f32,
    biases: Vec<f32>,
    mask: Vec<f32>,
    anchors_scale: Vec<f32>,
}

#[derive(Clone, Copy, Debug)]
struct Det {
    score: f32,
    rect: Rect,
    area: f32,
    label: usize,
}

impl Layer for Yolov3DetectionOutput {
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
        self.mask = float_bits_array(pd, 5)?;
        self.anchors_scale = float_bits_array(pd, 6)?;
        for (i, &m) in self.mask.iter().enumerate() {
            // ncnn's static_cast<int>: truncation toward zero.
            let a = m as i64;
            if !m.is_finite() || a < 0 || (2 * a + 1) as usize >= self.biases.len() {
                crate::bail!(
                    "mask (5=) entry {i} = {m} names no anchor of the {} biases (4=)",
                    self.biases.len()
                );
            }
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        if inputs.is_empty() {
            crate::bail!("expects at least one feature map");
        }
        let (nb, nc) = (self.num_box, self.num_class);
        let mut all: Vec<Det> = Vec::new();
        for (b, m) in inputs.iter().enumerate() {
            if m.dims() != 3 {
                crate::bail!("input {b} must be 3-D, got shape {:?}", m.shape());
            }
            let (w, h, c) = (m.w(), m.h(), m.c());
            if c / nb != 5 + nc {
                crate::bail!(
                    "input {b} has {c} channels: {nb} boxes need {nb} × (5 + {nc} classes) = {}",
                    nb * (5 + nc)
                );
            }
            if self.mask.len() < (b + 1) * nb || self.anchors_scale.len() <= b {
                crate::bail!(
                    "input {b}: mask (5=) has {} entries and anchors_scale (6=) {}; {} inputs \
                     of {nb} boxes need {} and {}",
                    self.mask.len(),
                    self.anchors_scale.len(),
                    inputs.len(),
                    inputs.len() * nb,
                    inputs.len()
                );
            }
            let scale = self.anchors_scale[b];
            // ncnn: int net_w = (int)(anchors_scale[b] * w), then used as a float.
            let net_w = (scale * w as f32) as i32 as f32;
            let net_h = (scale * h as f32) as i32 as f32;
            let cpb = 5 + nc;
            for pp in 0..nb {
                let p = pp * cpb;
                let ai = self.mask[b * nb + pp] as usize;
                // ncnn computes e^w · bias_w / net_w; its x86 build evaluates
                // it as e^w · (bias_w / net_w) (finite where e^w · bias_w
                // overflows f32), and so does Octet.
                let anchor_w = self.biases[2 * ai] / net_w;
                let anchor_h = self.biases[2 * ai + 1] / net_h;
                let (xs, ys) = (m.channel(p), m.channel(p + 1));
                let (ws, hs) = (m.channel(p + 2), m.channel(p + 3));
                let box_scores = m.channel(p + 4);
                for i in 0..h {
                    for j in 0..w {
                        let k = i * w + j;
                        let mut class_index = 0;
                        let mut class_score = -f32::MAX;
                        for q in 0..nc {
                            let s = m.channel(p + 5 + q)[k];
                            if s > class_score {
                                class_index = q;
                                class_score = s;
                            }
                        }
                        let confidence =
                            1.0 / (1.0 + (-box_scores[k]).exp() * (1.0 + (-class_score).exp()));
                        if confidence >= self.confidence_threshold {
                            let cx = (j as f32 + sigmoid(xs[k])) / w as f32;
                            let cy = (i as f32 + sigmoid(ys[k])) / h as f32;
                            let bw = ws[k].exp() * anchor_w;
                            let bh = hs[k].exp() * anchor_h;
                            all.push(Det {
                                score: confidence,
                                rect: Rect {
                                    x1: cx - bw * 0.5,
                                    y1: cy - bh * 0.5,
                                    x2: cx + bw * 0.5,
                                    y2: cy + bh * 0.5,
                                },
                                area: bw * bh,
                                label: class_index,
                            });
                        }
                    }
                }
            }
        }
        qsort_descent(&mut all, |d| d.score);
        let mut picked: Vec<usize> = Vec::new();
        for (i, a) in all.iter().enumerate() {
            let keep = !picked.iter().any(|&j| {
                let b = &all[j];
                let inter = a.rect.intersection(&b.rect);
                let union = a.area + b.area - inter;
                inter > self.nms_threshold * union
            });
            if keep {
                picked.push(i);
            }
        }
        if picked.is_empty() {
            return Ok(vec![Mat::empty()]);
        }
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
        Ok(vec![out])
    }

    fn flops(&self, inputs: &[Vec<usize>], _output: &[usize]) -> u64 {
        inputs
            .iter()
            .map(|s| s.iter().product::<usize>() as u64)
            .sum()
    }
}
