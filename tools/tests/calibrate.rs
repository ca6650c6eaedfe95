//! `octet calibrate` and `octet quantize` end to end: tables from generated
//! images run int8 in Octet and (after quantize) in ncnn, close to fp32; the
//! KL search agrees with an independent numpy implementation on a real
//! network; bad input gives one-line errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../../runtime/tests/common/mod.rs"]
mod common;

fn octet(args: &[&str]) -> Output {
    common::target_command(env!("CARGO_BIN_EXE_octet"))
        .args(args)
        .output()
        .expect("run octet")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Smooth random colour images (sums of a few gradients and blobs), `n` of them.
fn generate_images(dir: &Path, n: usize, w: u32, h: u32) {
    for i in 0..n {
        let mut rng = octet::modelbin::SplitMix64::new(1000 + i as u64);
        let mut p = [[0f32; 6]; 3];
        for c in p.iter_mut() {
            for v in c.iter_mut() {
                *v = rng.next_f32();
            }
        }
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
            let ch = |c: &[f32; 6]| {
                let v = c[0] * 255.0 * fx
                    + c[1] * 255.0 * fy
                    + 80.0 * ((fx * 6.0 * c[2] + fy * 9.0 * c[3]) * 3.1).sin()
                    + 60.0 * c[4] * ((fx - c[5]) * 20.0).cos();
                v.clamp(0.0, 255.0) as u8
            };
            image::Rgb([ch(&p[0]), ch(&p[1]), ch(&p[2])])
        });
        img.save(dir.join(format!("img{i:03}.png"))).unwrap();
    }
}

/// calibrate → run int8 with the table, and quantize → ncnn int8: both close to fp32.
fn calibrate_and_run(name: &str, logits: &str, size: u32) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let images = d.join("images");
    std::fs::create_dir(&images).unwrap();
    generate_images(&images, 12, size + 13, size - 7);
    let param = root().join(format!("models/{name}.param"));
    let bin = d.join("m.bin");
    ok(&octet(&[
        "synth-bin",
        "--param",
        s(&param),
        "--out",
        s(&bin),
        "--seed",
        "3",
    ]));
    let table = d.join("m.table");
    let norm = ["--mean", "127.5", "--norm", "0.0078125"];
    let mut args = vec![
        "calibrate",
        "--param",
        s(&param),
        "--bin",
        s(&bin),
        "--images",
        s(&images),
        "--output",
        s(&table),
        "--threads",
        "2",
    ];
    args.extend(norm);
    let log = ok(&octet(&args));
    assert!(log.contains("layers int8"), "{log}");
    let text = std::fs::read_to_string(&table).unwrap();
    let n_layers = std::fs::read_to_string(&param)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("Convolution") || l.starts_with("InnerProduct"))
        .count();
    assert_eq!(
        text.lines().filter(|l| l.contains("_param_0")).count(),
        n_layers,
        "{name}: one weight line per layer"
    );

    // One calibration image as the test input.
    let img = image::open(images.join("img011.png")).unwrap();
    let prep = octet_tools::preprocess::Preprocess {
        width: size as usize,
        height: size as usize,
        pixel: octet_tools::preprocess::PixelOrder::Bgr,
        mean: vec![127.5; 3],
        norm: vec![0.0078125; 3],
    };
    let input = prep.convert(&img);
    let x = d.join("x.npy");
    octet::npy::write(&x, &input.shape(), &input.to_vec()).unwrap();
    let run = |extra: &[&str], out: &str| -> Vec<f32> {
        let p = d.join(out);
        let mut a = vec!["run", "--param", s(&param), "--bin", s(&bin), "--input"];
        let xin = format!("data={}", s(&x));
        let o = format!("{logits}={}", s(&p));
        a.push(&xin);
        a.extend(["--output", &o]);
        a.extend(extra);
        ok(&octet(&a));
        octet::npy::read(&p).unwrap().1
    };
    let fp32 = run(&[], "f.npy");
    let int8 = run(&["--table", s(&table)], "i.npy");
    let c = common::cosine(&int8, &fp32);
    eprintln!("{name}: octet int8 (table) vs fp32 cosine {c:.5}");
    assert!(c >= 0.99, "{name}: cosine {c}");

    let (p8, b8) = (d.join("m8.param"), d.join("m8.bin"));
    ok(&octet(&[
        "quantize",
        "--param",
        s(&param),
        "--bin",
        s(&bin),
        "--table",
        s(&table),
        "--out-param",
        s(&p8),
        "--out-bin",
        s(&b8),
    ]));
    // Octet runs the written int8 model exactly as the table path.
    let o8 = d.join("o8.npy");
    ok(&octet(&[
        "run",
        "--param",
        s(&p8),
        "--bin",
        s(&b8),
        "--input",
        &format!("data={}", s(&x)),
        "--output",
        &format!("{logits}={}", s(&o8)),
    ]));
    assert_eq!(
        octet::npy::read(&o8).unwrap().1,
        int8,
        "{name}: quantized model differs from the table path"
    );
    if common::ncnn_or_skip(&format!("calibrate/{name}/ncnn")) {
        let n8 = d.join("n8.npy");
        let script = root().join("tools/scripts/ncnn_ref.py");
        let o = Command::new("python3")
            .args([
                s(&script),
                s(&p8),
                s(&b8),
                "--int8",
                "--input",
                &format!("data={}", s(&x)),
                "--output",
                &format!("{logits}={}", s(&n8)),
            ])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "ncnn: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let ncnn8 = octet::npy::read(&n8).unwrap().1;
        let c = common::cosine(&ncnn8, &fp32);
        eprintln!("{name}: ncnn int8 (quantized model) vs fp32 cosine {c:.5}");
        assert!(c >= 0.99, "{name}: ncnn cosine {c}");
    }
}

