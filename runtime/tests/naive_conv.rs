//! The check without Python: plain, obviously-correct versions of the
//! transposed / 1-D convolutions, Pooling1D and the detection and ROI heads,
//! written from ncnn's definitions (sums in f64: a deconvolution is the
//! direct scatter of every input pixel through the kernel), against Octet
//! with 1 and 2 threads on random and edge shapes (stride > kernel, 1×1
//! maps, output_pad, output sizes, odd sizes, groups).

mod common;

use octet::modelbin::SplitMix64;
use octet::{Mat, Net, Options, Weights};

/// One layer on inputs of `shapes`; returns its outputs for 1 and 2
/// threads, the inputs, and the weight buffers of the `.bin` (tagged then
/// raw, in load order).
struct Run {
    inputs: Vec<Mat>,
    outputs: [Vec<Mat>; 2],
    buffers: Vec<Vec<f32>>,
}

fn run(
    shapes: &[Vec<usize>],
    fills: &[Option<Vec<f32>>],
    layer: &str,
    nout: usize,
    seed: u64,
) -> Run {
    let mut text = String::new();
    let mut ins = Vec::new();
    for (i, s) in shapes.iter().enumerate() {
        let (w, h, d, c) = match s.as_slice() {
            [w] => (*w, 0, 0, 0),
            [h, w] => (*w, *h, 0, 0),
            [c, h, w] => (*w, *h, 0, *c),
            [c, d, h, w] => (*w, *h, *d, *c),
            _ => unreachable!(),
        };
        let depth = if d > 0 {
            format!(" 11={d}")
        } else {
            String::new()
        };
        text.push_str(&format!("Input in{i} 0 1 in{i} 0={w} 1={h}{depth} 2={c}\n"));
        ins.push(format!("in{i}"));
    }
    let outs: Vec<String> = (0..nout).map(|i| format!("out{i}")).collect();
    let (kind, params) = layer.split_once(' ').unwrap_or((layer, ""));
    text.push_str(&format!(
        "{kind} l {} {nout} {} {} {params}\n",
        ins.len(),
        ins.join(" "),
        outs.join(" ")
    ));
    let text = format!(
        "7767517\n{} {}\n{text}",
        shapes.len() + 1,
        shapes.len() + nout
    );
    let dir = tempfile::tempdir().unwrap();
    let param = dir.path().join("m.param");
    std::fs::write(&param, &text).unwrap();
    let bin = Net::synthetic_bin(&param, seed).unwrap();
    let inputs: Vec<Mat> = shapes
        .iter()
        .zip(fills)
        .enumerate()
        .map(|(i, (s, f))| match f {
            Some(v) => Mat::from_slice(s, v).unwrap(),
            None => common::random_mat(s, seed * 31 + i as u64),
        })
        .collect();
    let outputs = [1, 2].map(|threads| {
        let net = Net::from_param_bytes(
            text.as_bytes(),
            "naive",
            Weights::Bytes(&bin),
            Options {
                num_threads: threads,
                use_int8: false,
                ..Options::default()
            },
        )
        .unwrap_or_else(|e| panic!("{layer}: {e}"));
        let mut ex = net.extractor();
        for (n, m) in ins.iter().zip(&inputs) {
            ex.input(n, m.clone()).unwrap();
        }
        let names: Vec<&str> = outs.iter().map(String::as_str).collect();
        ex.extract_many(&names)
            .unwrap_or_else(|e| panic!("{layer} on {shapes:?}: {e}"))
    });
    Run {
        inputs,
        outputs,
        buffers: parse_bin(&bin),
    }
}

/// The buffers of a synthetic `.bin`: a zero tag then fp32 values for
/// tagged buffers, plain fp32 for raw ones. Without the layer's sizes the
/// split is unknown, so all values come as one list after each tag; the
/// callers split them.
fn parse_bin(bin: &[u8]) -> Vec<Vec<f32>> {
    let v: Vec<f32> = bin
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    // The tag (0) reads as 0.0: drop it; the rest is weights then bias.
    if v.is_empty() {
        Vec::new()
    } else {
        vec![v[1..].to_vec()]
    }
}

fn act(kind: i32, a: f64, b: f64, v: f64) -> f64 {
    match kind {
        0 => v,
        1 => v.max(0.0),
        2 => {
            if v > 0.0 {
                v
            } else {
                v * a
            }
        }
        3 => v.max(a).min(b),
        4 => 1.0 / (1.0 + (-v).exp()),
        5 => v * (v.exp().ln_1p()).tanh(),
        6 => {
            let (lo, hi) = (-b / a, 1.0 / a - b / a);
            if v < lo {
                0.0
            } else if v > hi {
                v
            } else {
                v * (v * a + b)
            }
        }
        _ => unreachable!(),
    }
}

fn check(name: &str, ours: &[Mat; 2], want_shape: &[usize], want: &[f64]) {
    for (t, o) in ours.iter().enumerate() {
        assert_eq!(o.shape(), want_shape, "{name} ({} threads): shape", t + 1);
        let got = o.to_vec();
        // ncnn's 0/0 (an average over a window of padding only) is NaN on both sides.
        for (g, w) in got.iter().zip(want) {
            assert_eq!(
                g.is_nan(),
                w.is_nan(),
                "{name}: NaN where the reference has {w}"
            );
        }
        let m = want.iter().fold(0f64, |m, v| m.max(v.abs()));
        let d = got
            .iter()
            .zip(want)
            .fold(0f64, |d, (g, w)| d.max((*g as f64 - w).abs()));
        assert!(
            d <= 1e-4 * m + 1e-5,
            "{name} ({} threads): max|diff| {d} vs max|ref| {m}",
            t + 1
        );
    }
    let bits = |m: &Mat| m.to_vec().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&ours[0]),
        bits(&ours[1]),
        "{name}: 1 and 2 threads differ"
    );
}

