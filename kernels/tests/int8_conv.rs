//! int8 convolution against the naive exact reference: every algorithm and
//! every micro-kernel implementation this CPU runs, random shapes (odd
//! channel counts, padding, strides, dilation, groups), saturated values,
//! all-zero weight channels with scale 0, fp32 / int8 / int32 outputs.

mod int8_common;

use int8_common::{expect_f32, expect_i8, mul_of, pad, Rng};
use octet_kernels::int8::{Border, Conv2dI8, Int8Algo, Int8Kernels, Int8Output};
use octet_kernels::reference::conv2d_i8;
use octet_kernels::{Activation, ConvGeometry, Planes, PlanesMut};
use octet_kernels::{KernelSet, Ops};

struct Case {
    geom: ConvGeometry,
    w: usize,
    h: usize,
    pad: [usize; 4],
    weights: Vec<i8>,
    scales: Vec<f32>,
    bias: Option<Vec<f32>>,
    act: Activation,
    input: Vec<i8>,
    /// The input before padding, and the padding's value.
    raw: Vec<i8>,
    pad_value: i8,
    pw: usize,
    ph: usize,
    in_scale: f32,
}

impl Case {
    /// A random case; `sat` makes inputs and weights saturated (±127, and
    /// -128 inputs) instead of uniform.
    fn new(
        rng: &mut Rng,
        geom: ConvGeometry,
        w: usize,
        h: usize,
        pad4: [usize; 4],
        sat: bool,
    ) -> Case {
        let per = geom.weight_len() / geom.out_c;
        let mut weights = if sat {
            (0..geom.weight_len())
                .map(|_| if rng.int(0, 1) == 0 { 127 } else { -127 })
                .collect()
        } else {
            rng.i8s(geom.weight_len(), -127, 127)
        };
        let mut scales: Vec<f32> = (0..geom.out_c).map(|_| rng.f32(20.0, 200.0)).collect();
        // An all-zero output channel with a zero scale (as calibration writes it).
        if geom.out_c > 1 {
            let z = rng.int(0, geom.out_c as i64 - 1) as usize;
            weights[z * per..(z + 1) * per].fill(0);
            scales[z] = 0.0;
        }
        let input = if sat {
            (0..geom.in_c * w * h)
                .map(|_| [127i8, -127, -128][rng.int(0, 2) as usize])
                .collect()
        } else {
            rng.i8s(geom.in_c * w * h, -128, 127)
        };
        let pad_value = rng.int(-20, 20) as i8;
        let [t, b, l, r] = pad4;
        let raw = input;
        let (input, pw, ph) = pad(&raw, w, h, geom.in_c, t, b, l, r, pad_value);
        let bias = if rng.int(0, 3) == 0 {
            None
        } else {
            Some((0..geom.out_c).map(|_| rng.f32(-2.0, 2.0)).collect())
        };
        let act = [
            Activation::None,
            Activation::Relu,
            Activation::LeakyRelu(0.1),
            Activation::Clip(-1.5, 3.0),
        ][rng.int(0, 3) as usize];
        Case {
            geom,
            w,
            h,
            pad: pad4,
            weights,
            scales,
            bias,
            act,
            input,
            raw,
            pad_value,
            pw,
            ph,
            in_scale: rng.f32(10.0, 60.0),
        }
    }

    fn planes(&self) -> Planes<'_, i8> {
        Planes::new(
            &self.input,
            self.pw,
            self.ph,
            self.geom.in_c,
            self.pw * self.ph,
        )
    }

    fn build(&self, algo: Int8Algo, kern: &'static Int8Kernels) -> Conv2dI8 {
        Conv2dI8::with_kernels(
            self.geom,
            &self.weights,
            &self.scales,
            self.bias.as_deref(),
            self.act,
            algo,
            None,
            kern,
        )
        .unwrap()
    }

    fn name(&self) -> String {
        format!(
            "{:?} in {}x{} pad {:?} act {:?}",
            self.geom, self.w, self.h, self.pad, self.act
        )
    }
}

