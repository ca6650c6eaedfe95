//! Pooling: `0=type(0 max, 1 avg) 1=kernel_w 11=kernel_h 2=stride_w 12=stride_h
//! 3=pad_left 14=pad_right 13=pad_top 15=pad_bottom 4=global 5=pad_mode
//! (0 full/ceil, 1 valid, 2 SAME_UPPER, 3 SAME_LOWER) 6=avgpool_count_include_pad
//! 7=adaptive 8=out_w 18=out_h`.

use crate::error::LayerResult;
use crate::layer::padding::{copy_make_border, copy_make_border_i8, BorderType};
use crate::layer::{single, ForwardContext, Int8Input, Layer};
use crate::mat::Mat;
use crate::param::ParamDict;
use octet_kernels::int8::pooling::{max_pool3x3, max_pool3x3_is_simd};
use octet_kernels::parallel;

#[derive(Default)]
pub struct Pooling {
    max: bool,
    kernel_w: usize,
    kernel_h: usize,
    stride_w: usize,
    stride_h: usize,
    pad_left: usize,
    pad_right: usize,
    pad_top: usize,
    pad_bottom: usize,
    global: bool,
    pad_mode: i32,
    count_include_pad: bool,
    adaptive: bool,
    out_w: usize,
    out_h: usize,
}

fn nonneg(v: i32, what: &str) -> LayerResult<usize> {
    usize::try_from(v).map_err(|_| format!("{what} must not be negative, got {v}").into())
}

impl Pooling {
    /// Top, bottom, left and right padding of a `w × h` input: the declared
    /// pads, extended as `pad_mode` says.
    fn pads(&self, w: usize, h: usize) -> (usize, usize, usize, usize) {
        let (kw, kh, sw, sh) = (self.kernel_w, self.kernel_h, self.stride_w, self.stride_h);
        let (mut t, mut b, mut l, mut r) =
            (self.pad_top, self.pad_bottom, self.pad_left, self.pad_right);
        match self.pad_mode {
            0 => {
                // Full padding (Caffe's ceil mode): extend bottom/right so the last window fits.
                let wtail = (w + l + r).saturating_sub(kw) % sw;
                let htail = (h + t + b).saturating_sub(kh) % sh;
                if wtail != 0 {
                    r += sw - wtail;
                }
                if htail != 0 {
                    b += sh - htail;
                }
            }
            1 => {}
            _ => {
                let wpad = (kw + (w - 1) / sw * sw).saturating_sub(w);
                let hpad = (kh + (h - 1) / sh * sh).saturating_sub(h);
                if self.pad_mode == 2 {
                    (t, b, l, r) = (hpad / 2, hpad - hpad / 2, wpad / 2, wpad - wpad / 2);
                } else {
                    (t, b, l, r) = (hpad - hpad / 2, hpad / 2, wpad - wpad / 2, wpad / 2);
                }
            }
        }
        (t, b, l, r)
    }

    /// Max pooling straight on int8 values: max commutes with the (monotonic)
    /// dequantization, so the result is exactly the fp32 path's on the
    /// dequantized input, at a quarter of the memory traffic, and the blob
    /// stays int8 for the next int8 convolution. Padding is -128, below every
    /// quantized value ([-127, 127]), as fp32's pad is below every float.
    fn forward_max_int8(&self, input: Mat, threads: usize) -> LayerResult<Vec<Mat>> {
        debug_assert!(self.max && !self.adaptive);
        let (w, h, c) = (input.w(), input.h(), input.c());
        let scale = input.int8_scale();
        if self.global {
            // c values: the 1-D output is fp32, as the fp32 path's.
            let maxima: Vec<i8> = (0..c)
                .map(|q| input.channel_i8(q).iter().copied().max().unwrap_or(i8::MIN))
                .collect();
            let mut out = Mat::new_1d(c);
            octet_kernels::int8::quantize::dequantize(&maxima, scale, out.data_mut());
            return Ok(vec![out]);
        }
        let (t, b, l, r) = self.pads(w, h);
        let padded = if t + b + l + r > 0 {
            copy_make_border_i8(&input, t, b, l, r, i8::MIN)
        } else {
            input
        };
        let (pw, ph) = (padded.w(), padded.h());
        let (kw, kh) = (self.kernel_w, self.kernel_h);
        if pw < kw || ph < kh {
            return Err(format!("input {w}×{h} is smaller than the {kw}×{kh} window").into());
        }
        let outw = (pw - kw) / self.stride_w + 1;
        let outh = (ph - kh) / self.stride_h + 1;
        let mut out = Mat::new_3d_i8(outw, outh, c, scale);
        let mut planes = out.planes_i8_mut();
        let mut planes = planes.planes_mut();
        let (sw, sh) = (self.stride_w, self.stride_h);
        if kw == 3 && kh == 3 && sw == sh && (sw == 1 || sw == 2) && max_pool3x3_is_simd() {
            // The common 3×3 pools where the kernels have SIMD rows (ARM).
            // Elsewhere the slice loops below vectorise well (AVX2) and stay.
            parallel::for_each_mut(&mut planes, threads, |q, o| {
                max_pool3x3(padded.channel_i8(q), pw, sw, outw, outh, o);
            });
        } else {
            parallel::for_each_mut(&mut planes, threads, |q, o| {
                self.max_plane(padded.channel_i8(q), pw, outw, outh, o);
            });
        }
        Ok(vec![out])
    }

