//! Every kernel family's test suite (tract-style): [`kernel_suite!`] gives a
//! family the registry checks (the enumeration is portable first and holds
//! only objects whose availability predicate holds here; the registry's
//! object is one of them; `Ops::generic()`'s is portable) and runs each of
//! its comparisons for every kernel object this CPU runs against the
//! family's portable one on the same data: int8 bit for bit, fp32 within the
//! tolerance the family's own tests state, on edge-case shapes (around the
//! kernels' block sizes) and random ones.

mod int8_common;

use int8_common::Rng;
use octet_kernels::fp32::eltwise::{
    affine_clamp_in_place_with, binary_in_place_with, binary_scalar_in_place_with,
    unary_in_place_with, BinaryOp, EltwiseKernels, UnaryOp,
};
use octet_kernels::fp32::{Conv2dF32, ConvAlgo, Fp32Kernels, InnerProductF32};
use octet_kernels::int8::{
    winograd as w8, Conv2dI8, InnerProductI8, Int8Algo, Int8Kernels, Int8Output,
};
use octet_kernels::pooling::PoolKernels;
use octet_kernels::{Activation, ConvGeometry, Planes, PlanesMut};

/// Gives kernel family `$family` a module `$module` of tests: the registry
/// checks (`$get` reads the family's object from an `Ops`), then each
/// `fn name(kern, portable) { … }`, run once for every object of
/// `$family::available()` with `portable` its portable twin.
macro_rules! kernel_suite {
    ($family:ty, $module:ident, $get:expr, {
        $( $(#[$meta:meta])* fn $name:ident($kern:ident, $portable:ident) $body:block )*
    }) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            use octet_kernels::{ops, KernelSet, Ops};

            fn get(o: &Ops) -> &'static $family {
                let get: fn(&Ops) -> &'static $family = $get;
                get(o)
            }

            /// Portable objects first, then the others; each passes its
            /// predicate on this CPU; names are unique.
            #[test]
            fn enumeration_is_portable_first_and_available() {
                let all = <$family as KernelSet>::available();
                assert!(!all.is_empty() && all[0].is_portable(), "{all:?}");
                let arch = all.iter().position(|k| !k.is_portable()).unwrap_or(all.len());
                assert!(all[arch..].iter().all(|k| !k.is_portable()), "{all:?}");
                let f = octet_kernels::cpu::detect();
                for k in &all {
                    assert!(k.is_available() && k.runs_on(&f), "{k:?}");
                    assert_eq!(k.is_portable(), k.name().starts_with("generic"), "{k:?}");
                    let twin = k.portable_twin();
                    assert!(twin.is_portable() && all.contains(&twin), "{k:?}: {twin:?}");
                }
                let mut names: Vec<_> = all.iter().map(|k| k.name()).collect();
                names.sort();
                names.dedup();
                assert_eq!(names.len(), all.len(), "{all:?}");
                if cfg!(any(target_arch = "arm", target_arch = "aarch64"))
                    && stringify!($family) != "EltwiseKernels"
                {
                    // Every board Octet targets (and qemu's cortex-a7 / max)
                    // has NEON: the NEON objects must not go untested.
                    assert!(arch < all.len(), "no NEON object: {all:?}");
                }
            }

            /// `Ops::generic()` holds the portable object; `ops()` one that
            /// this CPU runs, from the enumeration, and the portable one
            /// under `OCTET_KERNELS=generic` (no AVX-512 under `avx2`).
            #[test]
            fn the_registry_hands_out_available_objects() {
                assert!(get(&Ops::generic()).is_portable());
                let k = get(ops());
                assert!(k.is_available(), "{k:?}");
                assert!(<$family as KernelSet>::available().contains(&k), "{k:?}");
                assert!(k.runs_on(&octet_kernels::cpu::features()), "{k:?}");
                match std::env::var("OCTET_KERNELS").as_deref() {
                    Ok("generic") => assert!(k.is_portable(), "{k:?}"),
                    Ok("avx2") => assert!(!k.name().contains("avx512"), "{k:?}"),
                    _ => {}
                }
            }

            $(
                #[test]
                $(#[$meta])*
                fn $name() {
                    for $kern in <$family as KernelSet>::available() {
                        let $portable = $kern.portable_twin();
                        $body
                    }
                }
            )*
        }
    };
}

