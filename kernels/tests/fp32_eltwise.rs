//! fp32 element-wise binary operations: every element-wise kernel object
//! this CPU runs (NEON loops on armv7, the portable ones everywhere) against a naive per-element loop, on lengths
//! around the 8-float block, with offsets that leave the slices unaligned,
//! and values that reach overflow (±inf) and cancellation. Normal numbers and
//! infinities only: subnormals and NaN under `Max` are where NEON may differ
//! (module doc).

mod int8_common;

use int8_common::Rng;
use octet_kernels::fp32::eltwise::{binary_in_place_with, BinaryOp, EltwiseKernels};
use octet_kernels::{KernelSet, Ops};

fn values(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n)
        .map(|_| match rng.int(0, 9) {
            0 => 0.0,
            1 => -0.0,
            2 => f32::MAX,
            3 => -f32::MAX,
            4 => f32::INFINITY,
            _ => rng.f32(-100.0, 100.0),
        })
        .collect()
}

#[test]
fn binary_ops_match_a_naive_loop() {
    let mut rng = Rng(43);
    for kern in EltwiseKernels::available() {
        for op in BinaryOp::ALL {
            for n in [0, 1, 7, 8, 9, 15, 16, 17, 31, 100, 3137] {
                for offset in [0, 1, 3] {
                    let a = values(&mut rng, n + offset);
                    let b = values(&mut rng, n + offset);
                    let mut got = a.clone();
                    binary_in_place_with(kern, op, &mut got[offset..], &b[offset..]);
                    for i in 0..n + offset {
                        let (x, y) = (a[i], b[i]);
                        let want = if i < offset {
                            x
                        } else {
                            match op {
                                BinaryOp::Add => x + y,
                                BinaryOp::Mul => x * y,
                                BinaryOp::Max => x.max(y),
                                BinaryOp::Sub => x - y,
                                BinaryOp::Min => x.min(y),
                            }
                        };
                        // NaN (inf − inf, 0·inf) must stay NaN; zeros may
                        // differ in sign only under Max.
                        assert!(
                            got[i].to_bits() == want.to_bits()
                                || (got[i].is_nan() && want.is_nan())
                                || (matches!(op, BinaryOp::Max | BinaryOp::Min) && got[i] == 0.0 && want == 0.0),
                            "{kern:?} {op:?} n {n} offset {offset} at {i}: {x} op {y} = {}, want {want}",
                            got[i]
                        );
                    }
                }
            }
        }
    }
}

#[test]
#[should_panic]
fn binary_ops_reject_different_lengths() {
    binary_in_place_with(
        Ops::generic().eltwise(),
        BinaryOp::Add,
        &mut [0.0; 3],
        &[0.0; 4],
    );
}
