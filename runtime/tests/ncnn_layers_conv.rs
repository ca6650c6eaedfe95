//! The transposed / 1-D convolutions, Pooling1D and the detection and ROI
//! heads against ncnn (PyPI) with the same synthetic weights: ncnn's own
//! tested parameter space per layer (its `tests/test_<layer>.cpp`) plus odd
//! shapes of our own. The cases of one test run as one net (one Input → one
//! layer per case) so that ncnn loads once; each case's output is compared
//! on its own, within 1e-4·max|ref| + 1e-6 (detections as sets of rows).
//! Bad params and shapes give errors, not panics.

mod common;

use std::fmt::Write as _;

use octet::{Mat, Net, Options, Weights};

/// One input of a case: its shape (numpy order) and how to fill it.
#[derive(Clone)]
enum Fill {
    /// Uniform in [lo, hi).
    Range(f32, f32),
    /// These values.
    Data(Vec<f32>),
}

#[derive(Clone)]
struct Case {
    name: String,
    inputs: Vec<(Vec<usize>, Fill)>,
    /// `Type` and its params.
    kind: String,
    params: String,
    outputs: usize,
    /// Compare as detection rows (sets), not values.
    detections: bool,
}

fn case(name: impl Into<String>, inputs: &[&[usize]], kind: &str, params: impl AsRef<str>) -> Case {
    Case {
        name: name.into(),
        inputs: inputs
            .iter()
            .map(|s| (s.to_vec(), Fill::Range(-1.0, 1.0)))
            .collect(),
        kind: kind.into(),
        params: params.as_ref().to_string(),
        outputs: 1,
        detections: false,
    }
}

fn param_text(cases: &[Case]) -> String {
    let mut body = String::new();
    let (mut layers, mut blobs) = (0, 0);
    for (ci, c) in cases.iter().enumerate() {
        let mut ins = Vec::new();
        for (k, (s, _)) in c.inputs.iter().enumerate() {
            let (w, h, d, ch) = match s.as_slice() {
                [w] => (*w, 0, 0, 0),
                [h, w] => (*w, *h, 0, 0),
                [ch, h, w] => (*w, *h, 0, *ch),
                [ch, d, h, w] => (*w, *h, *d, *ch),
                _ => unreachable!(),
            };
            let depth = if d > 0 {
                format!(" 11={d}")
            } else {
                String::new()
            };
            let n = format!("c{ci}_in{k}");
            let _ = writeln!(body, "Input {n} 0 1 {n} 0={w} 1={h}{depth} 2={ch}");
            ins.push(n);
        }
        let outs: Vec<String> = (0..c.outputs).map(|k| format!("c{ci}_out{k}")).collect();
        let _ = writeln!(
            body,
            "{} c{ci} {} {} {} {} {}",
            c.kind,
            ins.len(),
            outs.len(),
            ins.join(" "),
            outs.join(" "),
            c.params
        );
        layers += ins.len() + 1;
        blobs += ins.len() + outs.len();
    }
    format!("7767517\n{layers} {blobs}\n{body}")
}

fn input_mat(shape: &[usize], fill: &Fill, seed: u64) -> Mat {
    match fill {
        Fill::Range(lo, hi) => {
            let n: usize = shape.iter().product();
            let mut rng = octet::modelbin::SplitMix64::new(seed);
            let v: Vec<f32> = (0..n).map(|_| rng.uniform(*lo, *hi)).collect();
            Mat::from_slice(shape, &v).unwrap()
        }
        Fill::Data(v) => Mat::from_slice(shape, v).unwrap(),
    }
}

/// Rows of 6 (`label score x0 y0 x1 y1`) compared as a set (as `ncnn_zoo.rs`).
fn same_detections(ours: &[f32], refs: &[f32]) -> Result<(), String> {
    let a: Vec<&[f32]> = ours.chunks(6).collect();
    let b: Vec<&[f32]> = refs.chunks(6).collect();
    if a.len() != b.len() {
        return Err(format!("{} detections, ncnn {}", a.len(), b.len()));
    }
    // Relative beyond 1 (synthetic weights drive box sizes to 1e26 and ±inf).
    let near = |a: f32, b: f32| a == b || (a - b).abs() <= 1e-4 * b.abs().max(1.0);
    let close = |x: &[f32], y: &[f32]| x[0] == y[0] && (1..6).all(|k| near(x[k], y[k]));
    let mut used = vec![false; b.len()];
    let cut = a.iter().map(|r| r[1]).fold(f32::MAX, f32::min);
    for x in &a {
        match (0..b.len()).find(|&j| !used[j] && close(x, b[j])) {
            Some(j) => used[j] = true,
            None if (x[1] - cut).abs() <= 1e-4 => {}
            None => return Err(format!("row {x:?} has no match in ncnn's output")),
        }
    }
    Ok(())
}

