//! The data-movement layers (Slice, ShuffleChannel, Interp, Crop,
//! MemoryData, …) against ncnn (PyPI): ncnn's own tested parameter space
//! per layer (its `tests/test_<layer>.cpp`) plus odd shapes of our own,
//! 1-D to 4-D. The cases of one test run as one net (one Input → one layer
//! per case) so that ncnn loads once; each output is compared on its own,
//! within 1e-4·max|ref| + 1e-6 (MemoryData with the same synthetic `.bin`).
//! Bad params and shapes give errors, not panics.

#[path = "common/cases.rs"]
mod cases;
mod common;

use cases::{case, run_cases, Case};
use octet::{Net, Options, Weights};

fn ints(v: &[i32]) -> String {
    let s: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    format!("{},{}", v.len(), s.join(","))
}

fn slice_case(shape: &[usize], slices: &[i32], axis: i32, indices: bool) -> Case {
    let (id, n) = if indices {
        // ncnn's test: one index per output, the last one unused.
        (-23302, slices.len())
    } else {
        (-23300, slices.len())
    };
    let mut c = case(
        format!(
            "slice {shape:?} {} {slices:?} axis {axis}",
            if indices { "indices" } else { "slices" }
        ),
        &[shape],
        "Slice",
        format!("{id}={} 1={axis}", ints(slices)),
    );
    c.outputs = n;
    c
}

#[test]
fn slice() {
    let mut v = Vec::new();
    // ncnn's test_slice: 4-D, 3-D, 2-D, 1-D.
    for s in [[48usize, 36, 32, 30], [51, 32, 30, 36], [60, 36, 32, 30]] {
        for (sl, ax) in [
            (&[-233, -233, -233][..], 0),
            (&[-233, -233, -233], 1),
            (&[-233, -233, -233], -2),
            (&[-233, -233, -233], 3),
            (&[3, 12, 16, -233], 0),
            (&[12, 16, -233], 0),
            (&[32, 8, -233], 0),
            (&[2, 12, 16, -233], 1),
            (&[16, 4, 5, -233], -2),
            (&[8, 2, 16, -233], 3),
        ] {
            v.push(slice_case(&s, sl, ax, false));
        }
        for (ix, ax) in [
            (&[2, -24, -8][..], 0),
            (&[4, 20, 4], 1),
            (&[16, -16], -2),
            (&[1, -12], 3),
        ] {
            v.push(slice_case(&s, ix, ax, true));
        }
    }
    for s in [[48usize, 36, 51], [51, 48, 48], [60, 36, 51]] {
        for (sl, ax) in [
            (&[-233, -233, -233][..], 0),
            (&[-233, -233, -233], 1),
            (&[-233, -233, -233], -1),
            (&[3, 12, 16, -233], 0),
            (&[12, 16, -233], 0),
            (&[32, 8, -233], 0),
            (&[2, 12, 16, -233], 1),
            (&[16, 4, 5, -233], -1),
        ] {
            v.push(slice_case(&s, sl, ax, false));
        }
        for (ix, ax) in [(&[2, -24, -8][..], 0), (&[4, 20, 4], 1), (&[1, -12], 2)] {
            v.push(slice_case(&s, ix, ax, true));
        }
    }
    for s in [[48usize, 36], [51, 48], [60, 36]] {
        for (sl, ax) in [
            (&[-233, -233, -233][..], 0),
            (&[-233, -233, -233], -1),
            (&[3, 12, 16, -233], 0),
            (&[12, 16, -233], 0),
            (&[32, 8, -233], -2),
            (&[2, 12, 16, -233], -1),
        ] {
            v.push(slice_case(&s, sl, ax, false));
        }
        for (ix, ax) in [(&[2, -24, -8][..], 0), (&[1, -12], 1)] {
            v.push(slice_case(&s, ix, ax, true));
        }
    }
    for s in [[48usize], [51], [60]] {
        for (sl, ax) in [
            (&[-233, -233, -233][..], 0),
            (&[3, 12, 16, -233], 0),
            (&[12, 16, -233], 0),
            (&[32, 8, -233], -1),
        ] {
            v.push(slice_case(&s, sl, ax, false));
        }
        v.push(slice_case(&s, &[2, -24, -8], 0, true));
    }
    // Odd shapes: size-1 parts, 4-D depth axis, one output.
    v.push(slice_case(&[3, 5, 1, 7], &[1, 1, -233], 1, false));
    v.push(slice_case(&[5, 3, 2, 7], &[1, 4, 2], -1, false));
    v.push(slice_case(&[5, 3, 2, 7], &[-233, -233], 1, false));
    v.push(slice_case(&[5, 3, 7], &[-233], 0, false));
    v.push(slice_case(&[7, 1, 1], &[1, 2, 3, 1], 0, false));
    v.push(slice_case(&[9], &[4, 0], 0, true));
    run_cases("slice", &v, 1);
    run_cases("slice 2 threads", &v[..20], 2);
}

