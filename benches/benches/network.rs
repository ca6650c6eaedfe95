//! Criterion bench: whole networks in fp32, one thread, with synthetic
//! weights (the six ncnn benchmark networks of `models/`). The input is
//! each network's declared input shape, filled with a fixed pattern.
//!
//! `cargo bench -p octet-benches --bench network -- squeezenet` runs one.

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use octet::{Mat, Net, Options, Weights};

const NETS: &[&str] = &[
    "squeezenet",
    "mobilenet",
    "googlenet",
    "resnet18",
    "mobilenet_ssd",
    "squeezenet_ssd",
];

/// The input blob names of `net` with their declared `c × h × w` shapes.
fn inputs(net: &Net) -> Vec<(String, Mat)> {
    net.input_names()
        .into_iter()
        .map(|name| {
            let shape = net
                .declared_input_shape(&name)
                .unwrap_or_else(|| panic!("{name}: no declared input shape"));
            let data: Vec<f32> = (0..shape.iter().product::<usize>())
                .map(|i| ((i * 7919) % 256) as f32 / 128.0 - 1.0)
                .collect();
            (
                name,
                Mat::from_slice(&shape, &data).expect("shape matches data"),
            )
        })
        .collect()
}

fn bench_networks(c: &mut Criterion) {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
    let mut grp = c.benchmark_group("network_fp32");
    grp.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for name in NETS {
        let param = models.join(format!("{name}.param"));
        let opt = Options {
            use_int8: false,
            ..Default::default()
        };
        let net = Net::load_with(&param, Weights::Synthetic { seed: 0 }, opt)
            .unwrap_or_else(|e| panic!("{}: {e}", param.display()));
        let ins = inputs(&net);
        let outputs = net.output_names();
        let outs: Vec<&str> = outputs.iter().map(String::as_str).collect();
        grp.bench_function(*name, |b| {
            b.iter(|| {
                let mut ex = net.extractor();
                for (n, m) in &ins {
                    ex.input(n, m.clone()).expect("input");
                }
                ex.extract_many(&outs).expect("forward")
            })
        });
    }
    grp.finish();
}

criterion_group!(network, bench_networks);
criterion_main!(network);
