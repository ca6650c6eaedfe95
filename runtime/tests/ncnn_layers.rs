//! Every layer type, one parameter variant at a time, against ncnn (PyPI) on
//! random inputs with the same synthetic weights: the per-layer reference.

mod common;

use std::fmt::Write as _;

use octet::{Net, Options, Weights};

/// One case: input shapes (numpy order) and the layer line(s) after the inputs.
/// Inputs are named in0, in1, …; the output to compare is `out`.
struct Case {
    name: &'static str,
    inputs: Vec<Vec<usize>>,
    layers: Vec<String>,
    /// Inputs drawn from [0.1, 2) instead of [-1, 1) (pow, log-like ops).
    positive: bool,
}

fn case(name: &'static str, inputs: &[&[usize]], layers: &[&str]) -> Case {
    Case {
        name,
        inputs: inputs.iter().map(|s| s.to_vec()).collect(),
        layers: layers.iter().map(|s| s.to_string()).collect(),
        positive: false,
    }
}

/// A single-layer case: `Type params` reading in0 (and in1…) into `out`.
fn one(name: &'static str, inputs: &[&[usize]], kind: &str, params: impl AsRef<str>) -> Case {
    let params = params.as_ref();
    let ins: Vec<String> = (0..inputs.len()).map(|i| format!("in{i}")).collect();
    let line = format!(
        "{kind} l0 {} 1 {} out {params}",
        inputs.len(),
        ins.join(" ")
    );
    Case {
        name,
        inputs: inputs.iter().map(|s| s.to_vec()).collect(),
        layers: vec![line],
        positive: false,
    }
}

fn param_text(c: &Case) -> String {
    let mut blobs = std::collections::HashSet::new();
    let mut body = String::new();
    for (i, s) in c.inputs.iter().enumerate() {
        let (w, h, d, ch) = match s.as_slice() {
            [w] => (*w, 0, 0, 0),
            [h, w] => (*w, *h, 0, 0),
            [ch, h, w] => (*w, *h, 0, *ch),
            [ch, d, h, w] => (*w, *h, *d, *ch),
            _ => unreachable!(),
        };
        let depth = if d > 0 {
            format!(" 11={d}")
        } else {
            String::new()
        };
        let _ = writeln!(body, "Input in{i} 0 1 in{i} 0={w} 1={h}{depth} 2={ch}");
        blobs.insert(format!("in{i}"));
    }
    for l in &c.layers {
        let t: Vec<&str> = l.split_whitespace().collect();
        let (ni, no): (usize, usize) = (t[2].parse().unwrap(), t[3].parse().unwrap());
        for b in &t[4..4 + ni + no] {
            blobs.insert(b.to_string());
        }
        body.push_str(l);
        body.push('\n');
    }
    format!(
        "7767517\n{} {}\n{body}",
        c.inputs.len() + c.layers.len(),
        blobs.len()
    )
}

fn run(c: &Case, seed: u64) {
    eprintln!("case: {}", c.name);
    let dir = tempfile::tempdir().unwrap();
    let param = dir.path().join("m.param");
    std::fs::write(&param, param_text(c)).unwrap();
    let bin = dir.path().join("m.bin");
    std::fs::write(&bin, Net::synthetic_bin(&param, seed).unwrap()).unwrap();
    let net = Net::load_with(
        &param,
        Weights::File(&bin),
        Options {
            use_int8: false,
            ..Options::default()
        },
    )
    .unwrap_or_else(|e| panic!("{}: {e}", c.name));
    let inputs: Vec<(String, octet::Mat)> = c
        .inputs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut m = common::random_mat(s, seed + i as u64);
            if c.positive {
                let v: Vec<f32> = m.to_vec().iter().map(|x| 1.05 + 0.95 * x).collect();
                m = octet::Mat::from_slice(s, &v).unwrap();
            }
            (format!("in{i}"), m)
        })
        .collect();
    let mut ex = net.extractor();
    for (n, m) in &inputs {
        ex.input(n, m.clone()).unwrap();
    }
    let ours = ex
        .extract("out")
        .unwrap_or_else(|e| panic!("{}: {e}", c.name));
    let refs: Vec<(&str, &octet::Mat)> = inputs.iter().map(|(n, m)| (n.as_str(), m)).collect();
    let (shape, theirs) =
        common::run_ncnn(dir.path(), &param, &bin, &refs, &["out"], false).remove(0);
    let ours_shape = if ours.is_empty() {
        vec![0]
    } else {
        ours.shape()
    };
    assert_eq!(ours_shape, shape, "{}: shape", c.name);
    let (d, m) = common::max_diff(&ours.to_vec(), &theirs);
    assert!(
        d <= 1e-4 * m + 1e-5,
        "{}: max|diff| {d} vs max|ref| {m}",
        c.name
    );
}