#[test]
fn shufflechannel() {
    let mut v = Vec::new();
    for s in [
        &[6usize, 7, 5][..],
        &[24, 7, 5],
        &[48, 1, 1],
        &[12, 3, 4, 5],
        &[24, 2, 3, 3],
    ] {
        for g in [1, 2, 3, 4, 6] {
            if s[0] % g != 0 {
                continue;
            }
            for r in [0, 1] {
                v.push(case(
                    format!("shufflechannel {s:?} group {g} reverse {r}"),
                    &[s],
                    "ShuffleChannel",
                    format!("0={g} 1={r}"),
                ));
            }
        }
    }
    run_cases("shufflechannel", &v, 1);
}

fn interp(shape: &[usize], rt: i32, hs: f32, ws: f32, oh: i32, ow: i32, align: i32) -> Case {
    case(
        format!("interp {shape:?} type {rt} scale {hs}x{ws} out {oh}x{ow} align {align}"),
        &[shape],
        "Interp",
        format!("0={rt} 1={hs:e} 2={ws:e} 3={oh} 4={ow} 6={align}"),
    )
}

fn interp_ref(shape: &[usize], rt: i32, reference: &[usize], align: i32) -> Case {
    case(
        format!("interp {shape:?} type {rt} to reference {reference:?} align {align}"),
        &[shape, reference],
        "Interp",
        format!("0={rt} 5=1 6={align}"),
    )
}

#[test]
fn interp_3d() {
    let mut v = Vec::new();
    // ncnn's test_interp_0..2 (3-D) with every type, plus align_corner.
    for s in [[7usize, 16, 15], [12, 17, 14], [32, 14, 13]] {
        for rt in [1, 2, 3] {
            for (hs, ws, oh, ow) in [
                (2.0, 2.0, 0, 0),
                (4.0, 0.5, 0, 0),
                (1.2, 1.2, 0, 0),
                (0.8, 0.8, 0, 0),
                (1.0, 1.0, 10, 12),
                (1.0, 1.0, 2, 2),
                (1.0, 1.0, s[1] as i32, s[2] as i32),
            ] {
                v.push(interp(&s, rt, hs, ws, oh, ow, 0));
                if rt != 1 {
                    v.push(interp(&s, rt, hs, ws, oh, ow, 1));
                }
            }
            for (oh, ow) in [(10, 12), (2, 2), (s[1], s[2])] {
                v.push(interp_ref(&s, rt, &[1, oh, ow], 0));
                if rt != 1 {
                    v.push(interp_ref(&s, rt, &[1, oh, ow], 1));
                }
            }
        }
    }
    // FPN ×2 bilinear on odd sizes, 1×1 and single-row maps.
    for s in [[5usize, 9, 11], [3, 1, 1], [4, 1, 7], [4, 6, 1]] {
        for rt in [1, 2] {
            v.push(interp(&s, rt, 2.0, 2.0, 0, 0, 0));
            v.push(interp(&s, rt, 1.0, 1.0, 13, 3, 0));
        }
    }
    v.push(interp(&[3, 9, 11], 3, 3.0, 0.5, 0, 0, 0));
    v.push(interp(&[3, 9, 11], 2, 1.0, 1.0, 1, 1, 1));
    run_cases("interp_3d", &v, 1);
    run_cases("interp_3d 2 threads", &v[..30], 2);
}

#[test]
fn interp_1d_2d() {
    let mut v = Vec::new();
    for s in [[17usize, 15], [14, 16], [13, 17]] {
        for rt in [1, 2, 3] {
            for (ws, ow) in [
                (2.0, 0),
                (0.5, 0),
                (1.2, 0),
                (0.8, 0),
                (1.0, 12),
                (1.0, 2),
                (1.0, s[1] as i32),
            ] {
                v.push(interp(&s, rt, 1.0, ws, 0, ow, 0));
                if rt != 1 {
                    v.push(interp(&s, rt, 1.0, ws, 0, ow, 1));
                }
            }
            for ow in [12, 2, s[1]] {
                v.push(interp_ref(&s, rt, &[1, ow], 0));
            }
        }
    }
    // 1-D: channels of outh × outw filled with each value.
    for rt in [1, 2, 3] {
        v.push(interp(&[15], rt, 2.0, 3.0, 0, 0, 0));
        v.push(interp(&[7], rt, 1.0, 1.0, 4, 5, 0));
        v.push(interp_ref(&[6], rt, &[1, 3, 2], 0));
    }
    run_cases("interp_1d_2d", &v, 1);
}