    /// Max over each window of one padded plane (`pw` wide). Per output row:
    /// a vertical pass over the window's rows, then the row is split into
    /// `stride` phases (`phase[p][j] = row[j·stride + p]`), so that window
    /// element `kx` of every output is the contiguous slice
    /// `phase[kx % stride][kx / stride ..]`: every pass is a plain slice
    /// loop that vectorises (`vmax.s8` on 16 int8 lanes on armv7). Elements
    /// are visited in window order with `if a < b { b } else { a }` (C++'s
    /// std::max, ncnn's), so ties, signed zeros and NaN come out as ncnn's.
    fn max_plane<T: Copy + PartialOrd>(
        &self,
        p: &[T],
        pw: usize,
        outw: usize,
        outh: usize,
        o: &mut [T],
    ) {
        let (kw, kh, sw, sh) = (self.kernel_w, self.kernel_h, self.stride_w, self.stride_h);
        let max = |a: &mut T, &v: &T| *a = if *a < v { v } else { *a };
        if sh == 1 || pw <= 32 {
            // Stride 1 (GoogLeNet's inception pools) or small maps: both
            // passes over the whole plane as one long slice each (short rows
            // are loop set-up bound), vertical for every row and horizontal
            // for every column, then each output picks its window's result.
            // With stride 2 this computes up to 4× the windows, cheaper on
            // small maps than per-row loops.
            let n = (outh - 1) * sh * pw + pw;
            let mut v = p[..n].to_vec();
            for ky in 1..kh {
                v.iter_mut()
                    .zip(&p[ky * pw..ky * pw + n])
                    .for_each(|(a, b)| max(a, b));
            }
            let m = n + 1 - kw;
            let mut hmax = v[..m].to_vec();
            for kx in 1..kw {
                hmax.iter_mut()
                    .zip(&v[kx..kx + m])
                    .for_each(|(a, b)| max(a, b));
            }
            for (i, orow) in o.chunks_exact_mut(outw).take(outh).enumerate() {
                let row = &hmax[i * sh * pw..];
                if sw == 1 {
                    orow.copy_from_slice(&row[..outw]);
                } else {
                    orow.iter_mut()
                        .zip(row.iter().step_by(sw))
                        .for_each(|(o, &x)| *o = x);
                }
            }
            return;
        }
        let mut acc = p[..pw].to_vec();
        let mut phases: Vec<Vec<T>> = (0..sw)
            .map(|q| vec![p[0]; (pw - q.min(pw)).div_ceil(sw)])
            .collect();
        for i in 0..outh {
            acc.copy_from_slice(&p[i * sh * pw..(i * sh + 1) * pw]);
            for ky in 1..kh {
                let r = &p[(i * sh + ky) * pw..(i * sh + ky + 1) * pw];
                acc.iter_mut().zip(r).for_each(|(a, v)| max(a, v));
            }
            match sw {
                1 => {}
                2 => {
                    let (even, odd) = phases.split_at_mut(1);
                    let (even, odd) = (&mut even[0], &mut odd[0]);
                    for ((pair, e), o) in
                        acc.chunks_exact(2).zip(even.iter_mut()).zip(odd.iter_mut())
                    {
                        *e = pair[0];
                        *o = pair[1];
                    }
                    if pw % 2 == 1 {
                        even[pw / 2] = acc[pw - 1];
                    }
                }
                _ => {
                    for (x, &v) in acc.iter().enumerate() {
                        phases[x % sw][x / sw] = v;
                    }
                }
            }
            let orow = &mut o[i * outw..(i + 1) * outw];
            for kx in 0..kw {
                let src = if sw == 1 { &acc } else { &phases[kx % sw] };
                let src = &src[kx / sw..kx / sw + outw];
                if kx == 0 {
                    orow.copy_from_slice(src);
                } else {
                    orow.iter_mut().zip(src).for_each(|(a, v)| max(a, v));
                }
            }
        }
    }
}

