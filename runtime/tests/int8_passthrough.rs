//! Layers that pass int8 blobs on (max Pooling, Concat, the data-movement
//! layers): on int8 input they must give exactly the fp32 path's result on
//! the dequantized input, and the planner must requantize convolutions whose
//! int8 readers sit behind them.

use octet::param::parse_param;
use octet::{Mat, Net, Options, Weights};

fn net(text: &str) -> Net {
    let pf = parse_param(text, "test.param").unwrap();
    Net::from_parsed(pf, "test.param", Weights::Bytes(&[]), Options::default()).unwrap()
}

/// Random int8 values in [-127, 127]; channel 0 all -127 (saturated), channel
/// 1 all zero, when there are enough channels.
fn int8_mat(w: usize, h: usize, c: usize, scale: f32, seed: u64) -> Mat {
    let mut m = Mat::new_3d_i8(w, h, c, scale);
    let cstep = m.cstep();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let d = m.data_i8_mut();
    for q in 0..c {
        for v in &mut d[q * cstep..q * cstep + w * h] {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *v = match q {
                0 if c > 2 => -127,
                1 if c > 2 => 0,
                _ => (((x >> 33) % 255) as i32 - 127) as i8,
            };
        }
    }
    m
}

fn run(net: &Net, inputs: &[(&str, Mat)], out: &str) -> Mat {
    let mut ex = net.extractor();
    for (n, m) in inputs {
        ex.input(n, m.clone()).unwrap();
    }
    ex.extract(out).unwrap()
}

fn same_values(a: &Mat, b: &Mat, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}");
    let (a, b) = (a.dequantize().to_vec(), b.dequantize().to_vec());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x.to_bits(), y.to_bits(), "{what}: element {i}: {x} vs {y}");
    }
}

#[test]
fn max_pooling_on_int8_equals_fp32_on_dequantized() {
    // (kernel, stride, pad, pad_mode, global)
    let cases = [
        (3, 2, 0, 0, 0),
        (3, 2, 1, 0, 0),
        (2, 2, 0, 0, 0),
        (3, 1, 1, 1, 0),
        (3, 2, 0, 1, 0),
        (3, 2, 0, 2, 0),
        (3, 2, 0, 3, 0),
        (5, 3, 2, 0, 0),
        (1, 1, 0, 0, 1),
    ];
    for (i, &(k, s, p, mode, global)) in cases.iter().enumerate() {
        let text = format!(
            "7767517\n2 2\nInput data 0 1 data\nPooling pool 1 1 data out 0=0 1={k} 2={s} 3={p} 4={global} 5={mode}\n"
        );
        let net = net(&text);
        for (w, h, c) in [(13, 11, 5), (8, 8, 3), (7, 9, 17)] {
            let x = int8_mat(w, h, c, 0.37 + i as f32, (i * 31 + w) as u64);
            let got = run(&net, &[("data", x.clone())], "out");
            let want = run(&net, &[("data", x.dequantize())], "out");
            assert!(!want.is_int8());
            // Windowed pooling keeps int8 (and its scale); global returns fp32.
            assert_eq!(got.is_int8(), global == 0, "case {i}");
            if got.is_int8() {
                assert_eq!(got.int8_scale(), x.int8_scale());
            }
            same_values(&got, &want, &format!("case {i} on {w}×{h}×{c}"));
        }
    }
}

#[test]
fn concat_keeps_int8_only_for_one_shared_scale() {
    let net = net("7767517\n3 3\nInput a 0 1 a\nInput b 0 1 b\nConcat cat 2 1 a b out 0=0\n");
    let a = int8_mat(6, 5, 3, 2.5, 1);
    let b = int8_mat(6, 5, 7, 2.5, 2);
    let fp32 = run(&net, &[("a", a.dequantize()), ("b", b.dequantize())], "out");
    assert!(!fp32.is_int8());
    assert_eq!(fp32.c(), 10);

    let same = run(&net, &[("a", a.clone()), ("b", b.clone())], "out");
    assert!(same.is_int8());
    assert_eq!(same.int8_scale(), 2.5);
    same_values(&same, &fp32, "one scale");

    // Different scales, or an fp32 input: joined in fp32, values unchanged.
    let b2 = int8_mat(6, 5, 7, 3.0, 2);
    let fp32_2 = run(
        &net,
        &[("a", a.dequantize()), ("b", b2.dequantize())],
        "out",
    );
    let mixed = run(&net, &[("a", a.clone()), ("b", b2)], "out");
    assert!(!mixed.is_int8());
    same_values(&mixed, &fp32_2, "two scales");
    let half = run(&net, &[("a", a), ("b", b.dequantize())], "out");
    assert!(!half.is_int8());
    same_values(&half, &fp32, "int8 + fp32");
}

