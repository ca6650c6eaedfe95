//! fp32 model + calibration table against the equivalent ncnn int8 model:
//! the table path (Octet's own requantization planning) must produce exactly
//! what ncnn2int8's `8=2/101/102` params produce with the same scales.
//! Plus the one-line errors of malformed tables, on the bundled models.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use octet::modelbin::{weight_scales, SyntheticSource};
use octet::param::parse_param;
use octet::{Net, Options, TableSource, Weights};

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// Blob ranges of an fp32 run, as `127 / absmax` scales.
fn blob_scales(net: &Net, input_name: &str, input: &octet::Mat) -> HashMap<String, f32> {
    let mut absmax: HashMap<String, f32> = HashMap::new();
    absmax.insert(
        input_name.into(),
        input.to_vec().iter().fold(0f32, |m, v| m.max(v.abs())),
    );
    let mut ex = net.extractor();
    ex.input(input_name, input.clone()).unwrap();
    let blobs = net.blobs();
    ex.set_observer(|_, b, m| {
        absmax.insert(
            blobs[b].name.clone(),
            m.to_vec().iter().fold(0f32, |x, v| x.max(v.abs())),
        );
    });
    let outs = net.output_names();
    ex.extract_many(&outs.iter().map(String::as_str).collect::<Vec<_>>())
        .unwrap();
    drop(ex);
    absmax
        .into_iter()
        .map(|(k, a)| (k, if a > 0.0 { 127.0 / a } else { 1.0 }))
        .collect()
}

fn table_matches_int8_param(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let fp32_param = models().join(format!("{name}.param"));
    let int8_param = models().join(format!("{name}_int8.param"));
    let seed = 7;
    let fp32_bin = Net::synthetic_bin(&fp32_param, seed).unwrap();
    let keep = Options {
        use_int8: false,
        keep_weights: true,
        ..Options::default()
    };
    let net32 = Net::from_param_bytes(
        &std::fs::read(&fp32_param).unwrap(),
        "fp32",
        Weights::Bytes(&fp32_bin),
        keep,
    )
    .unwrap();
    let input_name = net32.input_names()[0].clone();
    let size = if name.ends_with("_ssd") {
        300
    } else if name == "squeezenet" {
        227
    } else {
        224
    };
    let input = common::random_mat(&[3, size, size], 3);
    let scales = blob_scales(&net32, &input_name, &input);

    // The table: per-channel (per-group for depthwise) weight scales, input blob scales.
    let pf = parse_param(&std::fs::read_to_string(&int8_param).unwrap(), "int8").unwrap();
    let mut table = String::new();
    let mut blob_lines = String::new();
    let mut src = SyntheticSource::recording(seed);
    for l in &pf.layers {
        if l.params.get_int(8, 0).unwrap() == 0 {
            continue;
        }
        let slot = net32.layers().iter().find(|s| s.name == l.name).unwrap();
        let q = slot.layer.quantized().expect("an int8 layer");
        let w = q.fp32_weights().expect("fp32 weights kept");
        let ws = weight_scales(w, q.weight_scale_count(), 127.0);
        table.push_str(&format!(
            "{}_param_0 {}\n",
            l.name,
            ws.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        ));
        blob_lines.push_str(&format!("{} {}\n", l.name, scales[&l.bottoms[0]]));
        src.blob_scales.push_back(scales[&l.bottoms[0]]);
        if l.params.get_int(8, 0).unwrap() > 100 {
            src.blob_scales.push_back(scales[&l.tops[0]]);
        }
    }
    table.push_str(&blob_lines);
    let int8_bin = Net::synthetic_bin_with(&int8_param, src).unwrap();

    let with_table = Net::from_parsed_with_table(
        parse_param(&std::fs::read_to_string(&fp32_param).unwrap(), "fp32").unwrap(),
        "fp32",
        Weights::Bytes(&fp32_bin),
        Some(TableSource::Text {
            text: &table,
            label: "t.table",
        }),
        Options::default(),
    )
    .unwrap();
    let int8 = Net::from_param_bytes(
        &std::fs::read(&int8_param).unwrap(),
        "int8",
        Weights::Bytes(&int8_bin),
        Options::default(),
    )
    .unwrap();

    // The same layers requantize.
    for (a, b) in with_table.layers().iter().zip(int8.layers()) {
        assert_eq!(
            a.layer.describe(),
            b.layer.describe(),
            "{name}: layer {}",
            a.name
        );
    }
    let out = with_table.output_names();
    let outs: Vec<&str> = out.iter().map(String::as_str).collect();
    let run = |net: &Net| {
        let mut ex = net.extractor();
        ex.input(&input_name, input.clone()).unwrap();
        ex.extract_many(&outs)
            .unwrap()
            .iter()
            .map(|m| m.to_vec())
            .collect::<Vec<_>>()
    };
    assert_eq!(run(&with_table), run(&int8), "{name}: outputs differ");
    let _ = dir;
}

#[test]
fn table_equals_int8_param_squeezenet() {
    table_matches_int8_param("squeezenet");
}

