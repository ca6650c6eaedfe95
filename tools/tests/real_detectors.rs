//! The real detectors on real photos (`../shared/real-models/{nanodet,
//! retinaface,ppocr}`): fp32 raw outputs equal ncnn's on every photo their
//! READMEs name, within 1e-4·max|ref| + 1e-6 per output blob.
//!
//! Each photo is preprocessed once, here, as the model's README says (resize
//! with ncnn's fixed-point bilinear, pad in pixel units, channel order, mean
//! and norm); ncnn then runs on the same tensor, so this compares the
//! networks, not two preprocessing pipelines (`preprocess_ncnn.rs` checks the
//! resize against ncnn's own).

use std::path::{Path, PathBuf};
use std::process::Command;

use octet::pixels::{from_pixels_resize, resize_bilinear, PixelFormat};
use octet::{Mat, Net, Options, Weights};
use octet_tools::preprocess::list_images;

#[path = "../../runtime/tests/common/mod.rs"]
mod common;

fn shared(test: &str) -> Option<PathBuf> {
    let p = common::shared_or_skip(test)?;
    common::ncnn_or_skip(test).then_some(p)
}

/// How a model's README turns a photo into its input tensor.
struct Prep {
    /// Shrink so that the long side is at most this (None: keep the size).
    long_side: Option<usize>,
    /// Enlarge too (NanoDet) or only shrink (PP-OCR).
    enlarge: bool,
    /// Pad right/bottom (half of it left/top) to multiples of this, with `pad`.
    align: usize,
    pad: u8,
    order: PixelFormat,
    mean: [f32; 3],
    norm: [f32; 3],
}

struct Model {
    dir: &'static str,
    param: &'static str,
    bin: &'static str,
    input: &'static str,
    outputs: &'static [&'static str],
    photos: &'static [&'static str],
    /// How many photos the README names over those folders.
    count: usize,
    prep: Prep,
}

/// Decodes a photo and builds the model's input (c, h, w).
fn preprocess(path: &Path, p: &Prep) -> Mat {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    let (w0, h0) = (img.width() as usize, img.height() as usize);
    let rgb = img.into_raw();
    // ncnn's examples: scale in float32, the short side truncated.
    let (w, h) = match p.long_side {
        Some(l) if p.enlarge || w0.max(h0) > l => {
            let scale = l as f32 / w0.max(h0) as f32;
            if w0 > h0 {
                (l, (h0 as f32 * scale) as usize)
            } else {
                ((w0 as f32 * scale) as usize, l)
            }
        }
        _ => (w0, h0),
    };
    let resized = if (w, h) == (w0, h0) {
        rgb
    } else {
        resize_bilinear(&rgb, w0, h0, 3, w, h)
    };
    let (pw, ph) = (w.div_ceil(p.align) * p.align, h.div_ceil(p.align) * p.align);
    let (left, top) = ((pw - w) / 2, (ph - h) / 2);
    let mut padded = vec![p.pad; pw * ph * 3];
    for y in 0..h {
        let dst = ((y + top) * pw + left) * 3;
        padded[dst..dst + w * 3].copy_from_slice(&resized[y * w * 3..(y + 1) * w * 3]);
    }
    from_pixels_resize(
        &padded,
        PixelFormat::Rgb,
        pw,
        ph,
        p.order,
        pw,
        ph,
        &p.mean,
        &p.norm,
    )
    .unwrap()
}