/// Sizes around every multiple (up to 3) of each block size, 0 and 1, and
/// `random` more in `1..=max`.
fn sizes(rng: &mut Rng, blocks: &[usize], max: usize, random: usize) -> Vec<usize> {
    let mut v = vec![0, 1];
    for &b in blocks {
        for m in 1..=3 {
            v.extend([b * m - 1, b * m, b * m + 1]);
        }
    }
    v.extend((0..random).map(|_| rng.int(1, max as i64) as usize));
    v.sort();
    v.dedup();
    v
}

/// Finite floats in ±`r` (with zeros of both signs), no subnormals (armv7
/// NEON flushes those: the documented exception).
fn floats(rng: &mut Rng, n: usize, r: f32) -> Vec<f32> {
    (0..n)
        .map(|_| match rng.int(0, 15) {
            0 => 0.0,
            1 => -0.0,
            2 => r,
            3 => -r,
            _ => rng.f32(-r, r),
        })
        .collect()
}

/// A random int8 convolution layer and input (`pw × ph`, already padded).
struct Layer8 {
    geom: ConvGeometry,
    weights: Vec<i8>,
    scales: Vec<f32>,
    bias: Vec<f32>,
    act: Activation,
    input: Vec<i8>,
    pw: usize,
    ph: usize,
}

impl Layer8 {
    fn new(rng: &mut Rng, geom: ConvGeometry, pw: usize, ph: usize) -> Layer8 {
        let act = [
            Activation::None,
            Activation::Relu,
            Activation::LeakyRelu(0.1),
            Activation::Sigmoid,
        ][rng.int(0, 3) as usize];
        Layer8 {
            weights: rng.i8s(geom.weight_len(), -127, 127),
            scales: (0..geom.out_c).map(|_| rng.f32(20.0, 200.0)).collect(),
            bias: floats(rng, geom.out_c, 3.0),
            act,
            input: rng.i8s(geom.in_c * pw * ph, -128, 127),
            geom,
            pw,
            ph,
        }
    }

    /// The int32 sums, the fp32 output (bits) and the requantized int8
    /// output with `kern`, by `algo`; the algorithm that ran.
    fn run(
        &self,
        kern: &'static Int8Kernels,
        algo: Int8Algo,
    ) -> (Int8Algo, Vec<i32>, Vec<u32>, Vec<i8>) {
        let g = self.geom;
        let conv = Conv2dI8::with_kernels(
            g,
            &self.weights,
            &self.scales,
            Some(&self.bias),
            self.act,
            algo,
            None,
            kern,
        )
        .unwrap();
        let (ow, oh) = g.output_size(self.pw, self.ph).unwrap();
        let n = ow * oh;
        let planes = || Planes::new(&self.input, self.pw, self.ph, g.in_c, self.pw * self.ph);
        let mut s = vec![0i32; g.out_c * n];
        conv.forward(
            planes(),
            0.5,
            Int8Output::I32(PlanesMut::new(&mut s, ow, oh, g.out_c, n)),
            2,
        );
        let mut f = vec![f32::NAN; g.out_c * n];
        conv.forward(
            planes(),
            0.5,
            Int8Output::F32(PlanesMut::new(&mut f, ow, oh, g.out_c, n)),
            1,
        );
        let mut q = vec![0i8; g.out_c * n];
        let out = PlanesMut::new(&mut q, ow, oh, g.out_c, n);
        conv.forward(planes(), 0.5, Int8Output::I8 { out, scale: 0.3 }, 2);
        (conv.algo(), s, f.iter().map(|v| v.to_bits()).collect(), q)
    }
}

fn geom(in_c: usize, out_c: usize, k: usize, s: usize, group: usize) -> ConvGeometry {
    ConvGeometry {
        group,
        ..ConvGeometry::simple(in_c, out_c, k, s)
    }
}

