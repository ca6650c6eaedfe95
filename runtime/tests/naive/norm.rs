//! BatchNorm, Scale, LRN, Softmax, LayerNorm, RMSNorm, GroupNorm and
//! InstanceNorm (`src/layer/{batchnorm,scale,lrn,softmax,layernorm,rmsnorm,
//! groupnorm,instancenorm}.cpp`), in f64.
//!
//! BatchNorm and Scale work on the outermost axis: per element of a 1-D
//! blob, per row of a 2-D one, per channel of a 3-D one.

use super::{Bin, Params, Tensor};

/// The per-"channel" index (outermost axis) of flat element `i`.
fn outer(x: &Tensor, i: usize) -> usize {
    let inner: usize = x.shape[1..].iter().product();
    i / inner
}

/// `0` channels, `1` eps; weights slope, mean, var, bias (raw, in that
/// order): `b·x + a` with `b = slope / √(var + eps)`, `a = bias − mean·b`.
pub fn batchnorm(p: &Params, x: &Tensor, bin: &mut Bin) -> Tensor {
    let n = p.int(0, 0) as usize;
    let eps = p.float(1, 0.0) as f64;
    let slope = bin.raw(n);
    let mean = bin.raw(n);
    let var = bin.raw(n);
    let bias = bin.raw(n);
    assert_eq!(x.shape[0], n, "BatchNorm channels");
    let out = x
        .data
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let q = outer(x, i);
            let mut sd = (var[q] as f64 + eps).sqrt();
            if sd == 0.0 {
                sd = 0.0001;
            }
            ((v as f64 - mean[q] as f64) / sd * slope[q] as f64 + bias[q] as f64) as f32
        })
        .collect();
    Tensor::new(&x.shape, out)
}

/// `0` size (or -233: the scale is the second input), `1` bias; weights
/// scale then bias (raw).
pub fn scale(p: &Params, inputs: &[Tensor], bin: &mut Bin) -> Tensor {
    let size = p.int(0, 0);
    let has_bias = p.int(1, 0) != 0;
    let x = &inputs[0];
    let (s, b) = if size == -233 {
        assert!(!has_bias, "ncnn has no bias for a Scale with a scale input");
        (inputs[1].data.clone(), Vec::new())
    } else {
        let s = bin.raw(size as usize);
        let b = if has_bias {
            bin.raw(size as usize)
        } else {
            Vec::new()
        };
        (s, b)
    };
    assert_eq!(s.len(), x.shape[0], "Scale size");
    let out = x
        .data
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let q = outer(x, i);
            let y = v as f64 * s[q] as f64 + b.get(q).map_or(0.0, |&b| b as f64);
            y as f32
        })
        .collect();
    Tensor::new(&x.shape, out)
}

/// `0` region (0 across channels, 1 within a channel), `1` local size, `2`
/// alpha, `3` beta, `4` bias: `x · (bias + alpha/n · Σ x²)^-beta` with the
/// sum over channels `q - size/2 ..= q + size/2` (n = size), or over the
/// `size × size` window starting `size/2` above and left (n = size²).
pub fn lrn(p: &Params, x: &Tensor) -> Tensor {
    assert_eq!(x.dims(), 3, "LRN input {:?}", x.shape);
    let region = p.int(0, 0);
    let size = p.int(1, 5) as i64;
    let alpha = p.float(2, 1.0) as f64;
    let beta = p.float(3, 0.75) as f64;
    let bias = p.float(4, 1.0) as f64;
    let (w, h, _, c) = x.whdc();
    let sq = |q: i64, y: i64, xx: i64| -> f64 {
        if q < 0 || y < 0 || xx < 0 || q >= c as i64 || y >= h as i64 || xx >= w as i64 {
            0.0
        } else {
            let v = x.at(q as usize, 0, y as usize, xx as usize) as f64;
            v * v
        }
    };
    let mut out = Vec::with_capacity(x.data.len());
    for q in 0..c as i64 {
        for y in 0..h as i64 {
            for xx in 0..w as i64 {
                let (ss, n) = if region == 0 {
                    let ss: f64 = (q - size / 2..=q + size / 2).map(|p| sq(p, y, xx)).sum();
                    (ss, size)
                } else {
                    let r = size / 2;
                    let ss: f64 = (y - r..y - r + size)
                        .flat_map(|yy| (xx - r..xx - r + size).map(move |xw| sq(q, yy, xw)))
                        .sum();
                    (ss, size * size)
                };
                let v = x.at(q as usize, 0, y as usize, xx as usize) as f64;
                out.push((v * (bias + alpha / n as f64 * ss).powf(-beta)) as f32);
            }
        }
    }
    Tensor::new(&x.shape, out)
}