/// A deconvolution as ncnn defines it.
#[derive(Clone, Debug)]
struct Deconv {
    c: usize,
    h: usize,
    w: usize,
    out: usize,
    group: usize,
    kw: usize,
    kh: usize,
    dw: usize,
    dh: usize,
    sw: usize,
    sh: usize,
    /// left, right, top, bottom
    pads: [i32; 4],
    opr: usize,
    opb: usize,
    ow: usize,
    oh: usize,
    bias: bool,
    act: (i32, f64, f64),
    one_d: bool,
}

impl Deconv {
    fn full(&self) -> (usize, usize) {
        let fw = (self.w - 1) * self.sw + self.dw * (self.kw - 1) + 1 + self.opr;
        let fh = (self.h - 1) * self.sh + self.dh * (self.kh - 1) + 1 + self.opb;
        (fw, fh)
    }

    /// (top, bottom, left, right) cut, or None when nothing would be left.
    fn cut(&self) -> Option<(usize, usize, usize, usize)> {
        let (fw, fh) = self.full();
        let [l, r, t, b] = self.pads;
        let any_pos = self.pads.iter().any(|&p| p > 0);
        let size_set = if self.one_d {
            self.ow > 0
        } else {
            self.ow > 0 && self.oh > 0
        };
        let (t, b, l, r) = if any_pos {
            (t as usize, b as usize, l as usize, r as usize)
        } else if size_set {
            let oh = if self.one_d { fh } else { self.oh };
            if self.ow > fw || oh > fh {
                return None;
            }
            let (wc, hc) = (fw - self.ow, fh - oh);
            if self.pads.contains(&-233) {
                (hc / 2, hc - hc / 2, wc / 2, wc - wc / 2)
            } else {
                (hc - hc / 2, hc / 2, wc - wc / 2, wc / 2)
            }
        } else {
            (0, 0, 0, 0)
        };
        (l + r < fw && t + b < fh).then_some((t, b, l, r))
    }

    fn params(&self) -> String {
        let maxk = self.kw * self.kh;
        let wds = self.out * self.c / self.group * maxk;
        let [l, r, t, b] = self.pads;
        let (kind, a, bb) = self.act;
        let kind_name = match (self.one_d, self.group > 1) {
            (false, false) => "Deconvolution",
            (false, true) => "DeconvolutionDepthWise",
            (true, false) => "Deconvolution1D",
            (true, true) => "DeconvolutionDepthWise1D",
        };
        let mut p = format!(
            "{kind_name} 0={} 1={} 2={} 3={} 4={l} 15={r} 5={} 6={wds} 18={} 20={} 9={kind} -23310=2,{a:e},{bb:e}",
            self.out, self.kw, self.dw, self.sw, self.bias as i32, self.opr, self.ow
        );
        if self.group > 1 {
            p.push_str(&format!(" 7={}", self.group));
        }
        if !self.one_d {
            p.push_str(&format!(
                " 11={} 12={} 13={} 14={t} 16={b} 19={} 21={}",
                self.kh, self.dh, self.sh, self.opb, self.oh
            ));
        }
        p
    }

    /// The direct scatter sum in f64, then the cut and the activation.
    fn naive(&self, x: &[f32], wts: &[f32], bias: Option<&[f32]>) -> (Vec<usize>, Vec<f64>) {
        let (fw, fh) = self.full();
        let (t, b, l, r) = self.cut().unwrap();
        let (in_g, out_g) = (self.c / self.group, self.out / self.group);
        let maxk = self.kw * self.kh;
        let mut full = vec![0f64; self.out * fh * fw];
        for o in 0..self.out {
            let g = o / out_g;
            let plane = &mut full[o * fh * fw..(o + 1) * fh * fw];
            plane.fill(bias.map_or(0.0, |b| b[o] as f64));
            for qi in 0..in_g {
                let q = g * in_g + qi;
                for i in 0..self.h {
                    for j in 0..self.w {
                        let v = x[(q * self.h + i) * self.w + j] as f64;
                        for ky in 0..self.kh {
                            for kx in 0..self.kw {
                                let wv = wts[(o * in_g + qi) * maxk + ky * self.kw + kx] as f64;
                                let y = i * self.sh + ky * self.dh;
                                let xx = j * self.sw + kx * self.dw;
                                plane[y * fw + xx] += v * wv;
                            }
                        }
                    }
                }
            }
        }
        let (ow, oh) = (fw - l - r, fh - t - b);
        let mut out = Vec::with_capacity(self.out * oh * ow);
        for o in 0..self.out {
            for y in 0..oh {
                for xx in 0..ow {
                    let v = full[(o * fh + y + t) * fw + xx + l];
                    out.push(act(self.act.0, self.act.1, self.act.2, v));
                }
            }
        }
        let shape = if self.one_d {
            vec![self.out, ow]
        } else {
            vec![self.out, oh, ow]
        };
        (shape, out)
    }
}

fn pick(rng: &mut SplitMix64, n: usize) -> usize {
    (rng.next_u64() % n as u64) as usize
}

fn random_act(rng: &mut SplitMix64) -> (i32, f64, f64) {
    let k = pick(rng, 7) as i32;
    let a = if k == 6 {
        0.2 + 0.1 * pick(rng, 5) as f64
    } else {
        -0.1 * (1 + pick(rng, 9)) as f64
    };
    let b = 0.1 * (1 + pick(rng, 9)) as f64;
    // f32-exact so the naive version uses the values the layer reads.
    (k, a as f32 as f64, b as f32 as f64)
}