/// Random layers of `algo`'s kind and edge-case ones: with `kern` and the
/// portable object, the same sums and outputs, bit for bit.
fn int8_conv_agrees(
    kern: &'static Int8Kernels,
    portable: &'static Int8Kernels,
    algo: Int8Algo,
    seed: u64,
) {
    let mut rng = Rng(seed);
    let mut layers: Vec<(ConvGeometry, usize, usize)> = match algo {
        Int8Algo::Depthwise => vec![
            (geom(2, 2, 3, 1, 2), 3, 3),
            (geom(8, 8, 3, 1, 8), 10, 10),
            (geom(5, 5, 3, 2, 5), 17, 9),
            (geom(3, 3, 5, 1, 3), 12, 7),
            (geom(16, 16, 3, 2, 16), 31, 31),
        ],
        Int8Algo::Gemm => vec![
            (geom(1, 1, 1, 1, 1), 1, 1),
            (geom(3, 5, 3, 2, 1), 9, 7),
            (geom(16, 16, 1, 1, 1), 7, 7),
            (geom(17, 9, 1, 1, 1), 5, 3),
            (geom(8, 12, 3, 1, 4), 6, 6),
            (geom(3, 33, 7, 2, 1), 23, 23),
            (geom(32, 7, 3, 2, 1), 16, 15),
        ],
        _ => vec![
            (geom(1, 1, 3, 1, 1), 3, 3),
            (geom(4, 6, 3, 1, 1), 9, 9),
            (geom(9, 13, 3, 1, 1), 7, 7),
            (geom(16, 12, 3, 1, 1), 16, 16),
            (geom(13, 25, 3, 1, 1), 11, 30),
        ],
    };
    for _ in 0..4 {
        let (in_c, out_c) = (rng.int(1, 24) as usize, rng.int(1, 24) as usize);
        let (pw, ph) = (rng.int(3, 24) as usize, rng.int(3, 24) as usize);
        layers.push(match algo {
            Int8Algo::Depthwise => {
                let c = in_c.max(2);
                (geom(c, c, 3, rng.int(1, 2) as usize, c), pw, ph)
            }
            Int8Algo::Gemm => {
                let k = [1, 3, 5][rng.int(0, 2) as usize];
                (
                    geom(in_c, out_c, k, rng.int(1, 2) as usize, 1),
                    pw.max(k),
                    ph.max(k),
                )
            }
            _ => (geom(in_c, out_c, 3, 1, 1), pw, ph),
        });
    }
    for (g, pw, ph) in layers {
        let layer = Layer8::new(&mut rng, g, pw, ph);
        let (ran, s, f, q) = layer.run(kern, algo);
        let (pran, ps, pf, pq) = layer.run(portable, algo);
        assert_eq!(ran, pran, "{kern:?} {g:?}");
        assert_eq!(
            s, ps,
            "{kern:?} vs {portable:?}: {g:?} {pw}×{ph} {algo:?} sums"
        );
        assert_eq!(
            f, pf,
            "{kern:?} vs {portable:?}: {g:?} {pw}×{ph} {algo:?} fp32"
        );
        assert_eq!(
            q, pq,
            "{kern:?} vs {portable:?}: {g:?} {pw}×{ph} {algo:?} int8"
        );
    }
}

