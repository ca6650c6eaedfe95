//! fp32 convolution kernels against the naive reference (`reference::conv2d_f32`),
//! for every kernel set this CPU runs (architecture sets and portable ones),
//! every algorithm, and odd shapes: channels not a multiple of 4/8, odd map
//! sizes, padding, stride 2, dilation 2, groups, depthwise. Relative error is
//! `max|Δ| / max|ref|`.

use octet_kernels::fp32::{Conv2dF32, ConvAlgo, Fp32Kernels};
use octet_kernels::{reference, Activation, ConvGeometry, Planes, PlanesMut};
use octet_kernels::{KernelSet, Ops};

/// Deterministic values in [-1, 1).
fn rand_vec(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// A `c × h × w` input zero-padded by `pad` on every side, with `cstep`
/// rounded up to 4 floats (like the runtime's `Mat`) plus `extra`.
struct Padded {
    data: Vec<f32>,
    w: usize,
    h: usize,
    c: usize,
    cstep: usize,
}

fn pad_input(x: &[f32], c: usize, h: usize, w: usize, pad: usize, extra: usize) -> Padded {
    let (pw, ph) = (w + 2 * pad, h + 2 * pad);
    let cstep = (pw * ph).div_ceil(4) * 4 + extra;
    let mut data = vec![0f32; c * cstep];
    for q in 0..c {
        for y in 0..h {
            for xx in 0..w {
                data[q * cstep + (y + pad) * pw + xx + pad] = x[(q * h + y) * w + xx];
            }
        }
    }
    Padded {
        data,
        w: pw,
        h: ph,
        c,
        cstep,
    }
}

fn rel_err(got: &[f32], want: &[f32]) -> f32 {
    assert_eq!(got.len(), want.len());
    let maxref = want.iter().fold(0f32, |m, v| m.max(v.abs()));
    let maxd = got
        .iter()
        .zip(want)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(got.iter().all(|v| v.is_finite()), "non-finite output");
    maxd / maxref.max(1e-30)
}

/// Runs `conv` on `inp` with `threads`, returns the tightly packed output.
fn run(conv: &Conv2dF32, inp: &Padded, threads: usize) -> Vec<f32> {
    let g = conv.geom;
    let (ow, oh) = g.output_size(inp.w, inp.h).unwrap();
    let ocstep = (ow * oh).div_ceil(4) * 4 + 3;
    // Fill with NaN so a missed output element is caught.
    let mut out = vec![f32::NAN; g.out_c * ocstep];
    let input = Planes::new(&inp.data, inp.w, inp.h, inp.c, inp.cstep);
    let mut o = PlanesMut::new(&mut out, ow, oh, g.out_c, ocstep);
    if threads > 1 {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| conv.forward(input, &mut o, threads));
    } else {
        conv.forward(input, &mut o, threads);
    }
    let mut packed = Vec::with_capacity(g.out_c * ow * oh);
    for q in 0..g.out_c {
        packed.extend_from_slice(&out[q * ocstep..q * ocstep + ow * oh]);
    }
    packed
}

struct Case {
    geom: ConvGeometry,
    w: usize,
    h: usize,
    pad: usize,
    bias: bool,
    act: Activation,
}

fn geom(in_c: usize, out_c: usize, k: usize, s: usize, d: usize, group: usize) -> ConvGeometry {
    ConvGeometry {
        in_c,
        out_c,
        kernel_w: k,
        kernel_h: k,
        stride_w: s,
        stride_h: s,
        dilation_w: d,
        dilation_h: d,
        group,
    }
}

fn check_case(case: &Case, algo: ConvAlgo, kern: &'static Fp32Kernels, tol: f32, seed: u64) -> f32 {
    let g = case.geom;
    let x = rand_vec(g.in_c * case.h * case.w, seed);
    let wts = rand_vec(g.weight_len(), seed + 1);
    let bias = rand_vec(g.out_c, seed + 2);
    let bias = case.bias.then_some(&bias[..]);
    let inp = pad_input(&x, g.in_c, case.h, case.w, case.pad, 1);
    let planes = Planes::new(&inp.data, inp.w, inp.h, inp.c, inp.cstep);
    let (want, _, _) = reference::conv2d_f32(planes, &g, &wts, bias, case.act);
    let conv = Conv2dF32::with_kernels(g, &wts, bias, case.act, algo, None, kern).unwrap();
    // F(6,3) multiplies rounding errors by its larger transform constants.
    let tol = if conv.algo() == ConvAlgo::Winograd63 {
        tol.max(1e-3)
    } else {
        tol
    };
    let mut worst = 0f32;
    for threads in [1, 3] {
        let got = run(&conv, &inp, threads);
        let e = rel_err(&got, &want);
        assert!(
            e <= tol,
            "{:?} {}x{} pad {} {:?} algo {:?} (ran {:?}) kernels {:?} threads {threads}: rel err {e}",
            g,
            case.w,
            case.h,
            case.pad,
            case.act,
            algo,
            conv.algo(),
            kern,
        );
        worst = worst.max(e);
    }
    worst
}

