//! PriorBox and DetectionOutput (`src/layer/priorbox.cpp`,
//! `detectionoutput.cpp`), the SSD head.

use super::{Params, Tensor};

/// PriorBox: `0` min sizes, `1` max sizes, `2` aspect ratios, `3`–`6`
/// variances, `7` flip, `8` clip, `9`/`10` image w/h (-233: the second
/// input's), `11`/`12` step w/h (-233: image / feature), `13` offset.
///
/// Caffe form: `[2, 4·w·h·n]`, boxes then variances; per cell, per min
/// size: the min box, the √(min·max) box, then each ratio's box (and its
/// flipped one). MXNet form (one input, image size -233, no max sizes):
/// `[4·w·h·n]` in feature-map units, n = sizes − 1 + ratios, ratio 0
/// skipped. `14` (mmdetection steps: rounded up) and `15` (mmdetection
/// centres: `offset · (step − 1)`) apply to the Caffe form.
pub fn priorbox(p: &Params, inputs: &[Tensor]) -> Tensor {
    let (w, h, _, _) = inputs[0].whdc();
    let min_sizes = p.floats(0);
    let max_sizes = p.floats(1);
    let ratios = p.floats(2);
    let var = [
        p.float(3, 0.1),
        p.float(4, 0.1),
        p.float(5, 0.2),
        p.float(6, 0.2),
    ];
    let flip = p.int(7, 1) != 0;
    let clip = p.int(8, 0) != 0;
    let (image_w, image_h) = (p.int(9, 0), p.int(10, 0));
    let (step_w, step_h) = (p.float(11, -233.0), p.float(12, -233.0));
    let offset = p.float(13, 0.0);
    let clip_all = |v: Vec<f32>| -> Vec<f32> {
        if clip {
            v.into_iter().map(|b| b.clamp(0.0, 1.0)).collect()
        } else {
            v
        }
    };

    if inputs.len() == 1 && image_w == -233 && image_h == -233 && max_sizes.is_empty() {
        let sw = if step_w == -233.0 {
            1.0 / w as f32
        } else {
            step_w
        };
        let sh = if step_h == -233.0 {
            1.0 / h as f32
        } else {
            step_h
        };
        let mut boxes = Vec::new();
        for i in 0..h {
            let cy = offset * sh + i as f32 * sh;
            let mut cx = offset * sw;
            for _ in 0..w {
                let mut push =
                    |cw: f32, ch: f32| boxes.extend([cx - cw, cy - ch, cx + cw, cy + ch]);
                for &size in &min_sizes {
                    push(size * h as f32 / w as f32 / 2.0, size / 2.0);
                }
                for &r in ratios.iter().skip(1) {
                    let r = r.sqrt();
                    let size = min_sizes[0];
                    push(size * h as f32 / w as f32 * r / 2.0, size / r / 2.0);
                }
                cx += sw;
            }
        }
        let n = boxes.len();
        return Tensor::new(&[n], clip_all(boxes));
    }

    let iw = if image_w == -233 {
        inputs[1].whdc().0 as i32
    } else {
        image_w
    } as f32;
    let ih = if image_h == -233 {
        inputs[1].whdc().1 as i32
    } else {
        image_h
    } as f32;
    let (mm_step, mm_centre) = (p.int(14, 0) != 0, p.int(15, 0) != 0);
    let step = |given: f32, image: f32, feature: usize| match (given == -233.0, mm_step) {
        (false, _) => given,
        (true, false) => image / feature as f32,
        (true, true) => (image / feature as f32).ceil(),
    };
    let sw = step(step_w, iw, w);
    let sh = step(step_h, ih, h);
    let mut boxes = Vec::new();
    for i in 0..h {
        let (mut cx, cy) = if mm_centre {
            (offset * (sw - 1.0), offset * (sh - 1.0) + i as f32 * sh)
        } else {
            (offset * sw, offset * sh + i as f32 * sh)
        };
        for _ in 0..w {
            let mut push = |bw: f32, bh: f32| {
                boxes.extend([
                    (cx - bw * 0.5) / iw,
                    (cy - bh * 0.5) / ih,
                    (cx + bw * 0.5) / iw,
                    (cy + bh * 0.5) / ih,
                ])
            };
            for (k, &min) in min_sizes.iter().enumerate() {
                push(min, min);
                if let Some(&max) = max_sizes.get(k) {
                    let s = (min * max).sqrt();
                    push(s, s);
                }
                for &ar in &ratios {
                    let (bw, bh) = (min * ar.sqrt(), min / ar.sqrt());
                    push(bw, bh);
                    if flip {
                        push(bh, bw);
                    }
                }
            }
            cx += sw;
        }
    }
    let n = boxes.len();
    let mut out = clip_all(boxes);
    for _ in 0..n / 4 {
        out.extend(var);
    }
    Tensor::new(&[2, n], out)
}

