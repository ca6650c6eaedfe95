//! Slice, ShuffleChannel, Crop, Interp, MemoryData: plain index loops over
//! the numpy-order tensor, from ncnn's definitions (`src/layer/*.cpp`).

use super::{Bin, Params, Tensor};

/// Row-major strides of a shape.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for k in (0..shape.len().saturating_sub(1)).rev() {
        s[k] = s[k + 1] * shape[k + 1];
    }
    s
}

/// The sub-tensor starting at `start` with sizes `len` (numpy axes).
fn sub(x: &Tensor, start: &[usize], len: &[usize]) -> Tensor {
    let st = strides(&x.shape);
    let n: usize = len.iter().product();
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; len.len()];
    for _ in 0..n {
        let off: usize = (0..len.len()).map(|k| (start[k] + idx[k]) * st[k]).sum();
        out.push(x.data[off]);
        for k in (0..len.len()).rev() {
            idx[k] += 1;
            if idx[k] < len[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    Tensor::new(len, out)
}

fn ints(p: &Params, id: i32) -> Vec<i32> {
    p.floats(id).iter().map(|&v| v as i32).collect()
}

pub fn slice(p: &Params, x: &Tensor, n: usize) -> Vec<Tensor> {
    let dims = x.dims() as i32;
    let axis = p.int(1, 0);
    let axis = if axis < 0 { axis + dims } else { axis } as usize;
    let len = x.shape[axis] as i32;
    let slices = ints(p, 0);
    let indices = ints(p, 2);
    let mut q = 0;
    let mut out = Vec::new();
    for i in 0..n {
        let size = if !indices.is_empty() {
            if i == n - 1 {
                len - q
            } else {
                let ix = indices[i];
                (if ix < 0 { len + ix } else { ix }) - q
            }
        } else if slices[i] == -233 {
            (len - q) / (n - i) as i32
        } else {
            slices[i]
        };
        let mut start = vec![0; x.dims()];
        let mut l = x.shape.clone();
        start[axis] = q as usize;
        l[axis] = size as usize;
        out.push(sub(x, &start, &l));
        q += size;
    }
    out
}

pub fn shufflechannel(p: &Params, x: &Tensor) -> Tensor {
    if x.dims() < 3 {
        return x.clone();
    }
    let group = p.int(0, 1) as usize;
    let c = x.shape[0];
    let g = if p.int(1, 0) != 0 { c / group } else { group };
    let per = c / g;
    let plane: usize = x.shape[1..].iter().product();
    let mut out = vec![0.0; x.data.len()];
    for i in 0..g {
        for j in 0..per {
            let (s, d) = (per * i + j, g * j + i);
            out[d * plane..(d + 1) * plane].copy_from_slice(&x.data[s * plane..(s + 1) * plane]);
        }
    }
    Tensor::new(&x.shape, out)
}

/// ncnn's axis letters of the numpy axes: 0 = w, 1 = h, 2 = d, 3 = c.
fn letters(dims: usize) -> &'static [usize] {
    match dims {
        1 => &[0],
        2 => &[1, 0],
        3 => &[3, 1, 0],
        _ => &[3, 2, 1, 0],
    }
}

pub fn crop(p: &Params, inputs: &[Tensor]) -> Tensor {
    let x = &inputs[0];
    let dims = x.dims();
    let mut start = vec![0i64; dims];
    let mut len: Vec<i64> = x.shape.iter().map(|&v| v as i64).collect();
    let (starts, ends, axes) = (ints(p, 9), ints(p, 10), ints(p, 11));
    let off_id = [0, 1, 13, 2];
    let out_id = [3, 4, 14, 5];
    let off2_id = [6, 7, 15, 8];
    if !starts.is_empty() && !ends.is_empty() {
        let axes: Vec<i64> = if axes.is_empty() {
            (0..dims as i64).collect()
        } else {
            axes.iter()
                .map(|&a| {
                    if a < 0 {
                        a as i64 + dims as i64
                    } else {
                        a as i64
                    }
                })
                .collect()
        };
        for (i, &a) in axes.iter().enumerate() {
            let a = a as usize;
            let n = x.shape[a] as i64;
            let s = if starts[i] == -233 {
                0
            } else {
                starts[i] as i64
            };
            let e = if ends[i] == -233 { n } else { ends[i] as i64 };
            let s = if s >= 0 { s } else { n + s };
            let e = n.min(if e > 0 { e } else { n + e });
            start[a] = s;
            len[a] = e - s;
        }
    } else if (0..4).all(|k| p.int(out_id[k], 0) == 0 && p.int(off2_id[k], 0) == 0) {
        let r = &inputs[1];
        let rl = letters(r.dims());
        for (a, &l) in letters(dims).iter().enumerate() {
            start[a] = p.int(off_id[l], 0) as i64;
            // The reference's size on the same letter (channels only when
            // it has as many dims).
            match rl.iter().position(|&m| m == l) {
                Some(ra) if l != 3 || r.dims() == dims => len[a] = r.shape[ra] as i64,
                _ if l == 3 => {}
                _ => len[a] = 1,
            }
        }
    } else {
        for (a, &l) in letters(dims).iter().enumerate() {
            let off = p.int(off_id[l], 0) as i64;
            let rest = x.shape[a] as i64 - off - p.int(off2_id[l], 0) as i64;
            let o = p.int(out_id[l], 0);
            start[a] = off;
            len[a] = if o == -233 { rest } else { rest.min(o as i64) };
        }
    }
    let s: Vec<usize> = start.iter().map(|&v| v as usize).collect();
    let l: Vec<usize> = len.iter().map(|&v| v as usize).collect();
    sub(x, &s, &l)
}

/// The source taps (index, weight) of output `d` of `n` along an axis of
/// `w`: ncnn's `linear_coeffs` / `cubic_coeffs`, one position at a time.
fn taps(
    kind: i32,
    w: usize,
    n: usize,
    d: usize,
    align: bool,
    factor: Option<f32>,
) -> Vec<(i64, f32)> {
    let scale = if align {
        (w as f64 - 1.0) / (n as f64 - 1.0)
    } else if let Some(f) = factor {
        1.0 / f as f64
    } else {
        w as f64 / n as f64
    };
    let mut fx = if align {
        (d as f64 * scale) as f32
    } else {
        ((d as f64 + 0.5) * scale - 0.5) as f32
    };
    if !fx.is_finite() {
        fx = 0.0;
    }
    let mut sx = fx.floor() as i64;
    fx -= sx as f32;
    let w = w as i64;
    if kind == 2 {
        if sx < 0 {
            sx = 0;
            fx = 0.0;
        }
        if sx >= w - 1 {
            sx = w - 2;
            fx = 1.0;
        }
        return vec![(sx, 1.0 - fx), (sx + 1, fx)];
    }
    const A: f32 = -0.75;
    let (f0, f1, f2) = (fx + 1.0, fx, 1.0 - fx);
    let c0 = A * f0 * f0 * f0 - 5.0 * A * f0 * f0 + 8.0 * A * f0 - 4.0 * A;
    let c1 = (A + 2.0) * f1 * f1 * f1 - (A + 3.0) * f1 * f1 + 1.0;
    let c2 = (A + 2.0) * f2 * f2 * f2 - (A + 3.0) * f2 * f2 + 1.0;
    let mut c = [c0, c1, c2, 1.0 - c0 - c1 - c2];
    if sx <= -1 {
        sx = 1;
        c = [1.0 - c[3], c[3], 0.0, 0.0];
    }
    if sx == 0 {
        sx = 1;
        c = [c[0] + c[1], c[2], c[3], 0.0];
    }
    if sx == w - 2 {
        sx = w - 3;
        c = [0.0, c[0], c[1], c[2] + c[3]];
    }
    if sx >= w - 1 {
        sx = w - 3;
        c = [0.0, 0.0, c[0], 1.0 - c[0]];
    }
    (0..4).map(|k| (sx - 1 + k, c[k as usize])).collect()
}

pub fn interp(p: &Params, inputs: &[Tensor]) -> Tensor {
    let x = &inputs[0];
    let kind = p.int(0, 0);
    let (hs, ws) = (p.float(1, 1.0), p.float(2, 1.0));
    let (oh, ow) = (p.int(3, 0), p.int(4, 0));
    let dynamic = p.int(5, 0) == 1;
    let align = p.int(6, 0) != 0;
    let (w, h) = match x.dims() {
        1 => (1, 1),
        _ => (x.shape[x.dims() - 1], x.shape[x.dims() - 2]),
    };
    let (outw, outh) = if dynamic {
        let r = &inputs[1];
        let (rw, rh, _, _) = r.whdc();
        (rw, rh)
    } else if ow == 0 || oh == 0 {
        ((w as f32 * ws) as usize, (h as f32 * hs) as usize)
    } else {
        (ow as usize, oh as usize)
    };
    if x.dims() == 1 {
        let mut out = Vec::new();
        for &v in &x.data {
            out.extend(std::iter::repeat_n(v, outw * outh));
        }
        return Tensor::new(&[x.shape[0], outh, outw], out);
    }
    let (c, outh) = if x.dims() == 2 {
        (1, h)
    } else {
        (x.shape[0], outh)
    };
    if outw == w && outh == h {
        return x.clone();
    }
    let by_size_w = dynamic || ow != 0;
    let by_size_h = dynamic || oh != 0;
    let at = |q: usize, y: i64, xx: i64| -> f32 {
        let y = y.clamp(0, h as i64 - 1) as usize;
        let xx = xx.clamp(0, w as i64 - 1) as usize;
        x.data[(q * h + y) * w + xx]
    };
    let mut out = Vec::with_capacity(c * outh * outw);
    for q in 0..c {
        for dy in 0..outh {
            for dx in 0..outw {
                let v = if kind == 1 {
                    let fw = if by_size_w {
                        w as f32 / outw as f32
                    } else {
                        1.0 / ws
                    };
                    let fh = if by_size_h {
                        h as f32 / outh as f32
                    } else {
                        1.0 / hs
                    };
                    let sx = ((dx as f32 * fw) as i64).min(w as i64 - 1);
                    let sy = if x.dims() == 2 {
                        dy as i64
                    } else {
                        ((dy as f32 * fh) as i64).min(h as i64 - 1)
                    };
                    at(q, sy, sx)
                } else {
                    let tx = taps(kind, w, outw, dx, align, (!by_size_w).then_some(ws));
                    let row = |y: i64| -> f32 {
                        let mut s = 0.0f32;
                        for &(i, a) in &tx {
                            s += at(q, y, i) * a;
                        }
                        s
                    };
                    if x.dims() == 2 {
                        row(dy as i64)
                    } else {
                        let ty = taps(kind, h, outh, dy, align, (!by_size_h).then_some(hs));
                        let mut s = 0.0f32;
                        for &(j, b) in &ty {
                            s += row(j) * b;
                        }
                        s
                    }
                };
                out.push(v);
            }
        }
    }
    if x.dims() == 2 {
        Tensor::new(&[h, outw], out)
    } else {
        Tensor::new(&[c, outh, outw], out)
    }
}

pub fn memorydata(p: &Params, bin: &mut Bin) -> Tensor {
    let (w, h, d, c) = (
        p.int(0, 0) as usize,
        p.int(1, 0) as usize,
        p.int(11, 0) as usize,
        p.int(2, 0) as usize,
    );
    let shape: Vec<usize> = if d != 0 {
        vec![c, d, h, w]
    } else if c != 0 {
        vec![c, h, w]
    } else if h != 0 {
        vec![h, w]
    } else if w != 0 {
        vec![w]
    } else {
        return Tensor::new(&[1], vec![0.0]);
    };
    let n = shape.iter().product();
    let v = if p.int(21, 1) == 0 {
        bin.tagged(n)
    } else {
        bin.raw(n)
    };
    Tensor::new(&shape, v)
}

/// `[c, h, w]` of a blob of up to 3 dims (ncnn's w, h, c).
fn chw(x: &Tensor) -> (usize, usize, usize) {
    let (w, h, _, c) = x.whdc();
    (c, h, w)
}

pub fn pixelshuffle(p: &Params, x: &Tensor) -> Tensor {
    let r = p.int(0, 1) as usize;
    let mode = p.int(1, 0);
    let (c, h, w) = chw(x);
    let oc = c / (r * r);
    let mut out = Tensor::zeros(&[oc, h * r, w * r]);
    for q in 0..oc {
        for y in 0..h * r {
            for xx in 0..w * r {
                let (sh, sw) = (y % r, xx % r);
                let src = if mode == 0 {
                    q * r * r + sh * r + sw
                } else {
                    (sh * r + sw) * oc + q
                };
                out.data[(q * h * r + y) * w * r + xx] = x.data[(src * h + y / r) * w + xx / r];
            }
        }
    }
    out
}

pub fn reorg(p: &Params, x: &Tensor) -> Tensor {
    let s = p.int(0, 1) as usize;
    let mode = p.int(1, 0);
    let (c, h, w) = chw(x);
    let (oh, ow) = (h / s, w / s);
    let mut out = Tensor::zeros(&[c * s * s, oh, ow]);
    for q in 0..c {
        for sh in 0..s {
            for sw in 0..s {
                let o = if mode == 0 {
                    q * s * s + sh * s + sw
                } else {
                    (sh * s + sw) * c + q
                };
                for i in 0..oh {
                    for j in 0..ow {
                        out.data[(o * oh + i) * ow + j] =
                            x.data[(q * h + i * s + sh) * w + j * s + sw];
                    }
                }
            }
        }
    }
    out
}

pub fn squeeze(p: &Params, x: &Tensor) -> Tensor {
    let dims = x.dims();
    let axes = ints(p, 3);
    let flag_ids = [0, 1, 11, 2];
    let keep: Vec<usize> = (0..dims)
        .filter(|&k| {
            let squeezed = if axes.is_empty() {
                p.int(flag_ids[letters(dims)[k]], 0) != 0
            } else {
                axes.iter()
                    .any(|&a| (if a < 0 { a + dims as i32 } else { a }) as usize == k)
            };
            !(squeezed && x.shape[k] == 1)
        })
        .map(|k| x.shape[k])
        .collect();
    let shape = if keep.is_empty() { vec![1] } else { keep };
    x.reshaped(&shape)
}

pub fn expanddims(p: &Params, x: &Tensor) -> Tensor {
    let axes = ints(p, 3);
    let n = x.dims() + axes.len();
    let mut shape = Vec::new();
    let mut it = x.shape.iter();
    for k in 0..n {
        if axes
            .iter()
            .any(|&a| (if a < 0 { a + n as i32 } else { a }) as usize == k)
        {
            shape.push(1);
        } else {
            shape.push(*it.next().unwrap());
        }
    }
    x.reshaped(&shape)
}

pub fn flip(p: &Params, x: &Tensor) -> Tensor {
    let axes = ints(p, 0);
    if axes.is_empty() {
        return x.clone();
    }
    let dims = x.dims();
    let flipped: Vec<bool> = (0..dims)
        .map(|k| {
            dims == 1
                || axes
                    .iter()
                    .any(|&a| (if a < 0 { a + dims as i32 } else { a }) as usize == k)
        })
        .collect();
    let st = strides(&x.shape);
    let mut out = x.clone();
    for (i, o) in out.data.iter_mut().enumerate() {
        let mut src = 0;
        for k in 0..dims {
            let idx = i / st[k] % x.shape[k];
            let idx = if flipped[k] {
                x.shape[k] - 1 - idx
            } else {
                idx
            };
            src += idx * st[k];
        }
        *o = x.data[src];
    }
    out
}

pub fn tile(p: &Params, x: &Tensor) -> Tensor {
    let reps = ints(p, 2);
    let dims = x.dims();
    let (shape_in, rep): (Vec<usize>, Vec<usize>) = if reps.is_empty() {
        let a = p.int(0, 0);
        let a = (if a < 0 { a + dims as i32 } else { a }) as usize;
        let t = p.int(1, 1) as usize;
        (
            x.shape.clone(),
            (0..dims).map(|k| if k == a { t } else { 1 }).collect(),
        )
    } else {
        // numpy.tile: align the repeats with the last axes.
        let n = dims.max(reps.len());
        let mut s = vec![1; n - dims];
        s.extend(&x.shape);
        let mut r = vec![1; n - reps.len()];
        r.extend(reps.iter().map(|&v| v as usize));
        (s, r)
    };
    let out_shape: Vec<usize> = shape_in.iter().zip(&rep).map(|(a, b)| a * b).collect();
    let (sst, ost) = (strides(&shape_in), strides(&out_shape));
    let total: usize = out_shape.iter().product();
    let mut data = vec![0.0; total];
    for (i, o) in data.iter_mut().enumerate() {
        let mut src = 0;
        for k in 0..out_shape.len() {
            src += (i / ost[k] % out_shape[k]) % shape_in[k] * sst[k];
        }
        *o = x.data[src];
    }
    Tensor::new(&out_shape, data)
}
