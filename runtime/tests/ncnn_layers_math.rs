//! The math and normalisation layers (Reduction, BinaryOp, UnaryOp, the
//! activations, the norms) against ncnn (PyPI) with the same synthetic
//! weights: ncnn's own tested parameter combinations (its
//! `tests/test_<layer>.cpp`) plus odd 1-D to 4-D shapes of our own, with
//! inputs in each op's domain. The cases of one test run as one net (one
//! Input → one layer per case) so that ncnn loads once; each output is
//! compared on its own within 1e-4·max|ref| + 1e-6. Bad params and shapes
//! give errors, not panics.

#[path = "common/cases.rs"]
mod cases;
mod common;

use std::fmt::Write as _;

use cases::{case, run_cases};
use octet::{Net, Options, Weights};

/// An ncnn array param: `-233xx=n,v0,v1,…`.
fn array(id: i32, v: &[i32]) -> String {
    let mut s = format!("{}={}", -23300 - id, v.len());
    for x in v {
        let _ = write!(s, ",{x}");
    }
    s
}

/// Odd shapes of every rank (numpy order).
const SHAPES: [&[usize]; 7] = [
    &[11],
    &[1],
    &[5, 7],
    &[3, 5, 7],
    &[4, 1, 9],
    &[2, 3, 4, 5],
    &[3, 1, 2, 6],
];

/// The input range valid for a Reduction operation.
fn reduction_range(op: i32) -> (f32, f32) {
    match op {
        6 => (0.5, 1.5),
        9 => (0.1, 1.0),
        _ => (-1.0, 1.0),
    }
}

#[test]
fn reduction() {
    let mut v = Vec::new();
    for shape in SHAPES {
        let dims = shape.len();
        for op in 0..=10 {
            let (lo, hi) = reduction_range(op);
            for keep in 0..2 {
                v.push(
                    case(
                        format!("reduction all op{op} keep{keep} {shape:?}"),
                        &[shape],
                        "Reduction",
                        format!("0={op} 1=1 2=1.5 4={keep}"),
                    )
                    .range(lo, hi),
                );
                // Every non-empty subset of axes; negative spellings on odd masks.
                for mask in 1u32..(1 << dims) {
                    let axes: Vec<i32> = (0..dims as i32)
                        .filter(|a| mask & (1 << a) != 0)
                        .map(|a| if mask % 2 == 1 { a - dims as i32 } else { a })
                        .collect();
                    v.push(
                        case(
                            format!("reduction axes {axes:?} op{op} keep{keep} {shape:?}"),
                            &[shape],
                            "Reduction",
                            format!("0={op} 1=0 2=0.7 {} 4={keep} 5=1", array(3, &axes)),
                        )
                        .range(lo, hi),
                    );
                }
            }
        }
    }
    run_cases("reduction", &v, 1);
    run_cases("reduction", &v[..v.len() / 3], 2);
}

/// The input range valid for a BinaryOp (both operands): divisors and
/// pow bases positive, away from 0.
fn binary_range(op: i32) -> (f32, f32) {
    match op {
        3 | 6 | 8 | 9 | 12 | 13 | 15..=18 => (0.3, 2.0),
        _ => (-1.5, 1.5),
    }
}

/// Operand pairs of ncnn's broadcast rules: same shapes, a repeating axis
/// of 1, and every lower-rank form against a higher rank.
const BINARY_PAIRS: [(&[usize], &[usize]); 22] = [
    (&[13], &[13]),
    (&[5, 7], &[5, 7]),
    (&[3, 5, 7], &[3, 5, 7]),
    (&[2, 3, 4, 5], &[2, 3, 4, 5]),
    (&[1], &[9]),
    (&[1], &[3, 5, 7]),
    (&[7], &[5, 7]),
    (&[5], &[5, 7]),
    (&[5, 1], &[1, 7]),
    (&[3], &[3, 4, 5]),
    (&[5], &[3, 4, 5]),
    (&[3, 4], &[3, 4, 5]),
    (&[3, 1], &[3, 4, 5]),
    (&[3, 1, 5], &[3, 4, 1]),
    (&[1, 4, 5], &[3, 4, 5]),
    (&[2], &[2, 3, 4, 5]),
    (&[5], &[2, 3, 4, 5]),
    (&[2, 3], &[2, 3, 4, 5]),
    (&[2, 3, 4], &[2, 3, 4, 5]),
    (&[2, 1, 4, 1], &[2, 3, 4, 5]),
    (&[1, 3, 1, 5], &[2, 1, 4, 1]),
    (&[1, 1, 1], &[3, 4, 5]),
];

