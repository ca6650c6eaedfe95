//! Pooling1D: max / average pooling of a 2-D blob (`h = channels,
//! w = length`) along `w`. ncnn params `0=pooling_type (0 max, 1 avg)
//! 1=kernel_w 2=stride_w 3=pad_left 14=pad_right 4=global_pooling
//! 5=pad_mode (0 full, 1 valid, 2 SAME_UPPER, 3 SAME_LOWER)
//! 6=avgpool_count_include_pad 7=adaptive_pooling 8=out_w`.
//!
//! As ncnn: global pooling gives a 1-D blob of `h` values; adaptive pooling
//! window `j` is `[⌊w·j/out_w⌋, ⌈w·(j+1)/out_w⌉)`; full padding adds a tail
//! so the last window fits (C's remainder, also for a row shorter than the
//! kernel); max pads with −FLT_MAX, average with 0, and an average that
//! excludes padding counts the columns between `pad_left` and
//! `w − pad_right − tail` (for SAME padding the pads it added itself are
//! therefore counted, as ncnn does).

use crate::error::LayerResult;
use crate::layer::{single, ForwardContext, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;

#[derive(Clone, Debug, Default)]
pub struct Pooling1D {
    max: bool,
    kernel_w: usize,
    stride_w: usize,
    pad_left: usize,
    pad_right: usize,
    global: bool,
    pad_mode: i32,
    count_include_pad: bool,
    adaptive: bool,
    out_w: usize,
}

impl Pooling1D {
    /// (left, right) border of a row of `w` (`right` includes the tail), as
    /// ncnn's `make_padding`, and the tail full padding added.
    fn padding(&self, w: usize) -> (usize, usize, usize) {
        let (k, s) = (self.kernel_w as i64, self.stride_w as i64);
        let (l, r) = (self.pad_left, self.pad_right);
        match self.pad_mode {
            0 => {
                // C's `%` truncates toward zero, also for a negative numerator.
                let wtail = (w as i64 + l as i64 + r as i64 - k) % s;
                let tail = if wtail != 0 { (s - wtail) as usize } else { 0 };
                (l, r + tail, tail)
            }
            1 => (l, r, 0),
            _ => {
                let wpad = k + (w as i64 - 1) / s * s - w as i64;
                if wpad > 0 {
                    let wpad = wpad as usize;
                    if self.pad_mode == 2 {
                        (wpad / 2, wpad - wpad / 2, 0)
                    } else {
                        (wpad - wpad / 2, wpad / 2, 0)
                    }
                } else {
                    (0, 0, 0)
                }
            }
        }
    }
}

impl Layer for Pooling1D {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        let kind = pd.get_int(0, 0)?;
        if kind != 0 && kind != 1 {
            crate::bail!("pooling_type (0=) {kind} is not 0 (max) or 1 (average)");
        }
        self.max = kind == 0;
        self.global = pd.get_int(4, 0)? != 0;
        self.adaptive = pd.get_int(7, 0)? != 0;
        let kernel_w = pd.get_int(1, 0)?;
        let stride_w = pd.get_int(2, 1)?;
        let pad_left = pd.get_int(3, 0)?;
        let pad_right = pd.get_int(14, pad_left)?;
        let out_w = pd.get_int(8, 0)?;
        self.pad_mode = pd.get_int(5, 0)?;
        self.count_include_pad = pd.get_int(6, 0)? != 0;
        if !(0..=3).contains(&self.pad_mode) {
            crate::bail!(
                "pad_mode (5=) {} is not 0 (full), 1 (valid), 2 (SAME_UPPER) or 3 (SAME_LOWER)",
                self.pad_mode
            );
        }
        if pad_left < 0 || pad_right < 0 {
            crate::bail!("pads (3=/14=) must be ≥ 0, got {pad_left}/{pad_right}");
        }
        if !self.global {
            if self.adaptive {
                if out_w <= 0 {
                    crate::bail!("adaptive pooling needs out_w (8=) > 0, got {out_w}");
                }
            } else {
                if kernel_w <= 0 {
                    crate::bail!("kernel_w (1=) must be positive, got {kernel_w}");
                }
                if stride_w <= 0 {
                    crate::bail!("stride_w (2=) must be positive, got {stride_w}");
                }
            }
        }
        self.kernel_w = kernel_w.max(0) as usize;
        self.stride_w = stride_w.max(1) as usize;
        self.pad_left = pad_left as usize;
        self.pad_right = pad_right as usize;
        self.out_w = out_w.max(0) as usize;
        Ok(())
    }

    fn max_input_dims(&self) -> usize {
        2
    }

    fn forward(&self, inputs: Vec<Mat>, _ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let input = single(inputs)?;
        // A 1-D blob is one row (ncnn reads its h = 1).
        if input.dims() != 2 && input.dims() != 1 {
            crate::bail!(
                "expects a 2-D input (channels, length), got shape {:?}",
                input.shape()
            );
        }
        let (w, h) = (input.w(), input.h());
        let data = input.data();
        let row = |q: usize| &data[q * w..(q + 1) * w];
        if self.global {
            let mut out = Mat::new_1d(h);
            let o = out.data_mut();
            for (q, v) in o.iter_mut().enumerate() {
                let r = row(q);
                *v = if self.max {
                    r.iter().fold(r[0], |m, &x| m.max(x))
                } else {
                    r.iter().sum::<f32>() / w as f32
                };
            }
            return Ok(vec![out]);
        }
        if self.adaptive {
            let ow = self.out_w;
            let mut out = Mat::new_2d(ow, h);
            let o = out.data_mut();
            for q in 0..h {
                let r = row(q);
                for j in 0..ow {
                    let i0 = (w as u64 * j as u64 / ow as u64) as usize;
                    let i1 = (w as u64 * (j as u64 + 1)).div_ceil(ow as u64) as usize;
                    let win = &r[i0..i1];
                    o[q * ow + j] = if self.max {
                        win.iter().fold(win[0], |m, &x| m.max(x))
                    } else {
                        win.iter().sum::<f32>() / (i1 - i0) as f32
                    };
                }
            }
            return Ok(vec![out]);
        }
        let (l, r, tail) = self.padding(w);
        let pw = w + l + r;
        let k = self.kernel_w;
        if pw < k {
            crate::bail!("input length {w} (padded {pw}) is shorter than the {k}-wide kernel");
        }
        let outw = (pw - k) / self.stride_w + 1;
        let pad_value = if self.max { -f32::MAX } else { 0.0 };
        let mut out = Mat::new_2d(outw, h);
        let o = out.data_mut();
        let mut padded = vec![pad_value; pw];
        // The tail of full padding, excluded from an average that excludes pads.
        let wtail = if self.pad_mode == 0 { tail } else { 0 };
        for q in 0..h {
            padded[l..l + w].copy_from_slice(row(q));
            for j in 0..outw {
                let s0 = j * self.stride_w;
                let win = &padded[s0..s0 + k];
                o[q * outw + j] = if self.max {
                    win.iter().fold(win[0], |m, &x| m.max(x))
                } else if self.count_include_pad {
                    win.iter().sum::<f32>() / k as f32
                } else {
                    let mut sum = 0f32;
                    let mut area = 0usize;
                    for (kj, &v) in win.iter().enumerate() {
                        let sx = s0 + kj;
                        if sx < self.pad_left {
                            continue;
                        }
                        if sx + self.pad_right + wtail >= pw {
                            break;
                        }
                        sum += v;
                        area += 1;
                    }
                    sum / area as f32
                };
            }
        }
        Ok(vec![out])
    }
}
