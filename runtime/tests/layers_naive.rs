//! Every registered layer type against its naive reference (`naive/`),
//! for every option set, with no Python: the second, independent check
//! next to `ncnn_layers.rs` (which needs PyPI ncnn), as ncnn's own
//! `tests/testutil.cpp` checks each optimised layer against its plain one.
//!
//! A case is one layer line, its inputs and a tolerance. The harness writes
//! a one-layer `.param` (Input layers, then the layer), makes its `.bin`
//! with `Net::synthetic_bin`, lets the naive layer read its weights from
//! those bytes in ncnn's order (and checks it read them all), then loads
//! the net with every option set — 1 and 3 threads, `low_memory` off and
//! on, and for 3×3 convolutions every Winograd choice — and compares.
//! int8 cases (Convolution, ConvolutionDepthWise, InnerProduct) load the
//! fp32 model with a calibration table and compare with the naive int8
//! path.
//!
//! Tolerances (see [`Tol`] and the constants below): data movement and
//! single IEEE operations are bit-exact; transcendental functions are
//! compared per element; long accumulations relative to the output's
//! largest magnitude.

mod naive;

use std::fmt::Write as _;

use naive::{Bin, Int8Scales, Params, Tensor};
use octet::modelbin::SplitMix64;
use octet::param::parse_param;
use octet::{Mat, Net, Options, TableSource, Weights, WinogradPref};

/// How close Octet's output must be to the naive one.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Tol {
    /// Bit for bit (NaN matches NaN).
    Exact,
    /// Per element: `|got − want| ≤ abs + rel·|want|`.
    Elem { rel: f32, abs: f32 },
    /// Per element, relative to the largest magnitude of the output:
    /// `|got − want| ≤ abs + rel·max|want|` (sums whose terms cancel).
    Scaled { rel: f32, abs: f32 },
}

/// Data movement, max/min/select, ReLU/Clip/AbsVal, and one IEEE operation
/// per element (+ − × ÷ of BinaryOp, Dropout's ×): bit-exact.
const EXACT: Tol = Tol::Exact;
/// exp / log / tanh / pow / atan2 (Sigmoid, TanH, Swish, Exp,
/// BinaryOp pow/atan2, Softmax, LRN, HardSwish/HardSigmoid): a few ulp of
/// the value — room for a different (vectorised) libm, not for a wrong
/// formula.
const MATH: Tol = Tol::Elem {
    rel: 1e-5,
    abs: 1e-6,
};
/// Mish: ncnn's `log(exp(x) + 1)` rounds to 0 once `exp(x)` is under half
/// an ulp of 1 (x < −16.6) where Octet's `ln_1p` keeps it: up to
/// `|x|·2⁻²⁴` apart in absolute terms, so a wider absolute floor.
const MISH: Tol = Tol::Elem {
    rel: 1e-5,
    abs: 4e-6,
};
/// Short fixed-order arithmetic (BatchNorm's folded `b·x + a`, Scale's
/// `x·s + b`, Eltwise coefficients, PriorBox): f32 rounding of 2–4
/// operations.
const ARITH: Tol = Tol::Elem {
    rel: 2e-6,
    abs: 2e-6,
};
/// Convolution / InnerProduct / average pooling in fp32: Octet sums in f32
/// in its own order (GEMM blocks, threads), the naive one in f64; the
/// rounding of up to ~1000 f32 terms, relative to the output's range.
const ACC: Tol = Tol::Scaled {
    rel: 2e-5,
    abs: 1e-6,
};
/// fp32 3×3 convolutions under every Winograd choice: the F(4,3) and F(6,3)
/// transforms (coefficients well above 1) lose a few more bits than a
/// direct sum — seen up to 1e-5 of the range on x86 and armv7.
const WINOGRAD: Tol = Tol::Scaled {
    rel: 5e-5,
    abs: 1e-6,
};
/// int8 layers: the int32 sums are exact on both sides (the same int8
/// inputs and weights), so only the dequantization `sum · 1/(s_in·s_w) +
/// bias` and the activation may round differently — a couple of ulp of the
/// output's range.
const INT8: Tol = Tol::Scaled {
    rel: 2e-6,
    abs: 1e-7,
};

/// What an int8 case quantizes with: the blob scale is `blob_mult ·
/// 127 / max|input|` (above 1: inputs clamp at ±127), weight scales `127 /
/// max|w|` per output channel (per group for ConvolutionDepthWise), with
/// channel `zero` given scale 0 (ncnn then outputs the bias).
#[derive(Clone, Copy, Debug)]
struct Int8Spec {
    blob_mult: f32,
    zero: Option<usize>,
}

struct Case {
    name: String,
    kind: &'static str,
    params: String,
    inputs: Vec<Tensor>,
    outputs: usize,
    tol: Tol,
    /// Run every Winograd choice (3×3 convolutions).
    winograd: bool,
    int8: Option<Int8Spec>,
}

impl Case {
    fn winograd(&mut self) -> &mut Case {
        self.winograd = true;
        if self.tol == ACC {
            self.tol = WINOGRAD;
        }
        self
    }
    fn int8(&mut self, blob_mult: f32) -> &mut Case {
        self.int8 = Some(Int8Spec {
            blob_mult,
            zero: None,
        });
        self.tol = INT8;
        self
    }
    fn zero_scale(&mut self, channel: usize) -> &mut Case {
        self.int8.as_mut().expect("an int8 case").zero = Some(channel);
        self
    }
    fn outputs(&mut self, n: usize) -> &mut Case {
        self.outputs = n;
        self
    }
}

/// Uniform values in [lo, hi).
fn uniform(shape: &[usize], seed: u64, lo: f32, hi: f32) -> Tensor {
    let mut rng = SplitMix64::new(seed);
    let n = shape.iter().product();
    Tensor::new(shape, (0..n).map(|_| rng.uniform(lo, hi)).collect())
}

/// Values with magnitude in [0.5, 1.5), either sign (divisors).
fn away_from_zero(shape: &[usize], seed: u64) -> Tensor {
    let mut rng = SplitMix64::new(seed);
    let n = shape.iter().product();
    let data = (0..n)
        .map(|_| {
            let v = rng.uniform(0.5, 1.5);
            if rng.next_u64() & 1 == 0 {
                v
            } else {
                -v
            }
        })
        .collect();
    Tensor::new(shape, data)
}

/// A list of cases with a running seed for their inputs.
struct Cases {
    v: Vec<Case>,
    seed: u64,
}

impl Cases {
    fn new(seed: u64) -> Cases {
        Cases {
            v: Vec::new(),
            seed,
        }
    }

    fn next_seed(&mut self) -> u64 {
        self.seed += 1;
        self.seed
    }

    /// A case on inputs uniform in [-1, 1).
    fn add(
        &mut self,
        kind: &'static str,
        params: impl AsRef<str>,
        shapes: &[&[usize]],
        tol: Tol,
    ) -> &mut Case {
        let inputs = shapes
            .iter()
            .map(|s| uniform(s, self.next_seed(), -1.0, 1.0))
            .collect();
        self.add_inputs(kind, params, inputs, tol)
    }

    fn add_inputs(
        &mut self,
        kind: &'static str,
        params: impl AsRef<str>,
        inputs: Vec<Tensor>,
        tol: Tol,
    ) -> &mut Case {
        let shapes: Vec<_> = inputs.iter().map(|t| t.shape.clone()).collect();
        let params = params.as_ref().trim().to_string();
        self.v.push(Case {
            name: format!("{kind} [{params}] on {shapes:?}"),
            kind,
            params,
            inputs,
            outputs: 1,
            tol,
            winograd: false,
            int8: None,
        });
        self.v.last_mut().unwrap()
    }
}

fn output_names(c: &Case) -> Vec<String> {
    if c.outputs == 1 {
        vec!["out".into()]
    } else {
        (0..c.outputs).map(|i| format!("out{i}")).collect()
    }
}

fn input_names(c: &Case) -> Vec<String> {
    if c.kind == "Input" {
        vec!["out".into()]
    } else {
        (0..c.inputs.len()).map(|i| format!("in{i}")).collect()
    }
}

/// The one-layer `.param`: an Input per input (declaring its shape), then
/// the layer. An Input case is the Input layer alone.
fn param_text(c: &Case) -> String {
    let decl = |t: &Tensor| {
        let (w, h, d, ch) = t.whdc();
        match t.dims() {
            1 => format!("0={w}"),
            2 => format!("0={w} 1={h}"),
            3 => format!("0={w} 1={h} 2={ch}"),
            _ => format!("0={w} 1={h} 11={d} 2={ch}"),
        }
    };
    if c.kind == "Input" {
        return format!("7767517\n1 1\nInput out 0 1 out {}\n", c.params);
    }
    let ins = input_names(c);
    let outs = output_names(c);
    let mut body = String::new();
    for (name, t) in ins.iter().zip(&c.inputs) {
        let _ = writeln!(body, "Input {name} 0 1 {name} {}", decl(t));
    }
    let _ = writeln!(
        body,
        "{} l0 {} {} {} {} {}",
        c.kind,
        ins.len(),
        outs.len(),
        ins.join(" "),
        outs.join(" "),
        c.params
    );
    format!(
        "7767517\n{} {}\n{body}",
        ins.len() + 1,
        ins.len() + outs.len()
    )
}