#[allow(clippy::too_many_arguments)]
fn crop(shape: &[usize], p: [i32; 12]) -> Case {
    let [wo, ho, dof, co, ow, oh, od, oc, wo2, ho2, do2, co2] = p;
    case(
        format!("crop {shape:?} {p:?}"),
        &[shape],
        "Crop",
        format!("0={wo} 1={ho} 13={dof} 2={co} 3={ow} 4={oh} 14={od} 5={oc} 6={wo2} 7={ho2} 15={do2} 8={co2}"),
    )
}

fn crop_np(shape: &[usize], starts: &[i32], ends: &[i32], axes: &[i32]) -> Case {
    let ax = if axes.is_empty() {
        String::new()
    } else {
        format!(" -23311={}", ints(axes))
    };
    case(
        format!("crop {shape:?} starts {starts:?} ends {ends:?} axes {axes:?}"),
        &[shape],
        "Crop",
        format!("-23309={} -23310={}{ax}", ints(starts), ints(ends)),
    )
}

#[test]
fn crop_params() {
    let mut v = Vec::new();
    const A: i32 = -233;
    // ncnn's test_crop_0 (1-D), _1 (2-D), _2 (3-D) and _3 (4-D), abridged.
    for s in [[112usize], [126], [127]] {
        for p in [
            [0, 0, 0, 0, A, 0, 0, 0, 0, 0, 0, 0],
            [11, 0, 0, 0, A, 0, 0, 0, 0, 0, 0, 0],
            [11, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0],
            [12, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0],
            [16, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0],
            [11, 0, 0, 0, A, 0, 0, 0, 12, 0, 0, 0],
            [12, 0, 0, 0, A, 0, 0, 0, 16, 0, 0, 0],
            [16, 0, 0, 0, A, 0, 0, 0, 7, 0, 0, 0],
        ] {
            v.push(crop(&s, p));
        }
    }
    for s in [[40usize, 32], [28, 44], [33, 37]] {
        for p in [
            [0, 0, 0, 0, A, A, 0, 0, 0, 0, 0, 0],
            [5, 0, 0, 0, A, A, 0, 0, 0, 0, 0, 0],
            [0, 11, 0, 0, A, A, 0, 0, 0, 0, 0, 0],
            [6, 12, 0, 0, A, A, 0, 0, 0, 0, 0, 0],
            [5, 0, 0, 0, 5, A, 0, 0, 0, 0, 0, 0],
            [0, 11, 0, 0, A, 12, 0, 0, 0, 0, 0, 0],
            [5, 11, 0, 0, 4, 16, 0, 0, 0, 0, 0, 0],
            [5, 0, 0, 0, A, A, 0, 0, 5, 0, 0, 0],
            [0, 11, 0, 0, A, A, 0, 0, 0, 12, 0, 0],
            [5, 11, 0, 0, A, A, 0, 0, 4, 16, 0, 0],
        ] {
            v.push(crop(&s, p));
        }
    }
    for s in [[32usize, 14, 13], [24, 15, 17], [28, 16, 15]] {
        for p in [
            [0, 0, 0, 0, A, A, 0, A, 0, 0, 0, 0],
            [6, 0, 0, 0, A, A, 0, A, 0, 0, 0, 0],
            [0, 5, 0, 12, A, A, 0, A, 0, 0, 0, 0],
            [6, 6, 0, 12, A, A, 0, A, 0, 0, 0, 0],
            [5, 0, 0, 0, 6, A, 0, A, 0, 0, 0, 0],
            [0, 0, 0, 11, A, A, 0, 7, 0, 0, 0, 0],
            [0, 5, 0, 11, A, 6, 0, 12, 0, 0, 0, 0],
            [5, 5, 0, 0, 4, 4, 0, A, 0, 0, 0, 0],
            [5, 0, 0, 11, A, A, 0, A, 4, 0, 0, 8],
            [0, 4, 0, 8, A, A, 0, A, 0, 5, 0, 8],
        ] {
            v.push(crop(&s, p));
        }
    }
    for s in [[16usize, 11, 12, 13], [15, 12, 11, 14]] {
        for p in [
            [0, 0, 0, 0, A, A, A, A, 0, 0, 0, 0],
            [6, 0, 0, 0, A, A, A, A, 0, 0, 0, 0],
            [0, 5, 4, 0, A, A, A, A, 0, 0, 0, 0],
            [0, 0, 3, 5, A, A, 4, 7, 0, 0, 0, 0],
            [5, 5, 5, 5, 4, 4, 4, 4, 0, 0, 0, 0],
            [1, 2, 3, 4, A, A, A, A, 2, 3, 4, 5],
            [0, 0, 0, 0, 5, A, A, A, 0, 0, 0, 0],
        ] {
            v.push(crop(&s, p));
        }
    }
    // numpy-style slices: negative starts/ends, -233, INT_MAX ends, axes.
    const M: i32 = i32::MAX;
    for (s, st, en, ax) in [
        (&[112usize][..], &[11][..], &[-7][..], &[][..]),
        (&[112], &[-20], &[M], &[0]),
        (&[40, 32], &[5, 6], &[-3, M], &[]),
        (&[40, 32], &[-12], &[-233], &[-1]),
        (&[40, 32], &[2], &[9], &[0]),
        (&[32, 14, 13], &[3, 2, 1], &[20, -3, 12], &[]),
        (&[32, 14, 13], &[-233, 4], &[-233, M], &[1, 2]),
        (&[32, 14, 13], &[5], &[-5], &[-3]),
        (&[32, 14, 13], &[1, 2], &[7, 0], &[2, 0]),
        (&[16, 11, 12, 13], &[1, 2, 3, 4], &[10, 9, -1, M], &[]),
        (&[16, 11, 12, 13], &[-5, 2], &[M, 7], &[1, -1]),
        (&[16, 11, 12, 13], &[3], &[12], &[0]),
    ] {
        v.push(crop_np(s, st, en, ax));
    }
    run_cases("crop_params", &v, 1);
}