/// The layer tests need ncnn, not `../shared`.
fn run_all(cases: Vec<Case>) {
    if !common::ncnn_or_skip("ncnn_layers") {
        return;
    }
    for (i, c) in cases.iter().enumerate() {
        run(c, 100 + i as u64);
    }
}

#[test]
fn convolution() {
    run_all(vec![
        one(
            "conv 3x3 pad1",
            &[&[5, 11, 13]],
            "Convolution",
            "0=7 1=3 4=1 5=1 6=315",
        ),
        one(
            "conv 1x1 no bias",
            &[&[6, 9, 9]],
            "Convolution",
            "0=10 1=1 5=0 6=60",
        ),
        one(
            "conv 5x5 s2",
            &[&[3, 17, 15]],
            "Convolution",
            "0=4 1=5 3=2 4=2 5=1 6=300",
        ),
        one(
            "conv 3x3 dilation 2",
            &[&[4, 16, 16]],
            "Convolution",
            "0=5 1=3 2=2 4=2 5=1 6=180",
        ),
        one(
            "conv 3x1 rect stride 1x2",
            &[&[2, 10, 12]],
            "Convolution",
            "0=3 1=1 11=3 3=2 13=1 14=1 5=1 6=18",
        ),
        one(
            "conv SAME -233 s2",
            &[&[3, 15, 14]],
            "Convolution",
            "0=4 1=3 3=2 4=-233 5=1 6=108",
        ),
        one(
            "conv SAME_LOWER -234 s2",
            &[&[3, 15, 14]],
            "Convolution",
            "0=4 1=4 3=2 4=-234 5=1 6=192",
        ),
        one(
            "conv asymmetric pads + pad value",
            &[&[2, 8, 9]],
            "Convolution",
            "0=3 1=3 4=1 15=2 14=0 16=3 18=0.5 5=1 6=54",
        ),
        one(
            "conv relu",
            &[&[3, 8, 8]],
            "Convolution",
            "0=6 1=3 5=1 6=162 9=1",
        ),
        one(
            "conv leaky",
            &[&[3, 8, 8]],
            "Convolution",
            "0=6 1=3 5=1 6=162 9=2 -23310=1,0.1",
        ),
        one(
            "conv clip",
            &[&[3, 8, 8]],
            "Convolution",
            "0=6 1=3 5=1 6=162 9=3 -23310=2,-0.2,0.3",
        ),
        one(
            "conv sigmoid",
            &[&[3, 8, 8]],
            "Convolution",
            "0=6 1=3 5=1 6=162 9=4",
        ),
        one(
            "conv mish",
            &[&[3, 8, 8]],
            "Convolution",
            "0=6 1=3 5=1 6=162 9=5",
        ),
        one(
            "conv hardswish",
            &[&[3, 8, 8]],
            "Convolution",
            "0=6 1=3 5=1 6=162 9=6 -23310=2,0.2,0.5",
        ),
        one(
            "conv 7x7 s2 pad3",
            &[&[3, 31, 29]],
            "Convolution",
            "0=8 1=7 3=2 4=3 5=1 6=1176",
        ),
        one(
            "conv on 1-D input (inner product)",
            &[&[12]],
            "Convolution",
            "0=5 1=1 5=1 6=60",
        ),
    ]);
}