/// Compares Octet's output (`shape`, `got`) with the naive one: on success
/// the largest error as a fraction of the allowed one (0 when exact).
fn compare(shape: &[usize], got: &[f32], want: &Tensor, tol: Tol) -> Result<f32, String> {
    if shape != want.shape.as_slice() || got.len() != want.data.len() {
        return Err(format!(
            "shape {shape:?} ({} values), want {:?}",
            got.len(),
            want.shape
        ));
    }
    let range = want.data.iter().fold(0f32, |m, v| m.max(v.abs()));
    // The worst element: (excess over the allowed error, index, allowed).
    let mut worst: Option<(f32, usize, f32)> = None;
    let mut used = 0f32;
    for (i, (&g, &w)) in got.iter().zip(&want.data).enumerate() {
        let (bad, diff, allowed) = match tol {
            Tol::Exact => (
                g.to_bits() != w.to_bits() && !(g.is_nan() && w.is_nan()),
                (g - w).abs(),
                0.0,
            ),
            Tol::Elem { rel, abs } => {
                let allowed = abs + rel * w.abs();
                let d = (g - w).abs();
                (!close(g, w, allowed), d, allowed)
            }
            Tol::Scaled { rel, abs } => {
                let allowed = abs + rel * range;
                let d = (g - w).abs();
                (!close(g, w, allowed), d, allowed)
            }
        };
        if !bad && g != w && allowed > 0.0 {
            used = used.max(diff / allowed);
        }
        if bad {
            let excess = if diff.is_nan() { f32::INFINITY } else { diff };
            if worst.is_none_or(|(e, _, _)| excess > e) {
                worst = Some((excess, i, allowed));
            }
        }
    }
    match worst {
        None => Ok(used),
        Some((_, i, allowed)) => {
            let bad = got
                .iter()
                .zip(&want.data)
                .filter(|(g, w)| g.to_bits() != w.to_bits())
                .count();
            // OCTET_NAIVE_DUMP=1 lists the differing values.
            if std::env::var_os("OCTET_NAIVE_DUMP").is_some() {
                for (k, (g, w)) in got.iter().zip(&want.data).enumerate() {
                    if g.to_bits() != w.to_bits() {
                        eprintln!("  {:?}: got {g:e} want {w:e}", unflatten(&want.shape, k));
                    }
                }
            }
            Err(format!(
                "{bad} of {} values differ; worst at flat index {i} ({:?}): got {:e}, want {:e} (allowed ±{:e}, {tol:?})",
                got.len(),
                unflatten(&want.shape, i),
                got[i],
                want.data[i],
                allowed
            ))
        }
    }
}

/// Equal (infinities included), both NaN, or within `allowed`.
fn close(g: f32, w: f32, allowed: f32) -> bool {
    g == w || (g.is_nan() && w.is_nan()) || (g - w).abs() <= allowed
}

fn unflatten(shape: &[usize], mut i: usize) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for k in (0..shape.len()).rev() {
        idx[k] = i % shape[k];
        i /= shape[k];
    }
    idx
}

/// The option sets a case runs under.
fn option_sets(c: &Case) -> Vec<Options> {
    let prefs: &[WinogradPref] = if c.winograd {
        &[
            WinogradPref::Auto,
            WinogradPref::F23,
            WinogradPref::F43,
            WinogradPref::F63,
            WinogradPref::Off,
        ]
    } else {
        &[WinogradPref::Auto]
    };
    let mut v = Vec::new();
    for &threads in &[1, 3] {
        for &low_memory in &[false, true] {
            for &winograd in prefs {
                v.push(Options {
                    num_threads: threads,
                    use_int8: c.int8.is_some(),
                    winograd,
                    low_memory,
                    ..Options::default()
                });
            }
        }
    }
    v
}

/// `127 / max|w|` of each of `groups` equal runs of `w` (0 for all-zero).
fn weight_scales(w: &[f32], groups: usize) -> Vec<f32> {
    w.chunks(w.len() / groups)
        .map(|g| {
            let m = g.iter().fold(0f32, |m, v| m.max(v.abs()));
            if m == 0.0 {
                0.0
            } else {
                127.0 / m
            }
        })
        .collect()
}

/// The int8 scales of a case, and the calibration table that gives them.
fn int8_scales(c: &Case, spec: Int8Spec, bin: &[u8]) -> (Int8Scales, String) {
    let p = Params::parse(&c.params);
    let (size, groups) = match c.kind {
        "Convolution" => (p.int(6, 0), p.int(0, 0)),
        "ConvolutionDepthWise" => (p.int(6, 0), p.int(7, 1)),
        "InnerProduct" => (p.int(2, 0), p.int(0, 0)),
        k => panic!("{k} has no int8 form"),
    };
    let w = Bin::new(bin).tagged(size as usize);
    let mut weight = weight_scales(&w, groups as usize);
    if let Some(z) = spec.zero {
        weight[z] = 0.0;
    }
    let absmax = c.inputs[0].data.iter().fold(0f32, |m, v| m.max(v.abs()));
    let blob = spec.blob_mult * 127.0 / absmax;
    let list: Vec<String> = weight.iter().map(|v| v.to_string()).collect();
    let table = format!("l0_param_0 {}\nl0 {blob}\n", list.join(" "));
    (Int8Scales { weight, blob }, table)
}

/// A case made ready: its `.param` text and `.bin`, the calibration table
/// of an int8 case, and the naive outputs.
struct Prepared {
    text: String,
    bin: Vec<u8>,
    table: Option<String>,
    want: Vec<Tensor>,
}

/// Writes the case's `.param`, makes its `.bin` and runs the naive layer on
/// it (which must read every byte of it).
fn prepare(c: &Case, dir: &std::path::Path, index: usize) -> Result<Prepared, String> {
    let text = param_text(c);
    let path = dir.join(format!("case{index}.param"));
    std::fs::write(&path, &text).unwrap();
    let bin = Net::synthetic_bin(&path, 1000 + index as u64)
        .map_err(|e| format!("synthetic .bin: {e}"))?;
    let int8 = c.int8.map(|spec| int8_scales(c, spec, &bin));
    let mut reader = Bin::new(&bin);
    let want = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        naive::forward(
            c.kind,
            &Params::parse(&c.params),
            &c.inputs,
            &mut reader,
            int8.as_ref().map(|(s, _)| s),
            c.outputs,
        )
    }))
    .map_err(|_| "the naive layer panicked".to_string())?;
    if reader.remaining() != 0 {
        return Err(format!(
            "the naive layer left {} of the {} .bin bytes unread (weight order or sizes differ)",
            reader.remaining(),
            bin.len()
        ));
    }
    Ok(Prepared {
        text,
        bin,
        table: int8.map(|(_, t)| t),
        want,
    })
}

/// Runs Octet on a prepared case under every option set and compares with
/// `want`. On success: the largest error as a fraction of the allowed one,
/// and each option set's kernel (the layer's `describe()`).
fn check_octet(c: &Case, p: &Prepared, want: &[Tensor]) -> Result<(f32, Vec<String>), String> {
    let mut used = 0f32;
    let mut kernels = Vec::new();
    for opt in option_sets(c) {
        let what = format!(
            "threads {} low_memory {} winograd {:?}",
            opt.num_threads, opt.low_memory, opt.winograd
        );
        let weights = Weights::Bytes(&p.bin);
        let net = match &p.table {
            None => Net::from_param_bytes(p.text.as_bytes(), "case", weights, opt),
            Some(table) => Net::from_parsed_with_table(
                parse_param(&p.text, "case").unwrap(),
                "case",
                weights,
                Some(TableSource::Text {
                    text: table,
                    label: "case.table",
                }),
                opt,
            ),
        }
        .map_err(|e| format!("load: {e}"))?;
        if let Some(slot) = net.layers().iter().find(|l| l.name == "l0") {
            kernels.push(slot.layer.describe());
        }
        let mut ex = net.extractor();
        for (name, t) in input_names(c).iter().zip(&c.inputs) {
            ex.input(name, Mat::from_slice(&t.shape, &t.data).unwrap())
                .map_err(|e| format!("input {name}: {e}"))?;
        }
        for (name, want) in output_names(c).iter().zip(want) {
            let got = ex
                .extract(name)
                .map_err(|e| format!("{what}: extract {name}: {e}"))?;
            let shape = if got.is_empty() { vec![0] } else { got.shape() };
            let u = compare(&shape, &got.to_vec(), want, c.tol)
                .map_err(|e| format!("{what}: {name}: {e}"))?;
            used = used.max(u);
        }
    }
    Ok((used, kernels))
}

/// One case, end to end.
fn run_case(c: &Case, dir: &std::path::Path, index: usize) -> Result<(f32, Vec<String>), String> {
    let p = prepare(c, dir, index)?;
    check_octet(c, &p, &p.want)
}

