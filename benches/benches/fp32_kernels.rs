//! Criterion bench: the fp32 kernels on the layer shapes of the benchmark
//! networks, one thread, with the kernel set of this CPU
//! (`OCTET_KERNELS=generic` for the portable one).
//!
//! - `conv3x3s1/<layer>/<algo>`: every 3×3 stride-1 shape class with
//!   F(6,3), F(4,3), F(2,3) and GEMM — the measurements behind the
//!   Winograd selection rule (`octet_kernels::fp32::select_algo`);
//! - `conv1x1/<layer>`: pointwise convolutions (plain GEMM, no im2col);
//! - `im2col/<layer>`: strided and large-kernel convolutions;
//! - `depthwise/<layer>`: MobileNet's 3×3 stride-1 and stride-2 depthwise;
//! - `innerproduct/<layer>`: the classifier GEMV.
//!
//! `cargo bench -p octet-benches --bench fp32_kernels -- conv3x3s1/resnet`
//! runs a subset.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use octet_kernels::fp32::{Conv2dF32, ConvAlgo, InnerProductF32};
use octet_kernels::{Activation, ConvGeometry, Planes, PlanesMut};

fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2654435761).wrapping_add(12345);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(1664525).wrapping_add(1013904223);
            (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        })
        .collect()
}

/// A convolution layer shape: output map `size × size`, input padded so the
/// output keeps that size.
struct Shape {
    name: &'static str,
    in_c: usize,
    out_c: usize,
    kernel: usize,
    stride: usize,
    size: usize,
    group: usize,
}

const fn shape(
    name: &'static str,
    in_c: usize,
    out_c: usize,
    kernel: usize,
    stride: usize,
    size: usize,
) -> Shape {
    Shape {
        name,
        in_c,
        out_c,
        kernel,
        stride,
        size,
        group: 1,
    }
}

fn bench_conv(c: &mut Criterion, group: &str, s: &Shape, algos: &[ConvAlgo]) {
    let g = ConvGeometry {
        in_c: s.in_c,
        out_c: s.out_c,
        kernel_w: s.kernel,
        kernel_h: s.kernel,
        stride_w: s.stride,
        stride_h: s.stride,
        dilation_w: 1,
        dilation_h: 1,
        group: s.group,
    };
    let inw = (s.size - 1) * s.stride + s.kernel;
    let cstep = (inw * inw).div_ceil(4) * 4;
    let input = values(s.in_c * cstep, 1);
    let weights = values(g.weight_len(), 2);
    let bias = values(s.out_c, 3);
    let ocstep = (s.size * s.size).div_ceil(4) * 4;
    let mut out = vec![0f32; s.out_c * ocstep];
    let macs = (s.size * s.size * s.out_c * s.in_c / s.group * s.kernel * s.kernel) as u64;
    let mut grp = c.benchmark_group(format!("{group}/{}", s.name));
    grp.throughput(Throughput::Elements(macs));
    for &algo in algos {
        let conv = Conv2dF32::new(
            g,
            &weights,
            Some(&bias),
            Activation::Relu,
            algo,
            Some((s.size, s.size)),
        )
        .expect("valid shape");
        if conv.algo() != algo && algo != ConvAlgo::Auto {
            continue;
        }
        grp.bench_function(BenchmarkId::from_parameter(algo), |b| {
            b.iter(|| {
                let inp = Planes::new(&input, inw, inw, s.in_c, cstep);
                let mut o = PlanesMut::new(&mut out, s.size, s.size, s.out_c, ocstep);
                conv.forward(inp, &mut o, 1);
            })
        });
    }
    grp.finish();
}