#[derive(Clone, Copy, Debug)]
struct Det {
    label: usize,
    score: f32,
    b: [f32; 4],
}

fn area(b: &[f32; 4]) -> f32 {
    (b[2] - b[0]) * (b[3] - b[1])
}

/// ncnn's intersection: 0 for boxes that do not touch.
fn intersection(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    if a[0] > b[2] || a[2] < b[0] || a[1] > b[3] || a[3] < b[1] {
        return 0.0;
    }
    (a[2].min(b[2]) - a[0].max(b[0])) * (a[3].min(b[3]) - a[1].max(b[1]))
}

/// Sorted by descending score (the cases' scores are distinct, so the
/// order of ncnn's unstable quicksort is the only one).
fn sort_desc(v: &mut [Det]) {
    v.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap());
}

/// DetectionOutput: inputs location `[n·4]`, confidence `[n, classes]`
/// (class 0 the background), priors `[2, n·4]` (boxes, variances) — or, in
/// the MXNet form (`0=-233`), confidence `[classes, n]` and priors `[n, 4]`
/// with the variances from `5`–`8`. `0` classes, `1` NMS IoU threshold,
/// `2` NMS top k, `3` keep top k, `4` confidence threshold. Output
/// `[detections, 6]`: label, score, xmin, ymin, xmax, ymax — per class (1…),
/// the boxes scoring above the threshold, best first, cut to the NMS top k,
/// greedy NMS; then all classes by score, cut to keep top k.
pub fn detection_output(p: &Params, inputs: &[Tensor]) -> Tensor {
    let num_class = p.int(0, 0);
    let nms = p.float(1, 0.05);
    let nms_top_k = p.int(2, 300) as usize;
    let keep_top_k = p.int(3, 100) as usize;
    let thr = p.float(4, 0.5);
    let param_var = [
        p.float(5, 0.1),
        p.float(6, 0.1),
        p.float(7, 0.2),
        p.float(8, 0.2),
    ];
    let (loc, conf, prior) = (&inputs[0].data, &inputs[1].data, &inputs[2]);
    let mxnet = num_class == -233;
    let (n, classes) = if mxnet {
        (prior.shape[0], inputs[1].shape[0])
    } else {
        (prior.shape[1] / 4, num_class as usize)
    };
    // Score of prior `j` for class `c`.
    let score = |j: usize, c: usize| {
        if mxnet {
            conf[c * n + j]
        } else {
            conf[j * classes + c]
        }
    };
    let pb = &prior.data[..n * 4];

    // Decoded boxes (skipped, as in ncnn, where the background is sure).
    let decoded: Vec<Option<[f32; 4]>> = (0..n)
        .map(|i| {
            if score(i, 0) as f64 >= 1.0 - thr as f64 {
                return None;
            }
            let (l, b) = (&loc[i * 4..], &pb[i * 4..]);
            let v = if mxnet {
                &param_var[..]
            } else {
                &prior.data[n * 4 + i * 4..]
            };
            let (pw, ph) = (b[2] - b[0], b[3] - b[1]);
            let (pcx, pcy) = ((b[0] + b[2]) * 0.5, (b[1] + b[3]) * 0.5);
            let cx = v[0] * l[0] * pw + pcx;
            let cy = v[1] * l[1] * ph + pcy;
            let bw = (v[2] * l[2]).exp() * pw;
            let bh = (v[3] * l[3]).exp() * ph;
            Some([cx - bw * 0.5, cy - bh * 0.5, cx + bw * 0.5, cy + bh * 0.5])
        })
        .collect();

    let mut all = Vec::new();
    for c in 1..classes {
        let mut cands: Vec<Det> = (0..n)
            .filter(|&j| score(j, c) > thr)
            .map(|j| Det {
                label: c,
                score: score(j, c),
                b: decoded[j].expect("a candidate box of a skipped prior"),
            })
            .collect();
        sort_desc(&mut cands);
        cands.truncate(nms_top_k);
        let mut picked: Vec<Det> = Vec::new();
        for d in cands {
            let keep = picked.iter().all(|k| {
                let inter = intersection(&d.b, &k.b);
                // Suppressed when IoU > threshold (a NaN IoU suppresses nothing).
                let iou = inter / (area(&d.b) + area(&k.b) - inter);
                iou.partial_cmp(&nms) != Some(std::cmp::Ordering::Greater)
            });
            if keep {
                picked.push(d);
            }
        }
        all.extend(picked);
    }
    sort_desc(&mut all);
    all.truncate(keep_top_k);
    if all.is_empty() {
        return Tensor::empty();
    }
    let out: Vec<f32> = all
        .iter()
        .flat_map(|d| [d.label as f32, d.score, d.b[0], d.b[1], d.b[2], d.b[3]])
        .collect();
    Tensor::new(&[all.len(), 6], out)
}
