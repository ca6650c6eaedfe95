//! The normalisation layers (LayerNorm, RMSNorm, GroupNorm, InstanceNorm)
//! against ncnn (PyPI): the shapes and params of ncnn's
//! `tests/test_{layernorm,rmsnorm,groupnorm,instancenorm}.cpp` (written
//! there as `RandomMat(w, h, [d,] c)`, here in numpy order), with and
//! without affine, plus 1-D and 4-D forms; bad params and shapes are errors.

#[path = "common/cases.rs"]
mod cases;
mod common;

use cases::{case, run_cases, Case};
use octet::{Net, Options, Weights};

/// ncnn's `RandomMat(w, h, [d,] c)` as a numpy shape.
fn np(wh: &[usize]) -> Vec<usize> {
    wh.iter().rev().copied().collect()
}

#[test]
fn layernorm_and_rmsnorm() {
    let mut v: Vec<Case> = Vec::new();
    let shapes: [[usize; 3]; 7] = [
        [6, 4, 2],
        [4, 5, 6],
        [3, 3, 8],
        [5, 6, 12],
        [4, 7, 16],
        [6, 7, 24],
        [5, 8, 32],
    ];
    let eps = [0.01, 0.01, 0.002, 0.02, 0.02, 0.001, 0.001];
    for kind in ["LayerNorm", "RMSNorm"] {
        for affine in [0, 1] {
            for (s, e) in shapes.iter().zip(eps) {
                for size in [s[0], s[0] * s[1]] {
                    v.push(case(
                        format!("{kind} {s:?} affine_size {size} affine {affine}"),
                        &[&np(s)],
                        kind,
                        format!("0={size} 1={e} 2={affine}"),
                    ));
                }
            }
            // 1-D, 2-D and 4-D (over w, w·h and w·h·d).
            v.push(case(
                format!("{kind} 1-D {affine}"),
                &[&[13]],
                kind,
                format!("0=13 2={affine}"),
            ));
            v.push(case(
                format!("{kind} 2-D {affine}"),
                &[&[3, 17]],
                kind,
                format!("0=17 2={affine}"),
            ));
            for size in [5, 20, 60] {
                v.push(case(
                    format!("{kind} 4-D over {size} {affine}"),
                    &[&[2, 3, 4, 5]],
                    kind,
                    format!("0={size} 1=0.0001 2={affine}"),
                ));
            }
        }
    }
    run_cases("layernorm_and_rmsnorm", &v, 1);
}

#[test]
fn groupnorm() {
    let mut v: Vec<Case> = Vec::new();
    let cases4: [([usize; 4], usize, f32); 6] = [
        ([3, 6, 4, 2], 1, 0.01),
        ([2, 3, 3, 8], 2, 0.002),
        ([3, 4, 5, 6], 3, 0.01),
        ([4, 5, 6, 12], 4, 0.02),
        ([5, 6, 7, 24], 2, 0.001),
        ([2, 8, 9, 24], 3, 0.0001),
    ];
    for affine in [0, 1] {
        for (s, g, e) in cases4 {
            v.push(case(
                format!("4-D {s:?} group {g} affine {affine}"),
                &[&np(&s)],
                "GroupNorm",
                format!("0={g} 1={} 2={e} 3={affine}", s[3]),
            ));
            let s3 = [s[1], s[2], s[3]];
            v.push(case(
                format!("3-D {s3:?} group {g} affine {affine}"),
                &[&np(&s3)],
                "GroupNorm",
                format!("0={g} 1={} 2={e} 3={affine}", s[3]),
            ));
        }
        for (s, g) in [([24, 2], 1), ([23, 8], 2), ([25, 6], 3), ([26, 12], 4)] {
            v.push(case(
                format!("2-D {s:?} group {g} affine {affine}"),
                &[&np(&s)],
                "GroupNorm",
                format!("0={g} 1={} 3={affine}", s[1]),
            ));
        }
        v.push(case(
            format!("1-D group 4 affine {affine}"),
            &[&[12]],
            "GroupNorm",
            format!("0=4 1=12 3={affine}"),
        ));
    }
    // A detector-sized map (FCOS-style heads): the hot path.
    v.push(case(
        "32×40×40 group 8",
        &[&[32, 40, 40]],
        "GroupNorm",
        "0=8 1=32 2=0.00001",
    ));
    run_cases("groupnorm", &v, 2);
}

#[test]
fn instancenorm() {
    let mut v: Vec<Case> = Vec::new();
    for affine in [0, 1] {
        for (s, e) in [
            (&[6usize, 4, 2][..], 0.01),
            (&[3, 3, 12], 0.002),
            (&[5, 7, 16], 0.02),
            (&[5, 4, 3, 3], 0.01),
            (&[3, 3, 2, 8], 0.002),
        ] {
            let c = *s.last().unwrap();
            v.push(case(
                format!("{s:?} affine {affine}"),
                &[&np(s)],
                "InstanceNorm",
                format!("0={c} 1={e} 2={affine}"),
            ));
        }
    }
    run_cases("instancenorm", &v, 1);
}

fn load_error(layer: &str) -> Option<String> {
    let p = format!("7767517\n2 2\nInput in 0 1 in\n{layer}\n");
    Net::from_param_bytes(
        p.as_bytes(),
        "norm.param",
        Weights::Synthetic { seed: 1 },
        Options::default(),
    )
    .err()
    .map(|e| e.to_string())
}

fn run_error(layer: &str, shape: &[usize]) -> String {
    let p = format!("7767517\n2 2\nInput in 0 1 in\n{layer}\n");
    let net = Net::from_param_bytes(
        p.as_bytes(),
        "norm.param",
        Weights::Synthetic { seed: 1 },
        Options::default(),
    )
    .unwrap_or_else(|e| panic!("{layer}: {e}"));
    let mut ex = net.extractor();
    ex.input("in", common::random_mat(shape, 1)).unwrap();
    ex.extract("out")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_else(|| panic!("{layer} on {shape:?} ran"))
}

#[test]
fn bad_params_and_shapes_are_errors() {
    for bad in [
        "GroupNorm n 1 1 in out 0=0 1=8",
        "GroupNorm n 1 1 in out 0=3 1=8",
        "GroupNorm n 1 1 in out 0=-2 1=8",
        "LayerNorm n 1 1 in out 0=0",
        "LayerNorm n 1 1 in out 0=-4",
        "RMSNorm n 1 1 in out 0=0 2=1",
        "InstanceNorm n 1 1 in out 0=-1",
    ] {
        let e = load_error(bad).unwrap_or_else(|| panic!("{bad} loaded"));
        assert!(e.contains("layer `n`"), "{bad}: {e}");
    }
    for (bad, shape) in [
        ("GroupNorm n 1 1 in out 0=2 1=8", &[6usize, 4, 4][..]),
        ("LayerNorm n 1 1 in out 0=7", &[2, 3, 5]),
        ("RMSNorm n 1 1 in out 0=9", &[2, 3, 4, 5]),
        ("InstanceNorm n 1 1 in out 0=3", &[4, 5, 5]),
    ] {
        let e = run_error(bad, shape);
        assert!(e.contains("`n`"), "{bad}: {e}");
    }
}