#[test]
fn squeezenet_table_runs_in_octet_and_ncnn() {
    calibrate_and_run("squeezenet", "pool10", 227);
}

#[test]
fn mobilenet_table_runs_in_octet_and_ncnn() {
    calibrate_and_run("mobilenet", "fc7", 224);
}

#[test]
fn kl_matches_an_independent_implementation_on_a_real_network() {
    let test = "kl_matches_an_independent_implementation";
    let Some(shared) = common::shared_or_skip(test) else {
        return;
    };
    if !common::ncnn_or_skip(test) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let m = shared.join("real-models/imagenet");
    let (table, dump) = (dir.path().join("t.table"), dir.path().join("h.json"));
    let (p, b, imgs) = (
        m.join("squeezenet_v1.1.param"),
        m.join("squeezenet_v1.1.bin"),
        m.join("images"),
    );
    let mut args = vec!["calibrate", "--param", s(&p), "--bin", s(&b)];
    args.extend([
        "--images",
        s(&imgs),
        "--output",
        s(&table),
        "--mean",
        "104",
        "117",
        "123",
        "--dump-histograms",
        s(&dump),
    ]);
    let owned: Vec<String> = args.iter().map(|x| x.to_string()).collect();
    ok(&common::target_command(env!("CARGO_BIN_EXE_octet"))
        .args(&owned)
        .output()
        .unwrap());
    let o = Command::new("python3")
        .args([s(&root().join("tools/scripts/kl_reference.py")), s(&dump)])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reference: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let text = std::fs::read_to_string(&table).unwrap();
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.contains("_param_0")) {
        let (name, v) = line.split_once(' ').unwrap();
        let ours: f64 = v.parse().unwrap();
        let theirs = reference[name]
            .as_f64()
            .unwrap_or_else(|| panic!("{name} missing from the reference"));
        assert!(
            ((ours - theirs) / theirs).abs() < 1e-5,
            "{name}: octet {ours}, numpy {theirs}"
        );
        checked += 1;
    }
    assert_eq!(checked, 26);
}

fn assert_one_line_error(o: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && o.status.code() != Some(101), "{err}");
    assert_eq!(
        err.lines().filter(|l| !l.trim().is_empty()).count(),
        1,
        "not one line: {err}"
    );
    assert!(err.contains(needle), "`{needle}` missing: {err}");
}

#[test]
fn calibrate_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let param = root().join("models/squeezenet.param");
    let empty = d.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = d.join("t.table");
    let base = |images: &Path| {
        vec![
            "calibrate".to_string(),
            "--param".into(),
            s(&param).into(),
            "--images".into(),
            s(images).into(),
            "--output".into(),
            s(&out).into(),
        ]
    };
    let run = |a: Vec<String>| {
        common::target_command(env!("CARGO_BIN_EXE_octet"))
            .args(a)
            .output()
            .unwrap()
    };
    assert_one_line_error(&run(base(&empty)), "no images");
    let bad = d.join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("broken.jpg"), b"not a jpeg").unwrap();
    assert_one_line_error(&run(base(&bad)), "broken.jpg");
    let good = d.join("good");
    std::fs::create_dir(&good).unwrap();
    generate_images(&good, 1, 64, 48);
    let mut a = base(&good);
    a.extend(["--mean", "1", "2"].map(String::from));
    assert_one_line_error(&run(a), "--mean takes 1 or 3 values");
    let mut a = base(&good);
    a.extend(["--input", "nope"].map(String::from));
    assert_one_line_error(&run(a), "no input named `nope`");
    assert_one_line_error(&run(base(&d.join("missing"))), "missing");
    assert!(!out.exists(), "no table is written on errors");
}