kernel_suite!(Int8Kernels, int8_family, |o| o.int8(), {
    fn quantization_agrees_bit_for_bit(kern, portable) {
        use octet_kernels::int8::quantize::*;
        let mut rng = Rng(101);
        for n in sizes(&mut rng, &[8, 16, 32], 300, 4) {
            let x = floats(&mut rng, n, 300.0);
            let (mut a, mut b) = (vec![0i8; n], vec![0i8; n]);
            quantize_with(kern, &x, 0.77, &mut a);
            quantize_with(portable, &x, 0.77, &mut b);
            assert_eq!(a, b, "{kern:?} quantize n {n}");
            let q = rng.i8s(n, -128, 127);
            let (mut a, mut b) = (vec![0f32; n], vec![0f32; n]);
            dequantize_with(kern, &q, 3.5, &mut a);
            dequantize_with(portable, &q, 3.5, &mut b);
            assert_eq!(a, b, "{kern:?} dequantize n {n}");
            let sums: Vec<i32> = (0..n).map(|_| rng.int(-200_000, 200_000) as i32).collect();
            for act in [Activation::None, Activation::Relu, Activation::LeakyRelu(0.1), Activation::Sigmoid] {
                let (mut a, mut b) = (vec![0f32; n], vec![0f32; n]);
                dequantize_i32_with(kern, &sums, 0.0013, 0.25, act, &mut a);
                dequantize_i32_with(portable, &sums, 0.0013, 0.25, act, &mut b);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&a), bits(&b), "{kern:?} dequantize_i32 {act:?} n {n}");
                let (mut a, mut b) = (vec![0i8; n], vec![0i8; n]);
                requantize_i32_with(kern, &sums, 0.0013, 0.25, act, 41.0, &mut a);
                requantize_i32_with(portable, &sums, 0.0013, 0.25, act, 41.0, &mut b);
                assert_eq!(a, b, "{kern:?} requantize_i32 {act:?} n {n}");
            }
        }
    }

    fn gemm_convolutions_agree_bit_for_bit(kern, portable) {
        int8_conv_agrees(kern, portable, Int8Algo::Gemm, 102);
    }

    fn winograd_convolutions_agree_bit_for_bit(kern, portable) {
        int8_conv_agrees(kern, portable, Int8Algo::Winograd23, 103);
        int8_conv_agrees(kern, portable, Int8Algo::Winograd43, 104);
    }

    fn depthwise_convolutions_agree_bit_for_bit(kern, portable) {
        int8_conv_agrees(kern, portable, Int8Algo::Depthwise, 105);
    }

    fn inner_products_agree_bit_for_bit(kern, portable) {
        let mut rng = Rng(106);
        for ins in sizes(&mut rng, &[16], 200, 3).into_iter().filter(|&n| n > 0) {
            for outs in [1, 3, 4, 5, 8, 13] {
                let w = rng.i8s(ins * outs, -127, 127);
                let x = rng.i8s(ins, -128, 127);
                let scales: Vec<f32> = (0..outs).map(|_| rng.f32(10.0, 100.0)).collect();
                let run = |k: &'static Int8Kernels| {
                    let ip = InnerProductI8::with_kernels(&w, &scales, None, outs, Activation::Relu, k).unwrap();
                    let mut out = vec![0f32; outs];
                    ip.forward_i8(&x, 0.5, &mut out, 1);
                    out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                };
                assert_eq!(run(kern), run(portable), "{kern:?} {outs}×{ins}");
            }
        }
    }

    /// The Winograd pieces that share one data layout on every object
    /// (gather, the unpaired input transform, output transform, un-gather,
    /// cropped un-gather), on random data.
    fn winograd_stages_agree_bit_for_bit(kern, portable) {
        use octet_kernels::generic::int8::winograd::{TileGrid, LANES};
        let mut rng = Rng(107);
        for m in [2, 4] {
            for (outw, outh) in [(1, 1), (4, 4), (7, 7), (9, 5), (16, 3), (33, 17)] {
                let grid = TileGrid::new(m, outw, outh);
                let (wp, hp, slots) = (grid.padded_w(), grid.padded_h(), grid.slots());
                let positions = grid.positions();
                let xp = rng.i8s(wp * hp, -128, 127);
                let (mut a, mut b) = (vec![0i8; positions * slots], vec![0i8; positions * slots]);
                w8::gather_with(kern, &grid, &xp, &mut a);
                w8::gather_with(portable, &grid, &xp, &mut b);
                assert_eq!(a, b, "{kern:?} gather F({m},3) {outw}×{outh}");
                for lanes in [4, 8] {
                    let vlen = (positions - 1) * 2 * lanes + lanes;
                    let (mut va, mut vb) = (vec![0i16; vlen], vec![0i16; vlen]);
                    if !w8::gemm16_pairs(kern) {
                        w8::input_transform_with(kern, m, &a, slots, &mut va, 2 * lanes, lanes);
                        w8::input_transform_with(portable, m, &a, slots, &mut vb, 2 * lanes, lanes);
                        assert_eq!(va, vb, "{kern:?} input transform F({m},3) lanes {lanes}");
                    }
                    let cstride = LANES + 3;
                    let c: Vec<i32> = (0..(positions - 1) * cstride + LANES)
                        .map(|_| rng.next_u64() as i32)
                        .collect();
                    let ylen = (m * m - 1) * 11 + LANES;
                    let (mut ya, mut yb) = (vec![0i32; ylen], vec![0i32; ylen]);
                    w8::output_transform_with(kern, m, &c, cstride, &mut ya, 11, lanes);
                    w8::output_transform_with(portable, m, &c, cstride, &mut yb, 11, lanes);
                    for o in 0..m * m {
                        // The first `lanes` tiles are the ones asked for.
                        assert_eq!(ya[o * 11..][..lanes], yb[o * 11..][..lanes], "{kern:?} output transform F({m},3) lanes {lanes}");
                    }
                }
                let y: Vec<i32> = (0..m * m * slots).map(|_| rng.next_u64() as i32).collect();
                let ow = grid.out_w();
                let (mut ua, mut ub) = (vec![0i32; grid.th * m * ow], vec![0i32; grid.th * m * ow]);
                w8::ungather_with(kern, &grid, &y, &mut ua);
                w8::ungather_with(portable, &grid, &y, &mut ub);
                assert_eq!(ua, ub, "{kern:?} ungather F({m},3) {outw}×{outh}");
                let clen = w8::cropped_len(&grid, outw);
                let (mut ca, mut cb) = (vec![0i32; clen], vec![0i32; clen]);
                w8::ungather_cropped_with(kern, &grid, &y, &mut ca, outw);
                w8::ungather_cropped_with(portable, &grid, &y, &mut cb, outw);
                for i in 0..outh {
                    assert_eq!(ca[i * outw..][..outw], cb[i * outw..][..outw], "{kern:?} cropped ungather F({m},3) {outw}×{outh}");
                }
            }
        }
    }
});