fn gemm_cases() -> Vec<Case> {
    let mut v = Vec::new();
    let c = |geom, w, h, pad, bias, act| Case {
        geom,
        w,
        h,
        pad,
        bias,
        act,
    };
    // 1×1 (plain GEMM): channel counts around the panel sizes, odd maps.
    v.push(c(geom(3, 5, 1, 1, 1, 1), 7, 5, 0, true, Activation::None));
    v.push(c(
        geom(16, 64, 1, 1, 1, 1),
        13,
        11,
        0,
        true,
        Activation::Relu,
    ));
    v.push(c(
        geom(17, 30, 1, 1, 1, 1),
        9,
        9,
        1,
        false,
        Activation::Relu,
    ));
    v.push(c(
        geom(64, 10, 1, 1, 1, 1),
        33,
        2,
        0,
        true,
        Activation::LeakyRelu(0.1),
    ));
    v.push(c(
        geom(300, 37, 1, 1, 1, 1),
        5,
        7,
        0,
        true,
        Activation::None,
    ));
    // 1×1 stride 2 (im2col).
    v.push(c(
        geom(12, 20, 1, 2, 1, 1),
        15,
        14,
        0,
        true,
        Activation::None,
    ));
    // 3×3 stride 1/2, dilation 2, 5×5, 7×7 stride 2, non-square pads.
    v.push(c(
        geom(3, 16, 3, 2, 1, 1),
        23,
        19,
        0,
        true,
        Activation::Relu,
    ));
    v.push(c(geom(5, 7, 3, 1, 1, 1), 11, 9, 1, true, Activation::None));
    v.push(c(
        geom(9, 14, 3, 2, 1, 1),
        12,
        17,
        1,
        false,
        Activation::Relu,
    ));
    v.push(c(
        geom(6, 10, 3, 1, 2, 1),
        13,
        12,
        2,
        true,
        Activation::None,
    ));
    v.push(c(geom(4, 9, 5, 1, 1, 1), 10, 11, 2, true, Activation::Relu));
    v.push(c(geom(3, 8, 7, 2, 1, 1), 29, 21, 3, true, Activation::Relu));
    v.push(c(
        geom(70, 13, 3, 1, 1, 1),
        6,
        5,
        1,
        true,
        Activation::Clip(-0.5, 0.5),
    ));
    // Groups (not depthwise).
    v.push(c(geom(8, 12, 3, 1, 1, 4), 9, 8, 1, true, Activation::Relu));
    v.push(c(geom(6, 4, 1, 1, 1, 2), 5, 5, 0, true, Activation::None));
    v
}

fn winograd_cases() -> Vec<Case> {
    let mut v = Vec::new();
    let c = |in_c, out_c, w, h, pad, bias, act| Case {
        geom: geom(in_c, out_c, 3, 1, 1, 1),
        w,
        h,
        pad,
        bias,
        act,
    };
    v.push(c(16, 64, 14, 14, 1, true, Activation::Relu));
    v.push(c(3, 5, 7, 5, 1, true, Activation::None));
    v.push(c(13, 9, 23, 17, 1, false, Activation::Relu));
    v.push(c(8, 20, 3, 3, 0, true, Activation::None)); // 1×1 output: smaller than any tile
    v.push(c(33, 17, 9, 30, 1, true, Activation::LeakyRelu(0.2)));
    v.push(c(64, 64, 28, 28, 1, true, Activation::Relu));
    v.push(c(130, 7, 6, 6, 1, true, Activation::None));
    v
}

#[test]
fn gemm_and_im2col_match_reference_for_every_kernel_set() {
    for kern in Fp32Kernels::available() {
        for (i, case) in gemm_cases().iter().enumerate() {
            check_case(case, ConvAlgo::Gemm, kern, 1e-4, i as u64 * 10);
            check_case(case, ConvAlgo::Auto, kern, 1e-4, i as u64 * 10 + 3);
        }
    }
}