fn check(m: Model) {
    let Some(root) = shared(&format!("real_detectors/{}", m.dir)) else {
        return;
    };
    let dir = root.join("real-models").join(m.dir);
    let (param, bin) = (dir.join(m.param), dir.join(m.bin));
    let opt = Options {
        use_int8: false,
        ..Options::default()
    };
    let net = Net::load_with(&param, Weights::File(&bin), opt)
        .unwrap_or_else(|e| panic!("{}: {e}", m.dir));
    let mut photos = Vec::new();
    for folder in m.photos {
        photos.extend(list_images(&dir.join(folder), None).unwrap());
    }
    assert_eq!(
        photos.len(),
        m.count,
        "{}: photos named in its README",
        m.dir
    );
    // An output a Sigmoid makes inherits its input's error at the slope
    // (≤ ¼): PP-OCR's logits reach 113, where 1e-5 of that is 1e-3 and
    // moves σ near 0 by 2.7e-4. Such an output is held to ¼ of its input's
    // tolerance (when that is looser than its own), and the input is
    // compared at the usual tolerance.
    let mut names: Vec<String> = m.outputs.iter().map(|s| s.to_string()).collect();
    let mut squashed = Vec::new();
    for (k, o) in m.outputs.iter().enumerate() {
        let b = net
            .blob_index(o)
            .unwrap_or_else(|| panic!("{}: no blob {o}", m.dir));
        let producer = net.blobs()[b].producer.expect("an output has a producer");
        let layer = &net.layers()[producer];
        if layer.kind == "Sigmoid" {
            names.push(net.blobs()[layer.bottoms[0]].name.clone());
            squashed.push((k, names.len() - 1));
        }
    }
    let names: Vec<&str> = names.iter().map(String::as_str).collect();

    let tmp = tempfile::tempdir().unwrap();
    let mut batch = String::new();
    let mut ours = Vec::new();
    for (i, photo) in photos.iter().enumerate() {
        let x = preprocess(photo, &m.prep);
        let inp = tmp.path().join(format!("x{i}.npy"));
        octet::npy::write(&inp, &x.shape(), &x.to_vec()).unwrap();
        batch.push_str(&inp.display().to_string());
        let mut outs = Vec::new();
        for k in 0..names.len() {
            let out = tmp.path().join(format!("y{i}_{k}.npy"));
            batch.push_str(&format!(" {}", out.display()));
            outs.push(out);
        }
        batch.push('\n');
        let mut ex = net.extractor();
        ex.input(m.input, x).unwrap();
        let got = ex
            .extract_many(&names)
            .unwrap_or_else(|e| panic!("{}: {}: {e}", m.dir, photo.display()));
        ours.push((photo, outs, got));
    }
    let list = tmp.path().join("batch.txt");
    std::fs::write(&list, batch).unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(common::ncnn_ref_script())
        .args([&param, &bin])
        .args(["--input", &format!("{}=", m.input)]);
    for o in &names {
        cmd.args(["--output", &format!("{o}=")]);
    }
    let o = cmd.arg("--batch").arg(&list).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let mut worst = 0f32;
    for (photo, files, got) in &ours {
        let mut refs = Vec::new();
        for ((name, file), mat) in names.iter().zip(files).zip(got) {
            let (shape, theirs) = octet::npy::read(file).unwrap();
            assert_eq!(
                mat.shape(),
                shape,
                "{}: {}: blob {name} shape",
                m.dir,
                photo.display()
            );
            refs.push(common::max_diff(&mat.to_vec(), &theirs));
        }
        for (k, name) in names.iter().enumerate() {
            let (d, r) = refs[k];
            let inherited = squashed
                .iter()
                .find(|(o, _)| *o == k)
                .map_or(0.0, |&(_, i)| 0.25 * (1e-4 * refs[i].1 + 1e-6));
            let tol = (1e-4 * r + 1e-6).max(inherited);
            worst = worst.max(d / tol);
            assert!(
                d <= tol,
                "{}: {}: blob {name}: max|diff| {d} > {tol} (max|ref| {r})",
                m.dir,
                photo.display()
            );
        }
    }
    eprintln!(
        "{}: fp32 equals ncnn on {} photos, {} outputs each (worst max|Δ| / tolerance = {worst:.3})",
        m.dir,
        ours.len(),
        m.outputs.len()
    );
}

#[test]
fn nanodet_fp32_equals_ncnn() {
    check(Model {
        dir: "nanodet",
        param: "nanodet_m.param",
        bin: "nanodet_m.bin",
        input: "input.1",
        outputs: &["792", "795", "814", "817", "836", "839"],
        photos: &["../ultraface/images", "../imagenet/images"],
        count: 44,
        prep: Prep {
            long_side: Some(320),
            enlarge: true,
            align: 32,
            pad: 0,
            order: PixelFormat::Bgr,
            mean: [103.53, 116.28, 123.675],
            norm: [0.017429, 0.017507, 0.017125],
        },
    });
}

#[test]
fn retinaface_fp32_equals_ncnn() {
    let outputs = &[
        "face_rpn_cls_prob_reshape_stride32",
        "face_rpn_bbox_pred_stride32",
        "face_rpn_landmark_pred_stride32",
        "face_rpn_cls_prob_reshape_stride16",
        "face_rpn_bbox_pred_stride16",
        "face_rpn_landmark_pred_stride16",
        "face_rpn_cls_prob_reshape_stride8",
        "face_rpn_bbox_pred_stride8",
        "face_rpn_landmark_pred_stride8",
    ];
    check(Model {
        dir: "retinaface",
        param: "mnet.25-opt.param",
        bin: "mnet.25-opt.bin",
        input: "data",
        outputs,
        photos: &["../ultraface/images"],
        count: 24,
        // The whole photo at its own size, RGB 0…255.
        prep: Prep {
            long_side: None,
            enlarge: false,
            align: 1,
            pad: 0,
            order: PixelFormat::Rgb,
            mean: [0.0; 3],
            norm: [1.0; 3],
        },
    });
}

#[test]
fn ppocr_det_fp32_equals_ncnn() {
    check(Model {
        dir: "ppocr",
        param: "PP_OCRv5_mobile_det.ncnn.param",
        bin: "PP_OCRv5_mobile_det.ncnn.bin",
        input: "in0",
        outputs: &["out0"],
        photos: &["images"],
        count: 36,
        prep: Prep {
            long_side: Some(960),
            enlarge: false,
            align: 32,
            pad: 114,
            order: PixelFormat::Bgr,
            mean: [0.485 * 255.0, 0.456 * 255.0, 0.406 * 255.0],
            norm: [
                1.0 / 0.229 / 255.0,
                1.0 / 0.224 / 255.0,
                1.0 / 0.225 / 255.0,
            ],
        },
    });
}