#[test]
fn crop_reference() {
    let mut v = Vec::new();
    for (s, r, off) in [
        (&[112usize][..], &[40usize][..], "0=11"),
        (&[40, 32], &[20, 16], "0=5 1=11"),
        (&[32, 14, 13], &[6, 7], "0=4 1=2"),
        (&[32, 14, 13], &[6, 7, 8], "0=4 1=2 2=7"),
        (&[16, 11, 12, 13], &[5, 6, 7, 8], "0=1 1=2 13=3 2=4"),
        (&[16, 11, 12, 13], &[6, 7, 8], "0=1 1=2 13=3"),
    ] {
        v.push(case(
            format!("crop {s:?} to reference {r:?} {off}"),
            &[s, r],
            "Crop",
            off,
        ));
    }
    run_cases("crop_reference", &v, 1);
}

/// Shape expressions (pnnx's dynamic shapes): Crop `19=` `20=` `21=` and
/// Interp `9=`, of one input and of two.
#[test]
fn shape_expressions() {
    let v = vec![
        case(
            "crop expr half",
            &[&[4, 10, 12]],
            "Crop",
            r#"19="0,0" 20="//(0h,2),-1" 21="1,2""#,
        ),
        case(
            "crop expr negative start, every axis",
            &[&[6, 9, 11]],
            "Crop",
            // ncnn needs 21= with 19= and 20= (it reads an empty axes
            // expression out of bounds); Octet takes every axis then.
            r#"19="1,-(0h,5),2" 20="-233,-1,+(2,3)" 21="0,1,2""#,
        ),
        case(
            "crop expr to a second input",
            &[&[5, 12, 14], &[3, 7, 9]],
            "Crop",
            r#"19="1,1" 20="+(1h,1),+(1w,1)" 21="-2,-1""#,
        ),
        case(
            "crop expr 4-D",
            &[&[3, 6, 5, 8]],
            "Crop",
            r#"19="1,2" 20="0d,*(2,3)" 21="1,3""#,
        ),
        case(
            "interp expr",
            &[&[3, 5, 7]],
            "Interp",
            r#"0=2 9="*(0w,2),+(0h,3)""#,
        ),
        case(
            "interp expr one size",
            &[&[3, 5, 7]],
            "Interp",
            r#"0=1 9="+(0w,4)""#,
        ),
        case(
            "interp expr of a second input",
            &[&[3, 5, 7], &[2, 9, 11]],
            "Interp",
            r#"0=2 6=1 9="1w,1h""#,
        ),
        case(
            "interp expr bicubic",
            &[&[2, 6, 6]],
            "Interp",
            r#"0=3 9="//(*(0w,3),2),//(*(0h,3),2)""#,
        ),
    ];
    run_cases("shape_expressions", &v, 1);
}

