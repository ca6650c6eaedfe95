//! Images to input tensors: decode (JPEG, PNG, BMP via the `image` crate),
//! resize with ncnn's own fixed-point bilinear (`resize_bilinear_c3`), order
//! channels, then `(pixel − mean) · norm` per channel, as ncnn's
//! `from_pixels_resize` + `substract_mean_normalize` do.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use octet::Mat;

/// Channel order the model expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PixelOrder {
    Bgr,
    Rgb,
    Gray,
}

/// Preprocessing flags shared by calibrate, compare, classify and eval.
#[derive(clap::Args, Clone, Debug)]
pub struct PreprocessArgs {
    /// Per-channel mean, in the model's channel order (1 value or one per channel).
    #[arg(long, num_args = 1.., value_name = "V")]
    pub mean: Vec<f32>,
    /// Per-channel multiplier applied after the mean (1 value or one per channel).
    #[arg(long, num_args = 1.., value_name = "V")]
    pub norm: Vec<f32>,
    /// Input size W,H (default: the model's Input layer).
    #[arg(long)]
    pub size: Option<String>,
    /// Channel order the model expects.
    #[arg(long, value_enum, default_value = "bgr")]
    pub pixel: PixelOrder,
}

/// Resolved preprocessing.
#[derive(Clone, Debug, PartialEq)]
pub struct Preprocess {
    pub width: usize,
    pub height: usize,
    pub pixel: PixelOrder,
    pub mean: Vec<f32>,
    pub norm: Vec<f32>,
}

fn per_channel(v: &[f32], c: usize, default: f32, flag: &str) -> Result<Vec<f32>> {
    match v.len() {
        0 => Ok(vec![default; c]),
        1 => Ok(vec![v[0]; c]),
        n if n == c => Ok(v.to_vec()),
        n => bail!("--{flag} takes 1 or {c} values for a {c}-channel input, got {n}"),
    }
}

impl PreprocessArgs {
    /// Resolves sizes against the net's declared input.
    pub fn resolve(&self, net: &octet::Net, input: &str) -> Result<Preprocess> {
        let channels = if self.pixel == PixelOrder::Gray { 1 } else { 3 };
        let (width, height) = match &self.size {
            Some(s) => {
                let v = crate::common::parse_shape(s)?;
                if v.len() != 2 {
                    bail!("--size takes W,H, got `{s}`");
                }
                (v[0], v[1])
            }
            None => match crate::common::declared_input_shape(net, input) {
                Some(sh) if sh.len() == 3 => (sh[2], sh[1]),
                _ => bail!("input `{input}` declares no size; give --size W,H"),
            },
        };
        if let Some(sh) = crate::common::declared_input_shape(net, input) {
            if sh.len() == 3 && sh[0] != channels {
                bail!(
                    "input `{input}` has {} channels but --pixel {:?} gives {channels}",
                    sh[0],
                    self.pixel
                );
            }
        }
        Ok(Preprocess {
            width,
            height,
            pixel: self.pixel,
            mean: per_channel(&self.mean, channels, 0.0, "mean")?,
            norm: per_channel(&self.norm, channels, 1.0, "norm")?,
        })
    }
}

/// ncnn's `resize_bilinear_c3`/`_c1` (11-bit fixed point, the same rounding),
/// for `channels`-interleaved 8-bit pixels.
pub fn resize_bilinear(
    src: &[u8],
    sw: usize,
    sh: usize,
    channels: usize,
    w: usize,
    h: usize,
) -> Vec<u8> {
    const COEF_SCALE: f32 = 2048.0;
    let sat_short = |x: f32| -> i16 {
        let r = (x + if x >= 0.0 { 0.5 } else { -0.5 }) as i32;
        r.clamp(i16::MIN as i32, i16::MAX as i32) as i16
    };
    let coeffs = |dst: usize, srcn: usize| -> (Vec<usize>, Vec<[i16; 2]>) {
        let scale = srcn as f64 / dst as f64;
        let mut ofs = Vec::with_capacity(dst);
        let mut a = Vec::with_capacity(dst);
        for d in 0..dst {
            let mut f = ((d as f64 + 0.5) * scale - 0.5) as f32;
            let mut s = f.floor() as i64;
            f -= s as f32;
            if s < 0 {
                s = 0;
                f = 0.0;
            }
            if s >= srcn as i64 - 1 {
                s = srcn as i64 - 2;
                f = 1.0;
            }
            ofs.push(s.max(0) as usize);
            a.push([sat_short((1.0 - f) * COEF_SCALE), sat_short(f * COEF_SCALE)]);
        }
        (ofs, a)
    };
    let (xofs, alpha) = coeffs(w, sw);
    let (yofs, beta) = coeffs(h, sh);
    let c = channels;
    let hresize = |row: usize| -> Vec<i16> {
        let s = &src[row * sw * c..];
        let mut out = vec![0i16; w * c];
        for dx in 0..w {
            let sx = xofs[dx] * c;
            let [a0, a1] = alpha[dx];
            for k in 0..c {
                let v1 = if sw > 1 { s[sx + c + k] as i32 } else { 0 };
                out[dx * c + k] = ((s[sx + k] as i32 * a0 as i32 + v1 * a1 as i32) >> 4) as i16;
            }
        }
        out
    };
    let mut dst = vec![0u8; w * h * c];
    for dy in 0..h {
        let sy = yofs[dy];
        let r0 = hresize(sy);
        let r1 = if sh > 1 {
            hresize(sy + 1)
        } else {
            vec![0; w * c]
        };
        let [b0, b1] = beta[dy];
        let d = &mut dst[dy * w * c..(dy + 1) * w * c];
        for i in 0..w * c {
            let v0 = ((b0 as i32 * r0[i] as i32) >> 16) as i16 as i32;
            let v1 = ((b1 as i32 * r1[i] as i32) >> 16) as i16 as i32;
            d[i] = ((v0 + v1 + 2) >> 2) as u8;
        }
    }
    dst
}