#[test]
fn winograd_variants_match_reference_for_every_kernel_set() {
    for kern in Fp32Kernels::available() {
        for (i, case) in winograd_cases().iter().enumerate() {
            let seed = 100 + i as u64 * 10;
            let e63 = check_case(case, ConvAlgo::Winograd63, kern, 1e-3, seed);
            let e43 = check_case(case, ConvAlgo::Winograd43, kern, 1e-4, seed);
            let e23 = check_case(case, ConvAlgo::Winograd23, kern, 1e-4, seed);
            // The algorithm really ran: Winograd errors are not the (tiny) GEMM ones.
            let _ = (e63, e43, e23);
        }
    }
}

#[test]
fn winograd_is_selected_and_reported() {
    let kern = octet_kernels::ops().fp32();
    let g = geom(16, 16, 3, 1, 1, 1);
    let w = rand_vec(g.weight_len(), 7);
    for (algo, want) in [
        (ConvAlgo::Winograd63, ConvAlgo::Winograd63),
        (ConvAlgo::Winograd43, ConvAlgo::Winograd43),
        (ConvAlgo::Winograd23, ConvAlgo::Winograd23),
        (ConvAlgo::Gemm, ConvAlgo::Gemm),
    ] {
        let conv =
            Conv2dF32::with_kernels(g, &w, None, Activation::None, algo, None, kern).unwrap();
        assert_eq!(conv.algo(), want);
    }
    // Transformed weights (T² per kernel instead of 9) are counted.
    let bytes = |algo| {
        Conv2dF32::with_kernels(g, &w, None, Activation::None, algo, None, kern)
            .unwrap()
            .weight_bytes()
    };
    let per_tap = 16 * 16 * 4;
    assert!((9 * per_tap..10 * per_tap).contains(&bytes(ConvAlgo::Gemm)));
    assert!((64 * per_tap..65 * per_tap).contains(&bytes(ConvAlgo::Winograd63)));
    assert!((36 * per_tap..37 * per_tap).contains(&bytes(ConvAlgo::Winograd43)));
    assert!((16 * per_tap..17 * per_tap).contains(&bytes(ConvAlgo::Winograd23)));
    // Winograd asked for a stride-2 convolution falls back to GEMM.
    let g2 = geom(16, 16, 3, 2, 1, 1);
    let conv = Conv2dF32::with_kernels(
        g2,
        &w,
        None,
        Activation::None,
        ConvAlgo::Winograd63,
        None,
        kern,
    )
    .unwrap();
    assert_eq!(conv.algo(), ConvAlgo::Gemm);
}

/// The documented rule of `select_algo_for`, and the deferred choice of
/// `Auto` when the map size is only known at the first run.
#[test]
fn auto_picks_by_channels_and_map_size() {
    use octet_kernels::fp32::select_algo_for;
    for kern in Fp32Kernels::available() {
        let sel = |k, m, s: Option<usize>| {
            select_algo_for(&geom(k, m, 3, 1, 1, 1), s.map(|s| (s, s)), kern)
        };
        // Structural rules.
        assert_eq!(sel(4, 7, Some(56)), ConvAlgo::Gemm, "{kern:?}");
        assert_eq!(sel(64, 64, None), ConvAlgo::Winograd63);
        assert_eq!(sel(256, 256, None), ConvAlgo::Winograd43);
        assert_eq!(
            select_algo_for(&geom(64, 64, 3, 2, 1, 1), Some((56, 56)), kern),
            ConvAlgo::Gemm
        );
        assert_eq!(
            select_algo_for(&geom(64, 64, 3, 1, 2, 1), Some((56, 56)), kern),
            ConvAlgo::Gemm
        );
        assert_eq!(
            select_algo_for(&geom(64, 64, 3, 1, 1, 64), None, kern),
            ConvAlgo::Depthwise
        );
        // The cost count: big maps Winograd, F(4,3) where 6×6 tiles fit badly,
        // a 1×1 map (one tile, mostly padding) GEMM.
        assert!(
            matches!(sel(16, 64, Some(56)), ConvAlgo::Winograd63),
            "{kern:?}"
        );
        assert!(matches!(
            sel(64, 64, Some(56)),
            ConvAlgo::Winograd63 | ConvAlgo::Winograd43
        ));
        assert_eq!(sel(256, 256, Some(14)), ConvAlgo::Winograd43, "{kern:?}");
        assert_eq!(sel(64, 64, Some(1)), ConvAlgo::Gemm, "{kern:?}");
    }
    // The portable/armv7 shape, whose counts match instruction costs on Cortex-A7.
    let generic = Ops::generic().fp32();
    assert_eq!(generic.name(), "generic-6x8");
    let sel = |k, m, s| select_algo_for(&geom(k, m, 3, 1, 1, 1), Some((s, s)), generic);
    assert_eq!(sel(64, 64, 56), ConvAlgo::Winograd63);
    assert_eq!(sel(512, 512, 7), ConvAlgo::Winograd43);
    assert_eq!(sel(48, 192, 14), ConvAlgo::Winograd43);

    // Deferred: the raw weights until the first run, then the size rule.
    let kern = octet_kernels::ops().fp32();
    for size in [20, 12, 7, 4, 2] {
        let g = geom(9, 10, 3, 1, 1, 1);
        let want = select_algo_for(&g, Some((size, size)), kern);
        let w = rand_vec(g.weight_len(), 5);
        let b = rand_vec(g.out_c, 6);
        let conv = Conv2dF32::with_kernels(
            g,
            &w,
            Some(&b),
            Activation::Relu,
            ConvAlgo::Auto,
            None,
            kern,
        )
        .unwrap();
        assert_eq!(conv.algo(), ConvAlgo::Auto);
        assert_eq!(conv.weight_bytes(), (w.len() + b.len()) * 4);
        let x = rand_vec(g.in_c * size * size, 8);
        let inp = pad_input(&x, g.in_c, size, size, 1, 0);
        let got = run(&conv, &inp, 1);
        assert_eq!(conv.algo(), want, "{size}×{size}");
        let planes = Planes::new(&inp.data, inp.w, inp.h, inp.c, inp.cstep);
        let (r, _, _) = reference::conv2d_f32(planes, &g, &w, Some(&b), Activation::Relu);
        assert!(rel_err(&got, &r) <= 1e-3);
        // A clone keeps the prepared weights.
        assert_eq!(conv.clone().algo(), want);
    }
}