/// Runs every case and fails listing each failing one.
fn run_all(cases: &Cases) {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    // The case that came closest to its tolerance, per tolerance.
    let mut closest: Vec<(Tol, f32, &str)> = Vec::new();
    let mut kernels = std::collections::BTreeSet::new();
    for (i, c) in cases.v.iter().enumerate() {
        match run_case(c, dir.path(), i) {
            Err(e) => failures.push(format!("{}\n    {e}", c.name)),
            Ok((u, k)) => {
                kernels.extend(k.into_iter().filter(|k| !k.is_empty()).map(|k| (c.kind, k)));
                match closest.iter_mut().find(|(t, _, _)| *t == c.tol) {
                    Some(e) if u > e.1 => *e = (c.tol, u, &c.name),
                    Some(_) => {}
                    None => closest.push((c.tol, u, &c.name)),
                }
            }
        }
    }
    for (kind, k) in &kernels {
        eprintln!("{kind} ran: {k}");
    }
    for (t, u, name) in &closest {
        eprintln!(
            "{t:?}: largest error {:.0}% of the allowed one, in {name}",
            u * 100.0
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.v.len(),
        failures.join("\n")
    );
}

/// Shapes from 1-D to 4-D, with odd sizes and single elements.
const SHAPES: &[&[usize]] = &[
    &[1],
    &[37],
    &[5, 13],
    &[1, 1, 1],
    &[3, 7, 9],
    &[17, 1, 1],
    &[16, 4, 4],
    &[2, 3, 4, 5],
];

#[test]
fn elementwise() {
    let mut cs = Cases::new(100);
    let layers: &[(&str, &[&str], Tol)] = &[
        ("AbsVal", &[""], EXACT),
        ("Clip", &["", "0=-0.5 1=0.25", "0=0 1=6"], EXACT),
        ("Dropout", &["", "0=0.5", "0=1.7"], EXACT),
        ("ReLU", &["", "0=0.1", "0=-2.5"], EXACT),
        (
            "Exp",
            &[
                "",
                "0=2.0",
                "0=2.0 1=0.5 2=0.25",
                "1=-3.0 2=1.0",
                "0=10.0 1=0.7",
            ],
            MATH,
        ),
        (
            "HardSigmoid",
            &["", "0=0.166667 1=0.5", "0=1.0 1=0.25"],
            MATH,
        ),
        ("HardSwish", &["", "0=0.166667 1=0.5", "0=0.5 1=0.1"], MATH),
        ("Mish", &[""], MISH),
        ("Sigmoid", &[""], MATH),
        ("Swish", &[""], MATH),
        ("TanH", &[""], MATH),
    ];
    for &(kind, variants, tol) in layers {
        for p in variants {
            for s in SHAPES {
                cs.add(kind, p, &[s], tol);
            }
        }
        // Wide inputs: Sigmoid's ±88 clamp, Mish's ±20 switch, saturation.
        let seed = cs.next_seed();
        cs.add_inputs(
            kind,
            variants[0],
            vec![uniform(&[4, 5, 7], seed, -100.0, 100.0)],
            tol,
        );
    }
    run_all(&cs);
}

#[test]
fn data_movement() {
    let mut cs = Cases::new(200);
    // Input, Noop, Split, Flatten on every rank.
    for s in SHAPES {
        let (w, h, d, c) = uniform(s, 0, 0.0, 1.0).whdc();
        let decl = match s.len() {
            1 => format!("0={w}"),
            2 => format!("0={w} 1={h}"),
            3 => format!("0={w} 1={h} 2={c}"),
            _ => format!("0={w} 1={h} 11={d} 2={c}"),
        };
        cs.add("Input", decl, &[s], EXACT);
        cs.add("Noop", "", &[s], EXACT);
        cs.add("Split", "", &[s], EXACT).outputs(2);
        cs.add("Split", "", &[s], EXACT).outputs(3);
        cs.add("Flatten", "", &[s], EXACT);
    }
    cs.add("Input", "", &[&[2, 3, 5]], EXACT);
    cs.add("Noop", "", &[&[3, 4], &[2, 5, 6]], EXACT).outputs(2);

    // Concat: every axis of every rank, negative axes, three inputs, one input.
    let concat: &[(&str, &[&[usize]])] = &[
        ("0=0", &[&[5], &[3], &[1]]),
        ("0=-1", &[&[4], &[9]]),
        ("0=0", &[&[2, 5], &[3, 5]]),
        ("0=1", &[&[2, 5], &[2, 3], &[2, 1]]),
        ("0=-1", &[&[4, 2], &[4, 7]]),
        ("0=0", &[&[2, 5, 6], &[3, 5, 6]]),
        ("0=0", &[&[1, 3, 3], &[7, 3, 3], &[5, 3, 3]]),
        ("0=1", &[&[2, 4, 6], &[2, 3, 6]]),
        ("0=2", &[&[2, 4, 6], &[2, 4, 1]]),
        ("0=-1", &[&[3, 2, 5], &[3, 2, 2]]),
        ("0=-3", &[&[3, 2, 5], &[1, 2, 5]]),
        ("0=0", &[&[2, 3, 4, 5], &[3, 3, 4, 5]]),
        ("0=1", &[&[2, 3, 4, 5], &[2, 1, 4, 5]]),
        ("0=2", &[&[2, 3, 4, 5], &[2, 3, 2, 5]]),
        ("0=-2", &[&[2, 3, 4, 5], &[2, 3, 3, 5]]),
        ("0=3", &[&[2, 3, 4, 5], &[2, 3, 4, 3], &[2, 3, 4, 1]]),
        ("0=0", &[&[4, 3, 2]]),
    ];
    for (p, shapes) in concat {
        cs.add("Concat", *p, shapes, EXACT);
    }

    // Permute: both 2-D orders, the 6 3-D and the 24 4-D ones, a 1-D blob.
    cs.add("Permute", "0=0", &[&[7]], EXACT);
    for o in 0..2 {
        cs.add("Permute", format!("0={o}"), &[&[3, 5]], EXACT);
    }
    for o in 0..6 {
        cs.add("Permute", format!("0={o}"), &[&[2, 3, 4]], EXACT);
        cs.add("Permute", format!("0={o}"), &[&[5, 1, 7]], EXACT);
    }
    for o in 0..24 {
        cs.add("Permute", format!("0={o}"), &[&[2, 3, 4, 5]], EXACT);
    }

    // Reshape: each rank, 0 (keep) and -1 (infer), to and from 4-D.
    let reshape: &[(&str, &[usize])] = &[
        ("0=24", &[2, 3, 4]),
        ("0=-1", &[2, 3, 4]),
        ("0=6 1=-1", &[2, 3, 4]),
        ("0=-1 1=2", &[2, 3, 4]),
        ("0=4 1=2 2=3", &[2, 3, 4]),
        ("0=0 1=3 2=-1", &[2, 3, 4]),
        ("0=2 1=0 2=0", &[3, 4, 2]),
        ("0=-1 1=1 2=1", &[3, 4, 5]),
        ("0=1 1=1 2=-1", &[3, 4, 5]),
        ("0=5 1=3 11=2 2=-1", &[4, 6, 5]),
        ("0=0 1=2 11=-1 2=0", &[2, 3, 4, 5]),
        ("0=20 1=3 2=2", &[2, 3, 4, 5]),
        ("0=-1 1=6", &[2, 3, 4, 5]),
        ("0=120", &[2, 3, 4, 5]),
        ("0=4 1=3 2=5", &[60]),
        ("0=3 1=4 11=5 2=1", &[60]),
        ("0=0 1=-1", &[6, 10]),
        ("0=2 1=3 2=-1", &[6, 10]),
        ("0=0 1=0 11=1 2=0", &[2, 3, 4]),
        // 3=1 (permute): channel-last order, from and to each rank; where
        // the outermost size is kept ncnn does not permute.
        ("0=24 3=1", &[2, 3, 4]),
        ("0=4 1=6 3=1", &[2, 3, 4]),
        ("0=2 1=3 2=4 3=1", &[2, 3, 4]),
        ("0=3 1=4 2=2 3=1", &[2, 3, 4]),
        ("0=3 1=4 2=2 3=1", &[4, 6]),
        ("0=6 1=4 3=1", &[4, 6]),
        ("0=5 1=4 11=2 2=3 3=1", &[2, 3, 4, 5]),
        ("0=5 1=3 11=2 2=4 3=1", &[2, 3, 4, 5]),
        ("0=4 1=5 2=3 3=1", &[60]),
    ];
    for (p, s) in reshape {
        cs.add("Reshape", *p, &[s], EXACT);
    }

    // Padding: each type on 1-D to 3-D blobs, channel padding, per-channel
    // values, padding as large as the blob less one (reflect's limit).
    let padding: &[(&str, &[usize])] = &[
        ("0=1 1=2 2=3 3=0 4=0 5=0.5", &[2, 4, 5]),
        ("0=2 1=1 2=1 3=2 4=1", &[2, 4, 5]),
        ("0=1 1=1 2=1 3=2 4=2", &[2, 4, 5]),
        ("0=3 1=3 2=4 3=4 4=2", &[3, 4, 5]),
        ("0=0 1=0 2=2 3=3 4=0 5=-1.5", &[6]),
        ("2=2 3=1 4=1", &[6]),
        ("2=3 3=3 4=2", &[6]),
        ("0=1 1=2 2=3 3=1 4=0 5=2.0", &[3, 5]),
        ("0=1 1=2 2=3 3=1 4=1", &[3, 5]),
        ("0=2 1=2 2=1 3=3 4=2", &[3, 5]),
        ("0=1 1=1 2=1 3=1 7=1 8=2 5=-1.0", &[2, 4, 5]),
        ("0=1 1=0 2=0 3=1 7=2 8=1 4=1", &[3, 4, 5]),
        ("0=0 1=1 2=1 3=0 7=2 8=2 4=2", &[3, 4, 5]),
        ("7=1 8=1 4=0 5=3.0", &[4, 2, 3]),
        ("0=1 1=0 2=0 3=1 6=2", &[2, 3, 3]),
        ("0=0 1=0 2=0 3=0", &[2, 3, 3]),
        ("2=1 3=1", &[1, 1, 1]),
        // Per-channel values on added channels, and 8= defaulting to 0
        // (both once differed from ncnn).
        ("7=1 8=0 6=2 0=1 5=3.0", &[1, 1, 1]),
        ("0=1 1=1 2=2 3=2 6=7 7=2 8=1", &[4, 3, 3]),
        ("7=1 5=2.0", &[1, 2, 2]),
        // 4-D: front/behind pad depth, per-channel values by channel.
        ("0=1 1=0 2=1 3=2 7=1 8=2 5=0.5", &[2, 3, 4, 5]),
        ("0=1 1=1 2=1 3=1 7=1 8=1 4=1", &[2, 3, 4, 5]),
        ("0=1 1=1 2=0 3=1 7=1 8=1 4=2", &[2, 3, 4, 5]),
        ("0=1 1=0 2=0 3=1 7=1 6=2", &[2, 3, 4, 5]),
    ];
    for (p, s) in padding {
        cs.add("Padding", *p, &[s], EXACT);
    }
    run_all(&cs);
}

/// Slice, ShuffleChannel, Crop, Interp and MemoryData (`naive/movement.rs`),
/// 1-D to 4-D with size-1 axes and odd sizes; one ncnn-style case per
/// parameter form and random ones.
#[test]
fn movement() {
    let mut cs = Cases::new(300);
    // Slice: every axis of every rank, -233 shares, indices, negative axes.
    for s in SHAPES {
        for a in 0..s.len() as i32 {
            let n = s[a as usize];
            if n >= 2 {
                cs.add("Slice", format!("-23300=2,-233,-233 1={a}"), &[s], EXACT)
                    .outputs(2);
            }
            if n >= 3 {
                cs.add(
                    "Slice",
                    format!("-23300=3,1,-233,-233 1={}", a - s.len() as i32),
                    &[s],
                    EXACT,
                )
                .outputs(3);
                cs.add("Slice", format!("-23302=2,1,-1 1={a}"), &[s], EXACT)
                    .outputs(2);
            }
        }
    }
    cs.add("Slice", "-23300=1,-233", &[&[4, 3, 2]], EXACT);
    // ShuffleChannel: groups and reverse on 3-D and 4-D, identity below.
    for (s, g) in [
        (&[6usize, 3, 5][..], 2),
        (&[6, 3, 5], 3),
        (&[12, 1, 1], 4),
        (&[8, 2, 3, 3], 2),
        (&[1, 4, 4], 1),
        (&[5, 13], 1),
        (&[37], 1),
    ] {
        for r in [0, 1] {
            cs.add("ShuffleChannel", format!("0={g} 1={r}"), &[s], EXACT);
        }
    }
    // Crop: offsets/sizes with -233, end offsets, numpy slices, a reference.
    let crop: &[(&str, &[usize])] = &[
        ("0=3 3=-233", &[37]),
        ("0=3 3=5", &[37]),
        ("0=3 3=-233 6=4", &[37]),
        ("0=1 1=2 3=-233 4=-233", &[5, 13]),
        ("0=1 1=2 3=4 4=2", &[5, 13]),
        ("1=1 3=-233 4=-233 7=1 6=3", &[5, 13]),
        ("0=2 1=1 2=1 3=4 4=-233 5=-233", &[3, 7, 9]),
        ("0=0 1=0 2=0 3=-233 4=-233 5=1", &[17, 1, 1]),
        ("2=3 3=-233 4=-233 5=-233 8=5", &[17, 1, 1]),
        (
            "0=1 1=1 13=1 2=1 3=-233 4=-233 14=-233 5=-233",
            &[2, 3, 4, 5],
        ),
        ("0=1 1=2 13=0 2=0 3=3 4=1 14=2 5=1 15=1", &[2, 3, 4, 5]),
        ("-23309=1,2 -23310=1,-3", &[37]),
        ("-23309=2,1,-9 -23310=2,-1,2147483647", &[5, 13]),
        ("-23309=1,1 -23310=1,-233 -23311=1,-1", &[3, 7, 9]),
        ("-23309=2,-2,0 -23310=2,17,1 -23311=2,0,2", &[17, 1, 1]),
        ("-23309=4,1,0,1,2 -23310=4,2,3,3,-1", &[2, 3, 4, 5]),
        ("-23309=1,1 -23310=1,0 -23311=1,1", &[2, 3, 4, 5]),
    ];
    for (p, s) in crop {
        cs.add("Crop", *p, &[s], EXACT);
    }
    for (s, r, p) in [
        (&[37usize][..], &[20usize][..], "0=5"),
        (&[5, 13], &[3, 4], "0=2 1=1"),
        (&[3, 7, 9], &[2, 5, 4], "0=1 1=2 2=1"),
        (&[3, 7, 9], &[5, 4], "0=1 1=2"),
        (&[2, 3, 4, 5], &[1, 2, 3, 3], "0=1 1=1 13=1 2=1"),
    ] {
        cs.add("Crop", p, &[s, r], EXACT);
    }
    // Interp: each type by scale, by size, by reference, align_corner.
    for t in [1, 2, 3] {
        for (p, s) in [
            ("1=2.0 2=2.0", &[3usize, 7, 9][..]),
            ("1=0.5 2=1.5", &[3, 7, 9]),
            ("3=5 4=11", &[3, 7, 9]),
            ("3=1 4=1", &[2, 6, 5]),
            ("3=9 4=4 6=1", &[2, 6, 5]),
            ("1=2.0 2=2.0", &[16, 4, 4]),
            ("1=3.0 2=3.0", &[2, 1, 1]),
            ("2=2.5", &[5, 13]),
            ("4=6 6=1", &[5, 13]),
            ("1=2.0 2=3.0", &[37]),
            ("3=2 4=3", &[5]),
        ] {
            if t == 3 && s.len() > 1 && (s[s.len() - 1] < 4 || (s.len() == 3 && s[1] < 4)) {
                continue; // ncnn's bicubic reads beyond a plane under 4 wide
            }
            cs.add("Interp", format!("0={t} {p}"), &[s], ELEMTOL);
        }
        cs.add(
            "Interp",
            format!("0={t} 5=1"),
            &[&[3, 7, 9], &[1, 12, 5]],
            ELEMTOL,
        );
        cs.add(
            "Interp",
            format!("0={t} 5=1 6=1"),
            &[&[2, 5, 6], &[1, 9, 4]],
            ELEMTOL,
        );
    }
    // PixelShuffle / Reorg: both modes, factors 1 to 3, channels to spare.
    for (s, r) in [
        (&[8usize, 3, 5][..], 2),
        (&[9, 2, 2], 3),
        (&[5, 3, 3], 2),
        (&[16, 4, 4], 1),
    ] {
        for m in [0, 1] {
            cs.add("PixelShuffle", format!("0={r} 1={m}"), &[s], EXACT);
        }
    }
    for (s, r) in [
        (&[3usize, 7, 9][..], 2),
        (&[2, 6, 6], 3),
        (&[1, 4, 5], 2),
        (&[5, 13], 2),
    ] {
        for m in [0, 1] {
            cs.add("Reorg", format!("0={r} 1={m}"), &[s], EXACT);
        }
    }
    // Squeeze, ExpandDims, Flip, Tile, DeepCopy over SHAPES and size-1 axes.
    for s in SHAPES
        .iter()
        .copied()
        .chain([&[1usize, 4, 1, 3][..], &[3, 1, 1], &[1, 6]])
    {
        cs.add("DeepCopy", "", &[s], EXACT);
        cs.add("Squeeze", "0=1 1=1 11=1 2=1", &[s], EXACT);
        cs.add("Squeeze", "1=1", &[s], EXACT);
        cs.add("Squeeze", "-23303=1,0", &[s], EXACT);
        if s.len() < 4 {
            cs.add("ExpandDims", "-23303=1,0", &[s], EXACT);
            cs.add("ExpandDims", "-23303=1,-1", &[s], EXACT);
        }
        if s.len() < 3 {
            cs.add("ExpandDims", "-23303=2,0,-1", &[s], EXACT);
        }
        let last = s.len() as i32 - 1;
        cs.add("Flip", format!("-23300=1,{last}"), &[s], EXACT);
        cs.add("Flip", "-23300=1,0", &[s], EXACT);
        if s.len() > 1 {
            cs.add("Flip", "-23300=2,0,-1", &[s], EXACT);
        }
        cs.add("Tile", format!("0={last} 1=3"), &[s], EXACT);
        cs.add("Tile", "0=0 1=2", &[s], EXACT);
        cs.add("Tile", "-23302=2,2,3", &[s], EXACT);
        cs.add("Tile", "-23302=3,2,1,2", &[s], EXACT);
    }
    // MemoryData: every rank, tagged and raw.
    for p in [
        "0=7",
        "0=5 1=3",
        "0=4 1=3 2=6",
        "0=3 1=2 11=4 2=5",
        "0=4 1=2 2=3 21=0",
        "0=1",
    ] {
        cs.add("MemoryData", p, &[], EXACT);
    }
    run_all(&cs);
}

/// Interp's bilinear / bicubic: two to sixteen f32 products, summed in
/// ncnn's order on both sides; room for a fused multiply-add.
const ELEMTOL: Tol = Tol::Elem {
    rel: 1e-5,
    abs: 1e-6,
};

/// The fused activations (`9=` / `10=`), every type.
const ACTS: &[&str] = &[
    "",
    "9=1",
    "9=2 -23310=1,0.1",
    "9=3 -23310=2,-0.5,0.5",
    "9=4",
    "9=5",
    "9=6 -23310=2,0.2,0.5",
];

/// A Convolution line: `out` outputs of `k×k` kernels over `inc` channels.
fn conv(out: usize, inc: usize, k: usize, extra: &str) -> String {
    format!("0={out} 1={k} 6={} {extra}", out * inc * k * k)
}

#[test]
fn convolution() {
    let mut cs = Cases::new(300);
    // ncnn's test_convolution table: kernel, dilation, stride, pad.
    let kdsp: &[[i32; 4]] = &[
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
    // (w, h, in channels, out channels): single channels, channel counts
    // that are and are not multiples of 4 / 8 / 16.
    let shapes: &[(usize, usize, usize, usize)] = &[
        (9, 7, 1, 1),
        (9, 7, 4, 13),
        (9, 7, 13, 4),
        (18, 17, 8, 12),
        (18, 17, 15, 15),
        (18, 17, 16, 16),
    ];
    let mut n = 0;
    for &[k, d, s, p] in kdsp {
        for &(w, h, inc, outc) in shapes {
            n += 1;
            let bias = n % 2;
            let extra = format!("2={d} 3={s} 4={p} 5={bias} {}", ACTS[n % ACTS.len()]);
            let c = cs.add(
                "Convolution",
                conv(outc, inc, k as usize, &extra),
                &[&[inc, h, w]],
                ACC,
            );
            if k == 3 && d == 1 && s == 1 {
                c.winograd();
            }
        }
    }
    // 3×3 stride 1 (the Winograd candidates) on maps from 1×1 up, tile
    // remainders of 2, 4 and 6, and wider channel counts.
    for &(w, h, inc, outc) in &[
        (1, 1, 3, 5),
        (2, 2, 4, 4),
        (6, 6, 8, 8),
        (8, 8, 16, 16),
        (5, 5, 3, 7),
        (13, 11, 17, 9),
        (20, 19, 24, 32),
        (12, 12, 32, 24),
        (1, 9, 4, 6),
        (9, 1, 4, 6),
    ] {
        for (i, act) in ["5=1", "5=0 9=1", "5=1 9=2 -23310=1,0.25"]
            .iter()
            .enumerate()
        {
            let pad = if i == 1 { "4=0" } else { "4=1" };
            if pad == "4=0" && (w < 3 || h < 3) {
                continue;
            }
            cs.add(
                "Convolution",
                conv(outc, inc, 3, &format!("{pad} {act}")),
                &[&[inc, h, w]],
                ACC,
            )
            .winograd();
        }
    }
    // Edge cases: padding wider than the kernel, kernel wider than the
    // input, rectangular kernels / strides / dilations, asymmetric pads and
    // a pad value, SAME on odd and even sizes, a 1-D input.
    let edge: &[(&str, &[usize])] = &[
        ("0=4 1=1 4=2 5=1 6=12", &[3, 5, 4]),
        ("0=4 1=3 4=4 5=1 6=36 9=1", &[1, 3, 3]),
        ("0=3 1=5 4=2 5=1 6=225", &[3, 3, 3]),
        ("0=2 1=7 5=1 6=686", &[7, 7, 7]),
        ("0=3 1=1 11=3 3=2 13=1 14=1 5=1 6=18", &[2, 10, 12]),
        ("0=3 1=3 11=1 2=1 12=2 3=1 13=2 4=1 5=1 6=18", &[2, 11, 8]),
        ("0=5 1=2 11=4 2=2 12=1 3=3 13=2 5=0 6=120", &[3, 13, 14]),
        ("0=3 1=3 4=1 15=2 14=0 16=3 18=0.5 5=1 6=54", &[2, 8, 9]),
        ("0=3 1=3 4=2 15=0 14=1 16=0 18=-1.25 5=1 6=54", &[2, 6, 7]),
        ("0=4 1=3 3=2 4=-233 5=1 6=108", &[3, 15, 14]),
        ("0=4 1=3 3=2 4=-234 5=1 6=108", &[3, 15, 14]),
        ("0=4 1=4 3=2 4=-233 5=1 6=192", &[3, 16, 16]),
        ("0=4 1=4 3=2 4=-234 5=1 6=192", &[3, 15, 16]),
        ("0=4 1=3 3=1 4=-233 18=0.75 5=1 6=108", &[3, 6, 5]),
        (
            "0=4 1=3 3=3 4=1 5=1 6=108 9=3 -23310=2,0.0,6.0",
            &[3, 10, 11],
        ),
        ("0=6 1=3 3=2 4=1 5=1 6=162 9=4", &[3, 1, 1]),
        ("0=40 1=1 5=1 6=3840 9=1", &[96, 10, 10]),
        ("0=17 1=1 3=2 5=0 6=1088", &[64, 9, 11]),
        ("0=5 1=1 5=1 6=60", &[12]),
        ("0=7 1=1 5=1 6=91 9=2 -23310=1,0.3", &[13]),
    ];
    for (p, s) in edge {
        let c = cs.add("Convolution", *p, &[s], ACC);
        if p.contains("1=3 ") && !p.contains("11=") && !p.contains("3=2") && !p.contains("3=3") {
            c.winograd();
        }
    }
    run_all(&cs);
}

/// A ConvolutionDepthWise line: `out` outputs in `g` groups over `inc` channels.
fn dwconv(out: usize, inc: usize, g: usize, k: usize, extra: &str) -> String {
    format!("0={out} 1={k} 7={g} 6={} {extra}", out * (inc / g) * k * k)
}

#[test]
fn convolution_depthwise() {
    let mut cs = Cases::new(400);
    // Depthwise (group = channels = outputs) over ncnn's kernel table.
    let kdsp: &[[i32; 4]] = &[
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
    let mut n = 0;
    for &[k, d, s, p] in kdsp {
        for &(w, h, c) in &[(9, 7, 1), (9, 7, 7), (15, 16, 16), (18, 17, 13)] {
            n += 1;
            let extra = format!("2={d} 3={s} 4={p} 5={} {}", n % 2, ACTS[n % ACTS.len()]);
            cs.add(
                "ConvolutionDepthWise",
                dwconv(c, c, c, k as usize, &extra),
                &[&[c, h, w]],
                ACC,
            );
        }
    }
    // Grouped convolutions and channel multipliers: (in, out, groups).
    for &(inc, outc, g) in &[
        (8, 6, 2),
        (12, 12, 3),
        (6, 12, 6),
        (4, 8, 4),
        (9, 6, 3),
        (16, 32, 8),
        (15, 5, 5),
        (2, 6, 1),
    ] {
        for (k, extra) in [
            (3, "4=1 5=1"),
            (3, "3=2 4=1 5=0 9=1"),
            (1, "5=1"),
            (5, "4=-233 5=1 9=4"),
        ] {
            cs.add(
                "ConvolutionDepthWise",
                dwconv(outc, inc, g, k, extra),
                &[&[inc, 11, 10]],
                ACC,
            );
        }
    }
    // Edge cases: 1×1 maps, a row, a column, pads wider than the kernel,
    // asymmetric pads with a pad value, rectangular kernels.
    let edge: &[(usize, &str, &[usize])] = &[
        (3, "4=1 5=1", &[5, 1, 1]),
        (3, "4=1 5=1 9=2 -23310=1,0.2", &[6, 1, 9]),
        (3, "4=1 5=1", &[6, 9, 1]),
        (1, "4=3 5=1 9=3 -23310=2,-0.1,0.1", &[3, 4, 5]),
        (3, "4=5 5=1", &[4, 3, 3]),
        (3, "4=1 15=2 14=0 16=3 18=0.5 5=1", &[3, 8, 9]),
        (3, "4=-234 3=2 18=-0.75 5=1", &[5, 14, 15]),
        (5, "2=3 4=6 5=1 9=5", &[4, 12, 12]),
    ];
    for &(k, extra, s) in edge {
        cs.add(
            "ConvolutionDepthWise",
            dwconv(s[0], s[0], s[0], k, extra),
            &[s],
            ACC,
        );
    }
    cs.add(
        "ConvolutionDepthWise",
        "0=4 1=3 11=1 2=1 12=2 3=1 13=2 4=1 5=1 7=4 6=12",
        &[&[4, 11, 8]],
        ACC,
    );
    run_all(&cs);
}

#[test]
fn inner_product() {
    let mut cs = Cases::new(500);
    let ip = |out: usize, inp: usize, extra: &str| format!("0={out} 2={} {extra}", out * inp);
    let mut n = 0;
    for &(shape, num_input) in &[
        (&[1usize][..], 1),
        (&[37][..], 37),
        (&[16][..], 16),
        (&[1000][..], 1000),
        (&[3, 4, 5][..], 60),
        (&[13, 1, 1][..], 13),
        (&[16, 2, 2][..], 64),
        (&[5, 12][..], 12),
        (&[1, 12][..], 12),
        (&[7, 33][..], 33),
        (&[5, 12][..], 60),
    ] {
        for out in [1usize, 7, 16, 33] {
            n += 1;
            let extra = format!("1={} {}", n % 2, ACTS[n % ACTS.len()]);
            cs.add("InnerProduct", ip(out, num_input, &extra), &[shape], ACC);
        }
    }
    run_all(&cs);
}

#[test]
fn int8() {
    let mut cs = Cases::new(600);
    // Convolution: 1×1, 3×3 stride 1 under every Winograd choice (and
    // low_memory's im2col), strided, dilated, SAME, every activation,
    // inputs that clamp at ±127 (blob scale ×2), a zero weight scale.
    let convs: &[(usize, usize, usize, &str, &[usize])] = &[
        (8, 8, 1, "5=1", &[8, 7, 9]),
        (13, 5, 1, "5=0 9=1", &[5, 6, 6]),
        (8, 8, 3, "4=1 5=1", &[8, 8, 8]),
        (16, 16, 3, "4=1 5=1 9=1", &[16, 14, 14]),
        (7, 13, 3, "4=1 5=0 9=2 -23310=1,0.1", &[13, 9, 11]),
        (24, 32, 3, "4=0 5=1", &[32, 12, 12]),
        (5, 3, 3, "4=1 5=1 9=4", &[3, 1, 1]),
        (4, 6, 3, "4=1 5=1 9=5", &[6, 2, 5]),
        (6, 4, 3, "4=1 5=1 9=6 -23310=2,0.2,0.5", &[4, 20, 19]),
        (8, 4, 3, "3=2 4=1 5=1 9=3 -23310=2,-0.5,0.5", &[4, 15, 14]),
        (6, 5, 3, "2=2 4=2 5=1", &[5, 12, 11]),
        (4, 3, 5, "3=2 4=-233 5=1", &[3, 15, 16]),
        (4, 3, 4, "4=-234 5=1", &[3, 9, 10]),
        (3, 2, 7, "4=3 5=1", &[2, 10, 9]),
    ];
    for &(outc, inc, k, extra, s) in convs {
        let line = conv(outc, inc, k, extra);
        let winograd = k == 3 && !extra.contains("3=2") && !extra.contains("2=2");
        for mult in [1.0, 2.0] {
            let c = cs.add("Convolution", &line, &[s], ACC);
            c.int8(mult);
            if winograd {
                c.winograd();
            }
        }
    }
    cs.add("Convolution", conv(6, 4, 3, "4=1 5=1"), &[&[4, 9, 9]], ACC)
        .int8(1.0)
        .zero_scale(2)
        .winograd();
    cs.add("Convolution", conv(5, 3, 1, "5=1"), &[&[3, 4, 4]], ACC)
        .int8(0.5)
        .zero_scale(0);

    // ConvolutionDepthWise: depthwise, grouped, channel multiplier.
    // (out, in, groups, kernel, params, input shape)
    type Dw<'a> = (usize, usize, usize, usize, &'a str, &'a [usize]);
    let dws: &[Dw] = &[
        (8, 8, 8, 3, "4=1 5=1", &[8, 10, 11]),
        (7, 7, 7, 3, "3=2 4=1 5=1 9=1", &[7, 13, 12]),
        (16, 16, 16, 5, "4=2 5=0 9=2 -23310=1,0.1", &[16, 9, 9]),
        (5, 5, 5, 3, "4=-233 5=1 9=3 -23310=2,0.0,6.0", &[5, 14, 15]),
        (6, 8, 2, 3, "4=1 5=1", &[8, 9, 9]),
        (12, 6, 6, 3, "4=1 5=1 9=4", &[6, 7, 8]),
        (9, 9, 3, 1, "5=1", &[9, 5, 5]),
        (4, 4, 4, 3, "2=2 4=2 5=1 9=6 -23310=2,0.2,0.5", &[4, 6, 6]),
    ];
    for &(outc, inc, g, k, extra, s) in dws {
        for mult in [1.0, 2.0] {
            cs.add(
                "ConvolutionDepthWise",
                dwconv(outc, inc, g, k, extra),
                &[s],
                ACC,
            )
            .int8(mult);
        }
    }
    cs.add(
        "ConvolutionDepthWise",
        dwconv(6, 6, 6, 3, "4=1 5=1"),
        &[&[6, 5, 5]],
        ACC,
    )
    .int8(1.0)
    .zero_scale(3);

    // InnerProduct: 1-D, flattened 3-D, per row of a 2-D blob.
    let ips: &[(usize, usize, &str, &[usize])] = &[
        (9, 37, "1=1", &[37]),
        (16, 1000, "1=1 9=1", &[1000]),
        (7, 60, "1=0 9=4", &[3, 4, 5]),
        (5, 12, "1=1 9=2 -23310=1,0.1", &[6, 12]),
        (33, 64, "1=1 9=5", &[16, 2, 2]),
        (1, 13, "1=1", &[13]),
    ];
    for &(out, inp, extra, s) in ips {
        for mult in [1.0, 2.0] {
            cs.add(
                "InnerProduct",
                format!("0={out} 2={} {extra}", out * inp),
                &[s],
                ACC,
            )
            .int8(mult);
        }
    }
    cs.add("InnerProduct", "0=4 1=1 2=40", &[&[10]], ACC)
        .int8(1.0)
        .zero_scale(1);
    run_all(&cs);
}

#[test]
fn pooling() {
    let mut cs = Cases::new(700);
    // Every pad mode, max and average (with and without counting padding),
    // over kernel / stride / pad combinations; sizes where full mode adds
    // tail padding and where it does not.
    let geoms: &[&str] = &[
        "1=2 2=2",
        "1=3 2=2",
        "1=3 2=1 3=1",
        "1=3 2=2 3=1",
        "1=2 2=1",
        "1=5 2=3 3=2",
        "1=3 11=2 2=2 12=1",
        "1=3 2=2 3=1 14=0 13=2 15=1",
        "1=4 2=3 3=1 14=2",
        "1=1 2=2",
        "1=7 2=2 3=3",
    ];
    for g in geoms {
        for mode in 0..4 {
            // SAME modes ignore the pads; skip their padded variants.
            if mode >= 2 && g.contains("3=") {
                continue;
            }
            for (kind, tol) in [("0=0", EXACT), ("0=1 6=0", ACC), ("0=1 6=1", ACC)] {
                // Full mode's tail can leave a window with no input cell,
                // where ncnn divides 0 by 0 (reported, not a case).
                if kind == "0=1 6=0" && mode == 0 && (*g == "1=1 2=2" || *g == "1=4 2=3 3=1 14=2") {
                    continue;
                }
                for s in [&[3usize, 14, 15][..], &[2, 11, 13], &[5, 7, 8]] {
                    cs.add("Pooling", format!("{kind} {g} 5={mode}"), &[s], tol);
                }
            }
        }
    }
    // Global and adaptive pooling, 1×1 maps, a single row and column,
    // kernels as large as the input.
    for (p, s) in [
        ("0=0 4=1", &[5usize, 7, 6][..]),
        ("0=1 4=1", &[5, 7, 6]),
        ("0=0 4=1", &[16, 1, 1]),
        ("0=1 4=1", &[3, 1, 9]),
        ("0=1 4=1", &[7, 33, 31]),
        ("0=1 7=1 8=3 18=2", &[3, 10, 11]),
        ("0=0 7=1 8=3 18=2", &[3, 10, 11]),
        ("0=1 7=1 8=4", &[2, 8, 8]),
        ("0=0 7=1 8=7 18=5", &[2, 9, 13]),
        ("0=1 7=1 8=5 18=7", &[2, 4, 3]),
        ("0=1 7=1 8=1 18=1", &[4, 5, 6]),
        ("0=0 7=1 8=6 18=5", &[2, 5, 6]),
        ("0=0 1=3 2=1 3=1", &[3, 1, 1]),
        ("0=1 1=3 2=1 3=1", &[3, 1, 1]),
        ("0=1 1=3 2=1 3=1 6=1", &[3, 1, 1]),
        ("0=0 1=2 2=2", &[4, 2, 9]),
        ("0=1 1=3 2=2 3=1", &[4, 9, 1]),
        ("0=0 1=5 2=1 5=1", &[2, 5, 5]),
        ("0=1 1=6 2=6", &[2, 6, 6]),
        ("0=0 1=3 2=3 5=2", &[3, 1, 1]),
    ] {
        let tol = if p.starts_with("0=0") { EXACT } else { ACC };
        cs.add("Pooling", p, &[s], tol);
    }
    run_all(&cs);
}

/// BinaryOp operands for `op`: pow's base positive, divisors away from 0.
fn binary_inputs(cs: &mut Cases, op: i32, a: &[usize], b: &[usize]) -> Vec<Tensor> {
    let (sa, sb) = (cs.next_seed(), cs.next_seed());
    let pick = |shape: &[usize], seed: u64, role: u8| match (op, role) {
        (6, b'a') | (9, b'b') => uniform(shape, seed, 0.1, 2.0),
        (3, b'b') | (8, b'a') => away_from_zero(shape, seed),
        (12 | 15 | 17, b'b') | (13 | 16 | 18, b'a') => uniform(shape, seed, 0.3, 2.0),
        _ => uniform(shape, seed, -1.0, 1.0),
    };
    vec![pick(a, sa, b'a'), pick(b, sb, b'b')]
}

fn binary_tol(op: i32) -> Tol {
    if matches!(op, 6 | 9 | 10 | 11 | 14) {
        MATH
    } else {
        EXACT
    }
}

#[test]
fn binaryop() {
    let mut cs = Cases::new(800);
    // Every op on equal shapes and on a scalar.
    for op in 0..19 {
        for s in [&[37usize][..], &[5, 13], &[3, 7, 9]] {
            let ins = binary_inputs(&mut cs, op, s, s);
            cs.add_inputs("BinaryOp", format!("0={op}"), ins, binary_tol(op));
            let ins = binary_inputs(&mut cs, op, s, s);
            for b in ["0.75", "-2.0"] {
                cs.add_inputs(
                    "BinaryOp",
                    format!("0={op} 1=1 2={b}"),
                    vec![ins[if op == 8 || op == 6 { 0 } else { 1 }].clone()],
                    binary_tol(op),
                );
            }
        }
    }
    // Broadcasting within a rank: every pattern of 1-sized axes (ncnn's
    // test_binaryop_1..3), for a few ops.
    let (w, h, c) = (7, 3, 5);
    let mut pats: Vec<Vec<usize>> = vec![vec![w], vec![1]];
    for &bh in &[h, 1] {
        for &bw in &[w, 1] {
            pats.push(vec![bh, bw]);
        }
    }
    for &bc in &[c, 1] {
        for &bh in &[h, 1] {
            for &bw in &[w, 1] {
                pats.push(vec![bc, bh, bw]);
            }
        }
    }
    let mut n = 0;
    for a in &pats {
        for b in &pats {
            if a.len() != b.len() {
                continue;
            }
            // The op is orthogonal to the broadcast; rotate through a few.
            let op = [0, 3, 7, 4, 9][n % 5];
            n += 1;
            let ins = binary_inputs(&mut cs, op, a, b);
            cs.add_inputs("BinaryOp", format!("0={op}"), ins, binary_tol(op));
        }
    }
    // Across ranks (test_binaryop_5/6): a 1-D operand matching the outer
    // axis or else the innermost one, a 2-D one under a 3-D one, 4-D
    // against every lower rank, either side.
    let cross: &[(&[usize], &[usize])] = &[
        (&[5], &[5, 7]),
        (&[5], &[5, 3, 7]),
        (&[5, 3], &[5, 3, 7]),
        (&[1], &[5, 3, 7]),
        (&[1], &[5, 7]),
        (&[5, 1], &[5, 3, 7]),
        (&[1, 3], &[5, 3, 7]),
        (&[6], &[6, 6]),
        (&[6], &[6, 2, 6]),
        (&[6, 2], &[6, 2, 6]),
        (&[3], &[3, 4, 5]),
        (&[3, 4], &[3, 4, 1]),
        (&[7], &[5, 7]),
        (&[7], &[5, 3, 7]),
        (&[5], &[2, 3, 4, 5]),
        (&[2], &[2, 3, 4, 5]),
        (&[2, 3], &[2, 3, 4, 5]),
        (&[2, 3, 4], &[2, 3, 4, 5]),
        (&[2, 1, 4, 1], &[1, 3, 4, 5]),
    ];
    for (a, b) in cross {
        for op in [0, 1, 2, 4, 8] {
            let ins = binary_inputs(&mut cs, op, a, b);
            cs.add_inputs("BinaryOp", format!("0={op}"), ins, binary_tol(op));
            let ins = binary_inputs(&mut cs, op, b, a);
            cs.add_inputs("BinaryOp", format!("0={op}"), ins, binary_tol(op));
        }
    }
    run_all(&cs);
}

#[test]
fn eltwise() {
    let mut cs = Cases::new(900);
    for s in [
        &[37usize][..],
        &[5, 13],
        &[3, 7, 9],
        &[16, 4, 4],
        &[1, 1, 1],
    ] {
        for (p, n, tol) in [
            ("0=0", 2, EXACT),
            ("0=0", 3, EXACT),
            ("0=1", 2, EXACT),
            ("0=1", 4, EXACT),
            ("0=2", 2, EXACT),
            ("0=2", 3, EXACT),
            ("0=1 -23301=2,0.5,-2.0", 2, ARITH),
            ("0=1 -23301=3,1.5,0.25,-1.0", 3, ARITH),
            ("0=1 -23301=2,1.0,1.0", 2, ARITH),
            ("0=0 -23301=2,3.0,5.0", 2, EXACT),
        ] {
            let shapes = vec![s; n];
            cs.add("Eltwise", p, &shapes, tol);
        }
    }
    run_all(&cs);
}

#[test]
fn normalisation() {
    let mut cs = Cases::new(1000);
    // BatchNorm and Scale act on the outermost axis of a 1-D to 3-D blob.
    for s in [
        &[6usize][..],
        &[1],
        &[5, 7],
        &[6, 5, 4],
        &[17, 1, 1],
        &[3, 9, 1],
    ] {
        let n = s[0];
        cs.add("BatchNorm", format!("0={n}"), &[s], ARITH);
        cs.add("BatchNorm", format!("0={n} 1=0.001"), &[s], ARITH);
        cs.add("Scale", format!("0={n} 1=1"), &[s], ARITH);
        cs.add("Scale", format!("0={n} 1=0"), &[s], ARITH);
        let scale = [n];
        cs.add("Scale", "0=-233 1=0", &[s, &scale], ARITH);
    }
    // LRN across channels (odd and even sizes, wider than the channels) and
    // within a channel (odd and even windows, maps smaller than the window).
    for (p, s) in [
        ("0=0 1=5 2=0.0001 3=0.75", &[7usize, 5, 6][..]),
        ("0=0 1=3 2=0.5 3=0.75 4=2.0", &[4, 3, 5]),
        ("0=0 1=4 2=1.0 3=0.5 4=1.5", &[6, 2, 3]),
        ("0=0 1=9 2=0.2 3=0.6", &[3, 4, 4]),
        ("0=0 1=1 2=0.3 3=0.9", &[3, 4, 4]),
        ("0=0", &[5, 1, 1]),
        ("0=1 1=3 2=0.01 3=0.75 4=2.0", &[3, 6, 7]),
        ("0=1 1=5 2=0.5 3=0.5", &[2, 3, 4]),
        ("0=1 1=2 2=1.0 3=0.75", &[2, 5, 5]),
        ("0=1 1=4 2=0.1 3=1.0 4=0.5", &[2, 1, 6]),
    ] {
        cs.add("LRN", p, &[s], MATH);
    }
    // Softmax over each axis of 1-D to 3-D blobs, negative axes, wide values.
    for (p, s) in [
        ("0=0", &[13usize][..]),
        ("0=-1 1=1", &[13]),
        ("0=0 1=1", &[5, 7]),
        ("0=1 1=1", &[5, 7]),
        ("0=-1 1=1", &[5, 7]),
        ("0=0 1=1", &[4, 5, 6]),
        ("0=1 1=1", &[4, 5, 6]),
        ("0=2 1=1", &[4, 5, 6]),
        ("0=-2 1=1", &[4, 5, 6]),
        ("0=0 1=1", &[16, 1, 1]),
        ("0=2 1=1", &[3, 2, 1]),
        ("0=0 1=1", &[1]),
    ] {
        cs.add("Softmax", p, &[s], MATH);
    }
    // LayerNorm / RMSNorm over the last axis, the last two and three;
    // GroupNorm over 1 to all channels of 1-D to 4-D blobs; InstanceNorm.
    for (s, size) in [
        (&[13usize][..], 13),
        (&[3, 17], 17),
        (&[4, 5, 6], 6),
        (&[4, 5, 6], 30),
        (&[2, 3, 4, 5], 5),
        (&[2, 3, 4, 5], 20),
        (&[2, 3, 4, 5], 60),
        (&[1, 1, 1], 1),
    ] {
        for kind in ["LayerNorm", "RMSNorm"] {
            cs.add(kind, format!("0={size} 1=0.0001"), &[s], MATH);
            cs.add(kind, format!("0={size} 2=0"), &[s], MATH);
        }
    }
    for (s, g) in [
        (&[12usize][..], 4),
        (&[6, 7], 3),
        (&[8, 5, 5], 1),
        (&[8, 5, 5], 8),
        (&[6, 3, 4, 5], 2),
        (&[5, 1, 1], 5),
    ] {
        let c = s[0];
        cs.add("GroupNorm", format!("0={g} 1={c} 2=0.00001"), &[s], MATH);
        cs.add("GroupNorm", format!("0={g} 1={c} 3=0"), &[s], MATH);
    }
    for s in [&[6usize, 4, 5][..], &[3, 2, 4, 5], &[5, 1, 1], &[7, 9]] {
        let c = if s.len() >= 3 { s[0] } else { 1 };
        cs.add("InstanceNorm", format!("0={c} 1=0.001"), &[s], MATH);
        cs.add("InstanceNorm", format!("0={c} 2=0"), &[s], MATH);
    }
    let seed = cs.next_seed();
    cs.add_inputs(
        "Softmax",
        "0=1 1=1",
        vec![uniform(&[3, 9, 4], seed, -80.0, 80.0)],
        MATH,
    );
    run_all(&cs);
}

/// DetectionOutput inputs: `n` priors around the image centre (so boxes
/// overlap and NMS has work), `classes` softmax scores per prior; in the
/// MXNet layout (scores `[classes, n]`, priors `[n, 4]`) when `mxnet`.
fn ssd_inputs(seed: u64, n: usize, classes: usize, mxnet: bool) -> Vec<Tensor> {
    let mut rng = SplitMix64::new(seed);
    let loc: Vec<f32> = (0..n * 4).map(|_| rng.uniform(-0.5, 0.5)).collect();
    let mut conf = Vec::with_capacity(n * classes);
    for _ in 0..n {
        let e: Vec<f32> = (0..classes).map(|_| rng.uniform(-3.0, 3.0).exp()).collect();
        let s: f32 = e.iter().sum();
        conf.extend(e.iter().map(|v| v / s));
    }
    let mut prior = Vec::with_capacity(n * 8);
    for _ in 0..n {
        let (cx, cy) = (rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7));
        let (w, h) = (rng.uniform(0.1, 0.5), rng.uniform(0.1, 0.5));
        prior.extend([cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]);
    }
    if mxnet {
        let t: Vec<f32> = (0..classes * n)
            .map(|i| conf[(i % n) * classes + i / n])
            .collect();
        return vec![
            Tensor::new(&[n * 4], loc),
            Tensor::new(&[classes, n], t),
            Tensor::new(&[n, 4], prior),
        ];
    }
    for _ in 0..n {
        prior.extend([0.1, 0.1, 0.2, 0.2]);
    }
    vec![
        Tensor::new(&[n * 4], loc),
        Tensor::new(&[n, classes], conf),
        Tensor::new(&[2, n * 4], prior),
    ]
}

#[test]
fn ssd() {
    let mut cs = Cases::new(1100);
    // PriorBox: Caffe form with and without max sizes, flip, clip, a fixed
    // image size, explicit steps and offsets; the MXNet form.
    for (p, two) in [
        (
            "-23300=1,20.0 -23301=1,35.0 -23302=2,2.0,3.0 9=-233 10=-233 13=0.5",
            true,
        ),
        (
            "-23300=2,10.0,20.0 -23302=1,2.0 7=0 8=1 9=-233 10=-233 13=0.5",
            true,
        ),
        (
            "-23300=2,30.0,60.0 -23301=2,60.0,90.0 -23302=1,2.0 8=1 9=-233 10=-233",
            true,
        ),
        (
            "-23300=1,30.0 -23301=1,60.0 -23302=1,2.0 9=300 10=300 11=100.0 12=100.0 13=0.5",
            false,
        ),
        (
            "-23300=1,16.0 -23302=2,0.5,3.0 9=-233 10=-233 11=8.0 12=6.0 13=0.25",
            true,
        ),
        ("-23300=1,8.0 9=-233 10=-233 3=0.2 4=0.3 5=0.4 6=0.5", true),
        (
            "-23300=2,0.2,0.4 -23302=3,1.0,2.0,0.5 9=-233 10=-233 13=0.5",
            false,
        ),
        (
            "-23300=1,0.3 -23302=2,1.0,2.0 9=-233 10=-233 11=0.2 12=0.25 13=0.5 8=1",
            false,
        ),
        // mmdetection's rounded-up steps and shifted centres.
        (
            "-23300=1,20.0 -23302=1,2.0 9=-233 10=-233 13=0.5 14=1",
            true,
        ),
        (
            "-23300=1,20.0 -23302=1,2.0 9=-233 10=-233 13=0.5 15=1",
            true,
        ),
        (
            "-23300=1,20.0 -23302=1,2.0 9=-233 10=-233 13=0.5 14=1 15=1",
            true,
        ),
    ] {
        let shapes: &[&[usize]] = if two {
            &[&[4, 5, 6], &[3, 40, 48]]
        } else {
            &[&[4, 3, 3]]
        };
        cs.add("PriorBox", p, shapes, ARITH);
        let small: &[&[usize]] = &[&[2, 1, 1], &[3, 9, 7]];
        cs.add("PriorBox", p, &small[..shapes.len()], ARITH);
    }
    // DetectionOutput: thresholds that keep many, few and no boxes, top-k
    // cuts, 2 to 6 classes.
    for (p, n, classes) in [
        ("0=3 1=0.45 2=100 3=50 4=0.3", 30, 3),
        ("0=2 1=0.3 2=10 3=5 4=0.2", 40, 2),
        ("0=6 1=0.5 2=300 3=100 4=0.1", 25, 6),
        ("0=4 1=0.7 2=5 3=3 4=0.25", 20, 4),
        ("0=3 1=0.45 4=0.99", 10, 3),
        ("0=5", 16, 5),
    ] {
        let ins = ssd_inputs(cs.next_seed(), n, classes, false);
        cs.add_inputs("DetectionOutput", p, ins, ARITH);
    }
    // The MXNet form: classes from the scores' shape, variances from params.
    for (p, n, classes) in [
        ("0=-233 1=0.45 2=100 3=50 4=0.3", 30, 3),
        ("0=-233 1=0.5 4=0.1 5=0.2 6=0.2 7=0.1 8=0.3", 24, 5),
    ] {
        let ins = ssd_inputs(cs.next_seed(), n, classes, true);
        cs.add_inputs("DetectionOutput", p, ins, ARITH);
    }
    run_all(&cs);
}

/// The comparison must catch a wrong reference: one value moved just past
/// the tolerance, a 1-ulp change where bit-exactness is required, a wrong
/// shape, a NaN, and one int8 step (1/(s_in·s_w)) — and pass the untouched
/// reference.
#[test]
fn a_wrong_reference_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut cs = Cases::new(1200);
    cs.add(
        "Convolution",
        conv(6, 5, 3, "4=1 5=1 9=1"),
        &[&[5, 9, 8]],
        ACC,
    )
    .winograd();
    cs.add("Permute", "0=3", &[&[2, 3, 4]], EXACT);
    cs.add("Sigmoid", "", &[&[3, 4, 5]], MATH);
    cs.add("InnerProduct", "0=8 1=1 2=96", &[&[12]], ACC)
        .int8(1.0);
    for (i, c) in cs.v.iter().enumerate() {
        let p = prepare(c, dir.path(), i).unwrap();
        check_octet(c, &p, &p.want).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let want = &p.want[0];
        // The largest-magnitude value, where a scaled tolerance is widest.
        let k = (0..want.data.len())
            .max_by(|&a, &b| want.data[a].abs().total_cmp(&want.data[b].abs()))
            .unwrap();
        let range = want.data[k].abs();
        let step = match c.tol {
            Tol::Exact => want.data[k].abs() * f32::EPSILON,
            Tol::Elem { rel, abs } => 1.5 * (abs + rel * range),
            Tol::Scaled { rel, abs } => 1.5 * (abs + rel * range),
        };
        let mut wrong = vec![want.clone()];
        wrong[0].data[k] += step.max(f32::MIN_POSITIVE);
        assert_ne!(wrong[0].data[k], want.data[k]);
        let e = check_octet(c, &p, &wrong).expect_err(&c.name);
        assert!(e.contains(&format!("flat index {k}")), "{}: {e}", c.name);

        let mut nan = vec![want.clone()];
        nan[0].data[0] = f32::NAN;
        check_octet(c, &p, &nan).expect_err(&c.name);

        let n = want.data.len();
        let other: Vec<usize> = if want.dims() == 1 {
            vec![1, n]
        } else {
            vec![n]
        };
        let flat = vec![want.reshaped(&other)];
        let e = check_octet(c, &p, &flat).expect_err(&c.name);
        assert!(e.contains("shape"), "{}: {e}", c.name);
    }
    // One int8 step of InnerProduct output 0: the naive int32 sum off by one.
    let c = &cs.v[3];
    let p = prepare(c, dir.path(), 3).unwrap();
    let (scales, _) = int8_scales(c, c.int8.unwrap(), &p.bin);
    let mut wrong = p.want.clone();
    wrong[0].data[0] += 1.0 / (scales.blob * scales.weight[0]);
    let e = check_octet(c, &p, &wrong).expect_err("one int8 step");
    assert!(e.contains("flat index 0"), "{e}");
}

/// Reduction over every axis subset of odd 1-D to 4-D shapes, all ops.
#[test]
fn reduction() {
    let mut cs = Cases::new(1300);
    let shapes: [&[usize]; 5] = [&[13], &[1], &[5, 7], &[3, 1, 7], &[2, 3, 4, 5]];
    for s in shapes {
        let r = s.len();
        for op in 0..=10 {
            let (lo, hi) = match op {
                6 => (0.5, 1.5),
                9 => (0.1, 1.0),
                _ => (-1.0, 1.0),
            };
            for mask in 0u32..(1 << r) {
                for keep in 0..2 {
                    let params = if mask == 0 {
                        format!("0={op} 1=1 2=0.5 4={keep}")
                    } else {
                        let axes: Vec<String> = (0..r as i32)
                            .filter(|a| mask & (1 << a) != 0)
                            .map(|a| (if op % 2 == 0 { a - r as i32 } else { a }).to_string())
                            .collect();
                        format!(
                            "0={op} 1=0 2=0.5 -23303={},{} 4={keep} 5=1",
                            axes.len(),
                            axes.join(",")
                        )
                    };
                    let seed = cs.next_seed();
                    let x = uniform(s, seed, lo, hi);
                    cs.add_inputs("Reduction", params, vec![x], ACC);
                }
            }
        }
    }
    run_all(&cs);
}

/// UnaryOp, every op in its domain, 1-D to 4-D.
#[test]
fn unaryop() {
    let mut cs = Cases::new(1400);
    for op in 0..=27 {
        let (lo, hi) = match op {
            5 | 6 | 8 | 15 | 17 => (0.1, 3.0),
            12 | 13 | 26 => (-0.95, 0.95),
            25 => (1.1, 4.0),
            11 => (-1.4, 1.4),
            _ => (-3.0, 3.0),
        };
        for s in [&[37usize][..], &[5, 13], &[3, 7, 9], &[2, 3, 4, 5]] {
            let seed = cs.next_seed();
            let x = uniform(s, seed, lo, hi);
            cs.add_inputs("UnaryOp", format!("0={op}"), vec![x], MATH);
        }
    }
    run_all(&cs);
}

/// LayerNorm / RMSNorm over rows, planes and 4-D channels; GroupNorm.
#[test]
fn norms() {
    let mut cs = Cases::new(1500);
    for kind in ["LayerNorm", "RMSNorm"] {
        for s in [&[13usize][..], &[5, 13], &[3, 7, 9], &[2, 3, 4, 5]] {
            let r = s.len();
            let mut sizes = vec![s[r - 1]];
            if r >= 3 {
                sizes.push(s[r - 1] * s[r - 2]);
            }
            if r == 4 {
                sizes.push(s[1] * s[2] * s[3]);
            }
            for n in sizes {
                for affine in 0..2 {
                    let seed = cs.next_seed();
                    let x = uniform(s, seed, -2.0, 3.0);
                    cs.add_inputs(kind, format!("0={n} 1=0.001 2={affine}"), vec![x], ACC);
                }
            }
        }
    }
    for s in [&[12usize][..], &[6, 7], &[6, 5, 7], &[4, 3, 4, 5]] {
        for g in [1, 2] {
            for affine in 0..2 {
                let seed = cs.next_seed();
                let x = uniform(s, seed, -2.0, 3.0);
                cs.add_inputs(
                    "GroupNorm",
                    format!("0={g} 1={} 2=0.001 3={affine}", s[0]),
                    vec![x],
                    ACC,
                );
            }
        }
    }
    run_all(&cs);
}