fn random_deconv(rng: &mut SplitMix64, one_d: bool, grouped: bool) -> Deconv {
    loop {
        let group = if grouped { 1 + pick(rng, 4) } else { 1 };
        let c = group * (1 + pick(rng, 3));
        let out = group * (1 + pick(rng, 3));
        let mut d = Deconv {
            c,
            h: if one_d { 1 } else { 1 + pick(rng, 7) },
            w: 1 + pick(rng, 9),
            out,
            group,
            kw: 1 + pick(rng, 5),
            kh: if one_d { 1 } else { 1 + pick(rng, 5) },
            dw: 1 + pick(rng, 3),
            dh: if one_d { 1 } else { 1 + pick(rng, 3) },
            sw: 1 + pick(rng, 4),
            sh: if one_d { 1 } else { 1 + pick(rng, 4) },
            pads: [0; 4],
            opr: pick(rng, 3),
            opb: if one_d { 0 } else { pick(rng, 3) },
            ow: 0,
            oh: 0,
            bias: pick(rng, 2) == 1,
            act: random_act(rng),
            one_d,
        };
        match pick(rng, 4) {
            0 => {}
            1 => {
                d.pads = [
                    pick(rng, 3) as i32,
                    pick(rng, 3) as i32,
                    pick(rng, 3) as i32,
                    pick(rng, 3) as i32,
                ];
                if one_d {
                    d.pads[2] = 0;
                    d.pads[3] = 0;
                }
            }
            _ => {
                let m = if pick(rng, 2) == 0 { -233 } else { -234 };
                d.pads = [m, m, if one_d { 0 } else { m }, if one_d { 0 } else { m }];
                let (fw, fh) = d.full();
                d.ow = 1 + pick(rng, fw + 1);
                d.oh = if one_d { 0 } else { 1 + pick(rng, fh + 1) };
            }
        }
        if d.cut().is_some() {
            return d;
        }
    }
}

fn check_deconv(d: &Deconv, seed: u64) {
    let shape = if d.one_d {
        vec![d.c, d.w]
    } else {
        vec![d.c, d.h, d.w]
    };
    let r = run(&[shape], &[None], &d.params(), 1, seed);
    let maxk = d.kw * d.kh;
    let wds = d.out * d.c / d.group * maxk;
    let all = &r.buffers[0];
    let (wts, bias) = (&all[..wds], d.bias.then(|| &all[wds..wds + d.out]));
    let (shape, want) = d.naive(&r.inputs[0].to_vec(), wts, bias);
    let [a, b] = &r.outputs;
    check(
        &format!("{d:?}"),
        &[a[0].clone(), b[0].clone()],
        &shape,
        &want,
    );
}

#[test]
fn deconvolutions_equal_the_direct_scatter() {
    let mut rng = SplitMix64::new(11);
    for i in 0..60 {
        check_deconv(&random_deconv(&mut rng, false, false), i);
        check_deconv(&random_deconv(&mut rng, false, true), 100 + i);
        check_deconv(&random_deconv(&mut rng, true, false), 200 + i);
        check_deconv(&random_deconv(&mut rng, true, true), 300 + i);
    }
    // Edges: 1×1 map, stride > kernel, depthwise, a PP-OCR-sized layer with
    // several GEMM bands and 2 threads.
    let base = Deconv {
        c: 3,
        h: 1,
        w: 1,
        out: 4,
        group: 1,
        kw: 3,
        kh: 3,
        dw: 1,
        dh: 1,
        sw: 2,
        sh: 2,
        pads: [0; 4],
        opr: 0,
        opb: 0,
        ow: 0,
        oh: 0,
        bias: true,
        act: (0, 0.0, 0.0),
        one_d: false,
    };
    let edges = [
        base.clone(),
        Deconv {
            h: 5,
            w: 4,
            kw: 2,
            kh: 2,
            sw: 5,
            sh: 3,
            opr: 2,
            opb: 1,
            ..base.clone()
        },
        Deconv {
            c: 6,
            out: 6,
            group: 6,
            h: 7,
            w: 9,
            kw: 4,
            kh: 4,
            pads: [1; 4],
            act: (1, 0.0, 0.0),
            ..base.clone()
        },
        Deconv {
            c: 4,
            out: 8,
            group: 4,
            h: 3,
            w: 5,
            kw: 3,
            kh: 2,
            dw: 2,
            dh: 3,
            ..base.clone()
        },
        Deconv {
            c: 24,
            out: 32,
            h: 36,
            w: 31,
            kw: 4,
            kh: 4,
            pads: [1; 4],
            act: (1, 0.0, 0.0),
            ..base.clone()
        },
        Deconv {
            c: 5,
            out: 3,
            h: 6,
            w: 7,
            kw: 3,
            kh: 3,
            pads: [-233; 4],
            ow: 13,
            oh: 11,
            ..base.clone()
        },
        Deconv {
            c: 5,
            out: 3,
            h: 6,
            w: 7,
            kw: 4,
            kh: 4,
            pads: [-234; 4],
            ow: 14,
            oh: 9,
            opr: 1,
            ..base
        },
    ];
    for (i, d) in edges.iter().enumerate() {
        check_deconv(d, 900 + i as u64);
    }
}

