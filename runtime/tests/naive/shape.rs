//! Data movement: Concat, Flatten, Reshape, Permute, Padding
//! (`src/layer/{concat,flatten,reshape,permute,padding}.cpp`). Split, Noop
//! and Input pass their input on (in `mod.rs`).

use super::{Bin, Params, Tensor};

/// `0` axis, numpy order (negative from the end).
pub fn concat(p: &Params, inputs: &[Tensor]) -> Tensor {
    let dims = inputs[0].dims() as i32;
    let axis = p.int(0, 0);
    let axis = if axis < 0 { dims + axis } else { axis } as usize;
    let mut shape = inputs[0].shape.clone();
    shape[axis] = inputs.iter().map(|t| t.shape[axis]).sum();
    for t in inputs {
        for (k, (&a, &b)) in t.shape.iter().zip(&shape).enumerate() {
            assert!(k == axis || a == b, "Concat shapes");
        }
    }
    let outer: usize = shape[..axis].iter().product();
    let mut out = Vec::with_capacity(shape.iter().product());
    for o in 0..outer {
        for t in inputs {
            let chunk: usize = t.shape[axis..].iter().product();
            out.extend_from_slice(&t.data[o * chunk..(o + 1) * chunk]);
        }
    }
    Tensor::new(&shape, out)
}

pub fn flatten(x: &Tensor) -> Tensor {
    x.reshaped(&[x.data.len()])
}

/// `0` w, `1` h, `11` d, `2` c: the first absent (-233) of w, h, c, d ends
/// the shape; 0 keeps the input's size on that axis (ncnn's w/h/d/c, 1
/// where the input lacks the axis), -1 takes what is left.
pub fn reshape(p: &Params, x: &Tensor) -> Tensor {
    let (w, h, d, c) = (
        p.int(0, -233),
        p.int(1, -233),
        p.int(11, -233),
        p.int(2, -233),
    );
    let ndim = if w == -233 {
        0
    } else if h == -233 {
        1
    } else if c == -233 {
        2
    } else if d == -233 {
        3
    } else {
        4
    };
    let (iw, ih, id, ic) = x.whdc();
    let total = x.data.len() as i64;
    // (value, input size on that axis), in ncnn order w, h, d, c.
    let mut dims: Vec<(i64, usize)> = vec![(w as i64, iw), (h as i64, ih)];
    if ndim == 4 {
        dims.push((d as i64, id));
    }
    if ndim >= 3 {
        dims.push((c as i64, ic));
    }
    dims.truncate(ndim);
    let mut sizes: Vec<i64> = dims
        .iter()
        .map(|&(v, keep)| if v == 0 { keep as i64 } else { v })
        .collect();
    if let Some(k) = sizes.iter().position(|&v| v == -1) {
        let known: i64 = sizes.iter().filter(|&&v| v != -1).product();
        sizes[k] = total / known;
    }
    // numpy order is the reverse of ncnn's w, h, (d,) c.
    let shape: Vec<usize> = sizes.iter().rev().map(|&v| v as usize).collect();
    let same_outer = x.shape.len() == shape.len() && shape.len() >= 2 && x.shape[0] == shape[0];
    if p.int(3, 0) == 0 || same_outer {
        return x.reshaped(&shape);
    }
    // 3=1: read the values channel-last, write them channel-last.
    let flat = channel_last(&x.shape, &x.data);
    let mut out = vec![0f32; flat.len()];
    match *shape.as_slice() {
        [_] => out = flat,
        [oh, ow] => {
            for y in 0..oh {
                for xx in 0..ow {
                    out[y * ow + xx] = flat[xx * oh + y];
                }
            }
        }
        [oc, oh, ow] => {
            for q in 0..oc {
                for y in 0..oh {
                    for xx in 0..ow {
                        out[(q * oh + y) * ow + xx] = flat[(y * ow + xx) * oc + q];
                    }
                }
            }
        }
        [oc, od, oh, ow] => {
            for q in 0..oc {
                for z in 0..od {
                    for y in 0..oh {
                        for xx in 0..ow {
                            out[((q * od + z) * oh + y) * ow + xx] =
                                flat[((z * oh + y) * ow + xx) * oc + q];
                        }
                    }
                }
            }
        }
        _ => unreachable!(),
    }
    Tensor::new(&shape, out)
}

/// The values of a (c,) (d,) h, w array in channel-last order (a 2-D h, w
/// array: w outer, h inner), as ncnn's Reshape read them with `3=1`.
fn channel_last(shape: &[usize], data: &[f32]) -> Vec<f32> {
    let mut v = Vec::with_capacity(data.len());
    match *shape {
        [_] => v.extend_from_slice(data),
        [h, w] => {
            for xx in 0..w {
                for y in 0..h {
                    v.push(data[y * w + xx]);
                }
            }
        }
        [c, h, w] => {
            for y in 0..h {
                for xx in 0..w {
                    for q in 0..c {
                        v.push(data[(q * h + y) * w + xx]);
                    }
                }
            }
        }
        [c, d, h, w] => {
            for z in 0..d {
                for y in 0..h {
                    for xx in 0..w {
                        for q in 0..c {
                            v.push(data[((q * d + z) * h + y) * w + xx]);
                        }
                    }
                }
            }
        }
        _ => unreachable!(),
    }
    v
}

