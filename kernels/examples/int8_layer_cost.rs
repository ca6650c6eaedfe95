//! Runs one convolution layer shape `N` times, for instruction counting under
//! qemu (`cross/insncount.c`): run with N and 2N iterations and take the
//! difference to get the per-call cost of the kernel alone.
//!
//! ```text
//! int8_layer_cost MODE IN_C OUT_C K STRIDE PAD W H GROUP N [ALGO]
//! ```
//! MODE: `i8f` (int8 in, fp32 out), `i8i` (int8 in, int8 out), `f32`
//! (the fp32 convolution of the same shape, for comparison), `q` (quantize
//! an fp32 blob of the input's size). W, H: unpadded input size. ALGO: auto,
//! gemm, 23, 43 (int8), or the fp32 kernels' names.

use octet_kernels::fp32::conv::{Conv2dF32, ConvAlgo};
use octet_kernels::int8::{Conv2dI8, Int8Algo, Int8Output};
use octet_kernels::{Activation, ConvGeometry, Planes, PlanesMut};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 11 {
        eprintln!(
            "usage: {} MODE IN_C OUT_C K STRIDE PAD W H GROUP N [ALGO]",
            a[0]
        );
        std::process::exit(2);
    }
    let n = |i: usize| a[i].parse::<usize>().expect("a number");
    let (mode, in_c, out_c, k, s, pad, w, h, group, iters) = (
        a[1].as_str(),
        n(2),
        n(3),
        n(4),
        n(5),
        n(6),
        n(7),
        n(8),
        n(9),
        n(10),
    );
    let algo = a.get(11).map_or("auto", |s| s.as_str());
    let mut g = ConvGeometry::simple(in_c, out_c, k, s);
    g.group = group;
    let (pw, ph) = (w + 2 * pad, h + 2 * pad);
    let (outw, outh) = g.output_size(pw, ph).expect("kernel fits");
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let wl = g.weight_len();
    let bias: Vec<f32> = (0..out_c).map(|i| (i % 7) as f32 * 0.01).collect();
    match mode {
        "q" => {
            let src: Vec<f32> = (0..in_c * w * h)
                .map(|_| (next() % 2000) as f32 * 0.01 - 10.0)
                .collect();
            let mut dst = vec![0i8; src.len()];
            for _ in 0..iters {
                octet_kernels::int8::quantize::quantize(&src, 11.3, &mut dst);
            }
            println!("{}", dst.iter().map(|&v| v as i64).sum::<i64>());
        }
        "f32" => {
            let wts: Vec<f32> = (0..wl)
                .map(|_| (next() % 200) as f32 * 0.001 - 0.1)
                .collect();
            let fa = match algo {
                "gemm" => ConvAlgo::Gemm,
                "23" => ConvAlgo::Winograd23,
                "43" => ConvAlgo::Winograd43,
                "63" => ConvAlgo::Winograd63,
                _ => ConvAlgo::Auto,
            };
            let conv = Conv2dF32::new(
                g,
                &wts,
                Some(&bias),
                Activation::Relu,
                fa,
                Some((outw, outh)),
            )
            .unwrap();
            let x: Vec<f32> = (0..in_c * pw * ph)
                .map(|_| (next() % 200) as f32 * 0.01)
                .collect();
            let mut out = vec![0f32; out_c * outw * outh];
            for _ in 0..iters {
                let mut o = PlanesMut::new(&mut out, outw, outh, out_c, outw * outh);
                conv.forward(Planes::new(&x, pw, ph, in_c, pw * ph), &mut o, 1);
            }
            eprintln!("fp32 {}", conv.algo());
            println!("{}", out.iter().sum::<f32>());
        }
        _ => {
            let wts: Vec<i8> = (0..wl)
                .map(|_| ((next() % 255) as i32 - 127) as i8)
                .collect();
            let scales: Vec<f32> = (0..out_c).map(|i| 100.0 + i as f32).collect();
            let ia = match algo {
                "gemm" => Int8Algo::Gemm,
                "23" => Int8Algo::Winograd23,
                "43" => Int8Algo::Winograd43,
                _ => Int8Algo::Auto,
            };
            let conv = Conv2dI8::new(
                g,
                &wts,
                &scales,
                Some(&bias),
                Activation::Relu,
                ia,
                Some((outw, outh)),
            )
            .unwrap();
            let x: Vec<i8> = (0..in_c * pw * ph)
                .map(|_| ((next() % 256) as i32 - 128) as i8)
                .collect();
            let planes = Planes::new(&x, pw, ph, in_c, pw * ph);
            eprintln!("int8 {}", conv.algo());
            if mode == "i8i" {
                let mut out = vec![0i8; out_c * outw * outh];
                for _ in 0..iters {
                    let o = PlanesMut::new(&mut out, outw, outh, out_c, outw * outh);
                    conv.forward(planes, 17.0, Int8Output::I8 { out: o, scale: 0.5 }, 1);
                }
                println!("{}", out.iter().map(|&v| v as i64).sum::<i64>());
            } else {
                let mut out = vec![0f32; out_c * outw * outh];
                for _ in 0..iters {
                    let o = PlanesMut::new(&mut out, outw, outh, out_c, outw * outh);
                    conv.forward(planes, 17.0, Int8Output::F32(o), 1);
                }
                println!("{}", out.iter().sum::<f32>());
            }
        }
    }
}