#[test]
fn convolution_depthwise() {
    run_all(vec![
        one(
            "dw 3x3 s1",
            &[&[7, 10, 11]],
            "ConvolutionDepthWise",
            "0=7 1=3 4=1 5=1 6=63 7=7",
        ),
        one(
            "dw 3x3 s2",
            &[&[6, 13, 12]],
            "ConvolutionDepthWise",
            "0=6 1=3 3=2 4=1 5=1 6=54 7=6 9=1",
        ),
        one(
            "dw 5x5 dilation 2",
            &[&[4, 16, 16]],
            "ConvolutionDepthWise",
            "0=4 1=5 2=2 4=4 5=0 6=100 7=4",
        ),
        one(
            "group conv 2 groups",
            &[&[8, 9, 9]],
            "ConvolutionDepthWise",
            "0=6 1=3 4=1 5=1 6=216 7=2",
        ),
        one(
            "dw channel multiplier 2",
            &[&[4, 9, 9]],
            "ConvolutionDepthWise",
            "0=8 1=3 4=1 5=1 6=72 7=4",
        ),
        one(
            "dw SAME",
            &[&[5, 14, 15]],
            "ConvolutionDepthWise",
            "0=5 1=3 3=2 4=-233 5=1 6=45 7=5 9=3 -23310=2,0.0,6.0",
        ),
    ]);
}

#[test]
fn pooling() {
    run_all(vec![
        one("max 3x3 s2 full", &[&[3, 14, 15]], "Pooling", "0=0 1=3 2=2"),
        one("avg 3x3 s2 full", &[&[3, 14, 15]], "Pooling", "0=1 1=3 2=2"),
        one(
            "avg 3x3 s1 pad1",
            &[&[3, 9, 10]],
            "Pooling",
            "0=1 1=3 2=1 3=1",
        ),
        one(
            "avg 3x3 s2 pad1 include pad",
            &[&[3, 9, 10]],
            "Pooling",
            "0=1 1=3 2=2 3=1 6=1",
        ),
        one(
            "max 2x2 s2 valid",
            &[&[4, 11, 13]],
            "Pooling",
            "0=0 1=2 2=2 5=1",
        ),
        one("avg SAME", &[&[2, 11, 13]], "Pooling", "0=1 1=3 2=2 5=2"),
        one(
            "max SAME_LOWER",
            &[&[2, 11, 13]],
            "Pooling",
            "0=0 1=2 2=2 5=3",
        ),
        one("global max", &[&[5, 7, 6]], "Pooling", "0=0 4=1"),
        one("global avg", &[&[5, 7, 6]], "Pooling", "0=1 4=1"),
        one(
            "avg asymmetric pads",
            &[&[2, 10, 11]],
            "Pooling",
            "0=1 1=3 2=2 3=1 14=0 13=2 15=1",
        ),
        one(
            "max rect kernel",
            &[&[2, 10, 11]],
            "Pooling",
            "0=0 1=3 11=2 2=2 12=1",
        ),
        one(
            "adaptive avg 3x2",
            &[&[3, 10, 11]],
            "Pooling",
            "0=1 7=1 8=3 18=2",
        ),
    ]);
}

#[test]
fn inner_product_softmax_concat() {
    run_all(vec![
        one("ip 1-D", &[&[37]], "InnerProduct", "0=9 1=1 2=333"),
        one(
            "ip 3-D flattened, relu",
            &[&[3, 4, 5]],
            "InnerProduct",
            "0=7 1=1 2=420 9=1",
        ),
        one("ip no bias", &[&[16]], "InnerProduct", "0=4 1=0 2=64"),
        one("ip 2-D rows", &[&[5, 12]], "InnerProduct", "0=6 1=1 2=72"),
        one("softmax 1-D", &[&[13]], "Softmax", "0=0"),
        one("softmax 2-D axis 0", &[&[5, 7]], "Softmax", "0=0 1=1"),
        one("softmax 2-D axis 1", &[&[5, 7]], "Softmax", "0=1 1=1"),
        one("softmax 3-D axis 0", &[&[4, 5, 6]], "Softmax", "0=0 1=1"),
        one("softmax 3-D axis 1", &[&[4, 5, 6]], "Softmax", "0=1 1=1"),
        one("softmax 3-D axis 2", &[&[4, 5, 6]], "Softmax", "0=2 1=1"),
        one(
            "concat channels",
            &[&[2, 5, 6], &[3, 5, 6]],
            "Concat",
            "0=0",
        ),
        one("concat rows", &[&[2, 4, 6], &[2, 3, 6]], "Concat", "0=1"),
        one("concat cols", &[&[2, 4, 6], &[2, 4, 1]], "Concat", "0=2"),
        one("concat 2-D axis 1", &[&[2, 5], &[2, 3]], "Concat", "0=1"),
        one("concat 1-D", &[&[5], &[3], &[2]], "Concat", "0=0"),
        one(
            "concat negative axis",
            &[&[2, 4, 6], &[2, 4, 2]],
            "Concat",
            "0=-1",
        ),
    ]);
}

