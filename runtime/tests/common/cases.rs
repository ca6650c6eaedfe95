//! The harness of the layer suites against ncnn (PyPI): each case is one
//! layer with its inputs; the cases of one test run as one net (one Input →
//! one layer per case) so that ncnn loads once, with the same synthetic
//! `.bin`; each output is compared on its own, within 1e-4·max|ref| + 1e-6.
//! Include with `#[path = "common/cases.rs"] mod cases;` after `mod common;`.
#![allow(dead_code)]

use std::fmt::Write as _;

use octet::{Mat, Net, Options, Weights};

/// One input of a case: its shape (numpy order) and how to fill it.
#[derive(Clone)]
pub enum Fill {
    /// Uniform in [lo, hi).
    Range(f32, f32),
    /// These values.
    Data(Vec<f32>),
}

#[derive(Clone)]
pub struct Case {
    pub name: String,
    pub inputs: Vec<(Vec<usize>, Fill)>,
    /// `Type` and its params.
    pub kind: String,
    pub params: String,
    pub outputs: usize,
}

pub fn case(
    name: impl Into<String>,
    inputs: &[&[usize]],
    kind: &str,
    params: impl AsRef<str>,
) -> Case {
    Case {
        name: name.into(),
        inputs: inputs
            .iter()
            .map(|s| (s.to_vec(), Fill::Range(-1.0, 1.0)))
            .collect(),
        kind: kind.into(),
        params: params.as_ref().to_string(),
        outputs: 1,
    }
}

pub fn param_text(cases: &[Case]) -> String {
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

pub fn input_mat(shape: &[usize], fill: &Fill, seed: u64) -> Mat {
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

/// Runs every case in Octet (`threads` workers) and in ncnn and compares.
pub fn run_cases(test: &str, cases: &[Case], threads: usize) {
    if !crate::common::ncnn_or_skip(test) {
        return;
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
    let theirs = crate::common::run_ncnn(dir.path(), &param, &bin, &refs, &onames, false);
    let mut k = 0;
    for c in cases {
        for _ in 0..c.outputs {
            let (o, (rshape, r)) = (&ours[k], &theirs[k]);
            k += 1;
            let od = o.to_vec();
            let oshape = if o.is_empty() { vec![0] } else { o.shape() };
            assert_eq!(&oshape, rshape, "{}: shape", c.name);
            let (d, m) = crate::common::max_diff(&od, r);
            assert!(
                d <= 1e-4 * m + 1e-6,
                "{}: max|diff| {d} vs max|ref| {m}",
                c.name
            );
        }
    }
    eprintln!(
        "{test}: {} cases equal ncnn; Octet {:.0} ms, all {:.1} s",
        cases.len(),
        t_ours.as_secs_f64() * 1e3,
        t0.elapsed().as_secs_f64()
    );
}

impl Case {
    /// Every input uniform in [lo, hi) (an op's domain: positive for log).
    pub fn range(mut self, lo: f32, hi: f32) -> Case {
        for i in &mut self.inputs {
            i.1 = Fill::Range(lo, hi);
        }
        self
    }
}
