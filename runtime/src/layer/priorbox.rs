//! PriorBox (Caffe SSD; MXNet style when `9=10=-233` with one input and no
//! max sizes): `-23300=min_sizes -23301=max_sizes -23302=aspect_ratios
//! 3..6=variances 7=flip 8=clip 9=image_width 10=image_height 11=step_width
//! 12=step_height 13=offset 14=step_mmdetection
//! 15=center_mmdetection`.

use crate::error::LayerResult;
use crate::layer::{ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Default)]
pub struct PriorBox {
    min_sizes: Vec<f32>,
    max_sizes: Vec<f32>,
    aspect_ratios: Vec<f32>,
    variances: [f32; 4],
    flip: bool,
    clip: bool,
    image_width: i32,
    image_height: i32,
    step_width: f32,
    step_height: f32,
    offset: f32,
    /// Steps from the image size rounded up (mmdetection's anchors).
    step_mmdetection: bool,
    /// Centres at `offset · (step − 1)` (mmdetection's anchors).
    center_mmdetection: bool,
}

impl Layer for PriorBox {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.min_sizes = pd.get_floats(0)?;
        self.max_sizes = pd.get_floats(1)?;
        self.aspect_ratios = pd.get_floats(2)?;
        self.variances = [
            pd.get_float(3, 0.1)?,
            pd.get_float(4, 0.1)?,
            pd.get_float(5, 0.2)?,
            pd.get_float(6, 0.2)?,
        ];
        self.flip = pd.get_int(7, 1)? != 0;
        self.clip = pd.get_int(8, 0)? != 0;
        self.image_width = pd.get_int(9, 0)?;
        self.image_height = pd.get_int(10, 0)?;
        self.step_width = pd.get_float(11, -233.0)?;
        self.step_height = pd.get_float(12, -233.0)?;
        self.offset = pd.get_float(13, 0.0)?;
        self.step_mmdetection = pd.get_int(14, 0)? != 0;
        self.center_mmdetection = pd.get_int(15, 0)? != 0;
        if self.min_sizes.is_empty() {
            return Err("min_sizes (-23300) must not be empty".into());
        }
        if !self.max_sizes.is_empty() && self.max_sizes.len() != self.min_sizes.len() {
            return Err("max_sizes must be empty or as long as min_sizes".into());
        }
        Ok(())
    }

    /// Only the inputs' shapes are read: int8 maps need no dequantizing.
    fn int8_input(&self) -> Int8Input {
        Int8Input::ShapeOnly
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let feat = inputs.first().ok_or("needs the feature map input")?;
        let (w, h) = (feat.w(), feat.h());
        if inputs.len() == 1
            && self.image_width == -233
            && self.image_height == -233
            && self.max_sizes.is_empty()
        {
            // MXNet _contrib_MultiBoxPrior.
            let step_w = if self.step_width == -233.0 {
                1.0 / w as f32
            } else {
                self.step_width
            };
            let step_h = if self.step_height == -233.0 {
                1.0 / h as f32
            } else {
                self.step_height
            };
            let num_sizes = self.min_sizes.len();
            let num_ratios = self.aspect_ratios.len();
            let num_prior = num_sizes - 1 + num_ratios;
            let mut out = Mat::new_1d(4 * w * h * num_prior);
            let d = out.data_mut();
            let mut k = 0;
            for i in 0..h {
                let cy = self.offset * step_h + i as f32 * step_h;
                let mut cx = self.offset * step_w;
                for _ in 0..w {
                    for &size in &self.min_sizes {
                        let cw = size * h as f32 / w as f32 / 2.0;
                        let ch = size / 2.0;
                        d[k..k + 4].copy_from_slice(&[cx - cw, cy - ch, cx + cw, cy + ch]);
                        k += 4;
                    }
                    let size = self.min_sizes[0];
                    for &r in self.aspect_ratios.iter().skip(1) {
                        let ratio = r.sqrt();
                        let cw = size * h as f32 / w as f32 * ratio / 2.0;
                        let ch = size / ratio / 2.0;
                        d[k..k + 4].copy_from_slice(&[cx - cw, cy - ch, cx + cw, cy + ch]);
                        k += 4;
                    }
                    cx += step_w;
                }
            }
            if self.clip {
                d.iter_mut().for_each(|v| *v = v.clamp(0.0, 1.0));
            }
            return Ok(vec![out]);
        }

        let image = inputs.get(1);
        let image_w = if self.image_width == -233 {
            image
                .ok_or("image_width -233 needs the image as a second input")?
                .w() as f32
        } else {
            self.image_width as f32
        };
        let image_h = if self.image_height == -233 {
            image
                .ok_or("image_height -233 needs the image as a second input")?
                .h() as f32
        } else {
            self.image_height as f32
        };
        let derived = |image: f32, n: usize| {
            let s = image / n as f32;
            if self.step_mmdetection {
                s.ceil()
            } else {
                s
            }
        };
        let step_w = if self.step_width == -233.0 {
            derived(image_w, w)
        } else {
            self.step_width
        };
        let step_h = if self.step_height == -233.0 {
            derived(image_h, h)
        } else {
            self.step_height
        };
        let (cx0, cy0) = if self.center_mmdetection {
            (self.offset * (step_w - 1.0), self.offset * (step_h - 1.0))
        } else {
            (self.offset * step_w, self.offset * step_h)
        };
        let nmin = self.min_sizes.len();
        let nmax = self.max_sizes.len();
        let nar = self.aspect_ratios.len();
        let mut num_prior = nmin * nar + nmin + nmax;
        if self.flip {
            num_prior += nmin * nar;
        }
        let n = 4 * w * h * num_prior;
        let mut out = Mat::new_2d(n, 2);
        let d = out.data_mut();
        let mut k = 0;
        let mut push = |d: &mut [f32], cx: f32, cy: f32, bw: f32, bh: f32| {
            d[k] = (cx - bw * 0.5) / image_w;
            d[k + 1] = (cy - bh * 0.5) / image_h;
            d[k + 2] = (cx + bw * 0.5) / image_w;
            d[k + 3] = (cy + bh * 0.5) / image_h;
            k += 4;
        };
        for i in 0..h {
            let cy = cy0 + i as f32 * step_h;
            let mut cx = cx0;
            for _ in 0..w {
                for (ki, &min_size) in self.min_sizes.iter().enumerate() {
                    push(d, cx, cy, min_size, min_size);
                    if nmax > 0 {
                        let s = (min_size * self.max_sizes[ki]).sqrt();
                        push(d, cx, cy, s, s);
                    }
                    for &ar in &self.aspect_ratios {
                        let bw = min_size * ar.sqrt();
                        let bh = min_size / ar.sqrt();
                        push(d, cx, cy, bw, bh);
                        if self.flip {
                            push(d, cx, cy, bh, bw);
                        }
                    }
                }
                cx += step_w;
            }
        }
        if self.clip {
            d[..n].iter_mut().for_each(|v| *v = v.clamp(0.0, 1.0));
        }
        for i in 0..n / 4 {
            d[n + i * 4..n + i * 4 + 4].copy_from_slice(&self.variances);
        }
        Ok(vec![out])
    }
}