#[test]
fn memorydata() {
    let mut v = Vec::new();
    for p in [
        "0=7",
        "0=5 1=3",
        "0=4 1=3 2=6",
        "0=3 1=2 11=4 2=5",
        "0=1 1=1 2=1",
    ] {
        let mut c = case(format!("memorydata {p}"), &[], "MemoryData", p);
        c.inputs.clear();
        v.push(c);
    }
    run_cases("memorydata", &v, 1);
}

/// Runs `layer` (reading `in0`) on an input of `shape` and returns the error.
fn error_of(shape: &[usize], layer: &str) -> Option<String> {
    let t: Vec<&str> = layer.split_whitespace().collect();
    let text = format!(
        "7767517\n2 {}\nInput in0 0 1 in0\n{layer}\n",
        1 + t[3].parse::<usize>().unwrap()
    );
    let net = match Net::from_param_bytes(
        text.as_bytes(),
        "case",
        Weights::Synthetic { seed: 3 },
        Options::default(),
    ) {
        Ok(n) => n,
        Err(e) => return Some(e.to_string()),
    };
    let mut ex = net.extractor();
    ex.input("in0", common::random_mat(shape, 5)).unwrap();
    ex.extract("out").err().map(|e| e.to_string())
}

#[test]
fn bad_params_and_shapes_are_errors() {
    let bad: &[(&[usize], &str, &str)] = &[
        (&[6, 4, 4], "Slice l 1 2 in0 out o2", "neither"),
        (&[6, 4, 4], "Slice l 1 2 in0 out o2 -23300=2,3,0", "-233"),
        (
            &[6, 4, 4],
            "Slice l 1 2 in0 out o2 -23300=2,3,3 1=5",
            "axis",
        ),
        (&[6, 4], "Slice l 1 2 in0 out o2 -23300=2,3,3 1=2", "axis"),
        (&[6, 4, 4], "Slice l 1 2 in0 out o2 -23300=2,4,3", "size"),
        (
            &[6, 4, 4],
            "Slice l 1 3 in0 out o2 o3 -23300=2,3,3",
            "slices",
        ),
        (
            &[6, 4, 4],
            "Slice l 1 3 in0 out o2 o3 -23302=1,2",
            "indices",
        ),
        (&[6, 4, 4], "Slice l 1 2 in0 out o2 -23302=1,9", "size"),
        (&[6, 4, 4], "ShuffleChannel l 1 1 in0 out 0=0", "group"),
        (&[6, 4, 4], "ShuffleChannel l 1 1 in0 out 0=4", "group"),
        (&[6, 4, 4], "Interp l 1 1 in0 out 0=4", "resize_type"),
        (&[6, 4, 4], "Interp l 1 1 in0 out 0=2 3=-1 4=3", "negative"),
        (
            &[6, 4, 4],
            "Interp l 1 1 in0 out 0=2 1=0.0 2=0.0",
            "positive",
        ),
        (&[6, 4, 4], "Interp l 1 1 in0 out 0=2 5=1", "second input"),
        (
            &[6, 4, 4],
            "Interp l 1 1 in0 out 0=1 3=1000000 4=1000000",
            "too large",
        ),
        (
            &[6, 4, 4],
            "Interp l 1 1 in0 out 0=0 1=2.0 2=2.0",
            "resize_type 0",
        ),
        (&[6, 4, 4], "Interp l 1 1 in0 out 0=2 9=\"x\"", "expression"),
        (&[6, 4, 4, 4], "Interp l 1 1 in0 out 0=2 1=2.0 2=2.0", "4"),
        (&[6, 4, 4], "Crop l 1 1 in0 out", "second input"),
        (&[6, 4, 4], "Crop l 1 1 in0 out 0=3 3=3", "fit"),
        (&[6, 4, 4], "Crop l 1 1 in0 out 0=-1 3=2", "negative"),
        (&[6, 4, 4], "Crop l 1 1 in0 out 3=-5", "-233"),
        (
            &[6, 4, 4],
            "Crop l 1 1 in0 out -23309=1,1 -23310=2,1,2",
            "length",
        ),
        (
            &[6, 4, 4],
            "Crop l 1 1 in0 out -23309=1,1 -23310=1,2 -23311=1,3",
            "axis",
        ),
        (
            &[6, 4, 4],
            "Crop l 1 1 in0 out -23309=1,3 -23310=1,2 -23311=1,0",
            "fit",
        ),
        (
            &[6, 4, 4],
            "Crop l 1 1 in0 out -23309=1,-9 -23310=1,2 -23311=1,1",
            "fit",
        ),
        (
            &[6, 4, 4],
            "Crop l 1 1 in0 out -23309=1,3 -23310=1,2",
            "one per axis",
        ),
        (&[6, 4, 4], "MemoryData l 0 1 out 0=-3", "negative"),
        (&[6, 4, 4], "MemoryData l 0 1 out 0=3 21=4", "load_type"),
        (
            &[6, 4, 4],
            "PixelShuffle l 1 1 in0 out 0=0",
            "upscale_factor",
        ),
        (&[6, 4, 4], "PixelShuffle l 1 1 in0 out 0=3", "channels"),
        (&[6, 4, 4], "PixelShuffle l 1 1 in0 out 0=2 1=2", "mode"),
        (&[6, 4, 4], "Reorg l 1 1 in0 out 0=5", "larger"),
        (&[6, 4, 4], "Reorg l 1 1 in0 out 0=-1", "stride"),
        (&[6, 4, 4], "Squeeze l 1 1 in0 out -23303=1,3", "axis"),
        (&[6, 4, 4], "Squeeze l 1 1 in0 out -23303=1,9", "axis"),
        (&[6, 4, 4], "ExpandDims l 1 1 in0 out -23303=2,0,1", "4"),
        (&[6, 4], "ExpandDims l 1 1 in0 out -23303=1,5", "axis"),
        (&[6, 4], "ExpandDims l 1 1 in0 out -23303=2,0,0", "twice"),
        (&[6, 4], "Flip l 1 1 in0 out -23300=1,2", "axis"),
        (&[6, 4], "Tile l 1 1 in0 out 0=0 1=0", "tiles"),
        (&[6, 4], "Tile l 1 1 in0 out 0=2 1=2", "axis"),
        (&[6, 4], "Tile l 1 1 in0 out -23302=2,1,-1", "repeats"),
        (&[6, 4], "Tile l 1 1 in0 out -23302=5,1,1,1,1,1", "repeats"),
    ];
    for (shape, layer, want) in bad {
        let e = error_of(shape, layer).unwrap_or_else(|| panic!("`{layer}` on {shape:?} ran"));
        assert!(
            e.contains(want),
            "`{layer}` on {shape:?}: error `{e}` does not mention `{want}`"
        );
        assert!(!e.contains("internal error"), "`{layer}`: a panic: {e}");
    }
}

