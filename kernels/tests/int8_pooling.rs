//! int8 3×3 max pooling rows: every implementation against a naive window
//! maximum, on widths around the NEON block sizes (8, 16), both strides,
//! random and saturated (−128 / 127) values, and rows longer than needed.

mod int8_common;

use int8_common::Rng;
use octet_kernels::int8::pooling::{max3x3_row_with, max_pool3x3_with};
use octet_kernels::pooling::PoolKernels;
use octet_kernels::{KernelSet, Ops};

fn naive(rows: [&[i8]; 3], stride: usize, n: usize) -> Vec<i8> {
    (0..n)
        .map(|j| {
            let mut m = i8::MIN;
            for r in rows {
                for c in 0..3 {
                    m = m.max(r[j * stride + c]);
                }
            }
            m
        })
        .collect()
}

#[test]
fn max3x3_rows_match_a_naive_window_max() {
    let mut rng = Rng(31);
    for kern in PoolKernels::available() {
        for stride in [1, 2] {
            for n in [1, 2, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 56, 113] {
                for (case, extra) in [(0, 0), (1, 5), (2, 0)] {
                    let len = stride * (n - 1) + 3 + extra;
                    let gen = |rng: &mut Rng| -> Vec<i8> {
                        match case {
                            // Saturated: mostly −128 with isolated 127s.
                            2 => (0..len)
                                .map(|_| if rng.int(0, 9) == 0 { 127 } else { -128 })
                                .collect(),
                            _ => rng.i8s(len, -128, 127),
                        }
                    };
                    let (a, b, c) = (gen(&mut rng), gen(&mut rng), gen(&mut rng));
                    let mut out = vec![0i8; n + 3];
                    out[n..].fill(55);
                    max3x3_row_with(kern, &a, &b, &c, stride, &mut out[..n]);
                    let want = naive([&a, &b, &c], stride, n);
                    assert_eq!(
                        out[..n],
                        want[..],
                        "{kern:?} stride {stride} n {n} case {case}"
                    );
                    assert!(
                        out[n..].iter().all(|&v| v == 55),
                        "{kern:?} wrote past the row"
                    );
                }
            }
        }
    }
}

/// Whole planes, through both strategies (a row call per output row, and
/// the long-row one for stride 1 and narrow maps), against the naive max.
#[test]
fn max_pool3x3_planes_match_a_naive_window_max() {
    let mut rng = Rng(32);
    for kern in PoolKernels::available() {
        for stride in [1, 2] {
            for (outw, outh) in [
                (1, 1),
                (7, 7),
                (13, 5),
                (14, 14),
                (28, 3),
                (31, 2),
                (32, 3),
                (56, 4),
            ] {
                for slack in [0, 1] {
                    let pw = stride * (outw - 1) + 3 + slack;
                    let ph = stride * (outh - 1) + 3 + slack;
                    let p = rng.i8s(pw * ph, -128, 127);
                    let mut out = vec![99i8; outw * outh + 4];
                    max_pool3x3_with(kern, &p, pw, stride, outw, outh, &mut out[..outw * outh]);
                    for i in 0..outh {
                        let r = |k: usize| &p[(i * stride + k) * pw..];
                        let want = naive([r(0), r(1), r(2)], stride, outw);
                        assert_eq!(
                            out[i * outw..(i + 1) * outw],
                            want[..],
                            "{kern:?} stride {stride} {outw}×{outh} row {i}"
                        );
                    }
                    assert!(out[outw * outh..].iter().all(|&v| v == 99));
                }
            }
        }
    }
}

#[test]
#[should_panic]
fn a_short_row_is_refused() {
    let r = vec![0i8; 10];
    let mut out = vec![0i8; 5];
    // Stride 2 × 5 outputs needs 11 bytes per row.
    max3x3_row_with(Ops::generic().pooling(), &r, &r, &r, 2, &mut out);
}
