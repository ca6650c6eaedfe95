//! UltraFace, a real face detector, on real photos (`../shared/real-models/ultraface`):
//! fp32 equals ncnn; int8 with a KL table calibrated on photos 1–12 (by name,
//! `--keep-fp32-below 0.9995`) finds ≥ 97% of fp32's faces on the other
//! photos with ≤ 3% extra, for slim_320 and RFB-320; ncnn's int8 counts on
//! Octet's quantized model are printed beside.

use std::path::{Path, PathBuf};
use std::process::Command;

use octet::{Net, Options, TableSource, Weights};
use octet_examples::ultraface::{self, Face};
use octet_tools::calib::Method;
use octet_tools::preprocess::{list_images, PixelOrder, PreprocessArgs};

fn shared(test: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    let required = std::env::var_os("OCTET_REQUIRE_REFERENCE").is_some();
    if !p.is_dir() {
        assert!(
            !required,
            "{test}: ../shared missing and OCTET_REQUIRE_REFERENCE is set"
        );
        eprintln!("SKIPPED {test}: ../shared is not present beside the checkout");
        return None;
    }
    let ok = Command::new("python3")
        .args(["-c", "import ncnn, numpy"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            !required,
            "{test}: python ncnn missing and OCTET_REQUIRE_REFERENCE is set"
        );
        eprintln!("SKIPPED {test}: the Python `ncnn` package is not installed");
        return None;
    }
    Some(p.canonicalize().unwrap())
}

fn prep() -> PreprocessArgs {
    PreprocessArgs {
        mean: vec![127.0],
        norm: vec![1.0 / 128.0],
        size: Some("320,240".into()),
        pixel: PixelOrder::Rgb,
    }
}

/// Runs ncnn (PyPI) on the preprocessed photos and decodes its detections.
fn ncnn_faces(
    dir: &Path,
    param: &Path,
    bin: &Path,
    photos: &[PathBuf],
    int8: bool,
) -> Vec<Vec<Face>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/scripts/ncnn_ref.py");
    let mut result = Vec::new();
    for (i, p) in photos.iter().enumerate() {
        let img = image::open(p).unwrap();
        let x = ultraface::input_tensor(&img);
        let (inp, s, b) = (
            dir.join(format!("x{i}.npy")),
            dir.join(format!("s{i}.npy")),
            dir.join(format!("b{i}.npy")),
        );
        octet::npy::write(&inp, &x.shape(), &x.to_vec()).unwrap();
        let mut cmd = Command::new("python3");
        cmd.arg(&script)
            .args([param, bin])
            .args(["--input", &format!("input={}", inp.display())]);
        cmd.args([
            "--output",
            &format!("scores={}", s.display()),
            "--output",
            &format!("boxes={}", b.display()),
        ]);
        if int8 {
            cmd.arg("--int8");
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let (scores, boxes) = (
            octet::npy::read(&s).unwrap().1,
            octet::npy::read(&b).unwrap().1,
        );
        result.push(ultraface::decode(
            &scores,
            &boxes,
            img.width() as f32,
            img.height() as f32,
        ));
    }
    result
}

fn model(root: &Path, name: &str) -> (PathBuf, PathBuf) {
    let d = root.join("real-models/ultraface");
    (
        d.join(format!("{name}.param")),
        d.join(format!("{name}.bin")),
    )
}