#[test]
fn convolutions_requantize_through_max_pooling_and_concat() {
    let param =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/squeezenet_int8.param");
    let net = Net::load_with(&param, Weights::Synthetic { seed: 1 }, Options::default()).unwrap();
    let how = |name: &str| {
        let l = net.layers().iter().find(|l| l.name == name).unwrap();
        l.layer.describe()
    };
    // conv1 → max pool1 → fire2/squeeze1x1; fire2/expand* → concat → fire3/squeeze1x1.
    for conv in [
        "conv1",
        "fire2/expand1x1",
        "fire2/expand3x3",
        "fire9/squeeze1x1",
    ] {
        assert!(how(conv).ends_with("→ int8"), "{conv}: {}", how(conv));
    }
    // fire9's expands feed conv10 through Concat and Dropout (fp32 there).
    assert!(!how("conv10").ends_with("→ int8"), "{}", how("conv10"));
}

#[test]
fn ssd_feature_maps_stay_int8_past_priorbox() {
    let param =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/mobilenet_ssd_int8.param");
    let ssd = Net::load_with(&param, Weights::Synthetic { seed: 1 }, Options::default()).unwrap();
    let how = |name: &str| {
        let l = ssd.layers().iter().find(|l| l.name == name).unwrap();
        l.layer.describe()
    };
    // conv11 → Split → conv12/dw, conv11_mbox_loc, conv11_mbox_conf and
    // conv11_mbox_priorbox, which reads only the map's shape.
    for conv in ["conv11", "conv13", "conv14_2", "conv17_2"] {
        assert!(how(conv).ends_with("→ int8"), "{conv}: {}", how(conv));
    }
    // The heads feed Permute (fp32).
    assert!(!how("conv11_mbox_loc").ends_with("→ int8"));
    // PriorBox gives the same boxes from an int8 map as from fp32.
    let x = {
        let mut m = Mat::new_3d(300, 300, 3);
        for (i, v) in m.data_mut().iter_mut().enumerate() {
            *v = ((i * 7919) % 255) as f32 - 127.0;
        }
        m
    };
    let mut ex = ssd.extractor();
    ex.input("data", x).unwrap();
    let boxes = ex.extract("conv11_mbox_priorbox").unwrap();
    assert!(!boxes.is_int8());
    let text = "7767517\n3 3\nInput data 0 1 data\nInput feat 0 1 feat\nPriorBox pb 2 1 feat data out -23300=1,60.0 -23302=1,2.0 9=-233 10=-233 13=0.5\n";
    let pb = net(text);
    let feat = int8_mat(19, 19, 4, 0.5, 3);
    let image = Mat::new_3d(300, 300, 3);
    let got = run(
        &pb,
        &[("feat", feat.clone()), ("data", image.clone())],
        "out",
    );
    let want = run(&pb, &[("feat", feat.dequantize()), ("data", image)], "out");
    same_values(&got, &want, "priorbox");
    same_values(&got, &boxes, "priorbox of conv11's map");
}

/// The data-movement layers move int8 values as they are: on an int8 input
/// each output is int8 at the input's scale and equals the fp32 path on the
/// dequantized input (bilinear Interp computes in fp32 from the dequantized
/// input).
#[test]
fn data_movement_on_int8_equals_fp32_on_dequantized() {
    let layers = [
        ("Slice", 2, "-23300=2,2,-233 1=0", true),
        ("Slice", 3, "-23300=3,-233,-233,-233 1=-1", true),
        ("Crop", 1, "0=1 1=2 2=1 3=5 4=-233 5=2", true),
        (
            "Crop",
            1,
            "-23309=2,1,-3 -23310=2,-1,2147483647 -23311=2,0,2",
            true,
        ),
        ("ShuffleChannel", 1, "0=3", true),
        ("ShuffleChannel", 1, "0=3 1=1", true),
        ("Interp", 1, "0=1 1=2.0 2=2.0", true),
        ("Interp", 1, "0=1 3=5 4=17", true),
        ("Interp", 1, "0=2 1=2.0 2=2.0", false),
        ("PixelShuffle", 1, "0=1", true),
        ("Reorg", 1, "0=2 1=1", true),
        ("Squeeze", 1, "0=1 1=1 2=1", true),
        ("ExpandDims", 1, "-23303=1,0", true),
        ("Flip", 1, "-23300=2,0,2", true),
        ("Tile", 1, "-23302=3,2,1,2", true),
        ("DeepCopy", 1, "", true),
    ];
    for (i, (kind, nout, params, keeps)) in layers.iter().enumerate() {
        let outs: Vec<String> = (0..*nout).map(|k| format!("out{k}")).collect();
        let text = format!(
            "7767517\n2 {}\nInput data 0 1 data\n{kind} l 1 {nout} data {} {params}\n",
            1 + nout,
            outs.join(" ")
        );
        let net = net(&text);
        for (w, h, c) in [(13, 11, 6), (8, 8, 3), (7, 9, 12)] {
            let x = int8_mat(w, h, c, 0.37 + i as f32, (i * 31 + w) as u64);
            for o in &outs {
                let got = run(&net, &[("data", x.clone())], o);
                let want = run(&net, &[("data", x.dequantize())], o);
                assert_eq!(got.is_int8(), *keeps, "{kind} [{params}]");
                if got.is_int8() {
                    assert_eq!(got.int8_scale(), x.int8_scale());
                }
                same_values(
                    &got,
                    &want,
                    &format!("{kind} [{params}] {o} on {w}×{h}×{c}"),
                );
            }
        }
    }
}