#[test]
fn elementwise_and_normalisation() {
    let v = vec![
        one("eltwise prod", &[&[3, 4, 5], &[3, 4, 5]], "Eltwise", "0=0"),
        one(
            "eltwise sum",
            &[&[3, 4, 5], &[3, 4, 5], &[3, 4, 5]],
            "Eltwise",
            "0=1",
        ),
        one(
            "eltwise sum coeffs",
            &[&[3, 4, 5], &[3, 4, 5]],
            "Eltwise",
            "0=1 -23301=2,0.5,-2.0",
        ),
        one("eltwise max", &[&[3, 4, 5], &[3, 4, 5]], "Eltwise", "0=2"),
        one("batchnorm", &[&[6, 5, 4]], "BatchNorm", "0=6 1=0.001"),
        one("batchnorm 1-D", &[&[6]], "BatchNorm", "0=6"),
        one("scale bias", &[&[5, 3, 4]], "Scale", "0=5 1=1"),
        one("scale no bias", &[&[5, 3, 4]], "Scale", "0=5 1=0"),
        one(
            "lrn across",
            &[&[7, 5, 6]],
            "LRN",
            "0=0 1=5 2=0.0001 3=0.75",
        ),
        one(
            "lrn within",
            &[&[3, 6, 7]],
            "LRN",
            "0=1 1=3 2=0.01 3=0.75 4=2.0",
        ),
        one("relu", &[&[3, 4, 5]], "ReLU", ""),
        one("leaky relu", &[&[3, 4, 5]], "ReLU", "0=0.1"),
        one("clip", &[&[3, 4, 5]], "Clip", "0=-0.5 1=0.25"),
        one("sigmoid", &[&[3, 4, 5]], "Sigmoid", ""),
        one("tanh", &[&[3, 4, 5]], "TanH", ""),
        one("hardswish", &[&[3, 4, 5]], "HardSwish", "0=0.166667 1=0.5"),
        one("hardsigmoid", &[&[3, 4, 5]], "HardSigmoid", "0=0.2 1=0.5"),
        one("swish", &[&[3, 4, 5]], "Swish", ""),
        one("mish", &[&[3, 4, 5]], "Mish", ""),
        one("absval", &[&[3, 4, 5]], "AbsVal", ""),
        one("exp base e", &[&[3, 4, 5]], "Exp", ""),
        one(
            "exp base 2 scale shift",
            &[&[3, 4, 5]],
            "Exp",
            "0=2.0 1=0.5 2=0.25",
        ),
        one("dropout scale", &[&[3, 4, 5]], "Dropout", "0=0.5"),
    ];
    run_all(v);
}

#[test]
fn binaryop() {
    let mut v = Vec::new();
    for (op, name) in [
        (0, "binaryop add"),
        (1, "binaryop sub"),
        (2, "binaryop mul"),
        (3, "binaryop div"),
        (4, "binaryop max"),
        (5, "binaryop min"),
        (7, "binaryop rsub"),
        (8, "binaryop rdiv"),
    ] {
        v.push(one(
            name,
            &[&[3, 4, 5], &[3, 4, 5]],
            "BinaryOp",
            format!("0={op}"),
        ));
    }
    let mut pow = one("binaryop pow", &[&[3, 4, 5], &[3, 4, 5]], "BinaryOp", "0=6");
    pow.positive = true;
    v.push(pow);
    let mut rpow = one(
        "binaryop rpow",
        &[&[3, 4, 5], &[3, 4, 5]],
        "BinaryOp",
        "0=9",
    );
    rpow.positive = true;
    v.push(rpow);
    v.extend([
        one(
            "binaryop scalar add",
            &[&[3, 4, 5]],
            "BinaryOp",
            "0=0 1=1 2=0.75",
        ),
        one(
            "binaryop scalar rdiv",
            &[&[3, 4, 5]],
            "BinaryOp",
            "0=8 1=1 2=2.0",
        ),
        one(
            "binaryop per-channel 1-D b",
            &[&[3, 4, 5], &[3]],
            "BinaryOp",
            "0=2",
        ),
        one(
            "binaryop scalar 1-D b",
            &[&[3, 4, 5], &[1]],
            "BinaryOp",
            "0=0",
        ),
        one(
            "binaryop (c,1,1) b",
            &[&[3, 4, 5], &[3, 1, 1]],
            "BinaryOp",
            "0=1",
        ),
        one(
            "binaryop (1,h,w) b",
            &[&[3, 4, 5], &[1, 4, 5]],
            "BinaryOp",
            "0=0",
        ),
        one(
            "binaryop a (c,1,1)",
            &[&[3, 1, 1], &[3, 4, 5]],
            "BinaryOp",
            "0=2",
        ),
        one("binaryop 2-D rows", &[&[4, 5], &[4]], "BinaryOp", "0=0"),
    ]);
    run_all(v);
}

