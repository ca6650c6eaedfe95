//! BinaryOp (`src/layer/binaryop.cpp`) and Eltwise (`eltwise.cpp`).
//!
//! BinaryOp: `0` op (0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 6 pow,
//! 7 rsub, 8 rdiv, 9 rpow, 10 atan2, 11 ratan2, 12 fmod, 13 rfmod,
//! 14 logaddexp, 15 floor_divide, 16 rfloor_divide, 17 remainder,
//! 18 rremainder), `1` with_scalar, `2` the
//! scalar. Two inputs broadcast the ncnn way: the lower-rank one is first
//! given the other's rank — a 1-D `[n]` becomes `[n, 1…]` when `n` is the
//! other's outermost size (its `h` for 2-D, `c` for 3-D/4-D) and `[1…, n]`
//! otherwise; a 2-D `[h, w]` becomes `[h, w, 1]` (or `[h, w, 1, 1]`); a 3-D
//! `[c, h, w]` becomes `[c, h, w, 1]` — then every axis of size 1 repeats.
//!
//! Eltwise: `0` op (0 prod, 1 sum, 2 max), `1` coefficients of the sum.

use super::{Params, Tensor};

/// IEEE remainder: `x − y·n`, `n` the quotient rounded to even.
fn remainder(x: f32, y: f32) -> f32 {
    let (x, y) = (f64::from(x), f64::from(y));
    (x - y * (x / y).round_ties_even()) as f32
}

fn apply(op: i32, a: f32, b: f32) -> f32 {
    match op {
        0 => a + b,
        1 => a - b,
        2 => a * b,
        3 => a / b,
        4 => a.max(b),
        5 => a.min(b),
        6 => a.powf(b),
        7 => b - a,
        8 => b / a,
        9 => b.powf(a),
        10 => a.atan2(b),
        11 => b.atan2(a),
        12 => a % b,
        13 => b % a,
        14 => (a.exp() + b.exp()).ln(),
        15 => (a / b).floor(),
        16 => (b / a).floor(),
        17 => remainder(a, b),
        18 => remainder(b, a),
        o => panic!("binary op {o}"),
    }
}

/// `s` given rank `rank` by ncnn's rule, against the other operand `other`.
fn extend(s: &[usize], other: &[usize], rank: usize) -> Vec<usize> {
    if s.len() == rank {
        return s.to_vec();
    }
    match (s.len(), rank) {
        (1, _) => {
            let mut v = vec![1; rank];
            if s[0] == other[0] {
                v[0] = s[0];
            } else {
                v[rank - 1] = s[0];
            }
            v
        }
        (2, 3) => vec![s[0], s[1], 1],
        (2, 4) => vec![s[0], s[1], 1, 1],
        (3, 4) => vec![s[0], s[1], s[2], 1],
        _ => unreachable!(),
    }
}

pub fn binaryop(p: &Params, inputs: &[Tensor]) -> Tensor {
    let op = p.int(0, 0);
    if p.int(1, 0) != 0 {
        let b = p.float(2, 0.0);
        return inputs[0].map(|a| apply(op, a, b));
    }
    let (a, b) = (&inputs[0], &inputs[1]);
    let rank = a.dims().max(b.dims());
    let sa = extend(&a.shape, &b.shape, rank);
    let sb = extend(&b.shape, &a.shape, rank);
    let so: Vec<usize> = sa.iter().zip(&sb).map(|(x, y)| *x.max(y)).collect();
    for k in 0..rank {
        assert!(
            sa[k] == so[k] || sa[k] == 1,
            "shapes {:?} and {:?} do not broadcast",
            a.shape,
            b.shape
        );
        assert!(sb[k] == so[k] || sb[k] == 1);
    }
    // Flat index into a tensor of shape `s` of output coordinate `idx`.
    let flat = |s: &[usize], idx: &[usize]| {
        s.iter()
            .zip(idx)
            .fold(0, |acc, (&n, &i)| acc * n + if n == 1 { 0 } else { i })
    };
    let total: usize = so.iter().product();
    let mut out = Vec::with_capacity(total);
    let mut idx = vec![0usize; rank];
    for _ in 0..total {
        out.push(apply(op, a.data[flat(&sa, &idx)], b.data[flat(&sb, &idx)]));
        for k in (0..rank).rev() {
            idx[k] += 1;
            if idx[k] < so[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    Tensor::new(&so, out)
}

pub fn eltwise(p: &Params, inputs: &[Tensor]) -> Tensor {
    let op = p.int(0, 0);
    let coeffs = p.floats(1);
    for t in inputs {
        assert_eq!(t.shape, inputs[0].shape);
    }
    let n = inputs[0].data.len();
    let out = (0..n)
        .map(|i| match op {
            0 => inputs[1..]
                .iter()
                .fold(inputs[0].data[i], |acc, t| acc * t.data[i]),
            1 if coeffs.is_empty() => inputs[1..]
                .iter()
                .fold(inputs[0].data[i], |acc, t| acc + t.data[i]),
            1 => {
                let first = inputs[0].data[i] * coeffs[0] + inputs[1].data[i] * coeffs[1];
                inputs[2..]
                    .iter()
                    .zip(&coeffs[2..])
                    .fold(first, |acc, (t, &k)| acc + t.data[i] * k)
            }
            2 => inputs[1..]
                .iter()
                .fold(inputs[0].data[i], |acc, t| acc.max(t.data[i])),
            o => panic!("eltwise op {o}"),
        })
        .collect();
    Tensor::new(&inputs[0].shape, out)
}
