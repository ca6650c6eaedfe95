//! UltraFace (Ultra-Light-Fast-Generic-Face-Detector-1MB) post-processing:
//! SSD-style priors, box decoding, NMS — as the model's ncnn demo does it
//! (with hard NMS).

use octet::pixels::PixelFormat;
use octet::{Mat, Net};

/// Model input size.
pub const WIDTH: usize = 320;
pub const HEIGHT: usize = 240;
const STRIDES: [f32; 4] = [8.0, 16.0, 32.0, 64.0];
const MIN_BOXES: [&[f32]; 4] = [
    &[10.0, 16.0, 24.0],
    &[32.0, 48.0],
    &[64.0, 96.0],
    &[128.0, 192.0, 256.0],
];
const CENTER_VARIANCE: f32 = 0.1;
const SIZE_VARIANCE: f32 = 0.2;
/// Detections below this score are dropped.
pub const SCORE_THRESHOLD: f32 = 0.7;
/// Boxes overlapping a better one by more than this IoU are suppressed.
pub const NMS_IOU: f32 = 0.3;

/// A detected face in image pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Face {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
    pub score: f32,
}

impl Face {
    pub fn area(&self) -> f32 {
        (self.x2 - self.x1).max(0.0) * (self.y2 - self.y1).max(0.0)
    }

    pub fn iou(&self, o: &Face) -> f32 {
        let w = (self.x2.min(o.x2) - self.x1.max(o.x1)).max(0.0);
        let h = (self.y2.min(o.y2) - self.y1.max(o.y1)).max(0.0);
        let inter = w * h;
        let union = self.area() + o.area() - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }
}

/// Priors `[cx, cy, w, h]` (relative), in the order of the model's outputs.
pub fn priors() -> Vec<[f32; 4]> {
    let mut p = Vec::new();
    for (idx, &stride) in STRIDES.iter().enumerate() {
        let (fw, fh) = (
            (WIDTH as f32 / stride).ceil() as usize,
            (HEIGHT as f32 / stride).ceil() as usize,
        );
        let (sw, sh) = (WIDTH as f32 / stride, HEIGHT as f32 / stride);
        for j in 0..fh {
            for i in 0..fw {
                let (cx, cy) = (
                    ((i as f32 + 0.5) / sw).min(1.0),
                    ((j as f32 + 0.5) / sh).min(1.0),
                );
                for &k in MIN_BOXES[idx] {
                    p.push([
                        cx,
                        cy,
                        (k / WIDTH as f32).min(1.0),
                        (k / HEIGHT as f32).min(1.0),
                    ]);
                }
            }
        }
    }
    p
}

/// The model's input tensor from an image: RGB, 320×240, `(x − 127) / 128`.
pub fn input_tensor(img: &image::DynamicImage) -> Mat {
    let rgb = img.to_rgb8();
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let (mean, norm) = ([127.0; 3], [1.0 / 128.0; 3]);
    octet::pixels::from_pixels_resize(
        rgb.as_raw(),
        PixelFormat::Rgb,
        w,
        h,
        PixelFormat::Rgb,
        WIDTH,
        HEIGHT,
        &mean,
        &norm,
    )
    .expect("an RGB image converts")
}

/// Decodes `scores` (`[n, 2]`) and `boxes` (`[n, 4]`) into faces of an image of `w × h` pixels, after NMS.
pub fn decode(scores: &[f32], boxes: &[f32], w: f32, h: f32) -> Vec<Face> {
    let priors = priors();
    let mut faces = Vec::new();
    for (i, p) in priors.iter().enumerate() {
        let Some(&score) = scores.get(i * 2 + 1) else {
            break;
        };
        if score <= SCORE_THRESHOLD {
            continue;
        }
        let b = &boxes[i * 4..i * 4 + 4];
        let cx = b[0] * CENTER_VARIANCE * p[2] + p[0];
        let cy = b[1] * CENTER_VARIANCE * p[3] + p[1];
        let bw = (b[2] * SIZE_VARIANCE).exp() * p[2];
        let bh = (b[3] * SIZE_VARIANCE).exp() * p[3];
        faces.push(Face {
            x1: (cx - bw / 2.0).clamp(0.0, 1.0) * w,
            y1: (cy - bh / 2.0).clamp(0.0, 1.0) * h,
            x2: (cx + bw / 2.0).clamp(0.0, 1.0) * w,
            y2: (cy + bh / 2.0).clamp(0.0, 1.0) * h,
            score: score.min(1.0),
        });
    }
    nms(faces, NMS_IOU)
}

/// Hard NMS: best score first, drop boxes overlapping a kept one by more than `iou`.
pub fn nms(mut faces: Vec<Face>, iou: f32) -> Vec<Face> {
    faces.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Face> = Vec::new();
    for f in faces {
        if kept.iter().all(|k| k.iou(&f) <= iou) {
            kept.push(f);
        }
    }
    kept
}

/// Runs the detector on an image.
pub fn detect(net: &Net, img: &image::DynamicImage) -> octet::Result<Vec<Face>> {
    let mut ex = net.extractor();
    ex.input("input", input_tensor(img))?;
    let out = ex.extract_many(&["scores", "boxes"])?;
    Ok(decode(
        &out[0].to_vec(),
        &out[1].to_vec(),
        img.width() as f32,
        img.height() as f32,
    ))
}

/// Greedy one-to-one matching at `iou`: (matched, unmatched in `reference`, unmatched in `found`).
pub fn match_faces(reference: &[Face], found: &[Face], iou: f32) -> (usize, usize, usize) {
    let mut used = vec![false; found.len()];
    let mut matched = 0;
    for r in reference {
        let best = (0..found.len())
            .filter(|&j| !used[j])
            .max_by(|&a, &b| r.iou(&found[a]).total_cmp(&r.iou(&found[b])));
        if let Some(j) = best {
            if r.iou(&found[j]) >= iou {
                used[j] = true;
                matched += 1;
            }
        }
    }
    (matched, reference.len() - matched, found.len() - matched)
}

/// Draws each face as a 3-pixel rectangle.
pub fn draw(img: &mut image::RgbImage, faces: &[Face], color: [u8; 3]) {
    let (w, h) = (img.width() as i64, img.height() as i64);
    for f in faces {
        let (x1, y1, x2, y2) = (f.x1 as i64, f.y1 as i64, f.x2 as i64, f.y2 as i64);
        for t in 0..3 {
            for x in x1..=x2 {
                for y in [y1 + t, y2 - t] {
                    if (0..w).contains(&x) && (0..h).contains(&y) {
                        img.put_pixel(x as u32, y as u32, image::Rgb(color));
                    }
                }
            }
            for y in y1..=y2 {
                for x in [x1 + t, x2 - t] {
                    if (0..w).contains(&x) && (0..h).contains(&y) {
                        img.put_pixel(x as u32, y as u32, image::Rgb(color));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prior_count_matches_the_model() {
        assert_eq!(priors().len(), 4420);
    }

    #[test]
    fn nms_and_matching() {
        let a = Face {
            x1: 0.0,
            y1: 0.0,
            x2: 10.0,
            y2: 10.0,
            score: 0.9,
        };
        let b = Face {
            x1: 1.0,
            y1: 1.0,
            x2: 11.0,
            y2: 11.0,
            score: 0.8,
        };
        let c = Face {
            x1: 50.0,
            y1: 50.0,
            x2: 60.0,
            y2: 60.0,
            score: 0.75,
        };
        assert_eq!(nms(vec![b, a, c], 0.3), vec![a, c]);
        assert_eq!(match_faces(&[a, c], &[b], 0.5), (1, 1, 0));
    }
}