/// ncnn's order names: the source axis of each output axis, innermost first.
const ORDERS_3D: [&str; 6] = ["WHC", "HWC", "WCH", "CWH", "HCW", "CHW"];
const ORDERS_4D: [&str; 24] = [
    "WHDC", "HWDC", "WDHC", "DWHC", "HDWC", "DHWC", "WHCD", "HWCD", "WCHD", "CWHD", "HCWD", "CHWD",
    "WDCH", "DWCH", "WCDH", "CWDH", "DCWH", "CDWH", "HDCW", "DHCW", "HCDW", "CHDW", "DCHW", "CDHW",
];

/// `0` order type (the tables above; a 2-D blob has 0 = WH, 1 = HW).
pub fn permute(p: &Params, x: &Tensor) -> Tensor {
    let order = p.int(0, 0) as usize;
    let name = match x.dims() {
        1 => return x.clone(),
        2 => ["WH", "HW"][order],
        3 => ORDERS_3D[order],
        4 => ORDERS_4D[order],
        _ => unreachable!(),
    };
    // Input axes in numpy order, by letter.
    let letters: &[char] = match x.dims() {
        2 => &['H', 'W'],
        3 => &['C', 'H', 'W'],
        _ => &['C', 'D', 'H', 'W'],
    };
    let axis_of = |l: char| letters.iter().position(|&a| a == l).unwrap();
    // Output numpy axis k takes input axis src[k].
    let src: Vec<usize> = name.chars().rev().map(axis_of).collect();
    let shape: Vec<usize> = src.iter().map(|&a| x.shape[a]).collect();
    let mut strides = vec![1usize; x.dims()];
    for k in (0..x.dims() - 1).rev() {
        strides[k] = strides[k + 1] * x.shape[k + 1];
    }
    let total = x.data.len();
    let mut out = Vec::with_capacity(total);
    let mut idx = vec![0usize; x.dims()];
    for _ in 0..total {
        let off: usize = idx.iter().zip(&src).map(|(&i, &a)| i * strides[a]).sum();
        out.push(x.data[off]);
        for k in (0..idx.len()).rev() {
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    Tensor::new(&shape, out)
}

/// Source index of output position `o` on an axis of `n` with `before`
/// padding, for type 1 (replicate) or 2 (reflect); `None` for type 0
/// outside the input.
fn border_index(o: i64, before: i64, n: i64, kind: i32) -> Option<usize> {
    let i = o - before;
    let i = match kind {
        0 if i < 0 || i >= n => return None,
        0 => i,
        1 => i.clamp(0, n - 1),
        2 => {
            let i = i.abs();
            (n - 1) - (i - (n - 1)).abs()
        }
        k => panic!("padding type {k}"),
    };
    Some(i as usize)
}

/// `0` top, `1` bottom, `2` left, `3` right, `4` type (0 constant, 1
/// replicate, 2 reflect), `5` value, `6` per-channel values count (raw
/// weights, one per output channel), `7` front, `8` behind (channels of a
/// 3-D blob; both default 0). A 1-D blob is padded left/right only, a 2-D
/// one has no channel padding.
pub fn padding(p: &Params, x: &Tensor, bin: &mut Bin) -> Tensor {
    let (top, bottom, left, right) = (
        p.int(0, 0) as i64,
        p.int(1, 0) as i64,
        p.int(2, 0) as i64,
        p.int(3, 0) as i64,
    );
    let kind = p.int(4, 0);
    let value = p.float(5, 0.0);
    let per_channel = p.int(6, 0) as usize;
    let (front, behind) = (p.int(7, 0) as i64, p.int(8, 0) as i64);
    let channel_values = if per_channel > 0 {
        bin.raw(per_channel)
    } else {
        Vec::new()
    };
    let (w, h, d, c) = x.whdc();
    let (w, h, d, c) = (w as i64, h as i64, d as i64, c as i64);
    let (top, bottom) = if x.dims() == 1 { (0, 0) } else { (top, bottom) };
    // front/behind pad channels of a 3-D blob, depth of a 4-D one.
    let (cf, cb, df, db) = match x.dims() {
        3 => (front, behind, 0, 0),
        4 => (0, 0, front, behind),
        _ => (0, 0, 0, 0),
    };
    let (ow, oh, od, oc) = (w + left + right, h + top + bottom, d + df + db, c + cf + cb);
    let mut out = Vec::with_capacity((ow * oh * od * oc) as usize);
    for q in 0..oc {
        let v = if per_channel > 0 && x.dims() >= 3 {
            channel_values[q as usize]
        } else {
            value
        };
        let sq = border_index(q, cf, c, kind);
        for z in 0..od {
            let sz = border_index(z, df, d, kind);
            for y in 0..oh {
                let sy = border_index(y, top, h, kind);
                for xx in 0..ow {
                    let sx = border_index(xx, left, w, kind);
                    out.push(match (sq, sz, sy, sx) {
                        (Some(q), Some(z), Some(y), Some(xx)) => x.at(q, z, y, xx),
                        _ => v,
                    });
                }
            }
        }
    }
    let shape: Vec<usize> = match x.dims() {
        1 => vec![ow as usize],
        2 => vec![oh as usize, ow as usize],
        3 => vec![oc as usize, oh as usize, ow as usize],
        _ => vec![oc as usize, od as usize, oh as usize, ow as usize],
    };
    Tensor::new(&shape, out)
}
