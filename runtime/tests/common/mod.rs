//! Helpers shared by the integration tests: where `../shared` is, and how to
//! run ncnn itself (PyPI `ncnn`) as the reference.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared` beside the checkout, if present.
pub fn shared_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    p.is_dir().then(|| p.canonicalize().unwrap())
}

/// When set (CI sets it), a missing `../shared` or ncnn fails the test instead of skipping it.
pub fn required() -> bool {
    std::env::var_os("OCTET_REQUIRE_REFERENCE").is_some()
}

/// `../shared`, or a loud skip (a failure under OCTET_REQUIRE_REFERENCE).
pub fn shared_or_skip(test: &str) -> Option<PathBuf> {
    let d = shared_dir();
    if d.is_none() {
        assert!(
            !required(),
            "{test}: ../shared is missing and OCTET_REQUIRE_REFERENCE is set"
        );
        eprintln!("SKIPPED {test}: ../shared is not present beside the checkout");
    }
    d
}

fn python() -> String {
    std::env::var("OCTET_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether `python3 -c "import ncnn"` works; otherwise a loud skip (or failure when required).
pub fn ncnn_or_skip(test: &str) -> bool {
    let ok = Command::new(python())
        .args(["-c", "import ncnn, numpy"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            !required(),
            "{test}: python ncnn is not importable and OCTET_REQUIRE_REFERENCE is set"
        );
        eprintln!(
            "SKIPPED {test}: the Python `ncnn` package is not installed (pip install ncnn numpy)"
        );
    }
    ok
}

pub fn ncnn_ref_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/scripts/ncnn_ref.py")
}

/// Runs ncnn on `inputs` and returns the requested blobs as (shape, data).
pub fn run_ncnn(
    dir: &Path,
    param: &Path,
    bin: &Path,
    inputs: &[(&str, &octet::Mat)],
    outputs: &[&str],
    int8: bool,
) -> Vec<(Vec<usize>, Vec<f32>)> {
    let mut cmd = Command::new(python());
    cmd.arg(ncnn_ref_script()).arg(param).arg(bin);
    for (i, (name, m)) in inputs.iter().enumerate() {
        let p = dir.join(format!("in{i}.npy"));
        octet::npy::write(&p, &m.shape(), &m.to_vec()).unwrap();
        cmd.arg("--input").arg(format!("{name}={}", p.display()));
    }
    let outs: Vec<PathBuf> = (0..outputs.len())
        .map(|i| dir.join(format!("out{i}.npy")))
        .collect();
    for (name, p) in outputs.iter().zip(&outs) {
        cmd.arg("--output").arg(format!("{name}={}", p.display()));
    }
    if int8 {
        cmd.arg("--int8");
    }
    let o = cmd.output().expect("run python");
    assert!(
        o.status.success(),
        "ncnn_ref.py failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    outs.iter().map(|p| octet::npy::read(p).unwrap()).collect()
}

/// A deterministic input in [-1, 1).
pub fn random_mat(shape: &[usize], seed: u64) -> octet::Mat {
    let n: usize = shape.iter().product();
    let mut rng = octet::modelbin::SplitMix64::new(seed);
    let data: Vec<f32> = (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect();
    octet::Mat::from_slice(shape, &data).unwrap()
}

/// max |a - b|, and max |b|.
pub fn max_diff(a: &[f32], b: &[f32]) -> (f32, f32) {
    assert_eq!(a.len(), b.len(), "lengths differ");
    let d = a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
    let r = b.iter().fold(0f32, |m, y| m.max(y.abs()));
    (d, r)
}

/// Cosine similarity.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        ab += *x as f64 * *y as f64;
        aa += *x as f64 * *x as f64;
        bb += *y as f64 * *y as f64;
    }
    if aa == 0.0 || bb == 0.0 {
        return if aa == bb { 1.0 } else { 0.0 };
    }
    ab / (aa.sqrt() * bb.sqrt())
}

/// A command running `program`; under cross-testing (`OCTET_TEST_RUNNER`,
/// e.g. "qemu-arm -cpu cortex-a7 -L …", set by cross/test.sh) the target
/// binary runs through that emulator.
pub fn target_command(program: &str) -> Command {
    match std::env::var("OCTET_TEST_RUNNER") {
        Ok(r) if !r.trim().is_empty() => {
            let mut parts = r.split_whitespace();
            let mut c = Command::new(parts.next().unwrap());
            c.args(parts).arg(program);
            // `octet bench` starts itself again per measurement; qemu-user
            // cannot start a foreign binary without binfmt_misc.
            c.env("OCTET_EMULATOR", r.trim());
            c
        }
        _ => Command::new(program),
    }
}