#[test]
fn fp32_equals_ncnn_on_a_real_photo() {
    let Some(root) = shared("fp32_equals_ncnn_on_a_real_photo") else {
        return;
    };
    for name in ["slim_320", "RFB-320"] {
        let (param, bin) = model(&root, name);
        let net = Net::load_with(
            &param,
            Weights::File(&bin),
            Options {
                use_int8: false,
                ..Options::default()
            },
        )
        .unwrap();
        let img = image::open(root.join("real-models/ultraface/images/1.jpg")).unwrap();
        let x = ultraface::input_tensor(&img);
        let mut ex = net.extractor();
        ex.input("input", x.clone()).unwrap();
        let ours = ex.extract_many(&["scores", "boxes"]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let inp = dir.path().join("x.npy");
        octet::npy::write(&inp, &x.shape(), &x.to_vec()).unwrap();
        let (s, b) = (dir.path().join("s.npy"), dir.path().join("b.npy"));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/scripts/ncnn_ref.py");
        let o = Command::new("python3")
            .arg(&script)
            .args([&param, &bin])
            .args([
                "--input",
                &format!("input={}", inp.display()),
                "--output",
                &format!("scores={}", s.display()),
                "--output",
                &format!("boxes={}", b.display()),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for (m, f) in ours.iter().zip([&s, &b]) {
            let (shape, r) = octet::npy::read(f).unwrap();
            assert_eq!(m.shape(), shape);
            let d = m
                .to_vec()
                .iter()
                .zip(&r)
                .fold(0f32, |a, (x, y)| a.max((x - y).abs()));
            let top = r.iter().fold(0f32, |a, y| a.max(y.abs()));
            assert!(d <= 1e-4 * top, "{name}: max|diff| {d} vs max|ref| {top}");
        }
    }
}

fn detections_survive_int8(name: &str) {
    let Some(root) = shared(&format!("detections_survive_int8/{name}")) else {
        return;
    };
    let (param, bin) = model(&root, name);
    let photos = list_images(&root.join("real-models/ultraface/images"), None).unwrap();
    assert_eq!(photos.len(), 24);
    let (calib, test) = photos.split_at(12);
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("t.table");
    let cal_dir = dir.path().join("cal");
    std::fs::create_dir(&cal_dir).unwrap();
    for p in calib {
        std::fs::copy(p, cal_dir.join(p.file_name().unwrap())).unwrap();
    }
    octet_tools::cmd::calibrate::main(octet_tools::cmd::calibrate::Args {
        param: param.clone(),
        bin: Some(bin.clone()),
        images: cal_dir.clone(),
        output: table.clone(),
        prep: prep(),
        method: Method::Kl,
        group: 1,
        threads: 2,
        limit: None,
        eq_images: 8,
        input: None,
        seed: 0,
        dump_histograms: None,
        // Early layers of these small detectors carry the faces; keep the
        // ones whose int8 costs the outputs most in fp32 (see `octet compare`).
        keep_fp32_below: Some(0.9995),
        no_range_check: false,
    })
    .unwrap();
    let fp32 = Net::load_with(
        &param,
        Weights::File(&bin),
        Options {
            use_int8: false,
            ..Options::default()
        },
    )
    .unwrap();
    let int8 = Net::load_with_table(
        &param,
        Weights::File(&bin),
        Some(TableSource::File(&table)),
        Options::default(),
    )
    .unwrap();
    let (mut total, mut found, mut extra) = (0, 0, 0);
    let mut reference = Vec::new();
    for p in test {
        let img = image::open(p).unwrap();
        let f = ultraface::detect(&fp32, &img).unwrap();
        let q = ultraface::detect(&int8, &img).unwrap();
        let (m, _, x) = ultraface::match_faces(&f, &q, 0.5);
        total += f.len();
        found += m;
        extra += x;
        reference.push(f);
    }
    // ncnn int8 on Octet's quantized model with the same table, for comparison.
    let (p8, b8) = (dir.path().join("m8.param"), dir.path().join("m8.bin"));
    octet_tools::cmd::quantize::main(octet_tools::cmd::quantize::Args {
        param: param.clone(),
        bin: bin.clone(),
        table: table.clone(),
        out_param: p8.clone(),
        out_bin: b8.clone(),
    })
    .unwrap();
    let ncnn8 = ncnn_faces(dir.path(), &p8, &b8, test, true);
    let (mut nfound, mut nextra) = (0, 0);
    for (f, q) in reference.iter().zip(&ncnn8) {
        let (m, _, x) = ultraface::match_faces(f, q, 0.5);
        nfound += m;
        nextra += x;
    }
    let pct = |a: usize| 100.0 * a as f64 / total.max(1) as f64;
    eprintln!(
        "{name}: fp32 finds {total} faces on photos 13-24; octet int8 finds {found} ({:.1}%) with {extra} extra ({:.1}%); ncnn int8 finds {nfound} ({:.1}%) with {nextra} extra ({:.1}%)",
        pct(found),
        pct(extra),
        pct(nfound),
        pct(nextra)
    );
    assert!(total > 20, "{name}: too few faces to judge");
    assert!(
        found as f64 >= 0.97 * total as f64,
        "{name}: int8 finds {found}/{total}"
    );
    assert!(
        extra as f64 <= 0.03 * total as f64,
        "{name}: int8 adds {extra} detections to {total}"
    );
}

#[test]
fn slim_320_detections_survive_int8() {
    detections_survive_int8("slim_320");
}

#[test]
fn rfb_320_detections_survive_int8() {
    detections_survive_int8("RFB-320");
}

#[test]
fn compare_lists_every_quantized_layer() {
    let Some(root) = shared("compare_lists_every_quantized_layer") else {
        return;
    };
    let (param, bin) = model(&root, "slim_320");
    let photos: Vec<PathBuf> =
        list_images(&root.join("real-models/ultraface/images"), Some(3)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cal = dir.path().join("cal");
    std::fs::create_dir(&cal).unwrap();
    for p in &photos {
        std::fs::copy(p, cal.join(p.file_name().unwrap())).unwrap();
    }
    let table = dir.path().join("t.table");
    octet_tools::cmd::calibrate::main(octet_tools::cmd::calibrate::Args {
        param: param.clone(),
        bin: Some(bin.clone()),
        images: cal.clone(),
        output: table.clone(),
        prep: prep(),
        method: Method::Kl,
        group: 1,
        threads: 2,
        limit: None,
        eq_images: 3,
        input: None,
        seed: 0,
        dump_histograms: None,
        keep_fp32_below: None,
        no_range_check: false,
    })
    .unwrap();
    let net32 = Net::load_with(
        &param,
        Weights::File(&bin),
        Options {
            use_int8: false,
            keep_weights: true,
            ..Options::default()
        },
    )
    .unwrap();
    let net8 = Net::load_with_table(
        &param,
        Weights::File(&bin),
        Some(TableSource::File(&table)),
        Options::default(),
    )
    .unwrap();
    let is_layer = |n: &str| net32.layers().iter().any(|l| l.name == n);
    let t = octet::Table::load(&table, &is_layer).unwrap();
    let targets = octet_tools::calib::targets(&net32);
    let scales = octet_tools::cmd::compare::scales_from_table(&t, &targets);
    let p = prep().resolve(&net32, "input").unwrap();
    let r =
        octet_tools::calib::compare::report(&net32, &net8, "input", &photos, &p, &targets, &scales)
            .unwrap();
    assert_eq!(
        r.layers.len(),
        t.layers.len(),
        "every quantized layer is listed"
    );
    for l in &r.layers {
        for c in [l.output.cosine, l.alone.cosine] {
            assert!(c > 0.5 && c <= 1.0 + 1e-9, "{}: cosine {c}", l.layer);
        }
    }
    assert!(
        r.layers
            .windows(2)
            .all(|w| w[0].output.cosine <= w[1].output.cosine),
        "worst first"
    );
    assert_eq!(r.outputs.len(), 2);
}