/// Runs `case` with `algo` on every available implementation and thread
/// count, checks every output against the reference and the implementations
/// against each other (bit for bit). Returns the algorithm that ran on the
/// portable implementation (under `Auto` the x86 VNNI one may pick another,
/// see `choose_int8_algo_for`).
fn check(case: &Case, algo: Int8Algo) -> Int8Algo {
    let g = &case.geom;
    let (sums, outw, outh) = conv2d_i8(case.planes(), g, &case.weights);
    let n = outw * outh;
    let out_scale = 0.37f32;
    let mut ran = None;
    let mut first: Option<(Vec<u32>, Vec<i8>)> = None;
    for kern in Int8Kernels::available() {
        for threads in [1, 3] {
            let conv = case.build(algo, kern);
            match ran {
                Some(a) if algo != Int8Algo::Auto => {
                    assert_eq!(conv.algo(), a, "algorithm differs by kern")
                }
                Some(_) => {}
                None => ran = Some(conv.algo()),
            }
            let mut o32 = vec![0i32; g.out_c * n];
            conv.forward(
                case.planes(),
                case.in_scale,
                Int8Output::I32(PlanesMut::new(&mut o32, outw, outh, g.out_c, n)),
                threads,
            );
            assert_eq!(
                o32,
                sums,
                "int32 sums, {kern:?} {:?} {}",
                conv.algo(),
                case.name()
            );
            if conv.pads_itself() {
                // The same sums with the kernel adding the border itself.
                let [top, bottom, left, right] = case.pad;
                let border = Border {
                    top,
                    bottom,
                    left,
                    right,
                    value: case.pad_value,
                };
                let raw = Planes::new(&case.raw, case.w, case.h, g.in_c, case.w * case.h);
                o32.fill(0x5a5a5a5a);
                conv.forward_bordered(
                    raw,
                    border,
                    case.in_scale,
                    Int8Output::I32(PlanesMut::new(&mut o32, outw, outh, g.out_c, n)),
                    threads,
                );
                assert_eq!(
                    o32,
                    sums,
                    "int32 sums with the border added by the kernel, {kern:?} {:?} {}",
                    conv.algo(),
                    case.name()
                );
            }
            // fp32 output with a padded channel step.
            let cstep = n + 3;
            let mut of = vec![f32::NAN; g.out_c * cstep];
            conv.forward(
                case.planes(),
                case.in_scale,
                Int8Output::F32(PlanesMut::new(&mut of, outw, outh, g.out_c, cstep)),
                threads,
            );
            let mut oi = vec![99i8; g.out_c * n];
            conv.forward(
                case.planes(),
                case.in_scale,
                Int8Output::I8 {
                    out: PlanesMut::new(&mut oi, outw, outh, g.out_c, n),
                    scale: out_scale,
                },
                threads,
            );
            for p in 0..g.out_c {
                let mul = mul_of(case.in_scale, case.scales[p]);
                let bias = case.bias.as_ref().map_or(0.0, |b| b[p]);
                for i in 0..n {
                    let s = sums[p * n + i];
                    let e = expect_f32(s, mul, bias, case.act);
                    let got = of[p * cstep + i];
                    assert!(
                        got == e,
                        "fp32 out p{p} i{i}: {got} vs {e}, {kern:?} {:?} {}",
                        conv.algo(),
                        case.name()
                    );
                    let e = expect_i8(s, mul, bias, case.act, out_scale);
                    assert_eq!(
                        oi[p * n + i],
                        e,
                        "int8 out p{p} i{i}, {kern:?} {}",
                        case.name()
                    );
                }
                if case.scales[p] == 0.0 {
                    assert!(of[p * cstep..p * cstep + n].iter().all(|v| v.is_finite()));
                }
            }
            let bits: Vec<u32> = (0..g.out_c)
                .flat_map(|p| of[p * cstep..p * cstep + n].iter().map(|v| v.to_bits()))
                .collect();
            match &first {
                None => first = Some((bits, oi)),
                Some((b0, i0)) => {
                    assert!(
                        *b0 == bits,
                        "fp32 bits differ from the first implementation, {kern:?} {}",
                        case.name()
                    );
                    assert!(
                        *i0 == oi,
                        "int8 differs from the first implementation, {kern:?} {}",
                        case.name()
                    );
                }
            }
        }
    }
    ran.unwrap()
}