/// Relative error `max|Δ| / max|want|`.
fn rel_err(got: &[f32], want: &[f32]) -> f32 {
    assert_eq!(got.len(), want.len());
    assert!(got.iter().all(|v| v.is_finite()), "non-finite output");
    let maxref = want.iter().fold(0f32, |m, v| m.max(v.abs()));
    let maxd = got
        .iter()
        .zip(want)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    maxd / maxref.max(1e-30)
}

/// `conv` on `c` planes of `w × h` (`x`), tightly packed output.
fn run_f32(conv: &Conv2dF32, x: &[f32], w: usize, h: usize) -> Vec<f32> {
    let g = conv.geom;
    let (ow, oh) = g.output_size(w, h).unwrap();
    let mut out = vec![f32::NAN; g.out_c * ow * oh];
    let mut o = PlanesMut::new(&mut out, ow, oh, g.out_c, ow * oh);
    conv.forward(Planes::new(x, w, h, g.in_c, w * h), &mut o, 1);
    out
}

kernel_suite!(Fp32Kernels, fp32_family, |o| o.fp32(), {
    /// Every algorithm on edge-case and random shapes, within the fp32
    /// convolution tests' tolerances (1e-4; F(6,3) 1e-3: fused and separate
    /// multiply-adds round differently, F(6,3)'s constants amplify it).
    fn convolutions_agree_within_rounding(kern, portable) {
        let mut rng = Rng(201);
        let mut layers = vec![
            (geom(1, 1, 3, 1, 1), 3, 3),
            (geom(3, 5, 3, 1, 1), 9, 7),
            (geom(13, 7, 3, 1, 1), 14, 14),
            (geom(16, 17, 1, 1, 1), 7, 7),
            (geom(9, 25, 3, 2, 1), 15, 11),
            (geom(8, 8, 3, 1, 8), 10, 10),
            (geom(6, 6, 3, 2, 6), 17, 9),
            (geom(8, 12, 3, 1, 4), 6, 6),
        ];
        for _ in 0..4 {
            let (i, o) = (rng.int(1, 40) as usize, rng.int(1, 40) as usize);
            let (w, h) = (rng.int(3, 30) as usize, rng.int(3, 30) as usize);
            layers.push((geom(i, o, [1, 3][rng.int(0, 1) as usize], rng.int(1, 2) as usize, 1), w, h));
        }
        for (g, w, h) in layers {
            let x = floats(&mut rng, g.in_c * w * h, 1.0);
            let wts = floats(&mut rng, g.weight_len(), 1.0);
            let bias = floats(&mut rng, g.out_c, 1.0);
            let algos: &[ConvAlgo] = if g.is_3x3_s1() && g.group == 1 {
                &[ConvAlgo::Gemm, ConvAlgo::Winograd23, ConvAlgo::Winograd43, ConvAlgo::Winograd63]
            } else {
                &[ConvAlgo::Auto]
            };
            for &algo in algos {
                let conv = |k| Conv2dF32::with_kernels(g, &wts, Some(&bias), Activation::Relu, algo, None, k).unwrap();
                let (a, b) = (conv(kern), conv(portable));
                let tol = if a.algo() == ConvAlgo::Winograd63 { 1e-3 } else { 1e-4 };
                let e = rel_err(&run_f32(&a, &x, w, h), &run_f32(&b, &x, w, h));
                assert!(e <= tol, "{kern:?} vs {portable:?}: {g:?} {w}×{h} {algo:?}: {e}");
            }
        }
    }

    /// Depthwise convolutions with and without a fast path (3×3 and 5×5 at
    /// stride 1 and 2; 7×7, dilation 2 and unequal strides take the portable
    /// row-wise loop) on output widths 1..=20 (the tails of the 8- and 4-column
    /// blocks), heights 1..=7 (odd ones leave the two-row kernels a single
    /// row), ReLU on and off, plus random shapes. Sets that add each product
    /// in tap order without fusing (the portable ones, armv7 `vmla`) agree
    /// exactly (`==`: the sign of a zero may differ under ReLU); sets with
    /// fused multiply-add within 1e-5 of the largest output.
    fn depthwise_convolutions_agree(kern, portable) {
        let mut rng = Rng(203);
        let exact = !kern.name().contains("avx") && !kern.name().contains("aarch64");
        let mut shapes = Vec::new();
        for (k, s, d) in [(5, 1, 1), (5, 2, 1), (3, 1, 1), (3, 2, 1), (7, 1, 1), (3, 1, 2), (5, 3, 1)] {
            for outw in 1..=20 {
                for outh in [1, 2, 3, 4, 7] {
                    shapes.push((k, s, d, outw, outh, rng.int(0, 2) as usize));
                }
            }
        }
        for _ in 0..20 {
            let k = [3, 5, 5, 7][rng.int(0, 3) as usize];
            shapes.push((k, rng.int(1, 2) as usize, 1, rng.int(1, 60) as usize, rng.int(1, 30) as usize, rng.int(0, 3) as usize));
        }
        for (i, &(k, s, d, outw, outh, extra)) in shapes.iter().enumerate() {
            let c = 2 + i % 2;
            let g = ConvGeometry { dilation_w: d, dilation_h: d, ..geom(c, c, k, s, c) };
            let (w, h) = (s * (outw - 1) + g.kernel_extent_w() + extra, s * (outh - 1) + g.kernel_extent_h());
            // `extra` columns beyond the last window: a wider row stride (and, from
            // `stride` on, more outputs).
            let x = floats(&mut rng, c * w * h, 1.0);
            let wts = floats(&mut rng, g.weight_len(), 1.0);
            let bias = floats(&mut rng, c, 1.0);
            let act = if i % 3 == 0 { Activation::None } else { Activation::Relu };
            let conv = |kn| Conv2dF32::with_kernels(g, &wts, Some(&bias), act, ConvAlgo::Auto, None, kn).unwrap();
            let (a, b) = (run_f32(&conv(kern), &x, w, h), run_f32(&conv(portable), &x, w, h));
            if exact {
                assert!(a == b, "{kern:?} vs {portable:?}: {k}×{k} s{s} d{d} {outw}×{outh} {act:?}:\n{a:?}\n{b:?}");
            } else {
                let e = rel_err(&a, &b);
                assert!(e <= 1e-5, "{kern:?} vs {portable:?}: {k}×{k} s{s} d{d} {outw}×{outh} {act:?}: {e}");
            }
        }
    }

    /// GEMV (one row) and GEMM (several rows) inner products, within the
    /// inner-product tests' 1e-5.
    fn inner_products_agree_within_rounding(kern, portable) {
        let mut rng = Rng(202);
        for ins in sizes(&mut rng, &[4, 8, 16], 300, 3).into_iter().filter(|&n| n > 0) {
            for (outs, rows) in [(1, 1), (7, 1), (37, 1), (13, 3)] {
                let w = floats(&mut rng, ins * outs, 1.0);
                let b = floats(&mut rng, outs, 1.0);
                let x = floats(&mut rng, ins * rows, 1.0);
                let run = |k| {
                    let ip = InnerProductF32::with_kernels(&w, Some(&b), outs, Activation::None, k).unwrap();
                    let mut out = vec![0f32; outs * rows];
                    ip.forward_rows(&x, rows, &mut out, 1);
                    out
                };
                let e = rel_err(&run(kern), &run(portable));
                assert!(e <= 1e-5, "{kern:?} vs {portable:?}: {outs}×{ins} × {rows}: {e}");
            }
        }
    }
});