#[test]
fn shape_layers() {
    let mut v = Vec::new();
    for o in 0..6 {
        v.push(one("permute", &[&[2, 3, 4]], "Permute", format!("0={o}")));
    }
    v.extend([
        one("permute 2-D", &[&[3, 4]], "Permute", "0=1"),
        one("flatten", &[&[2, 3, 5]], "Flatten", ""),
        one("reshape 1-D", &[&[2, 3, 4]], "Reshape", "0=24"),
        one("reshape -1", &[&[2, 3, 4]], "Reshape", "0=6 1=-1"),
        one("reshape 3-D", &[&[2, 3, 4]], "Reshape", "0=4 1=2 2=3"),
        one("reshape 0 keeps", &[&[2, 3, 4]], "Reshape", "0=0 1=3 2=-1"),
        // Shape expressions (pnnx's dynamic shapes), one and two inputs.
        one(
            "reshape expr 2-D",
            &[&[2, 3, 4]],
            "Reshape",
            r#"6="*(0w,0h),0c""#,
        ),
        one(
            "reshape expr 4-D",
            &[&[2, 3, 4]],
            "Reshape",
            r#"6="2,0h,2,0c""#,
        ),
        one(
            "reshape expr -1 from a second input",
            &[&[2, 3, 4], &[5, 6]],
            "Reshape",
            r#"6="-1,+(1h,-2)""#,
        ),
        one(
            "reshape expr floor div",
            &[&[2, 3, 4]],
            "Reshape",
            r#"6="//(*(0w,0c),2),-1,2""#,
        ),
        one(
            "reshape expr decimals",
            &[&[2, 3, 4]],
            "Reshape",
            r#"6="*(0w,1.5),ceil(/(0h,2)),0c""#,
        ),
        one(
            "padding constant",
            &[&[2, 4, 5]],
            "Padding",
            "0=1 1=2 2=3 3=0 4=0 5=0.5",
        ),
        one(
            "padding replicate",
            &[&[2, 4, 5]],
            "Padding",
            "0=1 1=2 2=2 3=1 4=1",
        ),
        one(
            "padding reflect",
            &[&[2, 4, 5]],
            "Padding",
            "0=2 1=1 2=1 3=2 4=2",
        ),
        one(
            "padding channels",
            &[&[2, 4, 5]],
            "Padding",
            "0=1 1=1 2=1 3=1 7=1 8=2 5=-1.0",
        ),
        one(
            "padding per-channel values",
            &[&[4, 3, 3]],
            "Padding",
            "0=1 1=1 2=2 3=2 6=7 7=2 8=1",
        ),
        one("padding front only", &[&[1, 2, 2]], "Padding", "7=1 5=2.0"),
        one(
            "padding 4-D depth",
            &[&[2, 3, 4, 5]],
            "Padding",
            "0=1 1=0 2=1 3=2 7=1 8=2 5=0.5",
        ),
        one(
            "padding 4-D reflect",
            &[&[2, 3, 4, 5]],
            "Padding",
            "0=1 1=1 2=0 3=1 7=1 8=1 4=2",
        ),
        one(
            "padding 4-D per-channel",
            &[&[2, 3, 4, 5]],
            "Padding",
            "0=1 1=0 2=0 3=1 7=1 6=2",
        ),
        one(
            "innerproduct one row 2-D",
            &[&[1, 12]],
            "InnerProduct",
            "0=16 1=1 2=192",
        ),
    ]);
    // 4-D blobs (c, d, h, w): every Permute order, Reshape to and from 4-D,
    // Concat on each axis, Flatten.
    for o in 0..24 {
        v.push(one(
            "permute 4-D",
            &[&[2, 3, 4, 5]],
            "Permute",
            format!("0={o}"),
        ));
    }
    v.extend([
        one(
            "reshape to 4-D",
            &[&[4, 6, 5]],
            "Reshape",
            "0=5 1=3 11=2 2=-1",
        ),
        one(
            "reshape 4-D keeps",
            &[&[2, 3, 4, 5]],
            "Reshape",
            "0=0 1=2 11=-1 2=0",
        ),
        one(
            "reshape 4-D to 3-D",
            &[&[2, 3, 4, 5]],
            "Reshape",
            "0=20 1=3 2=2",
        ),
        one(
            "reshape 4-D to 2-D",
            &[&[2, 3, 4, 5]],
            "Reshape",
            "0=-1 1=6",
        ),
        one("flatten 4-D", &[&[2, 3, 4, 5]], "Flatten", ""),
        one(
            "concat 4-D c",
            &[&[2, 3, 4, 5], &[3, 3, 4, 5]],
            "Concat",
            "0=0",
        ),
        one(
            "concat 4-D d",
            &[&[2, 3, 4, 5], &[2, 1, 4, 5]],
            "Concat",
            "0=1",
        ),
        one(
            "concat 4-D h",
            &[&[2, 3, 4, 5], &[2, 3, 2, 5]],
            "Concat",
            "0=-2",
        ),
        one(
            "concat 4-D w",
            &[&[2, 3, 4, 5], &[2, 3, 4, 3]],
            "Concat",
            "0=3",
        ),
    ]);
    // The pnnx pattern: split heads (Reshape to 4-D), reorder (Permute),
    // join (Concat), back to 3-D.
    v.push(case(
        "4-D reshape permute concat",
        &[&[6, 4, 5]],
        &[
            "Split s 1 2 in0 a b",
            "Reshape r1 1 1 a ra 0=5 1=4 11=3 2=2",
            "Permute p1 1 1 ra pa 0=13",
            "Reshape r2 1 1 b pb 0=3 1=5 11=2 2=4",
            "Concat c 2 1 pa pb cat 0=0",
            "Reshape out 1 1 cat out 0=-1 1=5 2=8",
        ],
    ));
    v.push(case(
        "split and noop",
        &[&[3, 4, 5]],
        &[
            "Split s 1 2 in0 a b",
            "Noop n 1 1 a c",
            "Eltwise out 2 1 c b out 0=1",
        ],
    ));
    run_all(v);
}