fn geom(in_c: usize, out_c: usize, k: usize, s: usize) -> ConvGeometry {
    ConvGeometry::simple(in_c, out_c, k, s)
}

#[test]
fn gemm_matches_reference_on_random_shapes() {
    let mut rng = Rng(1);
    let shapes = [
        (geom(3, 5, 1, 1), 7, 5, [0, 0, 0, 0]),
        (geom(17, 13, 1, 1), 9, 6, [0, 0, 0, 0]),
        (geom(16, 16, 1, 1), 8, 8, [0, 0, 0, 0]),
        (geom(33, 7, 1, 2), 9, 9, [0, 0, 0, 0]),
        (geom(3, 8, 3, 2), 11, 9, [1, 1, 1, 1]),
        (geom(5, 9, 3, 1), 6, 7, [1, 1, 1, 1]),
        (geom(7, 6, 5, 1), 9, 8, [2, 2, 2, 2]),
        (geom(3, 11, 7, 2), 15, 13, [3, 3, 3, 3]),
        (geom(9, 4, 3, 2), 8, 8, [0, 1, 0, 1]),
        (geom(1, 1, 1, 1), 1, 1, [0, 0, 0, 0]),
        (geom(40, 20, 1, 1), 3, 3, [0, 0, 0, 0]),
        // 1×1 with padding: the constant frame is computed once per channel.
        (geom(17, 13, 1, 1), 9, 6, [1, 1, 1, 1]),
        (geom(40, 20, 1, 1), 5, 4, [2, 1, 0, 3]),
        (geom(3, 9, 1, 1), 1, 1, [1, 1, 1, 1]),
        // Stride-2 rows of 8 blocks plus a tail (13 and 19 wide): the tail
        // as an overlapping block, and on the last rows another way.
        (geom(4, 6, 3, 2), 25, 7, [1, 1, 1, 1]),
        (geom(3, 5, 7, 2), 37, 11, [3, 3, 3, 3]),
    ];
    for (i, (g, w, h, p)) in shapes.into_iter().enumerate() {
        let case = Case::new(&mut rng, g, w, h, p, i % 3 == 2);
        assert_eq!(check(&case, Int8Algo::Gemm), Int8Algo::Gemm);
    }
}

#[test]
fn gemm_handles_dilation_groups_and_rectangular_kernels() {
    let mut rng = Rng(2);
    let mut g = geom(6, 9, 3, 1);
    g.dilation_w = 2;
    g.dilation_h = 2;
    let case = Case::new(&mut rng, g, 9, 8, [2, 2, 2, 2], false);
    check(&case, Int8Algo::Auto);
    let mut g = geom(8, 6, 3, 1);
    g.group = 2;
    let case = Case::new(&mut rng, g, 7, 7, [1, 1, 1, 1], false);
    // A grouped 3×3 stride-1 layer cannot run Winograd: the request falls back.
    assert_eq!(check(&case, Int8Algo::Winograd43), Int8Algo::Gemm);
    let mut g = geom(5, 7, 1, 1);
    g.kernel_w = 3;
    g.stride_h = 2;
    let case = Case::new(&mut rng, g, 8, 9, [0, 0, 1, 1], true);
    check(&case, Int8Algo::Auto);
}

