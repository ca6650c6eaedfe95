//! Padding layer and the `copy_make_border` helper convolution and pooling use.

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::modelbin::{ModelSource, Role};
use crate::param::ParamDict;

/// How the border is filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BorderType {
    Constant,
    Replicate,
    Reflect,
}

/// Source index for output position `i` of a padded axis (`pad` before, `n` inside).
#[inline]
fn src_index(i: isize, n: isize, border: BorderType) -> Option<usize> {
    if (0..n).contains(&i) {
        return Some(i as usize);
    }
    match border {
        BorderType::Constant => None,
        BorderType::Replicate => Some(i.clamp(0, n - 1) as usize),
        BorderType::Reflect => {
            let mut j = i;
            if n == 1 {
                return Some(0);
            }
            while !(0..n).contains(&j) {
                j = if j < 0 { -j } else { 2 * (n - 1) - j };
            }
            Some(j as usize)
        }
    }
}

/// Pads every channel of an fp32 Mat (2-D or 3-D) by the given amounts.
pub fn copy_make_border(
    src: &Mat,
    top: usize,
    bottom: usize,
    left: usize,
    right: usize,
    border: BorderType,
    value: f32,
) -> Mat {
    let (w, h) = (src.w(), src.h());
    let (ow, oh) = (w + left + right, h + top + bottom);
    let mut out = Mat::with_shape(src.dims().max(2), ow, oh, 1, src.c());
    for q in 0..src.c() {
        border_plane(
            src.channel(q),
            w,
            h,
            out.channel_mut(q),
            ow,
            oh,
            top,
            left,
            border,
            value,
        );
    }
    out
}

/// One `w × h` plane `s` into the `ow × oh` plane `o`, its top-left corner
/// at (`left`, `top`), the border filled as `border` says.
#[allow(clippy::too_many_arguments)]
fn border_plane(
    s: &[f32],
    w: usize,
    h: usize,
    o: &mut [f32],
    ow: usize,
    oh: usize,
    top: usize,
    left: usize,
    border: BorderType,
    value: f32,
) {
    for y in 0..oh {
        let sy = src_index(y as isize - top as isize, h as isize, border);
        let row = &mut o[y * ow..(y + 1) * ow];
        match sy {
            None => row.iter_mut().for_each(|v| *v = value),
            Some(sy) => {
                let srow = &s[sy * w..(sy + 1) * w];
                if border == BorderType::Constant {
                    row[..left].iter_mut().for_each(|v| *v = value);
                    row[left..left + w].copy_from_slice(srow);
                    row[left + w..].iter_mut().for_each(|v| *v = value);
                } else {
                    for (x, v) in row.iter_mut().enumerate() {
                        let sx =
                            src_index(x as isize - left as isize, w as isize, border).unwrap_or(0);
                        *v = srow[sx];
                    }
                }
            }
        }
    }
}

/// Constant-pads every channel of an int8 Mat (keeps its scale).
pub fn copy_make_border_i8(
    src: &Mat,
    top: usize,
    bottom: usize,
    left: usize,
    right: usize,
    value: i8,
) -> Mat {
    let (w, h) = (src.w(), src.h());
    let (ow, oh) = (w + left + right, h + top + bottom);
    let mut out = Mat::new_3d_i8(ow, oh, src.c(), src.int8_scale());
    let ocstep = out.cstep();
    let scstep = src.cstep();
    let sdata = src.data_i8();
    let odata = out.data_i8_mut();
    for q in 0..src.c() {
        let o = &mut odata[q * ocstep..q * ocstep + ow * oh];
        if value != 0 {
            o.iter_mut().for_each(|v| *v = value);
        }
        for y in 0..h {
            let srow = &sdata[q * scstep + y * w..q * scstep + (y + 1) * w];
            o[(y + top) * ow + left..(y + top) * ow + left + w].copy_from_slice(srow);
        }
    }
    out
}

/// ncnn `Padding`: `0=top 1=bottom 2=left 3=right 4=type 5=value 6=per-channel values 7=front 8=behind`.
#[derive(Default)]
pub struct Padding {
    top: usize,
    bottom: usize,
    left: usize,
    right: usize,
    front: usize,
    behind: usize,
    border: Option<BorderType>,
    value: f32,
    per_channel_size: usize,
    per_channel: Vec<f32>,
}

fn non_negative(v: i32, what: &str) -> LayerResult<usize> {
    usize::try_from(v).map_err(|_| format!("{what} must not be negative, got {v}").into())
}