#[test]
fn priorbox() {
    run_all(vec![
        one(
            "priorbox caffe",
            &[&[4, 5, 6], &[3, 40, 48]],
            "PriorBox",
            "-23300=1,20.0 -23301=1,35.0 -23302=2,2.0,3.0 9=-233 10=-233 13=0.5",
        ),
        one(
            "priorbox mmdetection steps and centres",
            &[&[4, 7, 6], &[3, 40, 45]],
            "PriorBox",
            "-23300=1,20.0 -23302=1,2.0 9=-233 10=-233 13=0.5 14=1 15=1",
        ),
        one(
            "priorbox clip no flip",
            &[&[4, 5, 6], &[3, 40, 48]],
            "PriorBox",
            "-23300=2,10.0,20.0 -23302=1,2.0 7=0 8=1 9=-233 10=-233 13=0.5",
        ),
        one(
            "priorbox fixed image size",
            &[&[4, 3, 3]],
            "PriorBox",
            "-23300=1,30.0 -23301=1,60.0 -23302=1,2.0 9=300 10=300 11=100.0 12=100.0 13=0.5",
        ),
        one(
            "priorbox mxnet",
            &[&[4, 5, 6]],
            "PriorBox",
            "-23300=2,0.2,0.4 -23302=3,1.0,2.0,0.5 9=-233 10=-233 13=0.5",
        ),
    ]);
}
