//! The F(4,3) exactness bound, driven at its limit: weights whose L1 norm is
//! exactly the per-segment maximum, with worst-case inputs, give exact sums
//! in one accumulation; one more unit of L1 norm splits the accumulation in
//! two segments, still exact; worst-case 8-bit weights on 512 channels need
//! three segments and stay exact.

mod int8_common;

use octet_kernels::int8::winograd::{
    max_weight_l1, winograd43_is_exact, winograd43_segments, WINOGRAD43_MAX_L1,
};
use octet_kernels::int8::{choose_int8_algo_for, Conv2dI8, Int8Algo, Int8Kernels, Int8Output};
use octet_kernels::reference::conv2d_i8;
use octet_kernels::KernelSet;
use octet_kernels::{Activation, ConvGeometry, Planes, PlanesMut};

/// `len` weights of one sign with |w| ≤ 127 summing to `l1`.
fn weights_with_l1(len: usize, l1: u64, sign: i8) -> Vec<i8> {
    let mut left = l1;
    (0..len)
        .map(|_| {
            let v = left.min(127);
            left -= v;
            sign * v as i8
        })
        .collect()
}

/// Runs `algo` on every implementation and returns (algorithm that ran, sums),
/// asserting all implementations agree.
fn run(
    g: ConvGeometry,
    w: &[i8],
    input: &[i8],
    iw: usize,
    ih: usize,
    algo: Int8Algo,
) -> (Int8Algo, Vec<i32>) {
    let (outw, outh) = g.output_size(iw, ih).unwrap();
    let mut result: Option<(Int8Algo, Vec<i32>)> = None;
    for kern in Int8Kernels::available() {
        let conv = Conv2dI8::with_kernels(
            g,
            w,
            &vec![1.0; g.out_c],
            None,
            Activation::None,
            algo,
            None,
            kern,
        )
        .unwrap();
        let mut out = vec![0i32; g.out_c * outw * outh];
        let planes = Planes::new(input, iw, ih, g.in_c, iw * ih);
        conv.forward(
            planes,
            1.0,
            Int8Output::I32(PlanesMut::new(&mut out, outw, outh, g.out_c, outw * outh)),
            2,
        );
        // Auto may pick per ISA (GEMM under AVX-512 VNNI), so each ISA
        // must follow its own rule; the sums must agree whatever ran.
        if algo == Int8Algo::Auto {
            let expected = choose_int8_algo_for(kern, &g, Some((outw, outh)));
            assert_eq!(conv.algo(), expected, "{kern:?}");
        }
        match &result {
            Some((_, r)) => assert_eq!(r, &out, "{kern:?}"),
            // The portable ISA comes first; its algorithm is reported.
            None => result = Some((conv.algo(), out)),
        }
    }
    result.unwrap()
}

#[test]
fn winograd43_is_exact_at_the_enforced_bound() {
    // 230 input channels: 2070 weights per output channel can reach the bound.
    let in_c = 230;
    let g = ConvGeometry::simple(in_c, 8, 3, 1);
    let per = in_c * 9;
    let (iw, ih) = (10, 7);
    // Channel 0: all positive at the bound; channel 1: all negative at the
    // bound; channels 2–7: mixes. Input -128 everywhere is the worst case:
    // y = -128·L1 = -33554304 and +33554304 (|y| < 2²⁵ = 33554432).
    let mut w = weights_with_l1(per, WINOGRAD43_MAX_L1, 1);
    w.extend(weights_with_l1(per, WINOGRAD43_MAX_L1, -1));
    for c in 0..6 {
        w.extend((0..per).map(|i| [127i8, -127, 5, 0, -3][(i + c) % 5]));
    }
    assert_eq!(max_weight_l1(&g, &w), WINOGRAD43_MAX_L1);
    assert!(winograd43_is_exact(&g, &w));
    assert_eq!(winograd43_segments(&g, &w), 1);
    let input = vec![-128i8; in_c * iw * ih];
    let (reference, _, _) = conv2d_i8(Planes::new(&input, iw, ih, in_c, iw * ih), &g, &w);
    assert_eq!(reference[0], -128 * WINOGRAD43_MAX_L1 as i32);
    assert_eq!(
        reference[(iw - 2) * (ih - 2)],
        128 * WINOGRAD43_MAX_L1 as i32
    );
    let (algo, sums) = run(g, &w, &input, iw, ih, Int8Algo::Winograd43);
    assert_eq!(algo, Int8Algo::Winograd43);
    assert_eq!(sums, reference);
    // Auto picks F(4,3) too (the layer is large enough).
    assert_eq!(
        run(g, &w, &input, iw, ih, Int8Algo::Auto),
        (Int8Algo::Winograd43, reference)
    );
}

