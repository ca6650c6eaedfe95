//! Criterion bench: the int8 kernels on the layer shapes of the benchmark
//! networks (squeezenet, mobilenet, googlenet, resnet18), one thread, with
//! the kernel implementation of this CPU (`OCTET_KERNELS=generic` for the
//! portable one). Outputs are requantized to int8 unless noted, as between
//! chained int8 layers.
//!
//! - `int8_conv3x3s1/<layer>/<algo>`: 3×3 stride-1 layers with F(4,3), F(2,3)
//!   and GEMM, the measurements behind `octet_kernels::int8::choose_int8_algo`;
//! - `int8_conv1x1/<layer>`: pointwise layers (GEMM, no im2col);
//! - `int8_im2col/<layer>`: strided and large-kernel layers (im2col + GEMM);
//! - `int8_depthwise/<layer>`: MobileNet's 3×3 depthwise layers;
//! - `int8_innerproduct/<layer>`, `int8_quantize/<n>`, `int8_requantize/<n>`.
//!
//! `cargo bench -p octet-benches --bench int8_kernels -- int8_conv3x3s1/resnet`
//! runs a subset. Under qemu, count instructions instead (kernels/examples/
//! int8_layer_cost.rs with cross/insncount.c): wall time there means little.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use octet_kernels::int8::quantize::{quantize, requantize_i32};
use octet_kernels::int8::{Conv2dI8, InnerProductI8, Int8Algo, Int8Output};
use octet_kernels::{Activation, ConvGeometry, Planes, PlanesMut};

/// Deterministic int8 values in [-127, 127].
fn int8s(n: usize, seed: u32) -> Vec<i8> {
    let mut s = seed.wrapping_mul(0x9E37_79B9) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            ((s % 255) as i32 - 127) as i8
        })
        .collect()
}

/// One layer: `in_c → out_c`, `kernel × kernel` at `stride`, output map
/// `size × size`, `group` groups; the input is padded so that the output
/// has that size.
struct Layer {
    name: &'static str,
    in_c: usize,
    out_c: usize,
    kernel: usize,
    stride: usize,
    size: usize,
    group: usize,
}

const fn layer(
    name: &'static str,
    in_c: usize,
    out_c: usize,
    kernel: usize,
    stride: usize,
    size: usize,
) -> Layer {
    Layer {
        name,
        in_c,
        out_c,
        kernel,
        stride,
        size,
        group: 1,
    }
}

impl Layer {
    fn geometry(&self) -> ConvGeometry {
        let mut g = ConvGeometry::simple(self.in_c, self.out_c, self.kernel, self.stride);
        g.group = self.group;
        g
    }
    /// Padded input side giving a `size × size` output.
    fn input_side(&self) -> usize {
        (self.size - 1) * self.stride + self.kernel
    }
    fn macs(&self) -> u64 {
        (self.geometry().weight_len() * self.size * self.size) as u64
    }
}

/// Benchmarks `l` with `algo`, int8 output.
fn bench_conv(c: &mut Criterion, group: &str, id: BenchmarkId, l: &Layer, algo: Int8Algo) {
    let g = l.geometry();
    let w = int8s(g.weight_len(), 1);
    let scales: Vec<f32> = (0..l.out_c).map(|p| 90.0 + p as f32 * 0.1).collect();
    let bias: Vec<f32> = (0..l.out_c).map(|p| (p % 5) as f32 * 0.1).collect();
    let size = Some((l.size, l.size));
    let conv = Conv2dI8::new(g, &w, &scales, Some(&bias), Activation::Relu, algo, size).unwrap();
    let side = l.input_side();
    let x = int8s(l.in_c * side * side, 2);
    let n = l.size * l.size;
    let mut out = vec![0i8; l.out_c * n];
    let mut grp = c.benchmark_group(group);
    grp.throughput(Throughput::Elements(l.macs()));
    grp.bench_function(id, |b| {
        b.iter(|| {
            let input = Planes::new(&x, side, side, l.in_c, side * side);
            let o = PlanesMut::new(&mut out, l.size, l.size, l.out_c, n);
            conv.forward(input, 20.0, Int8Output::I8 { out: o, scale: 0.3 }, 1);
            black_box(&out);
        })
    });
    grp.finish();
}