impl Layer for Padding {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.top = non_negative(pd.get_int(0, 0)?, "top")?;
        self.bottom = non_negative(pd.get_int(1, 0)?, "bottom")?;
        self.left = non_negative(pd.get_int(2, 0)?, "left")?;
        self.right = non_negative(pd.get_int(3, 0)?, "right")?;
        self.border = Some(match pd.get_int(4, 0)? {
            0 => BorderType::Constant,
            1 => BorderType::Replicate,
            2 => BorderType::Reflect,
            t => return Err(format!("unknown padding type {t}").into()),
        });
        self.value = pd.get_float(5, 0.0)?;
        self.per_channel_size = non_negative(pd.get_int(6, 0)?, "per-channel pad size")?;
        self.front = non_negative(pd.get_int(7, 0)?, "front")?;
        self.behind = non_negative(pd.get_int(8, 0)?, "behind")?;
        Ok(())
    }

    fn load_model(&mut self, mb: &mut dyn ModelSource) -> LayerResult<()> {
        if self.per_channel_size > 0 {
            self.per_channel = mb.load_raw(self.per_channel_size, Role::Other)?;
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let src = single(inputs)?;
        let border = self.border.unwrap_or(BorderType::Constant);
        let (l, r, t, b) = (self.left, self.right, self.top, self.bottom);
        if l + r + t + b + self.front + self.behind == 0 {
            return Ok(vec![src]);
        }
        let (w, h, d, c) = (src.w(), src.h(), src.d(), src.c());
        if src.dims() == 1 {
            let mut out = Mat::new_1d(w + l + r);
            let o = out.data_mut();
            for (x, v) in o.iter_mut().enumerate() {
                *v = match src_index(x as isize - l as isize, w as isize, border) {
                    Some(i) => src.data()[i],
                    None => self.value,
                };
            }
            return Ok(vec![out]);
        }
        if src.dims() == 2 {
            return Ok(vec![copy_make_border(&src, t, b, l, r, border, self.value)]);
        }
        let (ow, oh) = (w + l + r, h + t + b);
        // 3-D: front/behind pad channels; 4-D: they pad depth. Per-channel
        // values (6=) are indexed by the output channel.
        let (outd, outc) = if src.dims() == 3 {
            (1, c + self.front + self.behind)
        } else {
            (d + self.front + self.behind, c)
        };
        if !self.per_channel.is_empty() && self.per_channel.len() < outc {
            return Err(format!(
                "{} per-channel pad values (6=) for {outc} output channels",
                self.per_channel.len()
            )
            .into());
        }
        let mut out = Mat::with_shape(src.dims(), ow, oh, outd, outc);
        let (plane, oplane) = (w * h, ow * oh);
        for q in 0..outc {
            let value = self.per_channel.get(q).copied().unwrap_or(self.value);
            for z in 0..outd {
                let dst = &mut out.channel_mut(q)[z * oplane..(z + 1) * oplane];
                // The source channel (3-D) or depth slice (4-D) of this output plane.
                let (sq, sz) = if src.dims() == 3 {
                    (
                        src_index(q as isize - self.front as isize, c as isize, border),
                        Some(0),
                    )
                } else {
                    (
                        Some(q),
                        src_index(z as isize - self.front as isize, d as isize, border),
                    )
                };
                match (sq, sz) {
                    (Some(sq), Some(sz)) => {
                        let s = &src.channel(sq)[sz * plane..(sz + 1) * plane];
                        border_plane(s, w, h, dst, ow, oh, t, l, border, value);
                    }
                    _ => dst.iter_mut().for_each(|v| *v = value),
                }
            }
        }
        Ok(vec![out])
    }

    fn max_input_dims(&self) -> usize {
        4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borders() {
        let m = Mat::from_slice(&[1, 2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let c = copy_make_border(&m, 1, 0, 1, 2, BorderType::Constant, -1.0);
        assert_eq!((c.w(), c.h()), (6, 3));
        assert_eq!(
            c.channel(0),
            &[-1.0, -1., -1., -1., -1., -1., -1., 1., 2., 3., -1., -1., -1., 4., 5., 6., -1., -1.]
        );
        let r = copy_make_border(&m, 0, 1, 2, 1, BorderType::Reflect, 0.0);
        assert_eq!(&r.channel(0)[..6], &[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]);
        assert_eq!(&r.channel(0)[12..], &[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]);
        let e = copy_make_border(&m, 0, 0, 1, 1, BorderType::Replicate, 0.0);
        assert_eq!(e.channel(0), &[1.0, 1., 2., 3., 3., 4., 4., 5., 6., 6.]);
    }
}
