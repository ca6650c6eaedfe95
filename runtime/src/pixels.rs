//! Pixels to tensors, as ncnn's `Mat::from_pixels_resize` and
//! `substract_mean_normalize`: camera frames arrive as interleaved 8-bit RGB,
//! BGR or gray buffers, and models expect planar fp32 with a mean and a scale.

use crate::mat::Mat;

/// Layout of an interleaved 8-bit pixel buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelFormat {
    Rgb,
    Bgr,
    Gray,
}

impl PixelFormat {
    pub fn channels(self) -> usize {
        if self == PixelFormat::Gray {
            1
        } else {
            3
        }
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

/// Converts interleaved pixels (`src` in `from` layout, `w × h`) to a planar
/// fp32 Mat of `tw × th` in `to` channel order, resized with
/// [`resize_bilinear`], then `(v − mean[c]) · norm[c]` (empty `mean`/`norm`:
/// 0 and 1). Channel counts of `from` and `to` must agree (RGB↔BGR swap).
#[allow(clippy::too_many_arguments)]
pub fn from_pixels_resize(
    src: &[u8],
    from: PixelFormat,
    w: usize,
    h: usize,
    to: PixelFormat,
    tw: usize,
    th: usize,
    mean: &[f32],
    norm: &[f32],
) -> Result<Mat, String> {
    let c = from.channels();
    if to.channels() != c {
        return Err(format!("cannot convert {from:?} pixels to {to:?}"));
    }
    if w == 0 || h == 0 || tw == 0 || th == 0 {
        return Err("sizes must be positive".into());
    }
    if src.len() < w * h * c {
        return Err(format!(
            "{} bytes for a {w}×{h} {from:?} image (needs {})",
            src.len(),
            w * h * c
        ));
    }
    for (v, what) in [(mean, "mean"), (norm, "norm")] {
        if !v.is_empty() && v.len() != c {
            return Err(format!("{} {what} values for {c} channels", v.len()));
        }
    }
    let resized = if (w, h) == (tw, th) {
        src[..w * h * c].to_vec()
    } else {
        resize_bilinear(src, w, h, c, tw, th)
    };
    let n = tw * th;
    let mut data = vec![0f32; c * n];
    let swap = from != to;
    for i in 0..n {
        for q in 0..c {
            let s = if swap { c - 1 - q } else { q };
            let m = mean.get(q).copied().unwrap_or(0.0);
            let k = norm.get(q).copied().unwrap_or(1.0);
            data[q * n + i] = (resized[i * c + s] as f32 - m) * k;
        }
    }
    Mat::from_slice(&[c, th, tw], &data)
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
    fn swaps_channels_and_normalises() {
        let m = from_pixels_resize(
            &[10, 20, 30],
            PixelFormat::Rgb,
            1,
            1,
            PixelFormat::Bgr,
            1,
            1,
            &[1.0, 2.0, 3.0],
            &[1.0, 0.5, 2.0],
        )
        .unwrap();
        assert_eq!(m.to_vec(), vec![29.0, 9.0, 14.0]);
        assert!(from_pixels_resize(
            &[0; 2],
            PixelFormat::Rgb,
            1,
            1,
            PixelFormat::Rgb,
            1,
            1,
            &[],
            &[]
        )
        .is_err());
        assert!(from_pixels_resize(
            &[0; 3],
            PixelFormat::Rgb,
            1,
            1,
            PixelFormat::Gray,
            1,
            1,
            &[],
            &[]
        )
        .is_err());
    }
}