#[test]
fn table_equals_int8_param_mobilenet() {
    table_matches_int8_param("mobilenet");
}

#[test]
fn table_equals_int8_param_mobilenet_ssd() {
    table_matches_int8_param("mobilenet_ssd");
}

fn load_err(table: &str) -> String {
    let param = models().join("squeezenet.param");
    let pf = parse_param(
        &std::fs::read_to_string(&param).unwrap(),
        "squeezenet.param",
    )
    .unwrap();
    match Net::from_parsed_with_table(
        pf,
        "squeezenet.param",
        Weights::Synthetic { seed: 0 },
        Some(TableSource::Text {
            text: table,
            label: "bad.table",
        }),
        Options::default(),
    ) {
        Ok(_) => panic!("table accepted: {table}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn malformed_tables_are_one_line_errors() {
    let ok_w = format!("conv1_param_0 {}\n", vec!["1.0"; 64].join(" "));
    let cases = [
        (
            format!("{ok_w}conv1 1\nnope_param_0 1\nnope 1\n"),
            "bad.table:3:",
            "not a layer",
        ),
        (format!("{ok_w}{ok_w}conv1 1\n"), "bad.table:2:", "repeat"),
        (
            "conv1_param_0 1 2 3\nconv1 1\n".to_string(),
            "bad.table:1:",
            "3 weight scales, expected 64",
        ),
        (format!("{ok_w}conv1 abc\n"), "bad.table:2:", "not a number"),
        (format!("{ok_w}conv1 nan\n"), "bad.table:2:", "not finite"),
        (format!("{ok_w}conv1 inf\n"), "bad.table:2:", "not finite"),
        (format!("{ok_w}conv1 -0.5\n"), "bad.table:2:", "negative"),
        (
            "pool1_param_0 1\npool1 1\n".to_string(),
            "bad.table:1:",
            "Pooling",
        ),
        (ok_w.clone(), "bad.table:1:", "no blob scale"),
    ];
    for (text, at, what) in cases {
        let e = load_err(&text);
        assert!(
            e.starts_with(at) && e.contains(what),
            "expected `{at} …{what}…`, got `{e}`"
        );
        assert!(!e.contains('\n'), "multi-line error: {e}");
    }
}

#[test]
fn commented_layers_stay_fp32() {
    let param = models().join("squeezenet.param");
    let table = format!("#conv1_param_0 {}\n#conv1 1\n", vec!["1.0"; 64].join(" "));
    let net = Net::load_with_table(
        &param,
        Weights::Synthetic { seed: 0 },
        Some(TableSource::Text {
            text: &table,
            label: "t",
        }),
        Options::default(),
    )
    .unwrap();
    assert!(net
        .layers()
        .iter()
        .all(|l| !l.layer.describe().starts_with("int8")));
    let table = table.replace('#', "");
    let net = Net::load_with_table(
        &param,
        Weights::Synthetic { seed: 0 },
        Some(TableSource::Text {
            text: &table,
            label: "t",
        }),
        Options::default(),
    )
    .unwrap();
    let int8: Vec<&str> = net
        .layers()
        .iter()
        .filter(|l| l.layer.describe().starts_with("int8"))
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(int8, ["conv1"]);
    let fp32 = Net::load_with_table(
        &param,
        Weights::Synthetic { seed: 0 },
        Some(TableSource::Text {
            text: &table,
            label: "t",
        }),
        Options {
            use_int8: false,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(
        fp32.layers()
            .iter()
            .all(|l| !l.layer.describe().starts_with("int8")),
        "--fp32 ignores the table"
    );
}

#[test]
fn every_seed_table_loads_and_runs() {
    let Some(shared) = common::shared_or_skip("every_seed_table_loads_and_runs") else {
        return;
    };
    for name in [
        "squeezenet",
        "mobilenet",
        "googlenet",
        "resnet18",
        "mobilenet_ssd",
        "squeezenet_ssd",
    ] {
        let param = models().join(format!("{name}.param"));
        let table = shared.join(format!("seed-tables/{name}.table"));
        let net = Net::load_with_table(
            &param,
            Weights::Synthetic { seed: 1 },
            Some(TableSource::File(&table)),
            Options::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let n = net
            .layers()
            .iter()
            .filter(|l| l.layer.describe().starts_with("int8"))
            .count();
        let expected = std::fs::read_to_string(&table)
            .unwrap()
            .lines()
            .filter(|l| l.contains("_param_0"))
            .count();
        assert_eq!(n, expected, "{name}: int8 layers");
        let size = if name.ends_with("_ssd") {
            300
        } else if name == "squeezenet" {
            227
        } else {
            224
        };
        let mut ex = net.extractor();
        ex.input(
            &net.input_names()[0],
            common::random_mat(&[3, size, size], 5),
        )
        .unwrap();
        let out = ex.extract(&net.output_names()[0]).unwrap();
        assert!(
            out.to_vec().iter().all(|v| v.is_finite()),
            "{name}: non-finite output"
        );
    }
}