impl Layer for Pooling {
    fn load_param(&mut self, pd: &ParamDict) -> LayerResult<()> {
        self.max = match pd.get_int(0, 0)? {
            0 => true,
            1 => false,
            t => return Err(format!("pooling type {t} is not 0 (max) or 1 (avg)").into()),
        };
        let kw = pd.get_int(1, 0)?;
        self.kernel_w = nonneg(kw, "kernel_w")?;
        self.kernel_h = nonneg(pd.get_int(11, kw)?, "kernel_h")?;
        let sw = pd.get_int(2, 1)?;
        self.stride_w = nonneg(sw, "stride_w")?;
        self.stride_h = nonneg(pd.get_int(12, sw)?, "stride_h")?;
        let pl = pd.get_int(3, 0)?;
        self.pad_left = nonneg(pl, "pad_left")?;
        self.pad_right = nonneg(pd.get_int(14, pl)?, "pad_right")?;
        let pt = pd.get_int(13, pl)?;
        self.pad_top = nonneg(pt, "pad_top")?;
        self.pad_bottom = nonneg(pd.get_int(15, pt)?, "pad_bottom")?;
        self.global = pd.get_int(4, 0)? != 0;
        self.pad_mode = pd.get_int(5, 0)?;
        if !(0..=3).contains(&self.pad_mode) {
            return Err(format!("pad_mode (5=) {} is not 0..3", self.pad_mode).into());
        }
        self.count_include_pad = pd.get_int(6, 0)? != 0;
        self.adaptive = pd.get_int(7, 0)? != 0;
        let ow = pd.get_int(8, 0)?;
        self.out_w = nonneg(ow, "out_w")?;
        self.out_h = nonneg(pd.get_int(18, ow)?, "out_h")?;
        if !self.global
            && !self.adaptive
            && (self.kernel_w == 0
                || self.kernel_h == 0
                || self.stride_w == 0
                || self.stride_h == 0)
        {
            return Err("kernel and stride must be positive".into());
        }
        if self.adaptive && !self.global && (self.out_w == 0 || self.out_h == 0) {
            return Err("adaptive pooling needs out_w (8=) and out_h (18=)".into());
        }
        Ok(())
    }