fn conv3x3s1(c: &mut Criterion) {
    let layers = [
        layer("squeezenet_fire2_expand3x3", 16, 64, 3, 1, 56),
        layer("squeezenet_fire9_expand3x3", 64, 256, 3, 1, 14),
        layer("googlenet_inception3a_3x3", 96, 128, 3, 1, 28),
        layer("googlenet_inception5b_3x3", 192, 384, 3, 1, 7),
        layer("resnet18_res2", 64, 64, 3, 1, 56),
        layer("resnet18_res3", 128, 128, 3, 1, 28),
        layer("resnet18_res4", 256, 256, 3, 1, 14),
        layer("resnet18_res5", 512, 512, 3, 1, 7),
    ];
    for l in &layers {
        for (algo, name) in [
            (Int8Algo::Winograd43, "f43"),
            (Int8Algo::Winograd23, "f23"),
            (Int8Algo::Gemm, "gemm"),
        ] {
            bench_conv(c, "int8_conv3x3s1", BenchmarkId::new(l.name, name), l, algo);
        }
    }
}

fn conv1x1(c: &mut Criterion) {
    let layers = [
        layer("squeezenet_fire2_squeeze", 64, 16, 1, 1, 56),
        layer("squeezenet_conv10", 512, 1000, 1, 1, 14),
        layer("mobilenet_conv2_1_sep", 32, 64, 1, 1, 112),
        layer("mobilenet_conv3_1_sep", 128, 128, 1, 1, 56),
        layer("mobilenet_conv5_x_sep", 512, 512, 1, 1, 14),
        layer("mobilenet_conv6_sep", 1024, 1024, 1, 1, 7),
        layer("googlenet_inception4a_1x1", 480, 192, 1, 1, 14),
    ];
    for l in &layers {
        bench_conv(
            c,
            "int8_conv1x1",
            BenchmarkId::from_parameter(l.name),
            l,
            Int8Algo::Auto,
        );
    }
}

fn im2col(c: &mut Criterion) {
    let layers = [
        layer("resnet18_conv1_7x7s2", 3, 64, 7, 2, 112),
        layer("resnet18_res3a_3x3s2", 64, 128, 3, 2, 28),
        layer("mobilenet_conv1_3x3s2", 3, 32, 3, 2, 112),
        layer("googlenet_inception3a_5x5", 16, 32, 5, 1, 28),
        layer("squeezenet_conv1_3x3s2", 3, 64, 3, 2, 113),
    ];
    for l in &layers {
        bench_conv(
            c,
            "int8_im2col",
            BenchmarkId::from_parameter(l.name),
            l,
            Int8Algo::Auto,
        );
    }
}

fn depthwise(c: &mut Criterion) {
    let dw = |name, ch, stride, size| Layer {
        group: ch,
        ..layer(name, ch, ch, 3, stride, size)
    };
    let layers = [
        dw("mobilenet_conv2_1_dw", 32, 1, 112),
        dw("mobilenet_conv2_2_dw", 64, 2, 56),
        dw("mobilenet_conv5_x_dw", 512, 1, 14),
        dw("mobilenet_conv6_dw", 1024, 1, 7),
    ];
    for l in &layers {
        bench_conv(
            c,
            "int8_depthwise",
            BenchmarkId::from_parameter(l.name),
            l,
            Int8Algo::Auto,
        );
    }
}

fn innerproduct(c: &mut Criterion) {
    let (outs, ins) = (1000, 1024);
    let w = int8s(outs * ins, 3);
    let scales = vec![100.0f32; outs];
    let ip = InnerProductI8::new(&w, &scales, None, outs, Activation::None).unwrap();
    let x = int8s(ins, 4);
    let mut out = vec![0f32; outs];
    let mut grp = c.benchmark_group("int8_innerproduct");
    grp.throughput(Throughput::Elements((outs * ins) as u64));
    grp.bench_function("mobilenet_fc7", |b| {
        b.iter(|| {
            ip.forward_i8(&x, 20.0, &mut out, 1);
            black_box(&out);
        })
    });
    grp.finish();
}

fn stages(c: &mut Criterion) {
    let n = 64 * 56 * 56;
    let src: Vec<f32> = int8s(n, 5).iter().map(|&v| v as f32 * 0.37).collect();
    let sums: Vec<i32> = int8s(n, 6).iter().map(|&v| v as i32 * 731).collect();
    let mut q = vec![0i8; n];
    let mut grp = c.benchmark_group("int8_stage");
    grp.throughput(Throughput::Elements(n as u64));
    grp.bench_function("quantize/200704", |b| {
        b.iter(|| {
            quantize(&src, 11.3, &mut q);
            black_box(&q);
        })
    });
    grp.bench_function("requantize_relu/200704", |b| {
        b.iter(|| {
            requantize_i32(&sums, 0.0007, 0.1, Activation::Relu, 7.5, &mut q);
            black_box(&q);
        })
    });
    grp.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = conv3x3s1, conv1x1, im2col, depthwise, innerproduct, stages
}
criterion_main!(benches);
