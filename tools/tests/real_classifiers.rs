//! The real ImageNet classifiers on real photos (`../shared/real-models/imagenet`):
//! fp32 equals ncnn on all 20 photos; SqueezeNet v1.1 int8 with the seed's own
//! table and EfficientNet-Lite0 int8 with an `octet calibrate` table keep
//! their accuracy.

use std::path::{Path, PathBuf};
use std::process::Command;

use octet_tools::cmd::classify::{evaluate, label_from_name, Classifier, ClassifierArgs};
use octet_tools::preprocess::{list_images, PixelOrder, PreprocessArgs};

#[path = "../../runtime/tests/common/mod.rs"]
mod common;

/// `../shared`, when it and the Python ncnn package are there (else a loud
/// skip, or a failure under OCTET_REQUIRE_REFERENCE).
fn shared(test: &str) -> Option<PathBuf> {
    let p = common::shared_or_skip(test)?;
    common::ncnn_or_skip(test).then_some(p)
}

struct Model {
    name: &'static str,
    mean: Vec<f32>,
    norm: Vec<f32>,
    pixel: PixelOrder,
    size: &'static str,
}

fn squeezenet() -> Model {
    Model {
        name: "squeezenet_v1.1",
        mean: vec![104.0, 117.0, 123.0],
        norm: vec![],
        pixel: PixelOrder::Bgr,
        size: "227,227",
    }
}

fn efficientnet() -> Model {
    Model {
        name: "efficientnet_lite0",
        mean: vec![127.0],
        norm: vec![1.0 / 128.0],
        pixel: PixelOrder::Rgb,
        size: "224,224",
    }
}

fn args(root: &Path, m: &Model, table: Option<PathBuf>) -> ClassifierArgs {
    let dir = root.join("real-models/imagenet");
    ClassifierArgs {
        param: dir.join(format!("{}.param", m.name)),
        bin: dir.join(format!("{}.bin", m.name)),
        table,
        prep: PreprocessArgs {
            mean: m.mean.clone(),
            norm: m.norm.clone(),
            size: Some(m.size.into()),
            pixel: m.pixel,
        },
        output: None,
        input: None,
        threads: 1,
    }
}

fn fp32_equals_ncnn(m: Model) {
    let Some(root) = shared(&format!("fp32_equals_ncnn/{}", m.name)) else {
        return;
    };
    let a = args(&root, &m, None);
    let c = Classifier::load(&a, true).unwrap();
    let images = list_images(&root.join("real-models/imagenet/images"), None).unwrap();
    assert_eq!(images.len(), 20);
    let dir = tempfile::tempdir().unwrap();
    let mut batch = String::new();
    let mut ours = Vec::new();
    for (i, img) in images.iter().enumerate() {
        let x = c.prep.load(img).unwrap();
        let (inp, out) = (
            dir.path().join(format!("x{i}.npy")),
            dir.path().join(format!("y{i}.npy")),
        );
        octet::npy::write(&inp, &x.shape(), &x.to_vec()).unwrap();
        batch.push_str(&format!("{} {}\n", inp.display(), out.display()));
        ours.push((out, c.scores(&c.fp32, &x).unwrap()));
    }
    let list = dir.path().join("batch.txt");
    std::fs::write(&list, batch).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/ncnn_ref.py");
    let o = Command::new("python3")
        .arg(&script)
        .args([&a.param, &a.bin])
        .args([
            "--input",
            &format!("{}=", c.input),
            "--output",
            &format!("{}=", c.output),
            "--batch",
        ])
        .arg(&list)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut worst = 0f32;
    for (i, (out, ours)) in ours.iter().enumerate() {
        let (_, theirs) = octet::npy::read(out).unwrap();
        let d = ours
            .iter()
            .zip(&theirs)
            .fold(0f32, |m, (x, y)| m.max((x - y).abs()));
        let r = theirs.iter().fold(0f32, |m, y| m.max(y.abs()));
        worst = worst.max(d / r);
        assert!(
            d <= 1e-4 * r,
            "{}: photo {i}: max|diff| {d} > 1e-4 × {r}",
            m.name
        );
    }
    eprintln!(
        "{}: fp32 equals ncnn on 20 photos (worst max|Δ|/max|ref| = {worst:e})",
        m.name
    );
}

#[test]
fn squeezenet_fp32_equals_ncnn() {
    fp32_equals_ncnn(squeezenet());
}

#[test]
fn efficientnet_fp32_equals_ncnn() {
    fp32_equals_ncnn(efficientnet());
}

fn labelled(root: &Path) -> (Vec<PathBuf>, Vec<usize>) {
    let images = list_images(&root.join("real-models/imagenet/images"), None).unwrap();
    let labels = images.iter().map(|p| label_from_name(p).unwrap()).collect();
    (images, labels)
}

#[test]
fn squeezenet_int8_with_the_seed_table() {
    let Some(root) = shared("squeezenet_int8_with_the_seed_table") else {
        return;
    };
    let c = Classifier::load(
        &args(
            &root,
            &squeezenet(),
            Some(root.join("seed-tables/squeezenet.table")),
        ),
        true,
    )
    .unwrap();
    let (images, labels) = labelled(&root);
    let r = evaluate(&c, &images, &labels, None).unwrap();
    let q = r.int8.as_ref().unwrap();
    eprintln!("squeezenet_v1.1: {r:?}");
    assert!(
        q.top1 >= 11 && q.top5 >= 18,
        "int8 top-1 {} top-5 {} (ncnn: 11, 18)",
        q.top1,
        q.top5
    );
    assert!(
        r.top1_agreement.unwrap() >= 19,
        "agreement {:?}",
        r.top1_agreement
    );
}

#[test]
fn efficientnet_int8_with_a_calibrated_table() {
    let Some(root) = shared("efficientnet_int8_with_a_calibrated_table") else {
        return;
    };
    let m = efficientnet();
    let a = args(&root, &m, None);
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("eff.table");
    let o = common::target_command(env!("CARGO_BIN_EXE_octet"))
        .args(["calibrate", "--param"])
        .arg(&a.param)
        .arg("--bin")
        .arg(&a.bin)
        .arg("--images")
        .arg(root.join("real-models/ultraface/images"))
        .arg("--output")
        .arg(&table)
        .args([
            "--mean",
            "127",
            "--norm",
            "0.0078125",
            "--pixel",
            "rgb",
            "--size",
            "224,224",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = Classifier::load(&args(&root, &m, Some(table)), true).unwrap();
    let (images, labels) = labelled(&root);
    let r = evaluate(&c, &images, &labels, None).unwrap();
    eprintln!("efficientnet_lite0: {r:?}");
    let q = r.int8.as_ref().unwrap();
    assert!(
        r.top1_agreement.unwrap() >= 19,
        "agreement {:?}",
        r.top1_agreement
    );
    assert!(
        q.top1 >= r.fp32.top1,
        "int8 top-1 {} < fp32 {}",
        q.top1,
        r.fp32.top1
    );
}
