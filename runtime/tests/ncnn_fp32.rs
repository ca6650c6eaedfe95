//! Octet's fp32 output against ncnn's on the six benchmark networks, with the
//! same synthetic weights (written as a real .bin) and the same input.

mod common;

use octet::{Net, Options, Weights};

const NETS: &[&str] = &[
    "squeezenet",
    "mobilenet",
    "googlenet",
    "resnet18",
    "mobilenet_ssd",
    "squeezenet_ssd",
];

/// Compares DetectionOutput rows `[label, score, xmin, ymin, xmax, ymax]`.
/// Rows are matched as a set: equal labels, values within 1e-4. Scores that
/// tie within 1e-4 may come out in either order, and at the keep_top_k /
/// nms_top_k cut a row whose score ties the cut may be swapped for another.
fn compare_detections(name: &str, ours: &[f32], refs: &[f32]) {
    assert!(
        !refs.is_empty(),
        "{name}: ncnn found no detections to compare"
    );
    let a: Vec<&[f32]> = ours.chunks(6).collect();
    let b: Vec<&[f32]> = refs.chunks(6).collect();
    assert_eq!(
        a.len(),
        b.len(),
        "{name}: ours {} detections, ncnn {}",
        a.len(),
        b.len()
    );
    let close = |x: &[f32], y: &[f32]| x[0] == y[0] && (1..6).all(|k| (x[k] - y[k]).abs() <= 1e-4);
    let mut used = vec![false; b.len()];
    let mut unmatched = Vec::new();
    for (i, x) in a.iter().enumerate() {
        match (0..b.len()).find(|&j| !used[j] && close(x, b[j])) {
            Some(j) => used[j] = true,
            None => unmatched.push(i),
        }
    }
    let cut_a = a.iter().map(|r| r[1]).fold(f32::MAX, f32::min);
    let cut_b = b.iter().map(|r| r[1]).fold(f32::MAX, f32::min);
    for &i in &unmatched {
        assert!(
            (a[i][1] - cut_a).abs() <= 1e-4,
            "{name}: our row {i} {:?} has no match in ncnn's output",
            a[i]
        );
    }
    for (j, r) in b.iter().enumerate().filter(|(j, _)| !used[*j]) {
        assert!(
            (r[1] - cut_b).abs() <= 1e-4,
            "{name}: ncnn row {j} {r:?} has no match in ours"
        );
    }
    eprintln!(
        "{name}: {} detections, {} matched exactly, {} differ only at the score cut",
        a.len(),
        a.len() - unmatched.len(),
        unmatched.len()
    );
}

fn compare(name: &str, threads: usize) {
    let test = format!("ncnn_fp32/{name}");
    let Some(shared) = common::shared_or_skip(&test) else {
        return;
    };
    if !common::ncnn_or_skip(&test) {
        return;
    }
    let param = shared.join(format!("ncnn-benchmark-models/{name}.param"));
    let dir = tempfile::tempdir().unwrap();
    // SSD heads on random weights often detect nothing: use the first seed that detects something.
    let seed = if name == "mobilenet_ssd" { 2 } else { 42 };
    let bin_bytes = Net::synthetic_bin(&param, seed).unwrap();
    let bin = dir.path().join("w.bin");
    std::fs::write(&bin, &bin_bytes).unwrap();
    let opt = Options {
        num_threads: threads,
        use_int8: false,
        ..Options::default()
    };
    let net = Net::load_with(&param, Weights::File(&bin), opt).unwrap();

    let input_name = net.input_names()[0].clone();
    let input = if name.ends_with("_ssd") {
        common::random_mat(&[3, 300, 300], 1)
    } else if name == "squeezenet" {
        common::random_mat(&[3, 227, 227], 1)
    } else {
        common::random_mat(&[3, 224, 224], 1)
    };
    // The final output, and the output of the last Convolution / InnerProduct.
    let final_name = net.output_names().last().unwrap().clone();
    let last_compute = net
        .layers()
        .iter()
        .rev()
        .find(|l| l.kind == "Convolution" || l.kind == "InnerProduct")
        .map(|l| net.blobs()[l.tops[0]].name.clone())
        .unwrap();
    let mut ex = net.extractor();
    ex.input(&input_name, input.clone()).unwrap();
    let ours = ex.extract_many(&[&final_name, &last_compute]).unwrap();
    let refs = common::run_ncnn(
        dir.path(),
        &param,
        &bin,
        &[(&input_name, &input)],
        &[&final_name, &last_compute],
        false,
    );

    for ((blob, o), (rshape, r)) in [&final_name, &last_compute].iter().zip(&ours).zip(&refs) {
        let od = o.to_vec();
        if name.ends_with("_ssd") && *blob == &final_name {
            compare_detections(name, &od, r);
            continue;
        }
        assert_eq!(o.shape(), *rshape, "{name}: blob {blob} shape");
        let (d, m) = common::max_diff(&od, r);
        eprintln!("{name} ({threads}t) {blob}: max|diff| {d:e}, max|ref| {m:e}");
        assert!(
            d <= 1e-4 * m + 1e-6,
            "{name}: blob {blob}: max |diff| {d} > 1e-4 * {m} + 1e-6"
        );
    }
}

#[test]
fn squeezenet() {
    compare("squeezenet", 1);
}
#[test]
fn mobilenet() {
    compare("mobilenet", 1);
}
#[test]
fn googlenet() {
    compare("googlenet", 1);
}
#[test]
fn resnet18() {
    compare("resnet18", 1);
}
#[test]
fn mobilenet_ssd() {
    compare("mobilenet_ssd", 1);
}
#[test]
fn squeezenet_ssd() {
    compare("squeezenet_ssd", 1);
}
#[test]
fn squeezenet_two_threads() {
    compare("squeezenet", 2);
}

#[test]
fn all_nets_listed() {
    assert_eq!(NETS.len(), 6);
}
