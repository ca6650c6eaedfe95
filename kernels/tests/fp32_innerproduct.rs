//! fp32 inner product (GEMV, and GEMM for batches of rows) against the naive
//! reference, for every kernel set this CPU runs.

use octet_kernels::fp32::{Fp32Kernels, InnerProductF32};
use octet_kernels::KernelSet;
use octet_kernels::{reference, Activation};

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

fn in_pool<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    if threads > 1 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    } else {
        f()
    }
}

#[test]
fn gemv_matches_reference_for_every_kernel_set() {
    let shapes = [
        (1, 1),
        (7, 3),
        (8, 4),
        (33, 5),
        (64, 17),
        (1024, 100),
        (9, 1000),
    ];
    for kern in Fp32Kernels::available() {
        for (i, &(n_in, n_out)) in shapes.iter().enumerate() {
            for (bias, act) in [
                (true, Activation::None),
                (false, Activation::Relu),
                (true, Activation::Sigmoid),
            ] {
                let seed = i as u64 * 7;
                let w = rand_vec(n_in * n_out, seed);
                let b = rand_vec(n_out, seed + 1);
                let x = rand_vec(n_in, seed + 2);
                let b = bias.then_some(&b[..]);
                let ip = InnerProductF32::with_kernels(&w, b, n_out, act, kern).unwrap();
                assert_eq!((ip.num_input, ip.num_output), (n_in, n_out));
                let want = reference::inner_product_f32(&x, &w, b, n_out, act);
                for threads in [1, 3] {
                    let mut out = vec![f32::NAN; n_out];
                    in_pool(threads, || ip.forward(&x, &mut out, threads));
                    let e = rel_err(&out, &want);
                    assert!(
                        e <= 1e-5,
                        "{kern:?} {n_in}→{n_out} {act:?} threads {threads}: rel err {e}"
                    );
                }
            }
        }
    }
}

#[test]
fn batched_rows_match_reference_for_every_kernel_set() {
    for kern in Fp32Kernels::available() {
        for &(n_in, n_out, rows) in &[(5, 3, 2), (64, 30, 7), (100, 17, 33)] {
            let w = rand_vec(n_in * n_out, 11);
            let b = rand_vec(n_out, 12);
            let x = rand_vec(n_in * rows, 13);
            let ip =
                InnerProductF32::with_kernels(&w, Some(&b), n_out, Activation::Relu, kern).unwrap();
            let want: Vec<f32> = x
                .chunks(n_in)
                .flat_map(|r| {
                    reference::inner_product_f32(r, &w, Some(&b), n_out, Activation::Relu)
                })
                .collect();
            for threads in [1, 2] {
                let mut out = vec![f32::NAN; n_out * rows];
                in_pool(threads, || ip.forward_rows(&x, rows, &mut out, threads));
                let e = rel_err(&out, &want);
                assert!(e <= 1e-4, "{kern:?} {rows}×{n_in}→{n_out}: rel err {e}");
            }
        }
    }
}

/// Each architecture set's GEMV against its portable twin (same inputs).
#[test]
fn architecture_gemv_matches_portable_twin() {
    for kern in Fp32Kernels::available()
        .into_iter()
        .filter(|k| !k.is_portable())
    {
        let twin = kern.portable_twin();
        let (n_in, n_out) = (203, 37);
        let w = rand_vec(n_in * n_out, 21);
        let x = rand_vec(n_in, 22);
        let b = rand_vec(n_out, 23);
        let run = |k: &'static Fp32Kernels| {
            let ip =
                InnerProductF32::with_kernels(&w, Some(&b), n_out, Activation::None, k).unwrap();
            let mut out = vec![0f32; n_out];
            ip.forward(&x, &mut out, 1);
            out
        };
        let e = rel_err(&run(kern), &run(twin));
        assert!(e <= 1e-5, "{kern:?} vs {twin:?}: {e}");
    }
}

#[test]
fn bad_parameters_are_errors_not_panics() {
    let w = rand_vec(12, 1);
    assert!(InnerProductF32::new(&w, None, 5, Activation::None).is_err());
    assert!(InnerProductF32::new(&w, None, 0, Activation::None).is_err());
    assert!(InnerProductF32::new(&[], None, 3, Activation::None).is_err());
    assert!(InnerProductF32::new(&w, Some(&[0.0; 3]), 4, Activation::None).is_err());
    assert!(InnerProductF32::new(&w, Some(&[0.0; 4]), 4, Activation::None).is_ok());
}
