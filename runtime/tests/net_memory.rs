//! Memory belongs to a net: its byte counters, its pool of recycled tensor
//! buffers and its low-memory mode (whether the int8 kernels keep scratch
//! buffers) do not leak into another net in the same process.

use std::path::Path;

use octet::{Mat, Net, Options, Weights};
use octet_kernels::int8::scratch;

fn squeezenet_int8(low_memory: bool, num_threads: usize) -> Net {
    let param = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/squeezenet_int8.param");
    Net::load_with(
        &param,
        Weights::Synthetic { seed: 7 },
        Options {
            low_memory,
            num_threads,
            ..Options::default()
        },
    )
    .unwrap()
}

fn run(net: &Net) -> Vec<f32> {
    let mut ex = net.extractor();
    let v: Vec<f32> = (0..3 * 227 * 227)
        .map(|i| ((i * 7919) % 255) as f32 / 127.5 - 1.0)
        .collect();
    ex.input("data", Mat::from_slice(&[3, 227, 227], &v).unwrap())
        .unwrap();
    ex.extract("output").unwrap().to_vec()
}

#[test]
fn two_nets_keep_their_own_memory_behaviour() {
    let lean = squeezenet_int8(true, 1);
    let normal = squeezenet_int8(false, 1);
    // Both run on this thread, one after the other.
    let out_normal = run(&normal);
    let kept = scratch::retained_bytes();
    assert!(kept > 0, "the normal net keeps its int8 scratch buffers");
    let pooled = normal.memory().pooled_bytes();
    let peak = normal.memory().peak_bytes();
    assert!(peak > 0 && pooled > 0);

    let out_lean = run(&lean);
    assert_eq!(
        out_lean, out_normal,
        "low-memory changes memory, not results"
    );
    // The low-memory net neither took the normal net's scratch nor kept its own …
    assert_eq!(scratch::retained_bytes(), kept);
    // … and its tensors are its own: counted by it, pooled by it.
    assert_eq!(normal.memory().pooled_bytes(), pooled);
    assert_eq!(normal.memory().peak_bytes(), peak);
    assert!(lean.memory().peak_bytes() > 0);
    assert_eq!(lean.memory().current_bytes(), 0, "every blob returned");
    assert_eq!(normal.memory().current_bytes(), 0);

    // The normal net still reuses what it kept.
    run(&normal);
    assert!(scratch::retained_bytes() >= kept);
}

#[test]
fn a_low_memory_net_keeps_nothing_on_its_worker_threads() {
    let lean = squeezenet_int8(true, 2);
    let normal = squeezenet_int8(false, 2);
    let a = run(&lean);
    let b = run(&normal);
    assert_eq!(a, b);
    for _ in 0..4 {
        assert_eq!(lean.install(scratch::retained_bytes), 0);
    }
}
