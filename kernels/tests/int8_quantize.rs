//! Quantization kernels: every implementation this CPU runs is bit-identical
//! to the portable one, and the portable one follows the written-out rule
//! (`float2int8`: round half away from zero, clamp to ±127).

mod int8_common;

use int8_common::Rng;
use octet_kernels::int8::quantize::{
    dequantize_i32_with, dequantize_with, float2int8, quantize_with, requantize_i32_with,
};
use octet_kernels::int8::Int8Kernels;
use octet_kernels::Activation;
use octet_kernels::KernelSet;

/// Floats that stress the rounding: exact ties, their neighbours, values just
/// below ½, the clamp edges, huge values, infinities, NaN, signed zeros.
fn tricky_floats(rng: &mut Rng) -> Vec<f32> {
    let mut v = vec![
        0.49999997,
        -0.49999997,
        0.5,
        -0.5,
        -0.0,
        0.0,
        126.5,
        -126.5,
        127.49998,
        127.5,
        -127.5,
        128.0,
        -128.0,
        1e10,
        -1e10,
        3e9,
        -3e9,
        2147483648.0,
        -2147483648.0,
        f32::MAX,
        f32::MIN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        8388607.5,
        8388608.0,
    ];
    for k in -131..131 {
        let t = k as f32 + 0.5;
        v.extend([
            t,
            f32::from_bits(t.to_bits() + 1),
            f32::from_bits(t.to_bits() - 1),
        ]);
    }
    for _ in 0..500 {
        v.push(rng.f32(-200.0, 200.0));
    }
    v
}

#[test]
fn simd_kernel_objects_are_detected() {
    let kernels = Int8Kernels::available();
    let names: Vec<&str> = kernels.iter().map(|k| k.name()).collect();
    assert_eq!(names[0], "generic");
    assert!(kernels[0].is_portable());
    if cfg!(any(target_arch = "arm", target_arch = "aarch64")) {
        let neon = if cfg!(target_arch = "arm") {
            "armv7-neon"
        } else {
            "aarch64-neon"
        };
        assert!(names.contains(&neon), "NEON paths would go untested");
    }
    if cfg!(target_arch = "x86_64") {
        let f = octet_kernels::cpu::detect();
        // Every x86 machine Octet is developed on has AVX2; AVX-512 VNNI
        // kernels are tested wherever the CPU has them.
        assert_eq!(names.contains(&"x86-avx2"), f.avx2_fma);
        assert_eq!(names.contains(&"x86-avx512-vnni"), f.avx512vnni);
        assert!(!names.iter().any(|n| n.contains("neon")));
    }
}

#[test]
fn quantize_rounds_half_away_and_all_isas_agree() {
    let mut rng = Rng(11);
    let src = tricky_floats(&mut rng);
    for scale in [1.0f32, 0.5, 3.7, 0.0] {
        let expect: Vec<i8> = src.iter().map(|&x| float2int8(x * scale)).collect();
        for kern in Int8Kernels::available() {
            // Every length up to 24 (tails) and the whole vector.
            for n in (0..24).chain([src.len()]) {
                let mut dst = vec![55i8; n];
                quantize_with(kern, &src[..n], scale, &mut dst);
                assert_eq!(dst, expect[..n], "{kern:?} scale {scale} n {n}");
            }
        }
    }
    // The rule itself, spelled out on the values that trip naive rounding.
    let mut d = [0i8; 8];
    let s = [0.49999997, 2.5, -2.5, 127.5, -127.5, 1e10, f32::NAN, -0.5];
    for kern in Int8Kernels::available() {
        quantize_with(kern, &s, 1.0, &mut d);
        assert_eq!(d, [0, 3, -3, 127, -127, 127, 0, -1], "{kern:?}");
    }
}

