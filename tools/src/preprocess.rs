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
            None => match net.declared_input_shape(input) {
                Some(sh) if sh.len() == 3 => (sh[2], sh[1]),
                _ => bail!("input `{input}` declares no size; give --size W,H"),
            },
        };
        if let Some(sh) = net.declared_input_shape(input) {
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
            octet::pixels::resize_bilinear(&pixels, sw, sh, c, self.width, self.height)
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
