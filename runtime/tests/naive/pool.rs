//! Pooling (`src/layer/pooling.cpp`) of a 3-D blob.
//!
//! Params: `0` type (0 max, 1 avg), `1`/`11` kernel w/h, `2`/`12` stride,
//! `3`/`14`/`13`/`15` pad left/right/top/bottom, `4` global, `5` pad mode
//! (0 full: extra tail padding so the last window fits; 1 valid: the pads
//! as given; 2 SAME; 3 SAME_LOWER), `6` avg counts padding, `7` adaptive,
//! `8`/`18` adaptive output w/h.
//!
//! The border is -FLT_MAX for max and 0 for avg. Average pooling that does
//! not count padding divides by the window cells that are neither in the
//! given pads nor in full mode's tail padding — in SAME modes (whose
//! padding is not the given pads) the SAME padding is counted, as ncnn does.

use super::{Params, Tensor};

pub fn pooling(p: &Params, x: &Tensor) -> Tensor {
    assert_eq!(x.dims(), 3, "pooling input {:?}", x.shape);
    let (w, h, _, c) = x.whdc();
    let max = p.int(0, 0) == 0;
    let kw = p.int(1, 0) as i64;
    let kh = p.int(11, kw as i32) as i64;
    let sw = p.int(2, 1) as i64;
    let sh = p.int(12, sw as i32) as i64;
    let pl = p.int(3, 0) as i64;
    let pr = p.int(14, pl as i32) as i64;
    let pt = p.int(13, pl as i32) as i64;
    let pb = p.int(15, pt as i32) as i64;
    let global = p.int(4, 0) != 0;
    let mode = p.int(5, 0);
    let include_pad = p.int(6, 0) != 0;
    let adaptive = p.int(7, 0) != 0;
    let ow_p = p.int(8, 0);
    let oh_p = p.int(18, ow_p);

    // Max, or the mean over `count` cells, of a window's values.
    let reduce = |vals: Vec<f32>, count: usize| -> f32 {
        if max {
            vals.into_iter().fold(f32::NEG_INFINITY, f32::max)
        } else {
            let s: f64 = vals.into_iter().map(|v| v as f64).sum();
            (s / count as f64) as f32
        }
    };

    if global {
        let out = (0..c)
            .map(|q| {
                let vals = (0..h)
                    .flat_map(|y| (0..w).map(move |xx| x.at(q, 0, y, xx)))
                    .collect();
                reduce(vals, w * h)
            })
            .collect();
        return Tensor::new(&[c], out);
    }

    if adaptive {
        let ow = if ow_p == -233 { w } else { ow_p as usize };
        let oh = if oh_p == -233 { h } else { oh_p as usize };
        let mut out = Vec::with_capacity(c * oh * ow);
        for q in 0..c {
            for i in 0..oh {
                let (y0, y1) = (h * i / oh, (h * (i + 1)).div_ceil(oh));
                for j in 0..ow {
                    let (x0, x1) = (w * j / ow, (w * (j + 1)).div_ceil(ow));
                    let vals = (y0..y1)
                        .flat_map(|y| (x0..x1).map(move |xx| x.at(q, 0, y, xx)))
                        .collect();
                    out.push(reduce(vals, (y1 - y0) * (x1 - x0)));
                }
            }
        }
        return Tensor::new(&[c, oh, ow], out);
    }

    let (w_i, h_i) = (w as i64, h as i64);
    // The border actually added: (top, bottom, left, right), and full mode's tails.
    let (mut bt, mut bb, mut bl, mut br) = (pt, pb, pl, pr);
    let (mut wtail, mut htail) = (0, 0);
    match mode {
        0 => {
            let tw = (w_i + pl + pr - kw) % sw;
            let th = (h_i + pt + pb - kh) % sh;
            if tw != 0 {
                wtail = sw - tw;
            }
            if th != 0 {
                htail = sh - th;
            }
            bb += htail;
            br += wtail;
        }
        1 => {}
        2 | 3 => {
            let wpad = kw + (w_i - 1) / sw * sw - w_i;
            let hpad = kh + (h_i - 1) / sh * sh - h_i;
            (bt, bb, bl, br) = (0, 0, 0, 0);
            if wpad > 0 || hpad > 0 {
                assert!(wpad >= 0 && hpad >= 0, "SAME padding would crop");
                (bt, bb, bl, br) = if mode == 2 {
                    (hpad / 2, hpad - hpad / 2, wpad / 2, wpad - wpad / 2)
                } else {
                    (hpad - hpad / 2, hpad / 2, wpad - wpad / 2, wpad / 2)
                };
            }
        }
        m => panic!("pad mode {m}"),
    }
    let pw = w_i + bl + br;
    let ph = h_i + bt + bb;
    let ow = ((pw - kw) / sw + 1) as usize;
    let oh = ((ph - kh) / sh + 1) as usize;
    let border = if max { -f32::MAX } else { 0.0 };
    // The bordered input at (y, x).
    let at = |q: usize, y: i64, xx: i64| -> f32 {
        let (y, xx) = (y - bt, xx - bl);
        if y < 0 || xx < 0 || y >= h_i || xx >= w_i {
            border
        } else {
            x.at(q, 0, y as usize, xx as usize)
        }
    };

    let mut out = Vec::with_capacity(c * oh * ow);
    for q in 0..c {
        for i in 0..oh as i64 {
            for j in 0..ow as i64 {
                let (y0, x0) = (i * sh, j * sw);
                let v = if max || include_pad {
                    let vals = (0..kh)
                        .flat_map(|ky| (0..kw).map(move |kx| at(q, y0 + ky, x0 + kx)))
                        .collect();
                    reduce(vals, (kw * kh) as usize)
                } else {
                    // Cells in the given pads (and full mode's tail) do not count.
                    let mut s = 0f64;
                    let mut n = 0usize;
                    for ky in 0..kh {
                        let y = y0 + ky;
                        if y < pt || y >= ph - pb - htail {
                            continue;
                        }
                        for kx in 0..kw {
                            let xx = x0 + kx;
                            if xx < pl || xx >= pw - pr - wtail {
                                continue;
                            }
                            s += at(q, y, xx) as f64;
                            n += 1;
                        }
                    }
                    (s / n as f64) as f32
                };
                out.push(v);
            }
        }
    }
    Tensor::new(&[c, oh, ow], out)
}