#[test]
fn dequantize_agrees_across_isas() {
    let src: Vec<i8> = (-128..=127).collect();
    for scale in [1.0f32, 17.3, 0.001, 0.0] {
        let inv = if scale == 0.0 { 0.0 } else { 1.0 / scale };
        let expect: Vec<u32> = src.iter().map(|&x| (x as f32 * inv).to_bits()).collect();
        for kern in Int8Kernels::available() {
            for n in (0..20).chain([src.len()]) {
                let mut dst = vec![f32::NAN; n];
                dequantize_with(kern, &src[..n], scale, &mut dst);
                let bits: Vec<u32> = dst.iter().map(|v| v.to_bits()).collect();
                assert_eq!(bits, expect[..n], "{kern:?} scale {scale}");
            }
        }
    }
}

/// Subnormal results may be flushed to zero (armv7 runs f32 arithmetic on
/// NEON, which flushes them); everything else must match exactly.
fn flush(v: f32) -> f32 {
    if v.is_subnormal() {
        0.0
    } else {
        v
    }
}

/// [`flush`], and -0.0 as +0.0 (the kernels' ReLU gives +0.0 where
/// `f32::max` may keep -0.0), as bits.
fn norm(v: f32) -> u32 {
    let v = flush(v);
    if v == 0.0 { 0.0f32 } else { v }.to_bits()
}

fn sums(rng: &mut Rng) -> Vec<i32> {
    let mut v = vec![
        i32::MIN,
        i32::MAX,
        0,
        1,
        -1,
        254,
        -254,
        255,
        -255,
        1 << 24,
        (1 << 24) + 1,
    ];
    for _ in 0..300 {
        v.push(rng.int(-300, 300) as i32);
    }
    for _ in 0..300 {
        v.push(rng.next_u64() as i32);
    }
    v
}

#[test]
fn output_stage_agrees_across_isas_and_with_the_rule() {
    let mut rng = Rng(12);
    let src = sums(&mut rng);
    let acts = [
        Activation::None,
        Activation::Relu,
        Activation::LeakyRelu(0.125),
        Activation::LeakyRelu(-0.7),
        Activation::Clip(-3.0, 6.0),
        Activation::Sigmoid,
    ];
    // mul 0.5 with odd sums produces exact ties; mul 0 is an all-zero weight
    // channel; a zero out_scale must give zeros.
    for (mul, bias, out_scale) in [
        (0.5f32, 0.0f32, 1.0f32),
        (0.5, 0.25, 2.0),
        (0.013, -1.7, 0.9),
        (1e-6, 3.0, 40.0),
        (0.0, 0.75, 1.0),
        // sum 1 gives exactly 0.49999997, the float below ½ (must round to 0).
        (0.49999997, 0.0, 1.0),
        (0.02, 0.1, 0.0),
    ] {
        for act in acts {
            let exp_f: Vec<u32> = src
                .iter()
                .map(|&s| norm(act.apply(s as f32 * mul + bias)))
                .collect();
            let exp_i: Vec<i8> = src
                .iter()
                .map(|&s| float2int8(act.apply(s as f32 * mul + bias) * out_scale))
                .collect();
            let mut first: Option<Vec<u32>> = None;
            for kern in Int8Kernels::available() {
                for n in (0..20).chain([src.len()]) {
                    let mut f = vec![f32::NAN; n];
                    dequantize_i32_with(kern, &src[..n], mul, bias, act, &mut f);
                    let bits: Vec<u32> = f.iter().map(|v| flush(*v).to_bits()).collect();
                    let normed: Vec<u32> = f.iter().map(|&v| norm(v)).collect();
                    assert_eq!(normed, exp_f[..n], "{kern:?} {act:?} mul {mul}");
                    if n == src.len() {
                        match &first {
                            None => first = Some(bits),
                            Some(b) => assert!(*b == bits, "{kern:?} {act:?}: bits differ"),
                        }
                    }
                    let mut q = vec![99i8; n];
                    requantize_i32_with(kern, &src[..n], mul, bias, act, out_scale, &mut q);
                    assert_eq!(
                        q,
                        exp_i[..n],
                        "{kern:?} {act:?} mul {mul} scale {out_scale}"
                    );
                }
            }
        }
    }
}
