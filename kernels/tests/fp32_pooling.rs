//! fp32 3×3 max pooling: every pooling kernel object this CPU runs (NEON
//! rows on ARM, the portable ones everywhere) against a naive window maximum, on widths around the
//! 4-output block, both strides, and whole planes through both strategies.
//! Finite values only (with repeats and both zeros): NaN, the order of
//! equal zeros and subnormals are where NEON's `vmax` may differ (module doc).

mod int8_common;

use int8_common::Rng;
use octet_kernels::fp32::pooling::{max3x3_row_with, max_pool3x3_with};
use octet_kernels::pooling::PoolKernels;
use octet_kernels::{KernelSet, Ops};

fn values(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n)
        .map(|_| match rng.int(0, 9) {
            0 => 0.0,
            1 => -0.0,
            2 => 1.5,
            3 => f32::MIN,
            _ => rng.f32(-100.0, 100.0),
        })
        .collect()
}

fn naive(rows: [&[f32]; 3], stride: usize, n: usize) -> Vec<f32> {
    (0..n)
        .map(|j| {
            let mut m = f32::NEG_INFINITY;
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
    let mut rng = Rng(41);
    for kern in PoolKernels::available() {
        for stride in [1, 2] {
            for n in [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 56, 113] {
                for extra in [0, 3] {
                    let len = stride * (n - 1) + 3 + extra;
                    let (a, b, c) = (
                        values(&mut rng, len),
                        values(&mut rng, len),
                        values(&mut rng, len),
                    );
                    let mut out = vec![0f32; n + 2];
                    out[n..].fill(7.0);
                    max3x3_row_with(kern, &a, &b, &c, stride, &mut out[..n]);
                    let want = naive([&a, &b, &c], stride, n);
                    // == treats +0 and −0 as one value.
                    assert!(
                        out[..n].iter().zip(&want).all(|(x, y)| x == y),
                        "{kern:?} stride {stride} n {n}: {:?} vs {want:?}",
                        &out[..n]
                    );
                    assert!(out[n..].iter().all(|&v| v == 7.0), "wrote past the row");
                }
            }
        }
    }
}

#[test]
fn max_pool3x3_planes_match_a_naive_window_max() {
    let mut rng = Rng(42);
    for kern in PoolKernels::available() {
        for stride in [1, 2] {
            for (outw, outh) in [
                (1, 1),
                (7, 7),
                (13, 5),
                (14, 14),
                (15, 2),
                (16, 3),
                (28, 3),
                (56, 2),
            ] {
                let pw = stride * (outw - 1) + 3 + 1;
                let ph = stride * (outh - 1) + 3;
                let p = values(&mut rng, pw * ph);
                let mut out = vec![9f32; outw * outh + 3];
                max_pool3x3_with(kern, &p, pw, stride, outw, outh, &mut out[..outw * outh]);
                for i in 0..outh {
                    let r = |k: usize| &p[(i * stride + k) * pw..];
                    let want = naive([r(0), r(1), r(2)], stride, outw);
                    assert!(
                        out[i * outw..(i + 1) * outw]
                            .iter()
                            .zip(&want)
                            .all(|(x, y)| x == y),
                        "{kern:?} stride {stride} {outw}×{outh} row {i}"
                    );
                }
                assert!(out[outw * outh..].iter().all(|&v| v == 9.0));
            }
        }
    }
}

/// The portable row keeps ncnn's portable `std::max` order: a NaN first in
/// its window stays, a NaN later is passed over.
#[test]
fn the_portable_row_follows_std_max_order() {
    let nan_first = [f32::NAN, 1.0, 2.0];
    let nan_later = [1.0, f32::NAN, 2.0];
    let low = [0.0f32; 3];
    let mut out = [0f32; 1];
    max3x3_row_with(
        Ops::generic().pooling(),
        &nan_first,
        &low,
        &low,
        1,
        &mut out,
    );
    assert!(out[0].is_nan());
    max3x3_row_with(
        Ops::generic().pooling(),
        &nan_later,
        &low,
        &low,
        1,
        &mut out,
    );
    assert_eq!(out[0], 2.0);
}