#[test]
fn pixelshuffle_reorg() {
    let mut v = Vec::new();
    for (s, r) in [
        (&[16usize, 5, 7][..], 2),
        (&[18, 3, 4], 3),
        (&[17, 4, 3], 2),
        (&[4, 1, 1], 2),
        (&[9, 2, 2], 1),
    ] {
        for mode in [0, 1] {
            v.push(case(
                format!("pixelshuffle {s:?} r{r} mode {mode}"),
                &[s],
                "PixelShuffle",
                format!("0={r} 1={mode}"),
            ));
        }
    }
    for (s, r) in [
        (&[3usize, 8, 6][..], 2),
        (&[2, 9, 7], 3),
        (&[5, 7, 9], 2),
        (&[1, 4, 4], 4),
        (&[6, 12], 2),
    ] {
        for mode in [0, 1] {
            v.push(case(
                format!("reorg {s:?} s{r} mode {mode}"),
                &[s],
                "Reorg",
                format!("0={r} 1={mode}"),
            ));
        }
    }
    run_cases("pixelshuffle_reorg", &v, 1);
}

#[test]
fn squeeze_expanddims_flip_tile_deepcopy() {
    let mut v = Vec::new();
    let shapes: &[&[usize]] = &[
        &[1],
        &[7],
        &[1, 5],
        &[4, 1],
        &[1, 1],
        &[1, 3, 1],
        &[2, 1, 5],
        &[1, 1, 1],
        &[1, 3, 1, 4],
        &[2, 1, 1, 1],
    ];
    for s in shapes {
        for p in [
            "0=1 1=1 11=1 2=1",
            "0=1",
            "1=1 2=1",
            "11=1",
            "-23303=1,0",
            "-23303=2,-1,0",
            "-23303=1,1",
        ] {
            if s.len() == 1 && p.ends_with("1,1") {
                continue; // an axis the blob lacks: ncnn ignores it, Octet refuses
            }
            v.push(case(format!("squeeze {s:?} {p}"), &[s], "Squeeze", p));
        }
        v.push(case(format!("deepcopy {s:?}"), &[s], "DeepCopy", ""));
    }
    for (s, p) in [
        (&[7usize][..], "-23303=1,0"),
        (&[7], "-23303=1,1"),
        (&[7], "-23303=2,0,2"),
        (&[7], "-23303=3,0,1,3"),
        (&[7], "-23303=2,-1,0"),
        (&[3, 5], "-23303=1,0"),
        (&[3, 5], "-23303=1,2"),
        (&[3, 5], "-23303=2,1,3"),
        (&[3, 5], "-23303=2,0,1"),
        (&[2, 3, 5], "-23303=1,0"),
        (&[2, 3, 5], "-23303=1,-1"),
        (&[2, 3, 5], "-23303=1,2"),
    ] {
        v.push(case(format!("expanddims {s:?} {p}"), &[s], "ExpandDims", p));
    }
    for (s, axes) in [
        (&[9usize][..], &[0][..]),
        (&[4, 7], &[0]),
        (&[4, 7], &[1]),
        (&[4, 7], &[0, -1]),
        (&[3, 4, 7], &[0]),
        (&[3, 4, 7], &[1, 2]),
        (&[3, 4, 7], &[-1, 0, 1]),
        (&[2, 3, 4, 5], &[1]),
        (&[2, 3, 4, 5], &[0, 3]),
        (&[2, 3, 4, 5], &[0, 1, 2, 3]),
    ] {
        v.push(case(
            format!("flip {s:?} {axes:?}"),
            &[s],
            "Flip",
            format!("-23300={}", ints(axes)),
        ));
    }
    for (s, p) in [
        (&[9usize][..], "0=0 1=3"),
        (&[4, 7], "0=0 1=2"),
        (&[4, 7], "0=1 1=3"),
        (&[3, 4, 7], "0=0 1=2"),
        (&[3, 4, 7], "0=1 1=3"),
        (&[3, 4, 7], "0=2 1=2"),
        (&[2, 3, 4, 5], "0=1 1=2"),
        (&[2, 3, 4, 5], "0=3 1=2"),
        (&[9], "-23302=1,3"),
        (&[9], "-23302=2,2,3"),
        (&[9], "-23302=3,2,1,2"),
        (&[4, 7], "-23302=2,2,3"),
        (&[4, 7], "-23302=1,2"),
        (&[4, 7], "-23302=3,3,1,2"),
        (&[3, 4, 7], "-23302=3,2,1,3"),
        (&[3, 4, 7], "-23302=2,2,2"),
        (&[3, 4, 7], "-23302=4,2,1,1,2"),
        (&[2, 3, 4, 5], "-23302=4,2,1,2,3"),
        (&[2, 3, 4, 5], "-23302=3,2,1,2"),
        (&[2, 3, 4, 5], "-23302=2,3,2"),
        (&[3, 4, 7], "-23302=3,1,1,1"),
    ] {
        v.push(case(format!("tile {s:?} {p}"), &[s], "Tile", p));
    }
    run_cases("squeeze_expanddims_flip_tile_deepcopy", &v, 1);
}

