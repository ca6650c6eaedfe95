//! Reduction (`src/layer/reduction.cpp`) and UnaryOp (`unaryop.cpp`),
//! written as plain loops over numpy-order tensors with `f64` accumulation
//! (the norm layers' references are in `norm.rs`).

use super::{Params, Tensor};

/// Reduction: `0` op, `1` reduce_all, `2` coeff, `3` axes (numpy order,
/// negative from the end), `4` keepdims. A 1-D input always reduces.
pub fn reduction(p: &Params, x: &Tensor) -> Tensor {
    let op = p.int(0, 0);
    let all = p.int(1, 1) != 0 || x.dims() == 1;
    let coeff = f64::from(p.float(2, 1.0));
    let keep = p.int(4, 0) != 0;
    let r = x.dims();
    let mut red = vec![all; r];
    if !all {
        for a in p.floats(3) {
            let a = a as i32;
            red[if a < 0 { a + r as i32 } else { a } as usize] = true;
        }
    }
    let kept: Vec<usize> = (0..r)
        .map(|k| if red[k] { 1 } else { x.shape[k] })
        .collect();
    let n_out: usize = kept.iter().product();
    let mut groups: Vec<Vec<f64>> = vec![Vec::new(); n_out];
    for (i, &v) in x.data.iter().enumerate() {
        // Coordinates of element i, then its output index.
        let mut rem = i;
        let mut coord = vec![0; r];
        for k in (0..r).rev() {
            coord[k] = rem % x.shape[k];
            rem /= x.shape[k];
        }
        let o = (0..r).fold(0, |acc, k| {
            acc * kept[k] + if red[k] { 0 } else { coord[k] }
        });
        groups[o].push(f64::from(v));
    }
    let data: Vec<f32> = groups
        .iter()
        .map(|g| {
            let n = g.len() as f64;
            let v = match op {
                0 => g.iter().sum::<f64>(),
                1 | 7 => g.iter().map(|v| v.abs()).sum(),
                2 => g.iter().map(|v| v * v).sum(),
                3 => g.iter().sum::<f64>() / n,
                4 => g.iter().cloned().fold(f64::MIN, f64::max),
                5 => g.iter().cloned().fold(f64::MAX, f64::min),
                6 => g.iter().product(),
                8 => g.iter().map(|v| v * v).sum::<f64>().sqrt(),
                9 => g.iter().sum::<f64>().ln(),
                10 => g.iter().map(|v| v.exp()).sum::<f64>().ln(),
                o => panic!("reduction op {o}"),
            };
            (v * coeff) as f32
        })
        .collect();
    let shape: Vec<usize> = if keep {
        kept
    } else {
        let s: Vec<usize> = (0..r).filter(|&k| !red[k]).map(|k| x.shape[k]).collect();
        if s.is_empty() {
            vec![1]
        } else {
            s
        }
    };
    Tensor::new(&shape, data)
}

/// UnaryOp `0` op (ncnn's 28, in f64).
pub fn unaryop(p: &Params, x: &Tensor) -> Tensor {
    let op = p.int(0, 0);
    x.map(|v| {
        let v = f64::from(v);
        (match op {
            0 => v.abs(),
            1 => -v,
            2 => v.floor(),
            3 => v.ceil(),
            4 => v * v,
            5 => v.sqrt(),
            6 => 1.0 / v.sqrt(),
            7 => v.exp(),
            8 => v.ln(),
            9 => v.sin(),
            10 => v.cos(),
            11 => v.tan(),
            12 => v.asin(),
            13 => v.acos(),
            14 => v.atan(),
            15 => 1.0 / v,
            16 => v.tanh(),
            17 => v.log10(),
            18 => v.round_ties_even(),
            19 => v.trunc(),
            20 => v.signum() * f64::from(u8::from(v != 0.0)),
            21 => v.exp_m1(),
            22 => v.sinh(),
            23 => v.asinh(),
            24 => v.cosh(),
            25 => v.acosh(),
            26 => v.atanh(),
            27 => v.ln_1p(),
            o => panic!("unary op {o}"),
        }) as f32
    })
}