fn depthwise_cases() -> Vec<Case> {
    let cases = [
        (geom(8, 8, 3, 1, 1, 8), 11, 9, 1, Activation::Relu),
        (geom(5, 5, 3, 2, 1, 5), 13, 12, 1, Activation::None),
        (geom(3, 3, 3, 2, 1, 3), 2, 2, 1, Activation::Relu), // 1×1 output
        (geom(7, 7, 3, 1, 1, 7), 1, 5, 1, Activation::None),
        (geom(6, 6, 5, 1, 1, 6), 9, 9, 2, Activation::Relu),
        (geom(4, 4, 3, 1, 2, 4), 10, 8, 2, Activation::LeakyRelu(0.3)),
        (geom(9, 9, 3, 2, 1, 9), 33, 31, 1, Activation::Relu),
        (geom(3, 3, 3, 1, 1, 3), 28, 7, 1, Activation::Relu),
        (geom(2, 2, 3, 2, 1, 2), 30, 15, 1, Activation::None),
        (geom(6, 6, 5, 2, 1, 6), 19, 14, 2, Activation::Relu),
        (geom(4, 4, 5, 1, 1, 4), 21, 3, 2, Activation::LeakyRelu(0.1)),
        (geom(3, 3, 5, 2, 1, 3), 1, 1, 2, Activation::None), // 1×1 output
        (geom(3, 3, 7, 1, 1, 3), 12, 10, 3, Activation::Relu),
        (geom(5, 5, 5, 1, 2, 5), 14, 13, 4, Activation::None),
    ];
    cases
        .iter()
        .enumerate()
        .map(|(i, &(g, w, h, pad, act))| Case {
            geom: g,
            w,
            h,
            pad,
            bias: i % 2 == 0,
            act,
        })
        .collect()
}

#[test]
fn depthwise_matches_reference_for_every_kernel_set() {
    for kern in Fp32Kernels::available() {
        for (i, case) in depthwise_cases().iter().enumerate() {
            check_case(case, ConvAlgo::Auto, kern, 1e-5, 300 + i as u64);
        }
    }
}