/// Convolution1D / ConvolutionDepthWise1D as ncnn defines them.
#[test]
fn convolutions_1d_equal_the_direct_sum() {
    let mut rng = SplitMix64::new(5);
    for i in 0..150u64 {
        let group = if i % 2 == 0 { 1 } else { 1 + pick(&mut rng, 4) };
        let (h, out) = (
            group * (1 + pick(&mut rng, 4)),
            group * (1 + pick(&mut rng, 4)),
        );
        let (k, d, s) = (
            1 + pick(&mut rng, 5),
            1 + pick(&mut rng, 3),
            1 + pick(&mut rng, 3),
        );
        let w = (d * (k - 1) + 1) + pick(&mut rng, 12);
        let (pl, pr) = match pick(&mut rng, 4) {
            0 => (0, 0),
            1 => (pick(&mut rng, 3) as i32, pick(&mut rng, 4) as i32),
            2 => (-233, -233),
            _ => (-234, -234),
        };
        let pad_value = if pick(&mut rng, 2) == 0 {
            0.0
        } else {
            -0.75f32
        };
        let bias = pick(&mut rng, 2) == 1;
        let a = random_act(&mut rng);
        let in_g = h / group;
        let wds = out * in_g * k;
        let kind = if group == 1 {
            "Convolution1D"
        } else {
            "ConvolutionDepthWise1D"
        };
        let layer = format!(
            "{kind} 0={out} 1={k} 2={d} 3={s} 4={pl} 15={pr} 18={pad_value:e} 5={} 6={wds} 7={group} 9={} -23310=2,{:e},{:e}",
            bias as i32, a.0, a.1, a.2
        );
        let r = run(&[vec![h, w]], &[None], &layer, 1, i);
        let all = &r.buffers[0];
        let (wts, bs) = (&all[..wds], bias.then(|| &all[wds..wds + out]));
        let x = r.inputs[0].to_vec();
        let ext = d * (k - 1) + 1;
        let (l, rr) = if pl > 0 || pr > 0 {
            (pl as usize, pr as usize)
        } else if pl == -233 || pl == -234 {
            let wpad = (ext + (w - 1) / s * s).saturating_sub(w);
            if pl == -233 {
                (wpad / 2, wpad - wpad / 2)
            } else {
                (wpad - wpad / 2, wpad / 2)
            }
        } else {
            (0, 0)
        };
        let pw = w + l + rr;
        let outw = (pw - ext) / s + 1;
        let at = |q: usize, xx: usize| -> f64 {
            if xx < l || xx >= l + w {
                pad_value as f64
            } else {
                x[q * w + xx - l] as f64
            }
        };
        let mut want = Vec::new();
        for o in 0..out {
            let g = o / (out / group);
            for j in 0..outw {
                let mut sum = bs.map_or(0.0, |b| b[o] as f64);
                for qi in 0..in_g {
                    for t in 0..k {
                        sum +=
                            wts[(o * in_g + qi) * k + t] as f64 * at(g * in_g + qi, j * s + t * d);
                    }
                }
                want.push(act(a.0, a.1, a.2, sum));
            }
        }
        let [o1, o2] = &r.outputs;
        check(&layer, &[o1[0].clone(), o2[0].clone()], &[out, outw], &want);
    }
}

/// A layer's expected output from its input.
type Reference = Box<dyn Fn(&[f32]) -> Vec<f64>>;

#[test]
fn pooling_1d_equals_its_definition() {
    let mut rng = SplitMix64::new(9);
    for i in 0..200u64 {
        let (h, w) = (1 + pick(&mut rng, 5), 1 + pick(&mut rng, 14));
        let max = pick(&mut rng, 2) == 0;
        let mode = pick(&mut rng, 6);
        let (layer, shape, want): (String, Vec<usize>, Reference) = match mode {
            0 => (
                format!("Pooling1D 0={} 4=1", (!max) as i32),
                vec![h],
                Box::new(move |x: &[f32]| {
                    (0..h)
                        .map(|q| {
                            let r = &x[q * w..(q + 1) * w];
                            if max {
                                r.iter().fold(f64::MIN, |m, &v| m.max(v as f64))
                            } else {
                                r.iter().map(|&v| v as f64).sum::<f64>() / w as f64
                            }
                        })
                        .collect()
                }),
            ),
            1 => {
                let ow = 1 + pick(&mut rng, 9);
                (
                    format!("Pooling1D 0={} 7=1 8={ow}", (!max) as i32),
                    vec![h, ow],
                    Box::new(move |x: &[f32]| {
                        let mut v = Vec::new();
                        for q in 0..h {
                            for j in 0..ow {
                                let (a, b) = (w * j / ow, (w * (j + 1)).div_ceil(ow));
                                let r = &x[q * w + a..q * w + b];
                                v.push(if max {
                                    r.iter().fold(f64::MIN, |m, &v| m.max(v as f64))
                                } else {
                                    r.iter().map(|&v| v as f64).sum::<f64>() / (b - a) as f64
                                });
                            }
                        }
                        v
                    }),
                )
            }
            _ => {
                // Windows over a padded row: valid (pad_mode 1) with explicit
                // pads, or SAME (2/3); averages count the pads (6=1) or the
                // columns outside the explicit pads.
                let k = 1 + pick(&mut rng, 4);
                let s = 1 + pick(&mut rng, 3);
                let pm = pick(&mut rng, 4);
                let (pl, pr) = if pm <= 1 {
                    (pick(&mut rng, k), pick(&mut rng, k))
                } else {
                    (0, 0)
                };
                let incl = pick(&mut rng, 2);
                // Full padding (0) adds a tail so the last window fits (C's `%`).
                let tail = if pm == 0 {
                    let t = (w as i64 + pl as i64 + pr as i64 - k as i64) % s as i64;
                    if t != 0 {
                        (s as i64 - t) as usize
                    } else {
                        0
                    }
                } else {
                    0
                };
                let (l, r) = if pm <= 1 {
                    (pl, pr + tail)
                } else {
                    let wpad = (k + (w - 1) / s * s).saturating_sub(w);
                    if pm == 2 {
                        (wpad / 2, wpad - wpad / 2)
                    } else {
                        (wpad - wpad / 2, wpad / 2)
                    }
                };
                let pw = w + l + r;
                if pw < k {
                    continue;
                }
                let outw = (pw - k) / s + 1;
                (
                    format!(
                        "Pooling1D 0={} 1={k} 2={s} 3={pl} 14={pr} 5={pm} 6={incl}",
                        (!max) as i32
                    ),
                    vec![h, outw],
                    Box::new(move |x: &[f32]| {
                        let mut v = Vec::new();
                        for q in 0..h {
                            for j in 0..outw {
                                let cols = (j * s..j * s + k).map(|c| {
                                    let inside = c >= l && c < l + w;
                                    (c, inside.then(|| x[q * w + c - l] as f64))
                                });
                                v.push(if max {
                                    cols.map(|(_, v)| v.unwrap_or(-f32::MAX as f64))
                                        .fold(f64::MIN, f64::max)
                                } else if incl == 1 {
                                    cols.map(|(_, v)| v.unwrap_or(0.0)).sum::<f64>() / k as f64
                                } else {
                                    // ncnn counts what lies between the explicit pads.
                                    let kept: Vec<f64> = cols
                                        .filter(|&(c, _)| c >= pl && c + pr + tail < pw)
                                        .map(|(_, v)| v.unwrap_or(0.0))
                                        .collect();
                                    kept.iter().sum::<f64>() / kept.len() as f64
                                });
                            }
                        }
                        v
                    }),
                )
            }
        };
        let r = run(&[vec![h, w]], &[None], &layer, 1, i);
        let want = want(&r.inputs[0].to_vec());
        let [o1, o2] = &r.outputs;
        check(&layer, &[o1[0].clone(), o2[0].clone()], &shape, &want);
    }
}