#[test]
fn binaryop() {
    let mut v = Vec::new();
    for op in 0..=18 {
        let (lo, hi) = binary_range(op);
        for (a, b) in BINARY_PAIRS {
            for (x, y) in [(a, b), (b, a)] {
                v.push(
                    case(
                        format!("binaryop op{op} {x:?} {y:?}"),
                        &[x, y],
                        "BinaryOp",
                        format!("0={op}"),
                    )
                    .range(lo, hi),
                );
            }
        }
        for shape in SHAPES {
            v.push(
                case(
                    format!("binaryop op{op} scalar {shape:?}"),
                    &[shape],
                    "BinaryOp",
                    format!("0={op} 1=1 2=1.3"),
                )
                .range(lo, hi),
            );
        }
    }
    run_cases("binaryop", &v, 1);
    run_cases("binaryop", &v[..v.len() / 4], 2);
}

/// The input range valid for a UnaryOp.
fn unary_range(op: i32) -> (f32, f32) {
    match op {
        5 | 6 | 8 | 15 | 17 => (0.1, 3.0),
        12 | 13 | 26 => (-0.95, 0.95),
        25 => (1.1, 4.0),
        11 => (-1.4, 1.4),
        _ => (-3.0, 3.0),
    }
}

#[test]
fn unaryop() {
    let mut v = Vec::new();
    for op in 0..=27 {
        let (lo, hi) = unary_range(op);
        for shape in SHAPES {
            v.push(
                case(
                    format!("unaryop op{op} {shape:?}"),
                    &[shape],
                    "UnaryOp",
                    format!("0={op}"),
                )
                .range(lo, hi),
            );
        }
    }
    run_cases("unaryop", &v, 1);
}

#[test]
fn activations() {
    // (type, params, input range)
    let acts: &[(&str, &str, (f32, f32))] = &[
        ("GELU", "", (-4.0, 4.0)),
        ("GELU", "0=1", (-4.0, 4.0)),
        ("ELU", "", (-3.0, 3.0)),
        ("ELU", "0=0.7", (-3.0, 3.0)),
        ("SELU", "", (-3.0, 3.0)),
        ("SELU", "0=1.3 1=0.9", (-3.0, 3.0)),
        ("CELU", "", (-3.0, 3.0)),
        ("CELU", "0=0.4", (-3.0, 3.0)),
        ("Erf", "", (-3.0, 3.0)),
        ("Softplus", "", (-5.0, 5.0)),
        ("BNLL", "", (-5.0, 5.0)),
        ("Log", "", (0.1, 3.0)),
        ("Log", "0=2 1=0.5 2=0.3", (0.1, 3.0)),
        ("Log", "0=10 1=-1.5 2=5", (-1.0, 3.0)),
        ("Power", "", (-3.0, 3.0)),
        ("Power", "0=2 1=1.5 2=0.3", (-3.0, 3.0)),
        ("Power", "0=0.5 1=0.7 2=0.2", (0.0, 3.0)),
        ("Power", "0=-1.5 1=2 2=1", (0.1, 3.0)),
        ("Exp", "", (-3.0, 3.0)),
        ("Exp", "0=2 1=0.5 2=0.3", (-3.0, 3.0)),
        ("Threshold", "", (-1.0, 1.0)),
        ("Threshold", "0=0.3", (-1.0, 1.0)),
        ("Shrink", "", (-1.0, 1.0)),
        ("Shrink", "0=0.2 1=0.4", (-1.0, 1.0)),
        ("Shrink", "0=0.5 1=0.1", (-1.0, 1.0)),
    ];
    let mut v = Vec::new();
    for &(kind, params, (lo, hi)) in acts {
        for shape in SHAPES {
            v.push(
                case(format!("{kind} {params} {shape:?}"), &[shape], kind, params).range(lo, hi),
            );
        }
    }
    run_cases("activations", &v, 1);
}

#[test]
fn layernorm_rmsnorm() {
    let mut v = Vec::new();
    let shapes: &[&[usize]] = &[&[11], &[5, 7], &[3, 5, 7], &[2, 3, 4, 5], &[3, 1, 1, 6]];
    for kind in ["LayerNorm", "RMSNorm"] {
        for shape in shapes {
            let r = shape.len();
            let mut sizes = vec![shape[r - 1]];
            if r >= 3 {
                sizes.push(shape[r - 1] * shape[r - 2]);
            }
            if r == 4 {
                sizes.push(shape[1] * shape[2] * shape[3]);
            }
            for size in sizes {
                for (eps, affine) in [("0.001", 1), ("0.01", 0), ("1e-5", 1)] {
                    v.push(
                        case(
                            format!("{kind} {size} {eps} {affine} {shape:?}"),
                            &[shape],
                            kind,
                            format!("0={size} 1={eps} 2={affine}"),
                        )
                        .range(-2.0, 3.0),
                    );
                }
            }
        }
    }
    run_cases("layernorm_rmsnorm", &v, 1);
}