    fn forward(&self, inputs: Vec<Mat>, ctx: &ForwardContext) -> LayerResult<Vec<Mat>> {
        let input = single(inputs)?;
        if input.dims() != 3 {
            return Err(format!("expects a 3-D input, got shape {:?}", input.shape()).into());
        }
        let (w, h, c) = (input.w(), input.h(), input.c());
        let threads = ctx.threads();
        if input.is_int8() {
            return self.forward_max_int8(input, threads);
        }
        if self.global {
            let mut out = Mat::new_1d(c);
            let o = out.data_mut();
            for (q, v) in o.iter_mut().enumerate() {
                let p = input.channel(q);
                *v = if self.max {
                    p.iter().fold(p[0], |m, &x| if m < x { x } else { m })
                } else {
                    p.iter().sum::<f32>() / (w * h) as f32
                };
            }
            return Ok(vec![out]);
        }
        if self.adaptive {
            let (ow, oh) = (self.out_w, self.out_h);
            let mut out = Mat::new_3d(ow, oh, c);
            let mut planes = out.planes_mut();
            let mut planes = planes.planes_mut();
            parallel::for_each_mut(&mut planes, threads, |q, o| {
                let p = input.channel(q);
                for i in 0..oh {
                    let (y0, y1) = (i * h / oh, ((i + 1) * h).div_ceil(oh));
                    for j in 0..ow {
                        let (x0, x1) = (j * w / ow, ((j + 1) * w).div_ceil(ow));
                        let mut acc = if self.max { f32::MIN } else { 0.0 };
                        for y in y0..y1 {
                            for x in x0..x1 {
                                let v = p[y * w + x];
                                acc = if self.max { acc.max(v) } else { acc + v };
                            }
                        }
                        o[i * ow + j] = if self.max {
                            acc
                        } else {
                            acc / ((y1 - y0) * (x1 - x0)) as f32
                        };
                    }
                }
            });
            return Ok(vec![out]);
        }

        let (kw, kh, sw, sh) = (self.kernel_w, self.kernel_h, self.stride_w, self.stride_h);
        let pad_value = if self.max { f32::MIN } else { 0.0 };
        let (t, b, l, r) = self.pads(w, h);
        let padded = if t + b + l + r > 0 {
            copy_make_border(&input, t, b, l, r, BorderType::Constant, pad_value)
        } else {
            input
        };
        let (pw, ph) = (padded.w(), padded.h());
        if pw < kw || ph < kh {
            return Err(format!("input {w}×{h} is smaller than the {kw}×{kh} window").into());
        }
        let outw = (pw - kw) / sw + 1;
        let outh = (ph - kh) / sh + 1;
        // Bottom/right padding added by full-padding mode, beyond the declared pads.
        let (wtailpad, htailpad) = if self.pad_mode == 0 {
            (r - self.pad_right, b - self.pad_bottom)
        } else {
            (0, 0)
        };
        // ncnn excludes only the declared pads (and the full-mode tail) from
        // the average's count, also in SAME modes; do the same.
        let (dt, db, dl, dr) = (self.pad_top, self.pad_bottom, self.pad_left, self.pad_right);
        let mut out = Mat::new_3d(outw, outh, c);
        let mut planes = out.planes_mut();
        let mut planes = planes.planes_mut();
        // Windows that never reach an excluded pad have a constant area.
        let plain_area = self.count_include_pad
            || (dt == 0 && db == 0 && dl == 0 && dr == 0 && wtailpad == 0 && htailpad == 0);
        // The common 3×3 max pools where the kernels have SIMD rows (ARM:
        // armv7 leaves the fp32 loops below scalar; x86 vectorises them, so
        // they stay there).
        let max3x3 = self.max
            && kw == 3
            && kh == 3
            && sw == sh
            && (sw == 1 || sw == 2)
            && octet_kernels::fp32::pooling::max_pool3x3_is_simd();
        parallel::for_each_mut(&mut planes, threads, |q, o| {
            let p = padded.channel(q);
            if max3x3 {
                octet_kernels::fp32::pooling::max_pool3x3(p, pw, sw, outw, outh, o);
                return;
            }
            if self.max {
                self.max_plane(p, pw, outw, outh, o);
                return;
            }
            if plain_area {
                // Vertical pass over the window's rows (vectorises), then the
                // horizontal window.
                let mut acc = vec![0f32; pw];
                let inv = 1.0 / (kw * kh) as f32;
                for i in 0..outh {
                    let r0 = &p[i * sh * pw..(i * sh + 1) * pw];
                    acc.copy_from_slice(r0);
                    for ky in 1..kh {
                        let r = &p[(i * sh + ky) * pw..(i * sh + ky + 1) * pw];
                        if self.max {
                            acc.iter_mut()
                                .zip(r)
                                .for_each(|(a, &v)| *a = if *a < v { v } else { *a });
                        } else {
                            acc.iter_mut().zip(r).for_each(|(a, &v)| *a += v);
                        }
                    }
                    let orow = &mut o[i * outw..(i + 1) * outw];
                    for (j, out) in orow.iter_mut().enumerate() {
                        let win = &acc[j * sw..j * sw + kw];
                        *out = if self.max {
                            win.iter().fold(win[0], |m, &v| if m < v { v } else { m })
                        } else {
                            win.iter().sum::<f32>() * inv
                        };
                    }
                }
                return;
            }
            for i in 0..outh {
                for j in 0..outw {
                    let (sy0, sx0) = (i * sh, j * sw);
                    let mut s = 0f32;
                    let mut area = 0usize;
                    for ky in 0..kh {
                        let sy = sy0 + ky;
                        if sy < dt {
                            continue;
                        }
                        if sy >= ph - db - htailpad {
                            break;
                        }
                        for kx in 0..kw {
                            let sx = sx0 + kx;
                            if sx < dl {
                                continue;
                            }
                            if sx >= pw - dr - wtailpad {
                                break;
                            }
                            s += p[sy * pw + sx];
                            area += 1;
                        }
                    }
                    o[i * outw + j] = if area > 0 { s / area as f32 } else { 0.0 };
                }
            }
        });
        Ok(vec![out])
    }

    /// Windowed max pooling runs on int8 values exactly and passes them on
    /// at their scale (see `forward_max_int8`); global and adaptive pooling
    /// compute in fp32.
    fn int8_input(&self) -> Int8Input {
        if self.max && !self.adaptive && !self.global {
            Int8Input::PassThrough
        } else {
            Int8Input::Dequantize
        }
    }
}
