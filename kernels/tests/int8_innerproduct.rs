//! int8 inner product: every implementation against dot products and an
//! output stage written out here, and against each other bit for bit; odd
//! sizes around the 4-row × 16-input NEON blocks, saturated values, a zero
//! weight scale.

mod int8_common;

use int8_common::{mul_of, Rng};
use octet_kernels::int8::quantize::float2int8;
use octet_kernels::int8::{InnerProductI8, Int8Kernels};
use octet_kernels::Activation;
use octet_kernels::KernelSet;

#[test]
fn inner_product_matches_dot_products_on_every_isa() {
    let mut rng = Rng(31);
    for (outs, ins, sat) in [
        (1, 1, false),
        (3, 15, false),
        (4, 16, true),
        (7, 17, false),
        (9, 100, true),
        (1000, 1024, false),
        (13, 48, false),
    ] {
        let w: Vec<i8> = if sat {
            (0..outs * ins)
                .map(|i| if i % 5 == 0 { -127 } else { 127 })
                .collect()
        } else {
            rng.i8s(outs * ins, -127, 127)
        };
        let mut scales: Vec<f32> = (0..outs).map(|_| rng.f32(50.0, 150.0)).collect();
        scales[outs / 2] = 0.0;
        let bias: Vec<f32> = (0..outs).map(|_| rng.f32(-1.0, 1.0)).collect();
        let x: Vec<f32> = (0..ins).map(|_| rng.f32(-9.0, 9.0)).collect();
        let in_scale = 13.7f32;
        let xq: Vec<i8> = if sat {
            (0..ins)
                .map(|i| if i % 3 == 0 { 127 } else { -128 })
                .collect()
        } else {
            x.iter().map(|&v| float2int8(v * in_scale)).collect()
        };
        let act = Activation::Relu;
        let expect: Vec<f32> = (0..outs)
            .map(|p| {
                let d: i64 = (0..ins).map(|k| w[p * ins + k] as i64 * xq[k] as i64).sum();
                let s = d as i32 as f32 * mul_of(in_scale, scales[p]);
                act.apply(s + bias[p])
            })
            .collect();
        let mut first: Option<Vec<u32>> = None;
        for kern in Int8Kernels::available() {
            let ip =
                InnerProductI8::with_kernels(&w, &scales, Some(&bias), outs, act, kern).unwrap();
            for threads in [1, 3] {
                let mut out = vec![f32::NAN; outs];
                ip.forward_i8(&xq, in_scale, &mut out, threads);
                assert_eq!(out, expect, "{kern:?} {outs}x{ins}");
                let bits: Vec<u32> = out.iter().map(|v| v.to_bits()).collect();
                match &first {
                    None => first = Some(bits),
                    Some(b) => assert!(*b == bits, "{kern:?} differs"),
                }
                if !sat {
                    // The fp32 entry point quantizes like float2int8.
                    let mut out2 = vec![f32::NAN; outs];
                    ip.forward(&x, in_scale, &mut out2, threads);
                    assert_eq!(out2, expect, "{kern:?} fp32 input");
                }
            }
        }
    }
}

#[test]
fn inner_product_rejects_bad_input() {
    let w = vec![1i8; 12];
    assert!(InnerProductI8::new(&w, &[1.0; 3], None, 3, Activation::None).is_ok());
    assert!(InnerProductI8::new(&w, &[1.0; 3], None, 5, Activation::None).is_err());
    assert!(InnerProductI8::new(&w, &[1.0; 2], None, 3, Activation::None).is_err());
    assert!(InnerProductI8::new(&w, &[1.0; 3], Some(&[0.0; 2]), 3, Activation::None).is_err());
    assert!(InnerProductI8::new(&w, &[1.0; 3], None, 0, Activation::None).is_err());
    let mut bad = w.clone();
    bad[0] = i8::MIN;
    assert!(InnerProductI8::new(&bad, &[1.0; 3], None, 3, Activation::None).is_err());
}