/// Rows `label score x0 y0 x1 y1` compared as sets (scores are distinct).
fn same_rows(name: &str, ours: &Mat, want: &[[f64; 6]]) {
    let got = ours.to_vec();
    assert_eq!(
        got.len(),
        want.len() * 6,
        "{name}: {} rows, want {}",
        got.len() / 6,
        want.len()
    );
    for g in got.chunks(6) {
        assert!(
            want.iter().any(|w| {
                w[0] == g[0] as f64
                    && (1..6).all(|k| (w[k] - g[k] as f64).abs() <= 1e-4 * w[k].abs().max(1.0))
            }),
            "{name}: row {g:?} is not in the reference"
        );
    }
}

/// Greedy NMS over boxes sorted by score (a stable sort: scores are distinct here).
fn nms(mut boxes: Vec<([f64; 4], f64, usize)>, over: impl Fn(f64, f64) -> bool) -> Vec<[f64; 6]> {
    boxes.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap());
    let area = |r: &[f64; 4]| (r[2] - r[0]) * (r[3] - r[1]);
    let inter = |a: &[f64; 4], b: &[f64; 4]| {
        if a[0] > b[2] || a[2] < b[0] || a[1] > b[3] || a[3] < b[1] {
            0.0
        } else {
            (a[2].min(b[2]) - a[0].max(b[0])) * (a[3].min(b[3]) - a[1].max(b[1]))
        }
    };
    let mut kept: Vec<([f64; 4], f64, usize)> = Vec::new();
    for b in boxes {
        if kept.iter().all(|k| {
            let i = inter(&b.0, &k.0);
            !over(i, area(&b.0) + area(&k.0) - i)
        }) {
            kept.push(b);
        }
    }
    kept.into_iter()
        .map(|(r, s, l)| [l as f64 + 1.0, s, r[0], r[1], r[2], r[3]])
        .collect()
}