#[test]
fn winograd_matches_reference() {
    let mut rng = Rng(3);
    let shapes = [
        (geom(8, 8, 3, 1), 10, 10, [1, 1, 1, 1]),
        (geom(9, 13, 3, 1), 11, 7, [1, 1, 1, 1]),
        (geom(3, 5, 3, 1), 5, 5, [0, 0, 0, 0]),
        (geom(16, 4, 3, 1), 3, 3, [0, 0, 0, 0]),
        (geom(12, 20, 3, 1), 17, 19, [1, 1, 1, 1]),
        (geom(5, 7, 3, 1), 30, 4, [0, 1, 1, 0]),
        (geom(20, 9, 3, 1), 7, 7, [1, 1, 1, 1]),
        // Tile rows of 3 (F(4,3)) and 5 (F(2,3)) chunks of 8 tiles, chunks
        // spilling into the next row.
        (geom(8, 9, 3, 1), 70, 9, [1, 1, 1, 1]),
        // 12 F(4,3) tiles: one block of 8 and a last block of 4 lanes.
        (geom(9, 5, 3, 1), 14, 18, [0, 0, 0, 0]),
        // Width 32: whole chunks of tiles for both, no cropping copy.
        (geom(5, 6, 3, 1), 34, 6, [0, 0, 0, 0]),
        // At most 4 F(4,3) tiles with 3 and 2 blocks of 6 output channels:
        // pairs of blocks through one kernel (armv7), and a single one.
        (geom(7, 17, 3, 1), 8, 6, [1, 1, 1, 1]),
        (geom(5, 12, 3, 1), 7, 7, [1, 1, 1, 1]),
    ];
    for (i, (g, w, h, p)) in shapes.into_iter().enumerate() {
        let case = Case::new(&mut rng, g, w, h, p, false);
        assert_eq!(check(&case, Int8Algo::Winograd23), Int8Algo::Winograd23);
        assert_eq!(
            check(&case, Int8Algo::Winograd43),
            Int8Algo::Winograd43,
            "shape {i}"
        );
    }
}

#[test]
fn winograd_is_exact_on_saturated_values() {
    // 20 channels of ±127 weights: L1 = 20·9·127 = 22860, within the F(4,3) bound.
    let mut rng = Rng(4);
    let case = Case::new(&mut rng, geom(20, 6, 3, 1), 9, 10, [1, 1, 1, 1], true);
    assert_eq!(check(&case, Int8Algo::Winograd43), Int8Algo::Winograd43);
    assert_eq!(check(&case, Int8Algo::Winograd23), Int8Algo::Winograd23);
}

#[test]
fn depthwise_matches_reference() {
    let mut rng = Rng(5);
    for (k, s, w, h, p, sat) in [
        (3, 1, 9, 7, [1, 1, 1, 1], false),
        (3, 2, 11, 10, [1, 1, 1, 1], false),
        (3, 2, 8, 8, [0, 1, 0, 1], true),
        (5, 1, 9, 9, [2, 2, 2, 2], false),
        (3, 1, 1, 1, [1, 1, 1, 1], true),
        // Wide rows: several NEON blocks of 8 plus a tail, both strides.
        (3, 1, 35, 5, [1, 1, 1, 1], false),
        (3, 2, 40, 7, [1, 1, 1, 1], false),
        (3, 2, 37, 6, [0, 0, 0, 0], true),
    ] {
        let mut g = geom(7, 7, k, s);
        g.group = 7;
        let case = Case::new(&mut rng, g, w, h, p, sat);
        assert_eq!(check(&case, Int8Algo::Auto), Int8Algo::Depthwise);
    }
    let mut g = geom(5, 5, 3, 1);
    g.group = 5;
    g.dilation_w = 2;
    g.dilation_h = 2;
    let case = Case::new(&mut rng, g, 9, 9, [2, 2, 2, 2], false);
    assert_eq!(check(&case, Int8Algo::Auto), Int8Algo::Depthwise);
}