fn pick(rng: &mut octet::modelbin::SplitMix64, n: usize) -> usize {
    (rng.next_u64() % n as u64) as usize
}

/// Random params (scalars, arrays, `-233`, negatives) and random 1-D..4-D
/// shapes for every data-movement layer: each runs or fails with an error,
/// never a panic (which the net reports as an internal error).
#[test]
fn random_params_never_panic() {
    let kinds = [
        "Slice",
        "ShuffleChannel",
        "Interp",
        "Crop",
        "MemoryData",
        "PixelShuffle",
        "Reorg",
        "Squeeze",
        "ExpandDims",
        "Flip",
        "Tile",
        "DeepCopy",
    ];
    let mut rng = octet::modelbin::SplitMix64::new(91);
    let mut ran = 0;
    let n = 4000;
    for i in 0..n {
        let kind = kinds[i % kinds.len()];
        let mut shapes: Vec<Vec<usize>> = Vec::new();
        let nin = match kind {
            "MemoryData" => 0,
            "Crop" | "Interp" => 1 + pick(&mut rng, 2),
            _ => 1,
        };
        for _ in 0..nin {
            let dims = 1 + pick(&mut rng, 4);
            shapes.push((0..dims).map(|_| 1 + pick(&mut rng, 9)).collect());
        }
        let nout = if kind == "Slice" {
            1 + pick(&mut rng, 3)
        } else {
            1
        };
        let mut params = String::new();
        for _ in 0..1 + pick(&mut rng, 4) {
            let ids = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 13, 14, 15, 21];
            let id = ids[pick(&mut rng, ids.len())];
            let v = match pick(&mut rng, 8) {
                0 => -233,
                1 => -1,
                2 => -5,
                _ => pick(&mut rng, 6) as i32,
            };
            if kind == "Interp" && (id == 1 || id == 2) {
                params.push_str(&format!(" {id}={:e}", rng.uniform(-0.5, 3.0)));
            } else {
                params.push_str(&format!(" {id}={v}"));
            }
        }
        if pick(&mut rng, 2) == 0 {
            for _ in 0..1 + pick(&mut rng, 2) {
                let ids = [0, 2, 3, 9, 10, 11];
                let id = ids[pick(&mut rng, ids.len())];
                let len = pick(&mut rng, 5);
                let v: Vec<String> = (0..len)
                    .map(|_| match pick(&mut rng, 6) {
                        0 => "-233".to_string(),
                        1 => "2147483647".to_string(),
                        _ => (pick(&mut rng, 12) as i32 - 4).to_string(),
                    })
                    .collect();
                let sep = if len > 0 { "," } else { "" };
                params.push_str(&format!(" {}={len}{sep}{}", -23300 - id, v.join(",")));
            }
        }
        let ins: Vec<String> = (0..nin).map(|k| format!("in{k}")).collect();
        let outs: Vec<String> = (0..nout).map(|k| format!("out{k}")).collect();
        let mut text = format!("7767517\n{} {}\n", nin + 1, nin + nout);
        for n in &ins {
            text.push_str(&format!("Input {n} 0 1 {n}\n"));
        }
        text.push_str(&format!(
            "{kind} l {nin} {nout} {} {}{params}\n",
            ins.join(" "),
            outs.join(" ")
        ));
        let Ok(net) = Net::from_param_bytes(
            text.as_bytes(),
            "fuzz",
            Weights::Synthetic { seed: i as u64 },
            Options {
                use_int8: false,
                num_threads: 1 + i % 2,
                ..Options::default()
            },
        ) else {
            continue;
        };
        let mut ex = net.extractor();
        for (k, s) in shapes.iter().enumerate() {
            ex.input(&ins[k], common::random_mat(s, i as u64)).unwrap();
        }
        let names: Vec<&str> = outs.iter().map(String::as_str).collect();
        match ex.extract_many(&names) {
            Ok(_) => ran += 1,
            Err(e) => {
                let e = e.to_string();
                if std::env::var_os("FUZZ_DEBUG").is_some() {
                    eprintln!("ERR {kind}: {e}");
                }
                assert!(!e.contains("internal error"), "{text}on {shapes:?}: {e}");
            }
        }
    }
    eprintln!("{ran} of {n} random layers ran, the rest failed with errors");
    assert!(ran > n / 5, "only {ran} random layers ran");
}

