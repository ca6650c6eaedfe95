//! The `octet` command on bad input: every case is one line on stderr naming
//! what is wrong and where, and a non-zero exit — never a panic.

use std::path::{Path, PathBuf};
use std::process::Output;

#[path = "../../runtime/tests/common/mod.rs"]
mod common;

fn octet(args: &[&str]) -> Output {
    common::target_command(env!("CARGO_BIN_EXE_octet"))
        .args(args)
        .output()
        .expect("run octet")
}

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// Asserts a one-line error containing every `needle`, and a non-zero, non-panic exit.
fn assert_error(o: &Output, needles: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "succeeded: {err}");
    assert_ne!(o.status.code(), Some(101), "panicked: {err}");
    assert!(!err.contains("panicked"), "panicked: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "not one line: {err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` missing from: {err}");
    }
}

fn write_param(dir: &Path, text: &str) -> PathBuf {
    let p = dir.join("m.param");
    std::fs::write(&p, text).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn truncated_and_oversized_bin() {
    let dir = tempfile::tempdir().unwrap();
    let param = models().join("squeezenet.param");
    let bin = dir.path().join("sq.bin");
    let o = octet(&["synth-bin", "--param", s(&param), "--out", s(&bin)]);
    assert!(o.status.success());
    let full = std::fs::read(&bin).unwrap();
    let cut = dir.path().join("cut.bin");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    assert_error(
        &octet(&["run", "--param", s(&param), "--bin", s(&cut)]),
        &["cut.bin", "layer `", "truncated", "byte offset"],
    );
    let big = dir.path().join("big.bin");
    std::fs::write(&big, [full.as_slice(), &[0u8; 8]].concat()).unwrap();
    assert_error(
        &octet(&["run", "--param", s(&param), "--bin", s(&big)]),
        &["big.bin", "8 bytes left over"],
    );
    // The untouched file works.
    let o = octet(&["run", "--param", s(&param), "--bin", s(&bin)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn malformed_params() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[&str])] = &[
        (
            "7767518\n1 1\nInput data 0 1 data\n",
            &["m.param:1:", "bad magic"],
        ),
        (
            "7767517\n2 2\nInput data 0 1 data 0=4 1=4 2=3\nReLU r 1 1 data out 0=abc\n",
            &["m.param:4:", "param 0", "\"abc\""],
        ),
        (
            "7767517\n2 2\nInput data 0 1 data 0=4 1=4 2=3\nFoo f 1 1 data out\n",
            &["m.param:4:", "unknown layer type `Foo`"],
        ),
        (
            "7767517\n2 3\nInput data 0 1 data 0=4 1=4 2=3\nReLU r 1 1 nothere out\n",
            &["m.param:4:", "`nothere`"],
        ),
        (
            "7767517\n3 3\nInput data 0 1 data 0=4 1=4 2=3\nReLU r 1 1 data out\n",
            &["m.param:", "truncated"],
        ),
    ];
    for (text, needles) in cases {
        let p = write_param(dir.path(), text);
        assert_error(&octet(&["run", "--param", s(&p)]), needles);
    }
}

#[test]
fn missing_blob_wrong_shape_missing_file_unknown_flag() {
    let dir = tempfile::tempdir().unwrap();
    let param = models().join("squeezenet.param");
    assert_error(
        &octet(&["run", "--param", s(&param), "--output", "nope"]),
        &["blob `nope` does not exist"],
    );
    let npy = dir.path().join("in.npy");
    std::fs::write(
        &npy,
        octet::npy::to_bytes(&[4, 227, 227], &vec![0.0; 4 * 227 * 227]),
    )
    .unwrap();
    assert_error(
        &octet(&[
            "run",
            "--param",
            s(&param),
            "--input",
            &format!("data={}", s(&npy)),
        ]),
        &["input `data`", "expected 3 channels, got 4"],
    );
    std::fs::write(&npy, octet::npy::to_bytes(&[3, 5, 5], &[0.0; 75])).unwrap();
    assert_error(
        &octet(&[
            "run",
            "--param",
            s(&param),
            "--input",
            &format!("data={}", s(&npy)),
        ]),
        &["layer `", "smaller than"],
    );
    assert_error(
        &octet(&["run", "--param", "/nonexistent/x.param"]),
        &["/nonexistent/x.param"],
    );
    assert_error(
        &octet(&["bench", "/nonexistent/x.param"]),
        &["/nonexistent/x.param", "no such file"],
    );
    assert_error(&octet(&["bench", "--nope"]), &["--nope"]);
    assert_error(
        &octet(&[
            "run",
            "--param",
            s(&param),
            "--table",
            "/nonexistent/t.table",
        ]),
        &["t.table"],
    );
}

#[test]
fn bench_json_parses() {
    let param = models().join("squeezenet.param");
    let o = octet(&[
        "bench",
        s(&param),
        "--loops",
        "1",
        "--warmup",
        "0",
        "--json",
        "--both",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("bench --json is JSON");
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for r in rows {
        assert!(r["min_ms"].as_f64().unwrap() > 0.0);
        assert!(r["median_ms"].as_f64().unwrap() >= r["min_ms"].as_f64().unwrap());
        assert!(r["weight_bytes"].as_u64().unwrap() > 1_000_000);
        assert!(r["arena_peak_bytes"].as_u64().unwrap() > 0);
    }
    assert_eq!(rows[0]["mode"], "fp32");
}

#[test]
fn bench_layer_markers_list_every_layer_in_run_order() {
    // cross/layercost.sh pairs these lines with the plugin's markers one to
    // one, so every layer of the param must appear once, in file order.
    let param = models().join("squeezenet_int8.param");
    let o = octet(&[
        "bench",
        "--single",
        s(&param),
        "--loops",
        "1",
        "--layer-markers",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let listed: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.starts_with("layer\t"))
        .map(|l| l.split('\t').collect())
        .collect();
    let declared: Vec<(String, String)> = std::fs::read_to_string(&param)
        .unwrap()
        .lines()
        .skip(2)
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            Some((f.next()?.to_string(), f.next()?.to_string()))
        })
        .filter(|(kind, _)| kind != "Input")
        .collect();
    assert_eq!(listed.len(), declared.len());
    for (row, (kind, name)) in listed.iter().zip(&declared) {
        assert_eq!((row[1], row[2]), (kind.as_str(), name.as_str()));
    }
    let conv3x3 = listed.iter().find(|r| r[2] == "fire2/expand3x3").unwrap();
    assert!(conv3x3[3].starts_with("int8 "), "{conv3x3:?}");
}

#[test]
fn run_writes_npy_outputs_and_info_reports() {
    let dir = tempfile::tempdir().unwrap();
    let param = models().join("mobilenet.param");
    let out = dir.path().join("prob.npy");
    let o = octet(&[
        "run",
        "--param",
        s(&param),
        "--output",
        &format!("output={}", s(&out)),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (shape, data) = octet::npy::read(&out).unwrap();
    assert_eq!(shape, vec![1000]);
    assert!(
        (data.iter().sum::<f32>() - 1.0).abs() < 1e-3,
        "softmax sums to 1"
    );
    let o = octet(&["info", "--param", s(&param)]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("ConvolutionDepthWise") && text.contains("[1024, 7, 7]"),
        "{text}"
    );
    // mobilenet: ~569 M multiply-adds.
    let total = text.lines().last().unwrap();
    let mflops: f64 = total
        .split(", ")
        .nth(2)
        .unwrap()
        .trim_end_matches(" MFLOPs")
        .parse()
        .unwrap();
    assert!((1100.0..1200.0).contains(&mflops), "{total}");
}