impl Preprocess {
    pub fn channels(&self) -> usize {
        if self.pixel == PixelOrder::Gray {
            1
        } else {
            3
        }
    }

    /// Decodes and converts one image file.
    pub fn load(&self, path: &Path) -> Result<Mat> {
        let img =
            image::open(path).with_context(|| format!("{}: cannot read image", path.display()))?;
        Ok(self.convert(&img))
    }

    /// Converts a decoded image.
    pub fn convert(&self, img: &image::DynamicImage) -> Mat {
        let (sw, sh) = (img.width() as usize, img.height() as usize);
        let c = self.channels();
        let pixels: Vec<u8> = if c == 1 {
            img.to_luma8().into_raw()
        } else {
            img.to_rgb8().into_raw()
        };
        let resized = if (sw, sh) == (self.width, self.height) {
            pixels
        } else {
            resize_bilinear(&pixels, sw, sh, c, self.width, self.height)
        };
        let n = self.width * self.height;
        let mut data = vec![0f32; c * n];
        for i in 0..n {
            for q in 0..c {
                // Source pixels are RGB; BGR models get channel 0 = blue.
                let src = if self.pixel == PixelOrder::Bgr {
                    2 - q
                } else {
                    q
                };
                data[q * n + i] = (resized[i * c + src] as f32 - self.mean[q]) * self.norm[q];
            }
        }
        Mat::from_slice(&[c, self.height, self.width], &data).expect("shape matches data")
    }
}

/// Image files (jpg, jpeg, png, bmp) in `dir`, sorted by name; an error if none.
pub fn list_images(dir: &Path, limit: Option<usize>) -> Result<Vec<PathBuf>> {
    let rd =
        std::fs::read_dir(dir).with_context(|| format!("{}: cannot read folder", dir.display()))?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                matches!(
                    e.to_ascii_lowercase().as_str(),
                    "jpg" | "jpeg" | "png" | "bmp"
                )
            })
        })
        .collect();
    v.sort();
    if let Some(n) = limit {
        v.truncate(n);
    }
    if v.is_empty() {
        bail!("{}: no images (.jpg, .jpeg, .png, .bmp)", dir.display());
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resize_matches_ncnn_on_known_values() {
        // 2x2 → 4x4 upscale of one channel: ncnn gives these exact values.
        let src = [0u8, 100, 200, 255];
        let out = resize_bilinear(&src, 2, 2, 1, 4, 4);
        assert_eq!(&out[..4], &[0, 25, 75, 100]);
        assert_eq!(&out[12..], &[200, 214, 241, 255]);
        // Identity size keeps values.
        let img: Vec<u8> = (0..27).map(|v| (v * 9) as u8).collect();
        assert_eq!(resize_bilinear(&img, 3, 3, 3, 3, 3), img);
    }

    #[test]
    fn channel_order_mean_norm() {
        let mut img = image::RgbImage::new(1, 1);
        img.put_pixel(0, 0, image::Rgb([10, 20, 30]));
        let p = Preprocess {
            width: 1,
            height: 1,
            pixel: PixelOrder::Bgr,
            mean: vec![1.0, 2.0, 3.0],
            norm: vec![1.0, 0.5, 2.0],
        };
        let m = p.convert(&image::DynamicImage::ImageRgb8(img.clone()));
        assert_eq!(m.to_vec(), vec![29.0, 9.0, 14.0]);
        let p = Preprocess {
            pixel: PixelOrder::Rgb,
            ..p
        };
        assert_eq!(
            p.convert(&image::DynamicImage::ImageRgb8(img)).to_vec(),
            vec![9.0, 9.0, 54.0]
        );
    }

    #[test]
    fn mean_arity_is_checked() {
        assert!(per_channel(&[1.0, 2.0], 3, 0.0, "mean")
            .unwrap_err()
            .to_string()
            .contains("--mean takes 1 or 3 values"));
        assert_eq!(per_channel(&[5.0], 3, 0.0, "mean").unwrap(), vec![5.0; 3]);
    }
}