#[test]
fn winograd43_splits_the_accumulation_past_the_bound() {
    let in_c = 230;
    let g = ConvGeometry::simple(in_c, 8, 3, 1);
    let per = in_c * 9;
    let (iw, ih) = (9, 9);
    let mut w = weights_with_l1(per, WINOGRAD43_MAX_L1 + 1, -1);
    for c in 0..7 {
        w.extend(weights_with_l1(per, 1000 * c, 1));
    }
    assert!(winograd43_is_exact(&g, &w));
    assert_eq!(winograd43_segments(&g, &w), 2);
    let input = vec![-128i8; in_c * iw * ih];
    let (reference, _, _) = conv2d_i8(Planes::new(&input, iw, ih, in_c, iw * ih), &g, &w);
    // y = 128·(MAX+1) = 2²⁵: one F(4,3) accumulation would wrap here (see the
    // unit test winograd43_bound_is_tight); two segments are exact.
    assert_eq!(reference[0], 1 << 25);
    for algo in [Int8Algo::Winograd43, Int8Algo::Auto] {
        let (ran, sums) = run(g, &w, &input, iw, ih, algo);
        assert_eq!(ran, Int8Algo::Winograd43, "{algo:?}");
        assert_eq!(sums, reference);
    }
}

#[test]
fn winograd43_is_exact_for_worst_case_8bit_weights() {
    // Every weight ±127 on 512 input channels: per output channel
    // L1 = 512·9·127 = 585 216, over twice the per-segment bound.
    let in_c = 512;
    let g = ConvGeometry::simple(in_c, 8, 3, 1);
    let per = in_c * 9;
    let mut w = vec![127i8; per];
    w.extend(vec![-127i8; per]);
    for c in 0..6 {
        w.extend((0..per).map(|i| if (i + c) % 3 == 0 { -127i8 } else { 127 }));
    }
    assert_eq!(winograd43_segments(&g, &w), 3);
    let (iw, ih) = (6, 10);
    for x in [-128i8, 127] {
        let input = vec![x; in_c * iw * ih];
        let (reference, _, _) = conv2d_i8(Planes::new(&input, iw, ih, in_c, iw * ih), &g, &w);
        assert_eq!(reference[0], x as i32 * 127 * per as i32);
        assert_eq!(
            run(g, &w, &input, iw, ih, Int8Algo::Winograd43),
            (Int8Algo::Winograd43, reference)
        );
    }
}

#[test]
fn winograd43_check_needs_a_3x3_stride1_ungrouped_layer() {
    let w = vec![1i8; 4 * 4 * 9];
    assert!(winograd43_is_exact(&ConvGeometry::simple(4, 4, 3, 1), &w));
    assert!(!winograd43_is_exact(&ConvGeometry::simple(4, 4, 3, 2), &w));
    let mut g = ConvGeometry::simple(4, 4, 3, 1);
    g.group = 2;
    assert!(!winograd43_is_exact(&g, &w[..g.weight_len()]));
    assert!(!winograd43_is_exact(
        &ConvGeometry::simple(4, 4, 3, 1),
        &w[1..]
    ));
}