/// `0` axis (numpy order, negative from the end): `exp(x - max) / Σ`.
pub fn softmax(p: &Params, x: &Tensor) -> Tensor {
    let dims = x.dims() as i32;
    let axis = p.int(0, 0);
    let axis = if axis < 0 { dims + axis } else { axis } as usize;
    let n = x.shape[axis];
    let inner: usize = x.shape[axis + 1..].iter().product();
    let outer: usize = x.shape[..axis].iter().product();
    let mut out = x.data.clone();
    for o in 0..outer {
        for i in 0..inner {
            let at = |k: usize| (o * n + k) * inner + i;
            let m = (0..n)
                .map(|k| x.data[at(k)])
                .fold(f32::NEG_INFINITY, f32::max);
            let e: Vec<f64> = (0..n)
                .map(|k| (x.data[at(k)] as f64 - m as f64).exp())
                .collect();
            let s: f64 = e.iter().sum();
            for k in 0..n {
                out[at(k)] = (e[k] / s) as f32;
            }
        }
    }
    Tensor::new(&x.shape, out)
}

/// Mean and variance (f64) of `v`.
fn moments(v: &[f32]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

/// The length of the runs LayerNorm and RMSNorm normalise: the last axis,
/// or for 3-D / 4-D blobs the last two (`affine_size = w·h`) or three.
fn norm_run(x: &Tensor, affine_size: usize) -> usize {
    let s = &x.shape;
    let w = s[s.len() - 1];
    match s.len() {
        1 | 2 => w,
        3 if affine_size == w => w,
        3 => w * s[1],
        _ if affine_size == w => w,
        _ if affine_size == w * s[2] => w * s[2],
        _ => w * s[2] * s[1],
    }
}

/// `0` affine_size, `1` eps, `2` affine; weights γ, β (raw).
pub fn layernorm(p: &Params, x: &Tensor, bin: &mut Bin, rms: bool) -> Tensor {
    let size = p.int(0, 0) as usize;
    let eps = p.float(1, 0.001) as f64;
    let affine = p.int(2, 1) != 0;
    let (gamma, beta) = if affine {
        let g = bin.raw(size);
        let b = if rms { vec![0.0; size] } else { bin.raw(size) };
        (g, b)
    } else {
        (vec![1.0; size.max(1)], vec![0.0; size.max(1)])
    };
    let run = norm_run(x, size);
    let mut out = Vec::with_capacity(x.data.len());
    for r in x.data.chunks(run) {
        let (mean, var) = moments(r);
        let (mean, var) = if rms {
            (
                0.0,
                r.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / r.len() as f64,
            )
        } else {
            (mean, var)
        };
        for (i, &v) in r.iter().enumerate() {
            let (g, b) = if affine {
                (gamma[i] as f64, beta[i] as f64)
            } else {
                (1.0, 0.0)
            };
            out.push(((v as f64 - mean) / (var + eps).sqrt() * g + b) as f32);
        }
    }
    Tensor::new(&x.shape, out)
}

/// The outermost axis' runs: a 1-D blob's values, a 2-D blob's rows, a 3-D
/// / 4-D blob's channels.
fn channel_len(x: &Tensor) -> usize {
    x.shape[1..].iter().product()
}

/// `0` group, `1` channels, `2` eps, `3` affine; weights γ, β per channel.
pub fn groupnorm(p: &Params, x: &Tensor, bin: &mut Bin) -> Tensor {
    let group = p.int(0, 1) as usize;
    let channels = p.int(1, 0) as usize;
    let eps = p.float(2, 0.001) as f64;
    let affine = p.int(3, 1) != 0;
    let (gamma, beta) = if affine {
        (bin.raw(channels), bin.raw(channels))
    } else {
        (vec![1.0; channels], vec![0.0; channels])
    };
    assert_eq!(x.shape[0], channels, "GroupNorm channels");
    let len = channel_len(x);
    let per = channels / group;
    let mut out = vec![0f32; x.data.len()];
    for g in 0..group {
        let span = g * per * len..(g + 1) * per * len;
        let (mean, var) = moments(&x.data[span.clone()]);
        for i in span {
            let q = i / len;
            out[i] = ((x.data[i] as f64 - mean) / (var + eps).sqrt() * gamma[q] as f64
                + beta[q] as f64) as f32;
        }
    }
    Tensor::new(&x.shape, out)
}

/// `0` channels, `1` eps, `2` affine; each channel (`w·h·d`; a 1-D or 2-D
/// blob as one) on its own.
pub fn instancenorm(p: &Params, x: &Tensor, bin: &mut Bin) -> Tensor {
    let channels = p.int(0, 0) as usize;
    let eps = p.float(1, 0.001) as f64;
    let affine = p.int(2, 1) != 0;
    let c = if x.shape.len() >= 3 { x.shape[0] } else { 1 };
    let (gamma, beta) = if affine {
        (bin.raw(channels), bin.raw(channels))
    } else {
        (vec![1.0; c], vec![0.0; c])
    };
    let len = x.data.len() / c;
    let mut out = Vec::with_capacity(x.data.len());
    for (q, r) in x.data.chunks(len).enumerate() {
        let (mean, var) = moments(r);
        for &v in r {
            out.push(
                ((v as f64 - mean) / (var + eps).sqrt() * gamma[q] as f64 + beta[q] as f64) as f32,
            );
        }
    }
    Tensor::new(&x.shape, out)
}