/// The real detectors these layers complete (`../shared/real-models/`):
/// NanoDet-m (ShuffleChannel, Crop slices, bilinear Interp), PP-OCRv5's
/// text detector (nearest Interp ×2/×4/×8) and RetinaFace (nearest Interp
/// then Crop to the lateral map, on an odd input size) with their real
/// weights, every output against ncnn.
#[test]
fn real_detectors_equal_ncnn() {
    let Some(shared) = common::shared_or_skip("real_detectors_equal_ncnn") else {
        return;
    };
    if !common::ncnn_or_skip("real_detectors_equal_ncnn") {
        return;
    }
    let models: &[(&str, &str, &[usize])] = &[
        ("nanodet/nanodet_m", "input.1", &[3, 320, 320]),
        ("ppocr/PP_OCRv5_mobile_det.ncnn", "in0", &[3, 256, 320]),
        ("retinaface/mnet.25-opt", "data", &[3, 300, 300]),
    ];
    for (stem, input, shape) in models {
        let param = shared.join(format!("real-models/{stem}.param"));
        let bin = shared.join(format!("real-models/{stem}.bin"));
        let opt = Options {
            use_int8: false,
            ..Options::default()
        };
        let net = Net::load_with(&param, Weights::File(&bin), opt)
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        let x = common::random_mat(shape, 3);
        let outs = net.output_names();
        let names: Vec<&str> = outs.iter().map(String::as_str).collect();
        let mut ex = net.extractor();
        ex.input(input, x.clone()).unwrap();
        let ours = ex
            .extract_many(&names)
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        let dir = tempfile::tempdir().unwrap();
        let theirs = common::run_ncnn(dir.path(), &param, &bin, &[(input, &x)], &names, false);
        for ((n, o), (rshape, r)) in names.iter().zip(&ours).zip(&theirs) {
            assert_eq!(&o.shape(), rshape, "{stem}: {n} shape");
            let (d, m) = common::max_diff(&o.to_vec(), r);
            eprintln!("{stem}: {n}: max|diff| {d:e}, max|ref| {m:e}");
            assert!(
                d <= 1e-4 * m + 1e-6,
                "{stem}: {n}: max|diff| {d} vs max|ref| {m}"
            );
        }
    }
}