kernel_suite!(PoolKernels, pooling_family, |o| o.pooling(), {
    /// 3×3 max rows and planes, both strides, int8 bit for bit and fp32
    /// equal (`==`, which takes +0 and −0 as one value: NEON's `vmax` does
    /// not order them; no NaN here, where it propagates).
    fn max_pools_agree(kern, portable) {
        use octet_kernels::{fp32::pooling as pf, int8::pooling as pi};
        let mut rng = Rng(301);
        for stride in [1, 2] {
            for n in sizes(&mut rng, &[4, 8, 16], 120, 4) {
                let len = if n == 0 { 3 } else { stride * (n - 1) + 3 + rng.int(0, 3) as usize };
                let r8: Vec<Vec<i8>> = (0..3).map(|_| rng.i8s(len, -128, 127)).collect();
                let (mut a, mut b) = (vec![0i8; n], vec![0i8; n]);
                pi::max3x3_row_with(kern, &r8[0], &r8[1], &r8[2], stride, &mut a);
                pi::max3x3_row_with(portable, &r8[0], &r8[1], &r8[2], stride, &mut b);
                assert_eq!(a, b, "{kern:?} int8 stride {stride} n {n}");
                let rf: Vec<Vec<f32>> = (0..3).map(|_| floats(&mut rng, len, 100.0)).collect();
                let (mut a, mut b) = (vec![0f32; n], vec![0f32; n]);
                pf::max3x3_row_with(kern, &rf[0], &rf[1], &rf[2], stride, &mut a);
                pf::max3x3_row_with(portable, &rf[0], &rf[1], &rf[2], stride, &mut b);
                assert!(a == b, "{kern:?} fp32 stride {stride} n {n}: {a:?} vs {b:?}");
            }
            for (outw, outh) in [(1, 1), (7, 7), (15, 2), (16, 3), (31, 4), (33, 2), (56, 3)] {
                let pw = stride * (outw - 1) + 3 + rng.int(0, 1) as usize;
                let ph = stride * (outh - 1) + 3;
                let p8 = rng.i8s(pw * ph, -128, 127);
                let (mut a, mut b) = (vec![0i8; outw * outh], vec![0i8; outw * outh]);
                pi::max_pool3x3_with(kern, &p8, pw, stride, outw, outh, &mut a);
                pi::max_pool3x3_with(portable, &p8, pw, stride, outw, outh, &mut b);
                assert_eq!(a, b, "{kern:?} int8 plane stride {stride} {outw}×{outh}");
                let pf32 = floats(&mut rng, pw * ph, 100.0);
                let (mut a, mut b) = (vec![0f32; outw * outh], vec![0f32; outw * outh]);
                pf::max_pool3x3_with(kern, &pf32, pw, stride, outw, outh, &mut a);
                pf::max_pool3x3_with(portable, &pf32, pw, stride, outw, outh, &mut b);
                assert!(a == b, "{kern:?} fp32 plane stride {stride} {outw}×{outh}");
            }
        }
    }
});