/// Runs every case in Octet (`threads` workers) and in ncnn; returns the
/// number of detection rows compared.
fn run_cases(test: &str, cases: &[Case], threads: usize) -> usize {
    if !common::ncnn_or_skip(test) {
        return 0;
    }
    let t0 = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let param = dir.path().join("m.param");
    std::fs::write(&param, param_text(cases)).unwrap();
    let bin = dir.path().join("m.bin");
    std::fs::write(&bin, Net::synthetic_bin(&param, 7).unwrap()).unwrap();
    let opt = Options {
        use_int8: false,
        num_threads: threads,
        ..Options::default()
    };
    let net = Net::load_with(&param, Weights::File(&bin), opt).unwrap_or_else(|e| panic!("{e}"));
    let mut inputs: Vec<(String, Mat)> = Vec::new();
    let mut outs: Vec<String> = Vec::new();
    let mut ours: Vec<Mat> = Vec::new();
    for (ci, c) in cases.iter().enumerate() {
        let mut ex = net.extractor();
        for (k, (s, f)) in c.inputs.iter().enumerate() {
            let n = format!("c{ci}_in{k}");
            let m = input_mat(s, f, 1000 + 10 * ci as u64 + k as u64);
            ex.input(&n, m.clone()).unwrap();
            inputs.push((n, m));
        }
        let names: Vec<String> = (0..c.outputs).map(|k| format!("c{ci}_out{k}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let got = ex
            .extract_many(&refs)
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        ours.extend(got);
        outs.extend(names);
    }
    let t_ours = t0.elapsed();
    let refs: Vec<(&str, &Mat)> = inputs.iter().map(|(n, m)| (n.as_str(), m)).collect();
    let onames: Vec<&str> = outs.iter().map(String::as_str).collect();
    let theirs = common::run_ncnn(dir.path(), &param, &bin, &refs, &onames, false);
    let mut k = 0;
    let mut rows = 0;
    for c in cases {
        for _ in 0..c.outputs {
            let (o, (rshape, r)) = (&ours[k], &theirs[k]);
            k += 1;
            let od = o.to_vec();
            if c.detections {
                same_detections(&od, r).unwrap_or_else(|e| panic!("{}: {e}", c.name));
                rows += od.len() / 6;
                continue;
            }
            let oshape = if o.is_empty() { vec![0] } else { o.shape() };
            assert_eq!(&oshape, rshape, "{}: shape", c.name);
            let (d, m) = common::max_diff(&od, r);
            assert!(
                d <= 1e-4 * m + 1e-6,
                "{}: max|diff| {d} vs max|ref| {m}",
                c.name
            );
        }
    }
    eprintln!(
        "{test}: {} cases equal ncnn ({} detection rows); Octet {:.0} ms, all {:.1} s",
        cases.len(),
        rows,
        t_ours.as_secs_f64() * 1e3,
        t0.elapsed().as_secs_f64()
    );
    rows
}

/// The `k`-th fused activation of ncnn's tests: type `k % 7` with params
/// alpha ∈ (-1, 0) (hardswish: (0, 1)), beta ∈ (0, 1).
fn act(k: usize) -> String {
    let t = k % 7;
    let a = if t == 6 {
        0.1 + 0.1 * (k % 7) as f32
    } else {
        -0.1 * (1 + k % 9) as f32
    };
    let b = 0.1 * (1 + (k / 3) % 9) as f32;
    format!("9={t} -23310=2,{a:e},{b:e}")
}

/// ncnn's tests/test_deconvolution.cpp kernel/dilation/stride/pad table.
const KDSP: [[i32; 4]; 16] = [
    [1, 1, 1, 0],
    [1, 1, 2, 0],
    [2, 1, 1, 1],
    [2, 1, 2, -233],
    [3, 1, 1, 1],
    [3, 1, 2, 1],
    [3, 2, 1, 1],
    [4, 1, 1, -233],
    [4, 1, 2, -234],
    [4, 2, 1, -234],
    [5, 1, 1, 2],
    [5, 1, 2, 2],
    [5, 2, 2, 2],
    [7, 1, 1, 3],
    [7, 1, 2, 3],
    [7, 2, 1, -233],
];

#[allow(clippy::too_many_arguments)]
fn deconv(
    w: usize,
    h: usize,
    c: usize,
    outch: usize,
    k: i32,
    d: i32,
    s: i32,
    p: i32,
    bias: i32,
    opr: i32,
    opb: i32,
    ow: i32,
    oh: i32,
    n: usize,
) -> Case {
    let p = if ow > 0 && oh > 0 && p != -233 && p != -234 {
        -233
    } else {
        p
    };
    let wds = outch * c * (k * k) as usize;
    case(
        format!("deconv w{w} h{h} c{c} o{outch} k{k} d{d} s{s} p{p} b{bias} op{opr},{opb} out{ow}x{oh}"),
        &[&[c, h, w]],
        "Deconvolution",
        format!(
            "0={outch} 1={k} 2={d} 3={s} 4={p} 5={bias} 6={wds} {} 18={opr} 19={opb} 20={ow} 21={oh}",
            act(n)
        ),
    )
}

#[test]
fn deconvolution() {
    let mut v = Vec::new();
    for [k, d, s, p] in KDSP {
        let n = v.len();
        v.extend([
            deconv(9, 7, 1, 1, k, d, s, p, 1, 0, 0, 0, 0, n),
            deconv(9, 7, 4, 13, k, d, s, p, 0, 1, 1, 7, 5, n + 1),
            deconv(9, 7, 13, 4, k, d, s, p, 1, 1, 0, 0, 0, n + 2),
            deconv(9, 7, 4, 8, k, d, s, p, 0, 0, 1, 0, 0, n + 3),
            deconv(9, 7, 8, 4, k, d, s, p, 1, 0, 0, 7, 5, n + 4),
            deconv(7, 7, 12, 12, k, d, s, p, 1, 0, 1, 0, 0, n + 5),
            deconv(4, 5, 12, 11, k, d, s, p, 0, 0, 1, 1, 0, n + 6),
            deconv(9, 7, 8, 13, k, d, s, p, 0, 2, 2, 0, 0, n + 7),
            deconv(9, 7, 13, 8, k, d, s, p, 1, 2, 0, 0, 0, n + 8),
            deconv(9, 7, 16, 16, k, d, s, p, 0, 0, 2, 7, 5, n + 9),
        ]);
    }
    // ncnn's tier-coverage shapes.
    for (i, &(w, h, c, o, k, d, s, p, b, opb)) in [
        (5, 4, 7, 3, 1, 1, 1, 0, 0, 0),
        (6, 7, 2, 3, 2, 1, 1, 1, 1, 0),
        (8, 6, 8, 2, 3, 2, 1, 1, 1, 0),
        (8, 4, 8, 15, 1, 1, 2, 0, 0, 1),
        (4, 5, 1, 8, 3, 1, 1, 1, 0, 0),
        (3, 3, 14, 2, 3, 1, 1, 1, 1, 0),
        (5, 4, 8, 16, 3, 1, 2, 1, 1, 0),
        (5, 4, 24, 8, 3, 1, 1, 1, 1, 0),
        (7, 5, 24, 32, 4, 2, 2, 2, 1, 0),
        (7, 5, 32, 26, 4, 2, 2, 2, 1, 0),
    ]
    .iter()
    .enumerate()
    {
        v.push(deconv(w, h, c, o, k, d, s, p, b, 0, opb, 0, 0, 100 + i));
    }
    // Odd shapes: 1×1 maps, stride > kernel, asymmetric pads and strides,
    // a map large enough for several GEMM bands, a PP-OCR-like layer.
    v.extend([
        case(
            "deconv 1x1 map k3 s2",
            &[&[3, 1, 1]],
            "Deconvolution",
            "0=5 1=3 3=2 5=1 6=135",
        ),
        case(
            "deconv stride 3 > kernel 2",
            &[&[4, 5, 6]],
            "Deconvolution",
            "0=3 1=2 3=3 5=1 6=48 9=1",
        ),
        case(
            "deconv rect kernel, rect stride/dilation, asymmetric pads",
            &[&[3, 6, 5]],
            "Deconvolution",
            "0=4 1=3 11=2 2=1 12=2 3=2 13=3 4=1 15=2 14=0 16=3 5=1 6=72",
        ),
        case(
            "deconv output_pad + pads",
            &[&[2, 5, 4]],
            "Deconvolution",
            "0=3 1=3 3=2 4=1 18=1 19=1 5=1 6=54",
        ),
        case(
            "deconv SAME_LOWER output size rect",
            &[&[3, 5, 6]],
            "Deconvolution",
            "0=2 1=4 3=2 4=-234 20=11 21=9 5=1 6=96",
        ),
        case(
            "deconv 16->64 k4 s2 on 40x40 (several bands)",
            &[&[16, 40, 40]],
            "Deconvolution",
            "0=64 1=4 3=2 4=1 5=1 6=16384 9=1",
        ),
        case(
            "deconv 64->64 k2 s2 (PP-OCR head)",
            &[&[64, 20, 20]],
            "Deconvolution",
            "0=64 1=2 3=2 5=1 6=16384 9=1",
        ),
    ]);
    run_cases("deconvolution", &v, 1);
}

#[test]
fn deconvolution_dynamic_weight() {
    let mut v = Vec::new();
    for [k, d, s, p] in &KDSP[..7] {
        for (i, &(w, h, c, o, b, opr, opb, ow, oh)) in [
            (9, 7, 1, 1, 1, 0, 0, 0, 0),
            (9, 7, 4, 13, 0, 1, 1, 7, 5),
            (9, 7, 13, 4, 1, 1, 0, 0, 0),
            (7, 7, 12, 12, 1, 0, 1, 0, 0),
            (9, 7, 16, 16, 0, 0, 2, 7, 5),
        ]
        .iter()
        .enumerate()
        {
            let p = if ow > 0 && *p != -233 && *p != -234 {
                -233
            } else {
                *p
            };
            let k = *k as usize;
            let mut inputs: Vec<&[usize]> = Vec::new();
            let x = [c, h, w];
            let wt = [c, o, k, k];
            let bs = [o];
            inputs.push(&x);
            inputs.push(&wt);
            if b == 1 {
                inputs.push(&bs);
            }
            v.push(case(
                format!("deconv dynamic c{c} o{o} k{k} d{d} s{s} p{p} b{b} out{ow}x{oh}"),
                &inputs,
                "Deconvolution",
                format!(
                    "0=0 1=0 2={d} 3={s} 4={p} 5={b} 6=0 28=1 {} 18={opr} 19={opb} 20={ow} 21={oh}",
                    act(v.len() + i)
                ),
            ));
        }
    }
    for &(c, o, g) in &[(4, 8, 2), (6, 6, 6), (6, 3, 3)] {
        let x = [c, 5, 6];
        let wt = [c, o / g, 3, 3];
        v.push(case(
            format!("deconvdw dynamic c{c} o{o} g{g}"),
            &[&x, &wt],
            "DeconvolutionDepthWise",
            format!("0=0 1=0 3=2 4=1 7={g} 28=1 9=1"),
        ));
    }
    run_cases("deconvolution_dynamic_weight", &v, 1);
}

#[test]
fn deconvolution_depthwise() {
    let mut v = Vec::new();
    for [k, d, s, p] in KDSP {
        for &(w, h, c, o, b, g, opr, opb, ow, oh) in &[
            (15, 7, 1, 1, 1, 1, 0, 0, 0, 0),
            (15, 7, 2, 2, 0, 1, 1, 1, 7, 5),
            (15, 7, 2, 2, 1, 2, 1, 0, 0, 0),
            (15, 7, 3, 3, 0, 3, 0, 1, 0, 0),
            (15, 7, 4, 2, 1, 2, 0, 0, 7, 5),
            (15, 7, 4, 4, 0, 4, 2, 2, 0, 0),
            (15, 7, 7, 7, 1, 7, 2, 0, 0, 0),
            (15, 7, 8, 8, 0, 2, 0, 2, 7, 5),
            (15, 7, 8, 8, 1, 8, 0, 0, 0, 0),
            (15, 7, 12, 12, 0, 4, 3, 3, 0, 0),
            (15, 7, 15, 15, 1, 15, 3, 0, 7, 5),
            (15, 7, 16, 8, 0, 2, 0, 3, 0, 0),
            (15, 7, 16, 16, 1, 16, 0, 0, 0, 0),
        ] {
            let p = if ow > 0 && oh > 0 && p != -233 && p != -234 {
                -233
            } else {
                p
            };
            let wds = o / g * c / g * (k * k) as usize * g;
            v.push(case(
                format!("deconvdw c{c} o{o} g{g} k{k} d{d} s{s} p{p} b{b} op{opr},{opb} out{ow}x{oh}"),
                &[&[c, h, w]],
                "DeconvolutionDepthWise",
                format!(
                    "0={o} 1={k} 2={d} 3={s} 4={p} 5={b} 6={wds} 7={g} {} 18={opr} 19={opb} 20={ow} 21={oh}",
                    act(v.len())
                ),
            ));
        }
    }
    v.extend([
        // mobilenet_yolo's and mobilenetv2_yolov3's upsampling layers.
        case(
            "deconvdw 1024 -> 512 g512 k4 s2 p1 13x13 (2 inputs per group)",
            &[&[1024, 13, 13]],
            "DeconvolutionDepthWise",
            "0=512 1=4 3=2 4=1 6=16384 7=512",
        ),
        case(
            "deconvdw 576 k1 s2 11x11",
            &[&[576, 11, 11]],
            "DeconvolutionDepthWise",
            "0=576 1=1 3=2 6=576 7=576",
        ),
        case(
            "deconvdw depth multiplier 3 (one input per group)",
            &[&[4, 6, 5]],
            "DeconvolutionDepthWise",
            "0=12 1=3 3=2 5=1 6=108 7=4 9=2 -23310=1,1.000000e-01",
        ),
        case(
            "deconvdw 1x1 map stride 4",
            &[&[6, 1, 1]],
            "DeconvolutionDepthWise",
            "0=6 1=3 3=4 5=1 6=54 7=6",
        ),
    ]);
    run_cases("deconvolution_depthwise", &v, 1);
}

#[test]
fn deconvolution_1d() {
    let mut v = Vec::new();
    for [k, d, s, p] in KDSP {
        for &(w, h, o, b, opr, ow) in &[
            (9, 1, 1, 1, 0, 0),
            (9, 4, 13, 0, 1, 7),
            (9, 13, 4, 1, 1, 0),
            (9, 4, 8, 0, 0, 0),
            (9, 8, 4, 1, 0, 7),
            (9, 8, 13, 0, 2, 0),
            (9, 13, 8, 1, 2, 0),
            (9, 16, 16, 0, 0, 7),
        ] {
            let p = if ow > 0 && p != -233 && p != -234 {
                -233
            } else {
                p
            };
            v.push(case(
                format!("deconv1d h{h} o{o} k{k} d{d} s{s} p{p} b{b} op{opr} out{ow}"),
                &[&[h, w]],
                "Deconvolution1D",
                format!(
                    "0={o} 1={k} 2={d} 3={s} 4={p} 5={b} 6={} {} 18={opr} 20={ow}",
                    o * h * k as usize,
                    act(v.len())
                ),
            ));
        }
        for &(w, h, o, b, g, opr, ow) in &[
            (15, 1, 1, 1, 1, 0, 0),
            (15, 2, 2, 0, 1, 1, 7),
            (15, 2, 2, 1, 2, 1, 0),
            (15, 4, 2, 1, 2, 0, 7),
            (15, 8, 8, 0, 2, 0, 7),
            (15, 12, 12, 0, 4, 3, 0),
            (15, 15, 15, 1, 15, 3, 7),
            (15, 16, 8, 0, 2, 0, 0),
        ] {
            let p = if ow > 0 && p != -233 && p != -234 {
                -233
            } else {
                p
            };
            v.push(case(
                format!("deconvdw1d h{h} o{o} g{g} k{k} d{d} s{s} p{p} b{b} op{opr} out{ow}"),
                &[&[h, w]],
                "DeconvolutionDepthWise1D",
                format!(
                    "0={o} 1={k} 2={d} 3={s} 4={p} 5={b} 6={} 7={g} {} 18={opr} 20={ow}",
                    o / g * h / g * k as usize * g,
                    act(v.len())
                ),
            ));
        }
    }
    for &(h, o, g, b) in &[(4, 6, 1, 1), (6, 4, 2, 0), (5, 5, 5, 1)] {
        let x = [h, 11];
        let wt = [h, o / g, 3];
        let bs = [o];
        let mut ins: Vec<&[usize]> = vec![&x, &wt];
        if b == 1 {
            ins.push(&bs);
        }
        let kind = if g == 1 {
            "Deconvolution1D"
        } else {
            "DeconvolutionDepthWise1D"
        };
        v.push(case(
            format!("deconv1d dynamic h{h} o{o} g{g}"),
            &ins,
            kind,
            format!("0=0 1=0 3=2 4=1 5={b} 7={g} 28=1 9=1"),
        ));
    }
    v.push(case(
        "deconv1d on a 1-D blob (one channel)",
        &[&[7]],
        "Deconvolution1D",
        "0=2 1=3 3=2 5=1 6=6",
    ));
    run_cases("deconvolution_1d", &v, 1);
}

#[test]
fn convolution_1d() {
    let table: [[i32; 4]; 16] = [
        [1, 1, 1, 0],
        [1, 1, 2, 0],
        [2, 1, 1, 1],
        [2, 1, 2, -233],
        [3, 1, 1, 1],
        [3, 1, 2, 1],
        [3, 2, 1, 1],
        [4, 1, 1, 2],
        [4, 1, 2, -233],
        [4, 2, 1, -234],
        [5, 1, 1, -234],
        [5, 1, 2, 2],
        [5, 2, 2, 2],
        [7, 1, 1, 3],
        [7, 1, 2, 3],
        [7, 2, 1, -233],
    ];
    let mut v = Vec::new();
    for (ti, [k, d, s, p]) in table.into_iter().enumerate() {
        for (i, &(w, h, o)) in [
            (9, 1, 1),
            (9, 1, 15),
            (9, 3, 7),
            (9, 7, 31),
            (9, 15, 3),
            (9, 31, 15),
            (25, 28, 31),
            (25, 31, 28),
        ]
        .iter()
        .enumerate()
        {
            let b = (ti + i) % 2;
            v.push(case(
                format!("conv1d h{h} o{o} k{k} d{d} s{s} p{p} b{b}"),
                &[&[h, w]],
                "Convolution1D",
                format!(
                    "0={o} 1={k} 2={d} 3={s} 4={p} 5={b} 6={} {}",
                    o * h * k as usize,
                    act(v.len())
                ),
            ));
        }
        for &(w, h, o, b, g) in &[
            (15, 1, 1, 1, 1),
            (15, 2, 2, 1, 2),
            (15, 4, 2, 1, 2),
            (15, 8, 8, 1, 8),
            (15, 12, 12, 0, 4),
            (18, 15, 15, 1, 15),
            (18, 16, 8, 0, 2),
        ] {
            v.push(case(
                format!("convdw1d h{h} o{o} g{g} k{k} d{d} s{s} p{p} b{b}"),
                &[&[h, w]],
                "ConvolutionDepthWise1D",
                format!(
                    "0={o} 1={k} 2={d} 3={s} 4={p} 5={b} 6={} 7={g} {}",
                    o / g * h / g * k as usize * g,
                    act(v.len())
                ),
            ));
        }
    }
    v.extend([
        case(
            "conv1d asymmetric pads + pad value",
            &[&[3, 10]],
            "Convolution1D",
            "0=4 1=3 4=1 15=3 18=5.000000e-01 5=1 6=36",
        ),
        case(
            "conv1d length 1",
            &[&[5, 1]],
            "Convolution1D",
            "0=3 1=1 5=1 6=15",
        ),
        case(
            "conv1d dynamic",
            &[&[4, 12], &[6, 4, 3], &[6]],
            "Convolution1D",
            "0=0 1=0 3=2 4=1 5=1 19=1 9=1",
        ),
        case(
            "convdw1d dynamic",
            &[&[6, 12], &[6, 2, 3]],
            "ConvolutionDepthWise1D",
            "0=0 1=0 4=-233 15=-233 7=3 19=1",
        ),
    ]);
    v.push(case(
        "conv1d on a 1-D blob (one channel)",
        &[&[9]],
        "Convolution1D",
        "0=2 1=3 5=1 6=6",
    ));
    run_cases("convolution_1d", &v, 1);
}

#[test]
fn pooling_1d() {
    let ksp = [
        [2, 1, 0],
        [2, 2, 0],
        [3, 1, 0],
        [3, 2, 1],
        [4, 1, 0],
        [4, 2, 1],
        [5, 1, 0],
        [5, 2, 2],
        [7, 1, 0],
        [7, 2, 1],
        [7, 3, 2],
    ];
    let mut v = Vec::new();
    for [k, s, p] in ksp {
        for &(h, t, pm, inc) in &[
            (1, 0, 0, 0),
            (2, 0, 1, 0),
            (3, 0, 2, 0),
            (4, 0, 3, 0),
            (7, 0, 0, 0),
            (1, 1, 0, 0),
            (2, 1, 1, 0),
            (3, 1, 0, 1),
            (8, 1, 1, 1),
            (12, 1, 2, 1),
            (15, 1, 0, 0),
            (16, 1, 1, 0),
            (64, 1, 3, 1),
            (5, 1, 2, 0),
            (5, 1, 3, 0),
        ] {
            v.push(case(
                format!("pool1d h{h} type{t} k{k} s{s} p{p} mode{pm} incl{inc}"),
                &[&[h, 9]],
                "Pooling1D",
                format!("0={t} 1={k} 2={s} 3={p} 5={pm} 6={inc}"),
            ));
        }
    }
    for &(w, h, t) in &[(2, 1, 0), (5, 1, 1), (6, 3, 1), (8, 8, 0), (13, 16, 1)] {
        v.push(case(
            format!("pool1d global w{w} h{h} type{t}"),
            &[&[h, w]],
            "Pooling1D",
            format!("0={t} 1=1 4=1"),
        ));
    }
    v.push(case(
        "pool1d k2 s2 48",
        &[&[15, 48]],
        "Pooling1D",
        "0=0 1=2 2=2 3=1",
    ));
    for &(w, h) in &[(2, 1), (5, 1), (3, 3), (4, 4), (6, 4), (8, 8)] {
        for ow in 1..=8 {
            for t in 0..2 {
                v.push(case(
                    format!("pool1d adaptive w{w} h{h} type{t} out{ow}"),
                    &[&[h, w]],
                    "Pooling1D",
                    format!("0={t} 7=1 8={ow}"),
                ));
            }
        }
    }
    v.extend([
        case(
            "pool1d full padding, row shorter than kernel",
            &[&[3, 4]],
            "Pooling1D",
            "0=1 1=5 2=2",
        ),
        case(
            "pool1d asymmetric pads avg",
            &[&[3, 10]],
            "Pooling1D",
            "0=1 1=3 2=2 3=1 14=2",
        ),
    ]);
    v.extend([
        case("pool1d on a 1-D blob", &[&[9]], "Pooling1D", "0=0 1=2"),
        case(
            "pool1d global on a 1-D blob",
            &[&[9]],
            "Pooling1D",
            "0=1 4=1",
        ),
    ]);
    run_cases("pooling_1d", &v, 1);
}

/// A YOLOv3 head case: `maps` as (w, h) of 255-channel maps, values in
/// ncnn's test range [-15, 1.5) so that some boxes pass the threshold.
fn yolov3(name: &str, maps: &[(usize, usize)], params: &str) -> Case {
    Case {
        name: name.into(),
        inputs: maps
            .iter()
            .map(|&(w, h)| (vec![255, h, w], Fill::Range(-15.0, 1.5)))
            .collect(),
        kind: "Yolov3DetectionOutput".into(),
        params: params.into(),
        outputs: 1,
        detections: true,
    }
}

/// Float arrays the way the converters write the YOLO masks: integer bits.
fn bits(v: &[f32]) -> String {
    let s: Vec<String> = v.iter().map(|f| f.to_bits().to_string()).collect();
    format!("{},{}", v.len(), s.join(","))
}

fn floats(v: &[f32]) -> String {
    let s: Vec<String> = v.iter().map(|f| format!("{f:e}")).collect();
    format!("{},{}", v.len(), s.join(","))
}

#[test]
fn yolov3_detection_output() {
    let b3 = [
        10.0, 13.0, 16.0, 30.0, 33.0, 23.0, 30.0, 61.0, 62.0, 45.0, 59.0, 119.0, 116.0, 90.0,
        156.0, 198.0, 373.0, 326.0,
    ];
    let bt = [
        10.0, 14.0, 23.0, 27.0, 37.0, 58.0, 81.0, 82.0, 135.0, 169.0, 344.0, 319.0,
    ];
    let b4 = [
        12.0, 16.0, 19.0, 36.0, 40.0, 28.0, 36.0, 75.0, 76.0, 55.0, 72.0, 146.0, 142.0, 110.0,
        192.0, 243.0, 459.0, 401.0,
    ];
    let v = vec![
        // ncnn's tests/test_yolov3detectionoutput.cpp (v3-tiny, v3, v4-tiny, v4).
        yolov3(
            "yolov3-tiny",
            &[(13, 13), (26, 26)],
            &format!(
                "0=80 1=3 2=3.000000e-01 3=4.500000e-01 -23304={} -23305={} -23306={}",
                floats(&bt),
                floats(&[3.0, 4.0, 5.0, 1.0, 2.0, 3.0]),
                floats(&[32.0, 16.0])
            ),
        ),
        yolov3(
            "yolov3",
            &[(19, 19), (38, 38), (76, 76)],
            &format!(
                "0=80 1=3 2=6.000000e-01 3=4.500000e-01 -23304={} -23305={} -23306={}",
                floats(&b3),
                floats(&[6.0, 7.0, 8.0, 3.0, 4.0, 5.0, 0.0, 1.0, 2.0]),
                floats(&[32.0, 16.0, 8.0])
            ),
        ),
        yolov3(
            "yolov4-tiny (mask as integer bits, as the converter writes it)",
            &[(13, 13), (26, 26)],
            &format!(
                "0=80 1=3 2=4.000000e-01 3=4.500000e-01 -23304={} -23305={} -23306={}",
                floats(&bt),
                bits(&[3.0, 4.0, 5.0, 1.0, 2.0, 3.0]),
                floats(&[33.6, 16.8])
            ),
        ),
        yolov3(
            "yolov4",
            &[(76, 76), (38, 38), (19, 19)],
            &format!(
                "0=80 1=3 2=5.500000e-01 3=4.500000e-01 -23304={} -23305={} -23306={}",
                floats(&b4),
                floats(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]),
                floats(&[9.6, 17.6, 33.6])
            ),
        ),
        // Default 20 classes on 3 boxes with one spare channel (ncnn checks
        // 76 / 3 = 25), a non-square map, a tight NMS.
        Case {
            name: "20 classes, 3 boxes + 1 spare channel, 7x5 map, nms 0.2".into(),
            inputs: vec![(vec![76, 5, 7], Fill::Range(-6.0, 3.0))],
            kind: "Yolov3DetectionOutput".into(),
            params: format!(
                "1=3 2=2.000000e-01 3=2.000000e-01 -23304={} -23305={} -23306={}",
                floats(&bt),
                floats(&[0.0, 2.0, 5.0]),
                floats(&[12.5])
            ),
            outputs: 1,
            detections: true,
        },
    ];
    let rows = run_cases("yolov3_detection_output", &v, 1);
    assert!(
        rows > 20 || !common::ncnn_or_skip("yolov3_detection_output"),
        "the inputs should give detections, got {rows} rows"
    );
}

#[test]
fn yolo_detection_output() {
    let biases = floats(&[
        1.08, 1.19, 3.42, 4.41, 6.63, 11.38, 9.42, 5.11, 16.62, 10.52,
    ]);
    let v = vec![
        Case {
            name: "yolov2 voc 13x13".into(),
            inputs: vec![(vec![125, 13, 13], Fill::Range(-6.0, 4.0))],
            kind: "YoloDetectionOutput".into(),
            params: format!("2=2.000000e-01 -23304={biases}"),
            outputs: 1,
            detections: true,
        },
        Case {
            name: "yolov2 two maps (as mobilenet_yolo), 2 outputs".into(),
            inputs: vec![
                (vec![125, 13, 13], Fill::Range(-6.0, 4.0)),
                (vec![125, 26, 26], Fill::Range(-6.0, 4.0)),
            ],
            kind: "YoloDetectionOutput".into(),
            params: format!("2=2.500000e-01 3=3.000000e-01 -23304={biases}"),
            outputs: 1,
            detections: true,
        },
        Case {
            name: "yolov2 3 classes, 2 boxes, 5x7".into(),
            inputs: vec![(vec![16, 7, 5], Fill::Range(-4.0, 4.0))],
            kind: "YoloDetectionOutput".into(),
            params: format!(
                "0=3 1=2 2=1.000000e-01 -23304={}",
                floats(&[1.0, 2.0, 3.0, 1.5])
            ),
            outputs: 1,
            detections: true,
        },
        // No detection: ncnn's in-place output is the input with its class
        // scores softmaxed (compared as values), and both outputs of a
        // two-output layer.
        Case {
            name: "yolov2 nothing passes: softmaxed input".into(),
            inputs: vec![
                (vec![125, 13, 13], Fill::Range(-1.0, 1.0)),
                (vec![125, 4, 6], Fill::Range(-1.0, 1.0)),
            ],
            kind: "YoloDetectionOutput".into(),
            params: format!("2=9.900000e-01 -23304={biases}"),
            outputs: 2,
            detections: false,
        },
    ];
    let rows = run_cases("yolo_detection_output", &v, 1);
    assert!(
        rows > 10 || !common::ncnn_or_skip("yolo_detection_output"),
        "the inputs should give detections, got {rows} rows"
    );
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[test]
fn roi_layers() {
    let mut v = Vec::new();
    let roi = |x1: f32, y1: f32, x2: f32, y2: f32| Fill::Data(vec![x1, y1, x2, y2]);
    // ncnn's tests/test_roipooling.cpp shapes. The rois (in image
    // coordinates) are chosen so that no bin edge falls exactly on a cell
    // boundary (region sizes coprime with the pooled size): there PyPI's
    // x86 build, whose bin size comes out one ulp below the f32 quotient
    // the source computes, floors one cell lower than the f32 arithmetic
    // of ncnn's source (and of Octet).
    let coprime = |n: usize, p: usize| (n..).find(|&k| gcd(k, p) == 1).unwrap();
    for &(w, h, c, pw, ph, s) in &[
        (112, 112, 16, 56, 56, 0.5f32),
        (56, 56, 32, 28, 28, 0.25),
        (28, 28, 64, 14, 14, 0.125),
        (14, 14, 128, 27, 17, 0.0625),
        (7, 7, 256, 3, 3, 0.03125),
    ] {
        // A region of `rw × rh` cells at cell (x, y), in image coordinates.
        let cells = |x: i64, y: i64, rw: usize, rh: usize| {
            roi(
                x as f32 / s,
                y as f32 / s,
                (x + rw as i64 - 1) as f32 / s,
                (y + rh as i64 - 1) as f32 / s,
            )
        };
        let (rw, rh) = (coprime(w * 3 / 5, pw), coprime(h * 7 / 10, ph));
        for (i, r) in [
            cells((w / 10) as i64, (h / 5) as i64, rw, rh),
            cells(
                -((w / 5) as i64),
                (h / 2) as i64,
                coprime(w * 3 / 5, pw),
                coprime(h * 4 / 5, ph),
            ),
            cells((w / 3) as i64, (h / 3) as i64, 1, 3),
        ]
        .into_iter()
        .enumerate()
        {
            v.push(Case {
                name: format!("roipooling {w}x{h}x{c} -> {pw}x{ph} scale {s} roi {i}"),
                inputs: vec![(vec![c, h, w], Fill::Range(-1.0, 1.0)), (vec![4], r)],
                kind: "ROIPooling".into(),
                params: format!("0={pw} 1={ph} 2={s:e}"),
                outputs: 1,
                detections: false,
            });
        }
    }
    // ncnn's tests/test_roialign.cpp; rois inside the map (ncnn's version 0
    // reads past a map's edge for rois cut by it).
    for &(w, h, c, pw, ph, s, sr, al, ver) in &[
        (56, 56, 1, 28, 28, 0.5f32, 0, 0, 0),
        (28, 28, 3, 14, 14, 0.25, 1, 1, 1),
        (14, 14, 4, 7, 7, 0.125, 2, 0, 1),
        (14, 14, 8, 7, 7, 0.0625, 3, 1, 0),
        (7, 7, 12, 3, 3, 0.03125, 4, 0, 0),
        (7, 7, 16, 3, 3, 0.03125, 4, 1, 1),
        (20, 15, 5, 4, 6, 0.25, 0, 1, 1),
        (20, 15, 5, 4, 6, 0.25, 0, 0, 1),
        (20, 15, 5, 5, 3, 0.25, 0, 1, 0),
    ] {
        let (fw, fh) = (w as f32 / s, h as f32 / s);
        let mut rois = vec![
            roi(0.11 * fw, 0.13 * fh, 0.8 * fw, 0.77 * fh),
            roi(0.4 * fw, 0.05 * fh, 0.47 * fw, 0.21 * fh),
        ];
        if ver == 1 {
            // Detectron2's version clamps points to the map: rois may leave it.
            rois.push(roi(-0.3 * fw, 0.6 * fh, 0.5 * fw, 1.4 * fh));
        }
        for (i, r) in rois.into_iter().enumerate() {
            v.push(Case {
                name: format!(
                    "roialign {w}x{h}x{c} -> {pw}x{ph} scale {s} sr {sr} aligned {al} v{ver} roi {i}"
                ),
                inputs: vec![(vec![c, h, w], Fill::Range(-1.0, 1.0)), (vec![4], r)],
                kind: "ROIAlign".into(),
                params: format!("0={pw} 1={ph} 2={s:e} 3={sr} 4={al} 5={ver}"),
                outputs: 1,
                detections: false,
            });
        }
    }
    for &(w, h, od, p, s) in &[
        (14, 14, 4, 7, 0.0625f32),
        (10, 12, 3, 3, 0.125),
        (9, 9, 2, 4, 0.5),
    ] {
        let (fw, fh) = (w as f32 / s, h as f32 / s);
        for (i, r) in [
            roi(0.1 * fw, 0.15 * fh, 0.75 * fw, 0.9 * fh),
            roi(0.5 * fw, -0.1 * fh, 1.2 * fw, 0.4 * fh),
        ]
        .into_iter()
        .enumerate()
        {
            v.push(Case {
                name: format!("psroipooling {w}x{h} od {od} {p}x{p} scale {s} roi {i}"),
                inputs: vec![
                    (vec![od * p * p, h, w], Fill::Range(-1.0, 1.0)),
                    (vec![4], r),
                ],
                kind: "PSROIPooling".into(),
                params: format!("0={p} 1={p} 2={s:e} 3={od}"),
                outputs: 1,
                detections: false,
            });
        }
    }
    run_cases("roi_layers", &v, 1);
}

#[test]
fn proposal() {
    let mut v = Vec::new();
    for &(w, h, stride, pre, post, nms, min, outs) in &[
        (14, 10, 16, 6000, 300, 0.7f32, 16, 2),
        (9, 7, 16, 50, 20, 0.5, 8, 1),
        (6, 6, 8, 0, 10, 0.3, 4, 2),
    ] {
        let info = Fill::Data(vec![(h * stride) as f32, (w * stride) as f32, 1.0]);
        v.push(Case {
            name: format!("proposal {w}x{h} stride {stride} pre {pre} post {post} nms {nms}"),
            inputs: vec![
                (vec![18, h, w], Fill::Range(-1.0, 1.0)),
                (vec![36, h, w], Fill::Range(-0.5, 0.5)),
                (vec![3], info),
            ],
            kind: "Proposal".into(),
            params: format!("0={stride} 2={pre} 3={post} 4={nms:e} 5={min}"),
            outputs: outs,
            detections: false,
        });
    }
    run_cases("proposal", &v, 1);
}

/// Loads a one-layer `.param` (one Input of `shape`) and runs it on random
/// data: the error text of loading or running, if any.
fn error_of(shape: &[usize], layer: &str) -> Option<String> {
    let (w, h, c) = match shape {
        [w] => (*w, 0, 0),
        [h, w] => (*w, *h, 0),
        [c, h, w] => (*w, *h, *c),
        _ => unreachable!(),
    };
    let t: Vec<&str> = layer.split_whitespace().collect();
    let nin: usize = t[2].parse().unwrap();
    let text = format!(
        "7767517\n2 {}\nInput in0 0 1 in0 0={w} 1={h} 2={c}\n{layer}\n",
        1 + t[3].parse::<usize>().unwrap()
    );
    assert!(nin >= 1);
    let net = match Net::from_param_bytes(
        text.as_bytes(),
        "case",
        Weights::Synthetic { seed: 3 },
        Options::default(),
    ) {
        Ok(n) => n,
        Err(e) => return Some(e.to_string()),
    };
    let mut ex = net.extractor();
    ex.input("in0", common::random_mat(shape, 5)).unwrap();
    ex.extract("out").err().map(|e| e.to_string())
}

#[test]
fn bad_params_and_shapes_are_errors() {
    let bad: &[(&[usize], &str, &str)] = &[
        (&[2, 4, 4], "Deconvolution l 1 1 in0 out 0=0 1=3 6=18", "num_output"),
        (&[2, 4, 4], "Deconvolution l 1 1 in0 out 0=3 1=0 6=18", "kernel_w"),
        (&[2, 4, 4], "Deconvolution l 1 1 in0 out 0=3 1=3 3=0 6=54", "stride_w"),
        (&[2, 4, 4], "Deconvolution l 1 1 in0 out 0=3 1=3 6=50", "weight_data_size"),
        (&[2, 4, 4], "Deconvolution l 1 1 in0 out 0=3 1=3 6=54 4=-5", "pad_left"),
        (&[2, 4, 4], "Deconvolution l 1 1 in0 out 0=3 1=3 6=54 4=-233 14=1", "mix"),
        (&[2, 4, 4], "Deconvolution l 1 1 in0 out 0=3 1=3 6=54 20=5 21=5", "-233"),
        (&[2, 4, 4], "Deconvolution l 1 1 in0 out 0=3 1=3 6=54 4=-233 20=50 21=5", "larger"),
        (&[2, 4, 4], "Deconvolution l 1 1 in0 out 0=3 1=3 6=54 4=4", "leaves nothing"),
        (&[3, 4, 4], "Deconvolution l 1 1 in0 out 0=3 1=3 6=54", "channels"),
        (&[4, 4], "Deconvolution l 1 1 in0 out 0=3 1=3 6=54", "3-D"),
        (&[2, 4, 4], "Deconvolution l 1 1 in0 out 0=3 1=3 6=54 9=9", "activation"),
        (&[2, 4, 4], "Deconvolution l 1 1 in0 out 0=3 1=3 6=54 28=1", "inputs"),
        (&[4, 4, 4], "DeconvolutionDepthWise l 1 1 in0 out 0=4 1=3 6=36 7=0", "group"),
        (&[4, 4, 4], "DeconvolutionDepthWise l 1 1 in0 out 0=6 1=3 6=36 7=4", "multiple"),
        (&[4, 4, 4], "DeconvolutionDepthWise l 1 1 in0 out 0=4 1=3 6=36 7=4 18=-1", "output_pad"),
        (&[2, 4, 4], "Deconvolution1D l 1 1 in0 out 0=3 1=3 6=18", "2-D"),
        (&[4, 4], "Deconvolution1D l 1 1 in0 out 0=3 1=3 6=18", "channels"),
        (&[2, 4], "Convolution1D l 1 1 in0 out 0=3 1=5 6=30", "shorter"),
        (&[2, 4], "Convolution1D l 1 1 in0 out 0=3 1=3 6=17", "weight_data_size"),
        (&[2, 4], "Convolution1D l 1 1 in0 out 0=3 1=3 6=18 4=2 15=-233", "mix"),
        (&[2, 4, 4], "Convolution1D l 1 1 in0 out 0=3 1=3 6=18", "2-D"),
        (&[4, 4], "ConvolutionDepthWise1D l 1 1 in0 out 0=4 1=3 6=12 7=3", "multiple"),
        (&[2, 9], "Pooling1D l 1 1 in0 out 0=2 1=3", "pooling_type"),
        (&[2, 9], "Pooling1D l 1 1 in0 out 0=0 1=0", "kernel_w"),
        (&[2, 9], "Pooling1D l 1 1 in0 out 0=0 1=3 5=7", "pad_mode"),
        (&[2, 9], "Pooling1D l 1 1 in0 out 0=0 7=1 8=0", "out_w"),
        (&[2, 2], "Pooling1D l 1 1 in0 out 0=0 1=3 5=1", "shorter"),
        (&[2, 4, 9], "Pooling1D l 1 1 in0 out 0=0 1=3", "2-D"),
        (&[255, 4, 4], "Yolov3DetectionOutput l 1 1 in0 out 0=80 1=3 -23304=2,1.0,2.0 -23305=3,0.0,1.0,2.0 -23306=1,32.0", "anchor"),
        (&[255, 4, 4], "Yolov3DetectionOutput l 1 1 in0 out 0=80 1=3 -23304=6,1.0,2.0,1.0,2.0,1.0,2.0 -23305=2,0.0,1.0 -23306=1,32.0", "mask"),
        (&[254, 4, 4], "Yolov3DetectionOutput l 1 1 in0 out 0=80 1=3 -23304=6,1.0,2.0,1.0,2.0,1.0,2.0 -23305=3,0.0,1.0,2.0 -23306=1,32.0", "channels"),
        (&[255, 4, 4], "Yolov3DetectionOutput l 1 1 in0 out 0=80 1=0", "num_box"),
        (&[125, 4, 4], "YoloDetectionOutput l 1 1 in0 out -23304=4,1.0,2.0,1.0,2.0", "biases"),
        (&[124, 4, 4], "YoloDetectionOutput l 1 1 in0 out -23304=10,1.0,2.0,1.0,2.0,1.0,2.0,1.0,2.0,1.0,2.0", "channels"),
        (&[4, 5, 5], "ROIPooling l 1 1 in0 out 0=2 1=2", "roi"),
        (&[4, 5, 5], "ROIPooling l 1 1 in0 out 0=0 1=2", "pooled"),
        (&[4, 5, 5], "ROIAlign l 1 1 in0 out 0=2 1=2 5=2", "version"),
        (&[4, 5, 5], "PSROIPooling l 1 1 in0 out 0=2 1=2", "output_dim"),
        (&[18, 5, 5], "Proposal l 1 1 in0 out", "inputs"),
        (&[18, 5, 5], "Proposal l 1 1 in0 out 3=-1", "after_nms_topN"),
    ];
    for (shape, layer, want) in bad {
        let e = error_of(shape, layer).unwrap_or_else(|| panic!("`{layer}` on {shape:?} ran"));
        assert!(
            e.contains(want),
            "`{layer}` on {shape:?}: error `{e}` does not mention `{want}`"
        );
        assert!(!e.contains("internal error"), "`{layer}`: a panic: {e}");
    }
    // Two-input layers with a bad second input.
    let two = |layer: &str, a: &[usize], b: &[usize]| -> String {
        let text = format!("7767517\n3 3\nInput in0 0 1 in0\nInput in1 0 1 in1\n{layer}\n");
        let net = Net::from_param_bytes(
            text.as_bytes(),
            "case",
            Weights::Synthetic { seed: 3 },
            Options::default(),
        )
        .unwrap();
        let mut ex = net.extractor();
        ex.input("in0", common::random_mat(a, 1)).unwrap();
        ex.input("in1", common::random_mat(b, 2)).unwrap();
        ex.extract("out").unwrap_err().to_string()
    };
    let e = two(
        "PSROIPooling l 2 1 in0 in1 out 0=2 1=2 3=2",
        &[7, 5, 5],
        &[4],
    );
    assert!(e.contains("channels"), "{e}");
    let e = two("ROIAlign l 2 1 in0 in1 out 0=2 1=2", &[7, 5, 5], &[3]);
    assert!(e.contains("x1 y1 x2 y2"), "{e}");
    let e = two(
        "Deconvolution l 2 1 in0 in1 out 28=1 3=2",
        &[3, 5, 5],
        &[2, 4, 3, 3],
    );
    assert!(e.contains("weight blob"), "{e}");
    let e = two("Convolution1D l 2 1 in0 in1 out 19=1", &[3, 8], &[4, 2, 3]);
    assert!(e.contains("weight blob"), "{e}");
}

/// PP-OCRv5's detection head (`../shared/real-models/ppocr/`: its last
/// Convolution, its two Deconvolutions with their real fp16 weights, the
/// bias and the sigmoid) on a random 96-channel feature map, against ncnn.
/// The whole net runs in `ncnn_layers_movement.rs` (`real_detectors_equal_ncnn`).
#[test]
fn ppocr_head_real_weights() {
    let Some(shared) = common::shared_or_skip("ppocr_head_real_weights") else {
        return;
    };
    if !common::ncnn_or_skip("ppocr_head_real_weights") {
        return;
    }
    let dir_in = shared.join("real-models/ppocr");
    let full = std::fs::read_to_string(dir_in.join("PP_OCRv5_mobile_det.ncnn.param")).unwrap();
    let names = [
        "convrelu_10",
        "deconvrelu_0",
        "deconv_112",
        "add_133",
        "sigmoid_62",
    ];
    let lines: Vec<&str> = names
        .iter()
        .map(|n| {
            full.lines()
                .find(|l| l.split_whitespace().nth(1) == Some(n))
                .unwrap_or_else(|| panic!("PP-OCR param has no layer {n}"))
        })
        .collect();
    let (w, h) = (64, 48);
    let param_text = format!(
        "7767517\n6 6\nInput in0 0 1 295 0={w} 1={h} 2=96\n{}\n",
        lines.join("\n")
    );
    // The weights of the last three weighted layers are the .bin's tail:
    // conv (fp16 tag + 20736 halves, 24 biases), deconv (tag + 2304
    // halves, 24 biases), deconv (tag + 96 halves).
    let bin_all = std::fs::read(dir_in.join("PP_OCRv5_mobile_det.ncnn.bin")).unwrap();
    let tail = (4 + 20736 * 2 + 24 * 4) + (4 + 2304 * 2 + 24 * 4) + (4 + 96 * 2);
    let bin_bytes = &bin_all[bin_all.len() - tail..];
    assert_eq!(&bin_bytes[..4], &0x0130_6B47u32.to_le_bytes(), "fp16 tag");
    let dir = tempfile::tempdir().unwrap();
    let param = dir.path().join("head.param");
    let bin = dir.path().join("head.bin");
    std::fs::write(&param, &param_text).unwrap();
    std::fs::write(&bin, bin_bytes).unwrap();
    let x = input_mat(&[96, h, w], &Fill::Range(0.0, 3.0), 17);
    let outs = ["297", "298", "out0"];
    for threads in [1, 2] {
        let opt = Options {
            use_int8: false,
            num_threads: threads,
            ..Options::default()
        };
        let net = Net::load_with(&param, Weights::File(&bin), opt).unwrap();
        let mut ex = net.extractor();
        ex.input("295", x.clone()).unwrap();
        let ours = ex.extract_many(&outs).unwrap();
        let theirs = common::run_ncnn(dir.path(), &param, &bin, &[("295", &x)], &outs, false);
        for ((name, o), (rshape, r)) in outs.iter().zip(&ours).zip(&theirs) {
            assert_eq!(&o.shape(), rshape, "blob {name}");
            let (d, m) = common::max_diff(&o.to_vec(), r);
            eprintln!("ppocr head ({threads} threads): {name}: max|diff| {d:e}, max|ref| {m:e}");
            assert!(
                d <= 1e-4 * m + 1e-6,
                "blob {name}: max|diff| {d} vs max|ref| {m}"
            );
        }
    }
}

/// The Yolov3DetectionOutput heads of the zoo nets that still wait for
/// Interp / Crop (yolo-fastest-1.1, yolov4-tiny): each head's own `.param`
/// line on maps of its inputs' recorded shapes, filled so boxes pass.
#[test]
fn pending_zoo_yolo_heads() {
    let Some(shared) = common::shared_or_skip("pending_zoo_yolo_heads") else {
        return;
    };
    let mut v = Vec::new();
    for net in ["yolo-fastest-1.1", "yolov4-tiny"] {
        let text =
            std::fs::read_to_string(shared.join(format!("ncnn-benchmark-models/{net}.param")))
                .unwrap();
        let head = text
            .lines()
            .find(|l| l.starts_with("Yolov3DetectionOutput"))
            .unwrap();
        let t: Vec<&str> = head.split_whitespace().collect();
        let nin: usize = t[2].parse().unwrap();
        let nout: usize = t[3].parse().unwrap();
        let shapes: Vec<Vec<usize>> = t[4..4 + nin]
            .iter()
            .map(|b| {
                // The producer's recorded output shape: -23330=4,dims,w,h,c.
                let producer = text
                    .lines()
                    .find(|l| {
                        let u: Vec<&str> = l.split_whitespace().collect();
                        u.len() > 4 && !l.starts_with("Yolov3") && {
                            let (ni, no): (usize, usize) =
                                (u[2].parse().unwrap_or(0), u[3].parse().unwrap_or(0));
                            u[4 + ni..4 + ni + no].contains(b)
                        }
                    })
                    .unwrap();
                let hint = producer
                    .split_whitespace()
                    .find_map(|p| p.strip_prefix("-23330="))
                    .unwrap();
                let n: Vec<usize> = hint.split(',').map(|x| x.parse().unwrap()).collect();
                vec![n[4], n[3], n[2]]
            })
            .collect();
        v.push(Case {
            name: format!("{net} head"),
            inputs: shapes
                .into_iter()
                .map(|s| (s, Fill::Range(-15.0, 1.5)))
                .collect(),
            kind: "Yolov3DetectionOutput".into(),
            params: t[4 + nin + nout..].join(" "),
            outputs: nout,
            detections: true,
        });
    }
    let rows = run_cases("pending_zoo_yolo_heads", &v, 1);
    assert!(
        rows > 20 || !common::ncnn_or_skip("pending_zoo_yolo_heads"),
        "{rows} rows"
    );
}