#[test]
fn groupnorm_instancenorm() {
    let mut v = Vec::new();
    let shapes: &[&[usize]] = &[&[12], &[6, 7], &[6, 5, 7], &[4, 3, 4, 5], &[8, 1, 1]];
    for shape in shapes {
        let c = shape[0];
        for group in [1, 2, c] {
            // A group of one value is 0 up to ncnn's rounding (its fused
            // multiply-adds leave ~1e-8 residues that a small eps enlarges).
            if group == c && shape.iter().skip(1).product::<usize>() == 1 {
                continue;
            }
            for (eps, affine) in [("0.001", 1), ("0.01", 0), ("1e-5", 1)] {
                v.push(
                    case(
                        format!("GroupNorm g{group} {eps} {affine} {shape:?}"),
                        &[shape],
                        "GroupNorm",
                        format!("0={group} 1={c} 2={eps} 3={affine}"),
                    )
                    .range(-2.0, 3.0),
                );
            }
        }
        if shape.len() >= 3 {
            for (eps, affine) in [("0.001", 1), ("0.01", 0)] {
                v.push(
                    case(
                        format!("InstanceNorm {eps} {affine} {shape:?}"),
                        &[shape],
                        "InstanceNorm",
                        format!("0={c} 1={eps} 2={affine}"),
                    )
                    .range(-2.0, 3.0),
                );
            }
        }
    }
    for shape in SHAPES {
        for nv in 0..2 {
            for ac in 0..2 {
                v.push(
                    case(
                        format!("MVN {nv} {ac} {shape:?}"),
                        &[shape],
                        "MVN",
                        format!("0={nv} 1={ac} 2=0.001"),
                    )
                    .range(-2.0, 3.0),
                );
            }
        }
    }
    run_cases("groupnorm_instancenorm", &v, 1);
}

#[test]
fn prelu_softmax() {
    let mut v = Vec::new();
    for shape in SHAPES {
        for n in [1, shape[0]] {
            v.push(case(
                format!("PReLU {n} {shape:?}"),
                &[shape],
                "PReLU",
                format!("0={n}"),
            ));
        }
        let r = shape.len() as i32;
        for axis in -r..r {
            v.push(
                case(
                    format!("Softmax {axis} {shape:?}"),
                    &[shape],
                    "Softmax",
                    format!("0={axis} 1=1"),
                )
                .range(-4.0, 4.0),
            );
        }
    }
    for shape in [&[3usize, 5, 7][..], &[2, 3, 4, 5], &[4, 1, 1]] {
        v.push(case(
            format!("Bias {shape:?}"),
            &[shape],
            "Bias",
            format!("0={}", shape[0]),
        ));
    }
    run_cases("prelu_softmax", &v, 1);
}

/// Loads a one-layer net with an input of `shape`; the load error or the
/// forward error (never a panic).
fn load_or_run(kind: &str, params: &str, shapes: &[&[usize]]) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let param = dir.path().join("m.param");
    let mut body = String::new();
    let mut ins = Vec::new();
    for (k, _) in shapes.iter().enumerate() {
        let _ = writeln!(body, "Input in{k} 0 1 in{k}");
        ins.push(format!("in{k}"));
    }
    let _ = writeln!(
        body,
        "{kind} l {} 1 {} out {params}",
        ins.len(),
        ins.join(" ")
    );
    let text = format!("7767517\n{} {}\n{body}", shapes.len() + 1, shapes.len() + 1);
    std::fs::write(&param, text).unwrap();
    let bin = Net::synthetic_bin(&param, 3).map_err(|e| e.to_string())?;
    let binp = dir.path().join("m.bin");
    std::fs::write(&binp, bin).unwrap();
    let net = Net::load_with(&param, Weights::File(&binp), Options::default())
        .map_err(|e| e.to_string())?;
    let mut ex = net.extractor();
    for (k, s) in shapes.iter().enumerate() {
        ex.input(&format!("in{k}"), common::random_mat(s, 5))
            .map_err(|e| e.to_string())?;
    }
    ex.extract("out").map(|_| ()).map_err(|e| e.to_string())
}

fn assert_err(kind: &str, params: &str, shapes: &[&[usize]], needle: &str) {
    match load_or_run(kind, params, shapes) {
        Ok(()) => panic!("{kind} {params} on {shapes:?}: expected an error"),
        Err(e) => assert!(
            e.contains(needle),
            "{kind} {params} on {shapes:?}: error `{e}` lacks `{needle}`"
        ),
    }
}

#[test]
fn bad_params_and_shapes() {
    assert_err("Reduction", "0=11", &[&[3, 4]], "operation");
    assert_err("Reduction", "0=0 1=0 -23303=1,1", &[&[3, 4]], "fixbug0");
    assert_err("Reduction", "0=0 1=0 -23303=1,7 5=1", &[&[3, 4]], "axes");
    assert_err(
        "Reduction",
        "0=0 1=0 -23303=1,2 5=1",
        &[&[3, 4]],
        "out of range",
    );
    assert_err(
        "Reduction",
        "0=0 1=0 -23303=1,-3 5=1",
        &[&[3, 4]],
        "out of range",
    );
}