kernel_suite!(EltwiseKernels, eltwise_family, |o| o.eltwise(), {
    /// In-place add, multiply and max on lengths around the 8-float block
    /// and unaligned starts: bit for bit (the eltwise tests' rule), but for
    /// the sign of a zero under max.
    fn binary_ops_agree(kern, portable) {
        let mut rng = Rng(401);
        for op in BinaryOp::ALL {
            for n in sizes(&mut rng, &[8], 500, 4) {
                for offset in [0, 1, 3] {
                    let a = floats(&mut rng, n + offset, 1e3);
                    let b = floats(&mut rng, n + offset, 1e3);
                    let s = b.first().copied().unwrap_or(0.5);
                    let (mut x, mut y) = (a.clone(), a.clone());
                    binary_in_place_with(kern, op, &mut x[offset..], &b[offset..]);
                    binary_in_place_with(portable, op, &mut y[offset..], &b[offset..]);
                    let (mut xs, mut ys) = (a.clone(), a.clone());
                    binary_scalar_in_place_with(kern, op, &mut xs[offset..], s);
                    binary_scalar_in_place_with(portable, op, &mut ys[offset..], s);
                    let minmax = matches!(op, BinaryOp::Max | BinaryOp::Min);
                    for (i, (u, v)) in x.iter().zip(&y).chain(xs.iter().zip(&ys)).enumerate() {
                        assert!(
                            u.to_bits() == v.to_bits() || (minmax && *u == 0.0 && *v == 0.0),
                            "{kern:?} {op:?} n {n} offset {offset} at {i}: {u} vs {v}"
                        );
                    }
                }
            }
        }
    }

    /// Sigmoid and Swish on lengths around the 4-float block, unaligned
    /// starts, the whole useful range and beyond: within 4e-7 relative
    /// (+1e-30 absolute, NEON's flushed subnormals) of the portable loop,
    /// whose own accuracy the unit tests check against f64.
    fn sigmoid_and_swish_agree(kern, portable) {
        let mut rng = Rng(409);
        for op in [UnaryOp::Sigmoid, UnaryOp::Swish] {
            for n in sizes(&mut rng, &[4], 300, 4) {
                for (offset, range) in [(0, 10.0), (1, 100.0), (3, 1e4)] {
                    let mut a = floats(&mut rng, n + offset, range);
                    if n > 3 {
                        a[offset..offset + 4].copy_from_slice(&[0.0, -87.5, 88.5, f32::MIN_POSITIVE]);
                    }
                    let (mut x, mut y) = (a.clone(), a.clone());
                    unary_in_place_with(kern, op, &mut x[offset..]);
                    unary_in_place_with(portable, op, &mut y[offset..]);
                    for (i, (u, v)) in x.iter().zip(&y).enumerate() {
                        assert!(
                            (u - v).abs() <= 4e-7 * v.abs() + 1e-30,
                            "{kern:?} {op:?} n {n} offset {offset} at {i}: x {} gives {u} vs {v}",
                            a[i]
                        );
                    }
                }
            }
        }
    }

    /// Clip, HardSigmoid and HardSwish's affine clamp on lengths around the
    /// 4-float block and unaligned starts: bit for bit but for zero signs
    /// and NEON's flushed subnormals.
    fn affine_clamp_agrees(kern, portable) {
        let mut rng = Rng(419);
        for (p, times_x) in [
            ([1.0, 0.0, 0.0, 6.0], false),
            ([1.0, 0.0, -1.5, 2.5], false),
            ([0.2, 0.5, 0.0, 1.0], false),
            ([1.0 / 6.0, 0.5, 0.0, 1.0], true),
        ] {
            for n in sizes(&mut rng, &[4], 300, 4) {
                for offset in [0, 1, 3] {
                    let a = floats(&mut rng, n + offset, 10.0);
                    let (mut x, mut y) = (a.clone(), a.clone());
                    affine_clamp_in_place_with(kern, &mut x[offset..], p, times_x);
                    affine_clamp_in_place_with(portable, &mut y[offset..], p, times_x);
                    for (i, (u, v)) in x.iter().zip(&y).enumerate() {
                        assert!(
                            u.to_bits() == v.to_bits() || (u - v).abs() <= 1e-37,
                            "{kern:?} {p:?} n {n} offset {offset} at {i}: x {} gives {u} vs {v}",
                            a[i]
                        );
                    }
                }
            }
        }
    }
});