/// 1×1 convolutions whose input has a constant frame (padding, here with a
/// different value per channel) take the frame path: interior GEMM written
/// through a window, frame outputs computed once.
#[test]
fn one_by_one_with_constant_frame_matches_reference() {
    for kern in Fp32Kernels::available() {
        for (i, &(in_c, out_c, group, w, h, frame, act)) in [
            (16, 24, 1, 13usize, 11usize, 1usize, Activation::Relu),
            (7, 9, 1, 21, 5, 2, Activation::LeakyRelu(0.1)),
            (8, 6, 2, 6, 6, 1, Activation::None),
            (5, 40, 1, 3, 3, 1, Activation::Relu), // one interior pixel
        ]
        .iter()
        .enumerate()
        {
            let g = geom(in_c, out_c, 1, 1, 1, group);
            let cstep = (w * h).div_ceil(4) * 4;
            let mut data = rand_vec(in_c * cstep, 500 + i as u64);
            let frame_vals = rand_vec(in_c, 600 + i as u64);
            for q in 0..in_c {
                for y in 0..h {
                    for x in 0..w {
                        if y < frame || y >= h - frame || x < frame || x >= w - frame {
                            data[q * cstep + y * w + x] = frame_vals[q];
                        }
                    }
                }
            }
            let inp = Padded {
                data,
                w,
                h,
                c: in_c,
                cstep,
            };
            let wts = rand_vec(g.weight_len(), 700 + i as u64);
            let bias = rand_vec(out_c, 800 + i as u64);
            let planes = Planes::new(&inp.data, w, h, in_c, cstep);
            let (want, _, _) = reference::conv2d_f32(planes, &g, &wts, Some(&bias), act);
            let conv =
                Conv2dF32::with_kernels(g, &wts, Some(&bias), act, ConvAlgo::Gemm, None, kern)
                    .unwrap();
            for threads in [1, 3] {
                let e = rel_err(&run(&conv, &inp, threads), &want);
                assert!(
                    e <= 1e-5,
                    "{kern:?} case {i} threads {threads}: rel err {e}"
                );
            }
        }
    }
}

/// Each architecture set against its portable twin on identical packings
/// (tract-style): the results agree to rounding.
#[test]
fn architecture_kernels_match_their_portable_twins() {
    let arch: Vec<_> = Fp32Kernels::available()
        .into_iter()
        .filter(|k| !k.is_portable())
        .collect();
    if cfg!(any(target_arch = "arm", target_arch = "aarch64")) {
        assert!(!arch.is_empty(), "no NEON kernel set on an ARM build");
    }
    let mut cases = gemm_cases();
    cases.extend(winograd_cases());
    cases.extend(depthwise_cases());
    for kern in arch {
        let twin = kern.portable_twin();
        assert!(twin.is_portable() && twin.nr() == kern.nr() && twin.mr() == kern.mr());
        for (i, case) in cases.iter().enumerate() {
            let algos: &[ConvAlgo] = if case.geom.is_3x3_s1() {
                &[
                    ConvAlgo::Winograd63,
                    ConvAlgo::Winograd43,
                    ConvAlgo::Winograd23,
                    ConvAlgo::Gemm,
                ]
            } else {
                &[ConvAlgo::Auto]
            };
            for &algo in algos {
                let g = case.geom;
                let x = rand_vec(g.in_c * case.h * case.w, i as u64);
                let wts = rand_vec(g.weight_len(), i as u64 + 1);
                let bias = rand_vec(g.out_c, i as u64 + 2);
                let inp = pad_input(&x, g.in_c, case.h, case.w, case.pad, 0);
                let a = Conv2dF32::with_kernels(g, &wts, Some(&bias), case.act, algo, None, kern)
                    .unwrap();
                let b = Conv2dF32::with_kernels(g, &wts, Some(&bias), case.act, algo, None, twin)
                    .unwrap();
                let e = rel_err(&run(&a, &inp, 1), &run(&b, &inp, 1));
                // Fused vs separate multiply-add rounding; F(6,3)'s constants amplify it.
                let tol = if a.algo() == ConvAlgo::Winograd63 {
                    1e-3
                } else {
                    1e-4
                };
                assert!(
                    e <= tol,
                    "{kern:?} vs {twin:?} on {g:?} {algo:?}: rel err {e}"
                );
            }
        }
    }
}

#[test]
fn bad_parameters_are_errors_not_panics() {
    let g = geom(4, 6, 3, 1, 1, 1);
    let w = rand_vec(g.weight_len(), 1);
    let e = |r: Result<Conv2dF32, String>| r.expect_err("should be rejected");
    e(Conv2dF32::new(
        g,
        &w[1..],
        None,
        Activation::None,
        ConvAlgo::Auto,
        None,
    ));
    e(Conv2dF32::new(
        g,
        &w,
        Some(&[0.0; 5]),
        Activation::None,
        ConvAlgo::Auto,
        None,
    ));
    e(Conv2dF32::new(
        geom(4, 6, 3, 1, 1, 4),
        &w,
        None,
        Activation::None,
        ConvAlgo::Auto,
        None,
    ));
    e(Conv2dF32::new(
        geom(4, 6, 3, 0, 1, 1),
        &w,
        None,
        Activation::None,
        ConvAlgo::Auto,
        None,
    ));
    e(Conv2dF32::new(
        geom(4, 6, 3, 1, 0, 1),
        &w,
        None,
        Activation::None,
        ConvAlgo::Auto,
        None,
    ));
    e(Conv2dF32::new(
        g,
        &w,
        None,
        Activation::None,
        ConvAlgo::Depthwise,
        None,
    ));
}