#[test]
fn yolo_heads_equal_their_definitions() {
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    for (i, &(nc, nb, maps)) in [
        (3usize, 2usize, &[(5usize, 4usize)][..]),
        (4, 3, &[(6, 6), (3, 2)][..]),
        (80, 3, &[(13, 13), (26, 26)][..]),
    ]
    .iter()
    .enumerate()
    {
        let biases: Vec<f32> = (0..2 * nb * maps.len())
            .map(|k| 8.0 + 7.0 * k as f32)
            .collect();
        let mask: Vec<f32> = (0..nb * maps.len()).rev().map(|k| k as f32).collect();
        let scales: Vec<f32> = (0..maps.len()).map(|k| 32.0 / (1 << k) as f32).collect();
        let list = |v: &[f32]| {
            format!(
                "{},{}",
                v.len(),
                v.iter()
                    .map(|x| format!("{x:e}"))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        let (conf, thr) = (0.3f32, 0.45f32);
        let layer = format!(
            "Yolov3DetectionOutput 0={nc} 1={nb} 2={conf:e} 3={thr:e} -23304={} -23305={} -23306={}",
            list(&biases),
            list(&mask),
            list(&scales)
        );
        let shapes: Vec<Vec<usize>> = maps
            .iter()
            .map(|&(w, h)| vec![nb * (5 + nc), h, w])
            .collect();
        let mut rng = SplitMix64::new(70 + i as u64);
        let fills: Vec<Option<Vec<f32>>> = shapes
            .iter()
            .map(|s| {
                Some(
                    (0..s.iter().product::<usize>())
                        .map(|_| rng.uniform(-8.0, 3.0))
                        .collect(),
                )
            })
            .collect();
        let r = run(&shapes, &fills, &layer, 1, 1);
        let mut boxes = Vec::new();
        for (b, (m, &(w, h))) in r.inputs.iter().zip(maps).enumerate() {
            let at = |ch: usize, k: usize| m.channel(ch)[k] as f64;
            let (net_w, net_h) = (
                (scales[b] * w as f32) as i32 as f64,
                (scales[b] * h as f32) as i32 as f64,
            );
            for pp in 0..nb {
                let p = pp * (5 + nc);
                let ai = mask[b * nb + pp] as usize;
                for k in 0..w * h {
                    let (cls, cs) = (0..nc)
                        .map(|q| (q, at(p + 5 + q, k)))
                        .fold((0, f64::MIN), |a, x| if x.1 > a.1 { x } else { a });
                    // ncnn's confidence expression.
                    let c = 1.0 / (1.0 + (-at(p + 4, k)).exp() * (1.0 + (-cs).exp()));
                    if c >= conf as f64 {
                        let cx = ((k % w) as f64 + sig(at(p, k))) / w as f64;
                        let cy = ((k / w) as f64 + sig(at(p + 1, k))) / h as f64;
                        let bw = at(p + 2, k).exp() * biases[2 * ai] as f64 / net_w;
                        let bh = at(p + 3, k).exp() * biases[2 * ai + 1] as f64 / net_h;
                        boxes.push((
                            [cx - bw / 2.0, cy - bh / 2.0, cx + bw / 2.0, cy + bh / 2.0],
                            c,
                            cls,
                        ));
                    }
                }
            }
        }
        let want = nms(boxes, |i, u| i > thr as f64 * u);
        assert!(!want.is_empty(), "case {i} should detect");
        for o in &r.outputs {
            same_rows(&layer, &o[0], &want);
        }
    }
    // YOLOv2: softmax classes, sigmoid box score, class probability above 0.
    for (i, &(nc, nb, w, h)) in [(3usize, 2usize, 5usize, 7usize), (20, 5, 13, 13)]
        .iter()
        .enumerate()
    {
        let biases: Vec<f32> = (0..2 * nb).map(|k| 0.5 + 0.7 * k as f32).collect();
        let (conf, thr) = (0.15f32, 0.4f32);
        let layer = format!(
            "YoloDetectionOutput 0={nc} 1={nb} 2={conf:e} 3={thr:e} -23304={},{}",
            biases.len(),
            biases
                .iter()
                .map(|x| format!("{x:e}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let shape = vec![nb * (5 + nc), h, w];
        let mut rng = SplitMix64::new(90 + i as u64);
        let fill: Vec<f32> = (0..shape.iter().product::<usize>())
            .map(|_| rng.uniform(-5.0, 4.0))
            .collect();
        let r = run(&[shape], &[Some(fill)], &layer, 1, 1);
        let m = &r.inputs[0];
        let at = |ch: usize, k: usize| m.channel(ch)[k] as f64;
        let mut boxes = Vec::new();
        for pp in 0..nb {
            let p = pp * (5 + nc);
            for k in 0..w * h {
                let mx = (0..nc).map(|q| at(p + 5 + q, k)).fold(f64::MIN, f64::max);
                let e: Vec<f64> = (0..nc).map(|q| (at(p + 5 + q, k) - mx).exp()).collect();
                let sum: f64 = e.iter().sum();
                let (cls, cs) = e
                    .iter()
                    .map(|v| v / sum)
                    .enumerate()
                    .fold((0, 0.0), |a, x| if x.1 > a.1 { x } else { a });
                let c = sig(at(p + 4, k)) * cs;
                if c >= conf as f64 {
                    let cx = ((k % w) as f64 + sig(at(p, k))) / w as f64;
                    let cy = ((k / w) as f64 + sig(at(p + 1, k))) / h as f64;
                    let bw = at(p + 2, k).exp() * biases[2 * pp] as f64 / w as f64;
                    let bh = at(p + 3, k).exp() * biases[2 * pp + 1] as f64 / h as f64;
                    boxes.push((
                        [cx - bw / 2.0, cy - bh / 2.0, cx + bw / 2.0, cy + bh / 2.0],
                        c,
                        cls,
                    ));
                }
            }
        }
        let want = nms(boxes, |i, u| i / u > thr as f64);
        assert!(!want.is_empty(), "yolov2 case {i} should detect");
        for o in &r.outputs {
            same_rows(&layer, &o[0], &want);
        }
    }
}

#[test]
fn roi_heads_equal_their_definitions() {
    let mut rng = SplitMix64::new(3);
    for i in 0..60u64 {
        let (c, h, w) = (
            1 + pick(&mut rng, 4),
            3 + pick(&mut rng, 10),
            3 + pick(&mut rng, 10),
        );
        let (pw, ph) = (1 + pick(&mut rng, 5), 1 + pick(&mut rng, 5));
        let s = [1.0f32, 0.5, 0.25][pick(&mut rng, 3)];
        // A roi inside the map (ncnn's version-0 ROIAlign reads past the edge otherwise).
        let x1 = rng.uniform(0.0, (w - 2) as f32);
        let y1 = rng.uniform(0.0, (h - 2) as f32);
        let x2 = rng.uniform(x1 + 1.0, (w - 1) as f32);
        let y2 = rng.uniform(y1 + 1.0, (h - 1) as f32);
        let roi = vec![x1 / s, y1 / s, x2 / s, y2 / s];
        let kind = i % 3;
        let od = 1 + pick(&mut rng, 3);
        let (sr, al, ver) = (pick(&mut rng, 3), pick(&mut rng, 2) == 1, pick(&mut rng, 2));
        let (layer, cin) = match kind {
            0 => (format!("ROIPooling 0={pw} 1={ph} 2={s:e}"), c),
            1 => (
                format!(
                    "ROIAlign 0={pw} 1={ph} 2={s:e} 3={sr} 4={} 5={ver}",
                    al as i32
                ),
                c,
            ),
            _ => (
                format!("PSROIPooling 0={pw} 1={ph} 2={s:e} 3={od}"),
                od * pw * ph,
            ),
        };
        let r = run(
            &[vec![cin, h, w], vec![4]],
            &[None, Some(roi.clone())],
            &layer,
            1,
            i,
        );
        let m = &r.inputs[0];
        let px = |q: usize, y: usize, x: usize| m.channel(q)[y * w + x] as f64;
        let mut want = Vec::new();
        let outc = if kind == 2 { od } else { c };
        // Bin bounds in f32 as ncnn computes them; sums in f64.
        match kind {
            0 => {
                let r4: Vec<i64> = roi.iter().map(|v| (v * s).round() as i64).collect();
                let (rw, rh) = ((r4[2] - r4[0] + 1).max(1), (r4[3] - r4[1] + 1).max(1));
                let (bw, bh) = (rw as f32 / pw as f32, rh as f32 / ph as f32);
                for q in 0..c {
                    for y in 0..ph {
                        for x in 0..pw {
                            let hs = ((r4[1] as f32 + (y as f32 * bh).floor()) as i64)
                                .clamp(0, h as i64) as usize;
                            let he = ((r4[1] as f32 + ((y + 1) as f32 * bh).ceil()) as i64)
                                .clamp(0, h as i64) as usize;
                            let ws = ((r4[0] as f32 + (x as f32 * bw).floor()) as i64)
                                .clamp(0, w as i64) as usize;
                            let we = ((r4[0] as f32 + ((x + 1) as f32 * bw).ceil()) as i64)
                                .clamp(0, w as i64) as usize;
                            let mut mx = if he <= hs || we <= ws { 0.0 } else { f64::MIN };
                            for yy in hs..he {
                                for xx in ws..we {
                                    mx = mx.max(px(q, yy, xx));
                                }
                            }
                            want.push(mx);
                        }
                    }
                }
            }
            1 => {
                let off = if al { 0.5 } else { 0.0 };
                let (rx1, ry1) = (roi[0] * s - off, roi[1] * s - off);
                let (rx2, ry2) = (roi[2] * s - off, roi[3] * s - off);
                let (mut rw, mut rh) = (rx2 - rx1, ry2 - ry1);
                if !al {
                    rw = rw.max(1.0);
                    rh = rh.max(1.0);
                }
                let (bw, bh) = (rw / pw as f32, rh / ph as f32);
                // Bilinear at (x, y), both within [0, size]: the last row/column beyond.
                let bil = |q: usize, x: f64, y: f64| {
                    let (x, y) = (x.min((w - 1) as f64), y.min((h - 1) as f64));
                    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
                    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
                    let (lx, ly) = (x - x0 as f64, y - y0 as f64);
                    (1.0 - ly) * ((1.0 - lx) * px(q, y0, x0) + lx * px(q, y0, x1))
                        + ly * ((1.0 - lx) * px(q, y1, x0) + lx * px(q, y1, x1))
                };
                let grid = |e: f32| {
                    if sr > 0 {
                        sr
                    } else {
                        e.ceil().max(0.0) as usize
                    }
                };
                for q in 0..c {
                    for y in 0..ph {
                        for x in 0..pw {
                            let v = if ver == 0 {
                                let hs = (ry1 + y as f32 * bh).clamp(0.0, h as f32);
                                let ws = (rx1 + x as f32 * bw).clamp(0.0, w as f32);
                                let he = (ry1 + (y + 1) as f32 * bh).clamp(0.0, h as f32);
                                let we = (rx1 + (x + 1) as f32 * bw).clamp(0.0, w as f32);
                                if he <= hs || we <= ws {
                                    0.0
                                } else {
                                    let (gh, gw) = (grid(he - hs), grid(we - ws));
                                    let mut sum = 0.0;
                                    for by in 0..gh {
                                        for bx in 0..gw {
                                            let yy = hs + (by as f32 + 0.5) * bh / gh as f32;
                                            let xx = ws + (bx as f32 + 0.5) * bw / gw as f32;
                                            sum += bil(q, xx as f64, yy as f64);
                                        }
                                    }
                                    sum / (gh * gw) as f64
                                }
                            } else {
                                let (gh, gw) = (grid(rh / ph as f32), grid(rw / pw as f32));
                                let mut sum = 0.0;
                                for iy in 0..gh {
                                    for ix in 0..gw {
                                        let yy = ry1
                                            + y as f32 * bh
                                            + (iy as f32 + 0.5) * bh / gh as f32;
                                        let xx = rx1
                                            + x as f32 * bw
                                            + (ix as f32 + 0.5) * bw / gw as f32;
                                        if yy < -1.0 || yy > h as f32 || xx < -1.0 || xx > w as f32
                                        {
                                            continue;
                                        }
                                        sum += bil(q, xx.max(0.0) as f64, yy.max(0.0) as f64);
                                    }
                                }
                                sum / (gh * gw).max(1) as f64
                            };
                            want.push(v);
                        }
                    }
                }
            }
            _ => {
                let (rx1, ry1) = (roi[0].round() * s, roi[1].round() * s);
                let (rx2, ry2) = ((roi[2] + 1.0).round() * s, (roi[3] + 1.0).round() * s);
                let (rw, rh) = ((rx2 - rx1).max(0.1), (ry2 - ry1).max(0.1));
                let (bw, bh) = (rw / pw as f32, rh / ph as f32);
                for q in 0..od {
                    for y in 0..ph {
                        for x in 0..pw {
                            let ch = (q * ph + y) * pw + x;
                            let hs =
                                ((ry1 + y as f32 * bh).floor() as i64).clamp(0, h as i64) as usize;
                            let he = ((ry1 + (y + 1) as f32 * bh).ceil() as i64).clamp(0, h as i64)
                                as usize;
                            let ws =
                                ((rx1 + x as f32 * bw).floor() as i64).clamp(0, w as i64) as usize;
                            let we = ((rx1 + (x + 1) as f32 * bw).ceil() as i64).clamp(0, w as i64)
                                as usize;
                            let mut sum = 0.0;
                            for yy in hs..he {
                                for xx in ws..we {
                                    sum += px(ch, yy, xx);
                                }
                            }
                            let n = (he.saturating_sub(hs) * we.saturating_sub(ws)) as f64;
                            want.push(if n == 0.0 { 0.0 } else { sum / n });
                        }
                    }
                }
            }
        }
        let [o1, o2] = &r.outputs;
        check(
            &layer,
            &[o1[0].clone(), o2[0].clone()],
            &[outc, ph, pw],
            &want,
        );
    }
}

/// Random params and input shapes for every new layer type: each loads and
/// runs, or fails with an error; never a panic (which the net reports as an
/// internal error).
#[test]
fn random_params_never_panic() {
    let kinds = [
        "Deconvolution",
        "DeconvolutionDepthWise",
        "Deconvolution1D",
        "DeconvolutionDepthWise1D",
        "Convolution1D",
        "ConvolutionDepthWise1D",
        "Pooling1D",
        "Yolov3DetectionOutput",
        "YoloDetectionOutput",
        "Proposal",
        "ROIPooling",
        "ROIAlign",
        "PSROIPooling",
    ];
    let mut rng = SplitMix64::new(77);
    let mut ran = 0;
    for i in 0..3000 {
        let kind = kinds[i % kinds.len()];
        let r = |rng: &mut SplitMix64, n: usize| 1 + pick(rng, n);
        // A valid layer of this kind …
        let (g, c, o, k) = (
            r(&mut rng, 3),
            r(&mut rng, 3),
            r(&mut rng, 3),
            r(&mut rng, 4),
        );
        let (h, w) = (r(&mut rng, 9), r(&mut rng, 9));
        let grouped = kind.contains("DepthWise");
        let (c, o, g) = if grouped {
            (c * g, o * g, g)
        } else {
            (c, o, 1)
        };
        let one_d = kind.ends_with("1D");
        let kk = if one_d { k } else { k * k };
        let conv = |extra: &str| {
            format!(
                "0={o} 1={k} 6={} 7={g} 3={} {extra}",
                o * c / g * kk,
                r(&mut rng.clone(), 3)
            )
        };
        let (mut params, mut shapes): (String, Vec<Vec<usize>>) = match kind {
            "Pooling1D" => (
                format!("0={} 1={k} 2={}", pick(&mut rng, 2), r(&mut rng, 3)),
                vec![vec![h, w]],
            ),
            "Yolov3DetectionOutput" => (
                "0=2 1=2 -23304=4,1.0,2.0,3.0,4.0 -23305=4,0.0,1.0,1.0,0.0 -23306=2,8.0,16.0"
                    .into(),
                vec![vec![14, h, w], vec![14, w, h]],
            ),
            "YoloDetectionOutput" => (
                "0=2 1=2 -23304=4,1.0,2.0,3.0,4.0".into(),
                vec![vec![14, h, w]],
            ),
            "Proposal" => (String::new(), vec![vec![18, h, w], vec![36, h, w], vec![3]]),
            "ROIPooling" | "ROIAlign" => (format!("0={k} 1={o}"), vec![vec![c, h, w], vec![4]]),
            "PSROIPooling" => (
                format!("0={k} 1={o} 3={c}"),
                vec![vec![c * k * o, h, w], vec![4]],
            ),
            _ if one_d => (conv(""), vec![vec![c, w + k]]),
            _ => (conv(""), vec![vec![c, h + k, w + k]]),
        };
        // … then one to three params or a shape mutated.
        for _ in 0..pick(&mut rng, 4) {
            let ids = [
                0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 28,
            ];
            let id = ids[pick(&mut rng, ids.len())];
            let v = match pick(&mut rng, 8) {
                0 => -233,
                1 => -234,
                2 => -1,
                _ => pick(&mut rng, 10) as i32,
            };
            params.push_str(&format!(" {id}={v}"));
        }
        if pick(&mut rng, 6) == 0 {
            let n = pick(&mut rng, 8);
            let v: Vec<String> = (0..n)
                .map(|_| format!("{:e}", rng.uniform(-2.0, 40.0)))
                .collect();
            let sep = if n > 0 { "," } else { "" };
            params.push_str(&format!(
                " -2330{}={n}{sep}{}",
                4 + pick(&mut rng, 3),
                v.join(",")
            ));
        }
        if pick(&mut rng, 4) == 0 {
            let q = pick(&mut rng, shapes.len());
            let d = pick(&mut rng, shapes[q].len());
            shapes[q][d] = r(&mut rng, 12);
        }
        if pick(&mut rng, 8) == 0 {
            shapes.push(vec![r(&mut rng, 4), r(&mut rng, 4)]);
        }
        let nin = shapes.len();
        let mut text = format!("7767517\n{} {}\n", nin + 1, nin + 1);
        let mut ins = Vec::new();
        for k in 0..nin {
            text.push_str(&format!("Input in{k} 0 1 in{k}\n"));
            ins.push(format!("in{k}"));
        }
        text.push_str(&format!(
            "{kind} l {nin} 1 {} out {params}\n",
            ins.join(" ")
        ));
        let Ok(net) = Net::from_param_bytes(
            text.as_bytes(),
            "fuzz",
            Weights::Synthetic { seed: i as u64 },
            Options {
                use_int8: false,
                num_threads: 1 + i % 2,
                ..Options::default()
            },
        ) else {
            continue;
        };
        let mut ex = net.extractor();
        for (k, s) in shapes.iter().enumerate() {
            ex.input(&ins[k], common::random_mat(s, i as u64)).unwrap();
        }
        match ex.extract("out") {
            Ok(_) => ran += 1,
            Err(e) => {
                let e = e.to_string();
                if std::env::var_os("FUZZ_DEBUG").is_some() {
                    eprintln!("ERR {kind}: {e}");
                }
                assert!(!e.contains("internal error"), "{text}on {shapes:?}: {e}");
            }
        }
    }
    eprintln!("{ran} of 3000 random layers ran, the rest failed with errors");
    assert!(ran > 1000, "only {ran} random layers ran");
}