const CONV3X3S1: &[Shape] = &[
    shape("squeezenet-fire2-expand3x3", 16, 64, 3, 1, 56),
    shape("squeezenet-fire4-expand3x3", 32, 128, 3, 1, 28),
    shape("squeezenet-fire6-expand3x3", 48, 192, 3, 1, 14),
    shape("squeezenet-fire8-expand3x3", 64, 256, 3, 1, 14),
    shape("resnet18-res2", 64, 64, 3, 1, 56),
    shape("resnet18-res3", 128, 128, 3, 1, 28),
    shape("resnet18-res4", 256, 256, 3, 1, 14),
    shape("resnet18-res5", 512, 512, 3, 1, 7),
    shape("googlenet-conv2-3x3", 64, 192, 3, 1, 56),
    shape("googlenet-3a-3x3", 96, 128, 3, 1, 28),
    shape("googlenet-4a-3x3", 96, 208, 3, 1, 14),
    shape("googlenet-4e-3x3", 160, 320, 3, 1, 14),
    shape("googlenet-5b-3x3", 192, 384, 3, 1, 7),
    shape("squeezenet_ssd-fire-75", 16, 64, 3, 1, 75),
    shape("squeezenet_ssd-fire-19", 64, 256, 3, 1, 19),
    shape("squeezenet_ssd-conv-10", 256, 512, 3, 1, 10),
    shape("squeezenet_ssd-conv-5", 128, 256, 3, 1, 5),
    shape("small-channels", 8, 8, 3, 1, 28),
];

const CONV1X1: &[Shape] = &[
    shape("squeezenet-fire2-squeeze", 64, 16, 1, 1, 56),
    shape("squeezenet-fire2-expand1x1", 16, 64, 1, 1, 56),
    shape("squeezenet-conv10", 512, 1000, 1, 1, 14),
    shape("mobilenet-pw-112", 32, 64, 1, 1, 112),
    shape("mobilenet-pw-56", 128, 128, 1, 1, 56),
    shape("mobilenet-pw-28", 256, 256, 1, 1, 28),
    shape("mobilenet-pw-14", 512, 512, 1, 1, 14),
    shape("mobilenet-pw-7", 1024, 1024, 1, 1, 7),
    shape("googlenet-4a-1x1", 480, 192, 1, 1, 14),
];

const IM2COL: &[Shape] = &[
    shape("squeezenet-conv1-3x3s2", 3, 64, 3, 2, 113),
    shape("mobilenet-conv1-3x3s2", 3, 32, 3, 2, 112),
    shape("resnet18-conv1-7x7s2", 3, 64, 7, 2, 112),
    shape("resnet18-res3a-3x3s2", 64, 128, 3, 2, 28),
    shape("resnet18-res5a-3x3s2", 256, 512, 3, 2, 7),
    shape("resnet18-res3a-1x1s2", 64, 128, 1, 2, 28),
    shape("googlenet-3a-5x5", 16, 32, 5, 1, 28),
];

fn depthwise(name: &'static str, c: usize, stride: usize, size: usize) -> Shape {
    Shape {
        name,
        in_c: c,
        out_c: c,
        kernel: 3,
        stride,
        size,
        group: c,
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

fn benches(c: &mut Criterion) {
    use ConvAlgo::*;
    for s in CONV3X3S1 {
        bench_conv(
            c,
            "conv3x3s1",
            s,
            &[Winograd63, Winograd43, Winograd23, Gemm],
        );
    }
    for s in CONV1X1 {
        bench_conv(c, "conv1x1", s, &[Gemm]);
    }
    for s in IM2COL {
        bench_conv(c, "im2col", s, &[Gemm]);
    }
    for s in [
        depthwise("mobilenet-dw-112-s1", 32, 1, 112),
        depthwise("mobilenet-dw-112-s2", 64, 2, 56),
        depthwise("mobilenet-dw-28-s1", 256, 1, 28),
        depthwise("mobilenet-dw-14-s1", 512, 1, 14),
        depthwise("mobilenet-dw-14-s2", 512, 2, 7),
    ] {
        bench_conv(c, "depthwise", &s, &[Depthwise]);
    }
    for (name, n_in, n_out) in [
        ("resnet18-fc1000", 512, 1000),
        ("mobilenet-fc7", 1024, 1000),
    ] {
        let w = values(n_in * n_out, 4);
        let bias = values(n_out, 5);
        let x = values(n_in, 6);
        let mut out = vec![0f32; n_out];
        let ip = InnerProductF32::new(&w, Some(&bias), n_out, Activation::None).unwrap();
        let mut grp = c.benchmark_group(format!("innerproduct/{name}"));
        grp.throughput(Throughput::Elements((n_in * n_out) as u64));
        grp.bench_function("gemv", |b| b.iter(|| ip.forward(&x, &mut out, 1)));
        grp.finish();
    }
}

criterion_group! {
    name = fp32;
    config = config();
    targets = benches
}
criterion_main!(fp32);
