//! ncnn's benchmark zoo (`../shared/ncnn-benchmark-models/`, fp32 params)
//! against ncnn itself: the same deterministic weights written as a real
//! `.bin`, the same input, and the final blob plus intermediate blobs spread
//! through each net within max|Δ| ≤ 1e-4·max|ref| + 1e-6.
//!
//! Nets that need layer types Octet does not have yet are listed in
//! `PENDING` with those types; the test checks that each of them fails to
//! load on exactly such a type (so the list can only be honest, and shrinks
//! as layers land).

mod common;

use std::path::Path;

use octet::{Mat, Net, Options, Weights};

/// Nets that need layers Octet lacks, with the missing types.
const PENDING: &[(&str, &[&str])] = &[("vision_transformer", &["Gemm", "MultiHeadAttention"])];

/// benchncnn's input sizes for the nets whose Input declares none.
fn input_shape(name: &str, net: &Net, input: &str) -> Vec<usize> {
    match name {
        "FastestDet" => vec![3, 352, 352],
        "vision_transformer" => vec![3, 384, 384],
        _ => net
            .declared_input_shape(input)
            .unwrap_or_else(|| panic!("{name}: input `{input}` declares no shape")),
    }
}

/// Rows of 6 (`label score x0 y0 x1 y1`) compared as a set; rows whose
/// score ties the cut within 1e-4 may differ.
fn same_detections(ours: &[f32], refs: &[f32]) -> Result<(), String> {
    let a: Vec<&[f32]> = ours.chunks(6).collect();
    let b: Vec<&[f32]> = refs.chunks(6).collect();
    if a.len() != b.len() {
        return Err(format!("{} detections, ncnn {}", a.len(), b.len()));
    }
    // Labels equal, scores within 1e-4. A box edge is e^w·anchor of the
    // head's inputs: an input difference δ (1e-6 of a logit, from another
    // summation order, as on armv7 NEON) becomes a relative error of δ·|w|,
    // and synthetic weights drive w to 20 and beyond (edges at 1e9 and ±inf),
    // so edges get 1e-2 of their size (relative beyond 1); the inputs
    // themselves are compared as values at the net's tolerance (`compare`).
    let near = |a: f32, b: f32, tol: f32| a == b || (a - b).abs() <= tol * b.abs().max(1.0);
    let close = |x: &[f32], y: &[f32]| {
        x[0] == y[0] && near(x[1], y[1], 1e-4) && (2..6).all(|k| near(x[k], y[k], 1e-2))
    };
    let mut used = vec![false; b.len()];
    let cut = a.iter().map(|r| r[1]).fold(f32::MAX, f32::min);
    for x in &a {
        match (0..b.len()).find(|&j| !used[j] && close(x, b[j])) {
            Some(j) => used[j] = true,
            None if (x[1] - cut).abs() <= 1e-4 => {}
            None => {
                // The nearest ncnn row (same label, closest score), to show what differs.
                let nearest = b
                    .iter()
                    .filter(|y| y[0] == x[0])
                    .min_by(|p, q| (p[1] - x[1]).abs().total_cmp(&(q[1] - x[1]).abs()));
                return Err(format!(
                    "row {x:?} has no match in ncnn's output (nearest: {nearest:?})"
                ));
            }
        }
    }
    Ok(())
}