#[test]
fn auto_follows_the_documented_rule() {
    use octet_kernels::int8::choose_int8_algo;
    let mut dw = geom(32, 32, 3, 1);
    dw.group = 32;
    assert_eq!(choose_int8_algo(&dw, None), Int8Algo::Depthwise);
    assert_eq!(
        choose_int8_algo(&geom(64, 64, 3, 1), None),
        Int8Algo::Winograd43
    );
    // Map sizes where the measured kernel costs cross over.
    for (side, algo) in [
        (2, Int8Algo::Gemm),
        (3, Int8Algo::Gemm),
        (4, Int8Algo::Winograd23),
        (5, Int8Algo::Winograd43),
        (7, Int8Algo::Winograd43),
        (56, Int8Algo::Winograd43),
    ] {
        assert_eq!(
            choose_int8_algo(&geom(64, 64, 3, 1), Some((side, side))),
            algo,
            "{side}"
        );
    }
    assert_eq!(
        choose_int8_algo(&geom(4, 64, 3, 1), Some((56, 56))),
        Int8Algo::Gemm
    );
    assert_eq!(choose_int8_algo(&geom(64, 64, 3, 2), None), Int8Algo::Gemm);
    assert_eq!(choose_int8_algo(&geom(64, 64, 1, 1), None), Int8Algo::Gemm);
    // Per kernel object: the int8 dot products (AVX-512 VNNI, aarch64 sdot)
    // run GEMM wherever the portable rule says Winograd; every other object
    // follows the portable rule.
    use octet_kernels::int8::choose_int8_algo_for;
    for kern in Int8Kernels::available() {
        assert_eq!(
            kern.has_dot_product(),
            ["x86-avx512-vnni", "aarch64-neon-dot"].contains(&kern.name()),
            "{kern:?}"
        );
        for (g, size) in [
            (geom(64, 64, 3, 1), Some((56, 56))),
            (geom(64, 64, 3, 1), Some((4, 4))),
            (geom(64, 64, 3, 1), None),
            (geom(64, 64, 1, 1), None),
            (dw, None),
        ] {
            let portable = choose_int8_algo(&g, size);
            let expect = match portable {
                Int8Algo::Winograd23 | Int8Algo::Winograd43 if kern.has_dot_product() => {
                    Int8Algo::Gemm
                }
                a => a,
            };
            assert_eq!(
                choose_int8_algo_for(kern, &g, size),
                expect,
                "{kern:?} {g:?}"
            );
        }
    }
    // Auto on a real layer runs what the rule says (weights within the bound).
    let mut rng = Rng(6);
    let case = Case::new(&mut rng, geom(8, 8, 3, 1), 6, 6, [1, 1, 1, 1], false);
    assert_eq!(check(&case, Int8Algo::Auto), Int8Algo::Winograd43);
}

#[test]
fn constructor_rejects_bad_input() {
    let g = geom(4, 2, 3, 1);
    let w = vec![1i8; g.weight_len()];
    let s = [1.0f32; 2];
    let new = |g: ConvGeometry, w: &[i8], s: &[f32], b: Option<&[f32]>, a: Int8Algo| {
        Conv2dI8::new(g, w, s, b, Activation::None, a, None)
    };
    assert!(new(g, &w, &s, None, Int8Algo::Auto).is_ok());
    assert!(new(g, &w[1..], &s, None, Int8Algo::Auto).is_err());
    assert!(new(g, &w, &s[1..], None, Int8Algo::Auto).is_err());
    assert!(new(g, &w, &s, Some(&[0.0]), Int8Algo::Auto).is_err());
    assert!(new(g, &w, &s, None, Int8Algo::Depthwise).is_err());
    let mut bad = w.clone();
    bad[3] = i8::MIN;
    assert!(new(g, &bad, &s, None, Int8Algo::Auto).is_err());
    let mut g3 = g;
    g3.group = 3;
    assert!(new(g3, &w, &s, None, Int8Algo::Auto).is_err());
    let mut g0 = g;
    g0.stride_w = 0;
    assert!(new(g0, &w, &s, None, Int8Algo::Auto).is_err());
}

#[test]
fn one_by_one_on_a_constant_input_is_exact() {
    // The whole input equals the padding value: the frame covers all but
    // one pixel, and every output equals the reference's.
    let mut rng = Rng(7);
    let g = geom(24, 10, 1, 1);
    let mut case = Case::new(&mut rng, g, 6, 5, [1, 2, 1, 0], false);
    let v = case.input[0];
    case.input.iter_mut().for_each(|x| *x = v);
    check(&case, Int8Algo::Auto);
}

#[test]
#[should_panic(expected = "does not pad its input")]
fn gemm_refuses_a_border() {
    let mut rng = Rng(9);
    let case = Case::new(&mut rng, geom(3, 4, 3, 2), 9, 9, [0, 0, 0, 0], false);
    let conv = case.build(Int8Algo::Gemm, Ops::generic().int8());
    assert!(!conv.pads_itself());
    let mut o32 = vec![0i32; 4 * 5 * 5];
    let border = Border {
        top: 1,
        bottom: 1,
        left: 1,
        right: 1,
        value: 0,
    };
    conv.forward_bordered(
        case.planes(),
        border,
        1.0,
        Int8Output::I32(PlanesMut::new(&mut o32, 5, 5, 4, 25)),
        1,
    );
}