fn compare(name: &str, shared: &Path, shape: Option<&[usize]>) {
    let param = shared.join(format!("ncnn-benchmark-models/{name}.param"));
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("w.bin");
    std::fs::write(&bin, Net::synthetic_bin(&param, 42).unwrap()).unwrap();
    let opt = Options {
        use_int8: false,
        ..Options::default()
    };
    let net =
        Net::load_with(&param, Weights::File(&bin), opt).unwrap_or_else(|e| panic!("{name}: {e}"));
    let inputs: Vec<(String, Mat)> = net
        .input_names()
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let shape = shape.map_or_else(|| input_shape(name, &net, &n), <[usize]>::to_vec);
            (n, common::random_mat(&shape, 1 + i as u64))
        })
        .collect();
    // The outputs, and six blobs spread evenly over the layers.
    let mut blobs: Vec<String> = net.output_names();
    let layers = net.layers();
    for k in 1..=6 {
        let slot = &layers[k * (layers.len() - 1) / 7];
        if let Some(&t) = slot.tops.first() {
            let b = net.blobs()[t].name.clone();
            if !blobs.contains(&b) && slot.layer.declared_input().is_none() {
                blobs.push(b);
            }
        }
    }
    // A detection head's rows are e^w·anchor of its inputs (ill-conditioned
    // on synthetic weights, see `same_detections`): its inputs are compared
    // as values, at the net's tolerance.
    for slot in layers
        .iter()
        .filter(|l| l.kind.ends_with("DetectionOutput"))
    {
        for &b in &slot.bottoms {
            let b = net.blobs()[b].name.clone();
            if !blobs.contains(&b) {
                blobs.push(b);
            }
        }
    }
    // A blob a Sigmoid squashes (through reshapes and slices) inherits the
    // error of the Sigmoid's input at its slope (≤ ¼): a logit of 200 off by
    // 1e-6 of itself moves σ near 0 by 5e-5, while σ's own max is 1. Such a
    // blob is held to ¼ of its Sigmoid input's tolerance (or its own), and
    // that input is compared too.
    let mut squashed: Vec<(String, String)> = Vec::new();
    for b in blobs.clone() {
        let mut l = net.blobs()[net.blob_index(&b).unwrap()].producer;
        while let Some(p) = l {
            let slot = &layers[p];
            match slot.kind.as_str() {
                "Reshape" | "Permute" | "Flatten" | "Slice" | "Crop" | "Split" => {
                    l = slot.bottoms.first().and_then(|&x| net.blobs()[x].producer);
                }
                "Sigmoid" => {
                    let input = net.blobs()[slot.bottoms[0]].name.clone();
                    if !blobs.contains(&input) {
                        blobs.push(input.clone());
                    }
                    squashed.push((b.clone(), input));
                    break;
                }
                _ => break,
            }
        }
    }
    let names: Vec<&str> = blobs.iter().map(String::as_str).collect();
    let mut ex = net.extractor();
    for (n, m) in &inputs {
        ex.input(n, m.clone()).unwrap();
    }
    let ours = ex
        .extract_many(&names)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let refs: Vec<(&str, &Mat)> = inputs.iter().map(|(n, m)| (n.as_str(), m)).collect();
    let theirs = common::run_ncnn(dir.path(), &param, &bin, &refs, &names, false);
    for ((blob, o), (rshape, r)) in names.iter().zip(&ours).zip(&theirs) {
        let producer = net.blobs()[net.blob_index(blob).unwrap()].producer.unwrap();
        let kind = layers[producer].kind.as_str();
        let od = o.to_vec();
        // YoloDetectionOutput without detections gives its (softmaxed) input.
        if kind.ends_with("DetectionOutput") && rshape.len() <= 2 {
            same_detections(&od, r).unwrap_or_else(|e| panic!("{name}: blob {blob}: {e}"));
            eprintln!("{name}: {blob}: {} detections agree", od.len() / 6);
            continue;
        }
        let oshape = if o.is_empty() { vec![0] } else { o.shape() };
        assert_eq!(&oshape, rshape, "{name}: blob {blob} shape");
        let (d, m) = common::max_diff(&od, r);
        eprintln!("{name}: {blob} ({kind}): max|diff| {d:e}, max|ref| {m:e}");
        let squash_tol = squashed
            .iter()
            .find(|(b, _)| b == blob)
            .and_then(|(_, input)| names.iter().position(|n| n == input))
            .map_or(0.0, |i| {
                let m_in = theirs[i].1.iter().fold(0f32, |a, v| a.max(v.abs()));
                0.25 * (1e-4 * m_in + 1e-6)
            });
        assert!(
            d <= (1e-4 * m + 1e-6).max(squash_tol),
            "{name}: blob {blob} ({kind}): max |diff| {d} > 1e-4 * {m} + 1e-6"
        );
    }
}

fn nets(shared: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(shared.join("ncnn-benchmark-models"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            let stem = n.strip_suffix(".param")?;
            (!stem.ends_with("_int8")).then(|| stem.to_string())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn zoo_fp32_equals_ncnn() {
    let Some(shared) = common::shared_or_skip("ncnn_zoo") else {
        return;
    };
    if !common::ncnn_or_skip("ncnn_zoo") {
        return;
    }
    let all = nets(&shared);
    assert_eq!(all.len(), 27, "the zoo's fp32 params: {all:?}");
    let mut ran = 0;
    for name in &all {
        if let Some((_, missing)) = PENDING.iter().find(|(n, _)| n == name) {
            let param = shared.join(format!("ncnn-benchmark-models/{name}.param"));
            let err = Net::load_with(&param, Weights::Synthetic { seed: 1 }, Options::default())
                .err()
                .unwrap_or_else(|| panic!("{name} loads now: move it out of PENDING"))
                .to_string();
            assert!(
                missing
                    .iter()
                    .any(|t| err.contains(&format!("unknown layer type `{t}`"))),
                "{name}: expected an unknown layer type among {missing:?}, got: {err}"
            );
            continue;
        }
        compare(name, &shared, None);
        ran += 1;
    }
    eprintln!(
        "{ran} of {} nets equal ncnn; {} pending",
        all.len(),
        PENDING.len()
    );
}

/// The detectors at a size their `.param` does not declare (a camera's
/// 640×480 instead of the 300×300 or 416×416 they were exported at): the
/// same weights give the same answers as ncnn at that size too (PriorBox
/// and the detection heads read the input size; FPN concats must line up).
#[test]
fn zoo_detectors_at_another_input_size() {
    let Some(shared) = common::shared_or_skip("ncnn_zoo/another size") else {
        return;
    };
    if !common::ncnn_or_skip("ncnn_zoo/another size") {
        return;
    }
    let detectors = [
        "FastestDet",
        "mobilenet_ssd",
        "mobilenet_yolo",
        "mobilenetv2_yolov3",
        "nanodet_m",
        "squeezenet_ssd",
        "yolo-fastest-1.1",
        "yolo-fastestv2",
        // Not yolov4-tiny: its Crops carry the 416×416 export's sizes
        // (3=104 4=104), so no other input size runs, in ncnn either.
    ];
    let mut ran = 0;
    for name in detectors {
        if PENDING.iter().any(|(n, _)| *n == name) {
            continue;
        }
        compare(name, &shared, Some(&[3, 480, 640]));
        ran += 1;
    }
    assert!(ran >= 4, "only {ran} detectors ran");
}
