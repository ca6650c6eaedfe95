//! Malformed models never panic: mutated `.param` values and corrupted `.bin`
//! bytes load with an error, or load and then run or fail with an error.

mod common;

use std::path::Path;

use octet::{Net, Options, Weights};

fn models() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// Loads and (if that works) runs; any panic fails the test.
fn load_and_run(param: &str, bin: Weights, label: &str) {
    let opt = Options {
        use_int8: false,
        ..Options::default()
    };
    let Ok(net) = Net::from_param_bytes(param.as_bytes(), label, bin, opt) else {
        return;
    };
    let mut ex = net.extractor();
    if ex
        .input("data", common::random_mat(&[3, 227, 227], 1))
        .is_err()
    {
        return;
    }
    if let Err(e) = ex.extract(&net.output_names()[0]) {
        // A caught layer panic is reported as an internal error: still a bug.
        assert!(!e.to_string().contains("internal error"), "{label}: {e}");
    }
}

#[test]
fn mutated_params_error_or_run() {
    let text = std::fs::read_to_string(models().join("squeezenet.param")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut rng = octet::modelbin::SplitMix64::new(2024);
    let values = ["0", "-1", "3", "1.5", "abc", "-233", "2=", "", "-23300=2,1"];
    let mut tried = 0;
    for _ in 0..150 {
        let li = 2 + (rng.next_u64() as usize) % (lines.len() - 2);
        let toks: Vec<&str> = lines[li].split_whitespace().collect();
        let ti = (rng.next_u64() as usize) % toks.len();
        let v = values[(rng.next_u64() as usize) % values.len()];
        let mut t: Vec<String> = toks.iter().map(|s| s.to_string()).collect();
        match t[ti].split_once('=') {
            Some((k, _)) if rng.next_u64() % 2 == 0 => t[ti] = format!("{k}={v}"),
            _ => t[ti] = v.to_string(),
        }
        let mut m: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        m[li] = t.join(" ");
        load_and_run(
            &m.join("\n"),
            Weights::Synthetic { seed: 0 },
            "mutated.param",
        );
        tried += 1;
    }
    assert_eq!(tried, 150);
}

#[test]
fn corrupted_bins_error_or_run() {
    let param_path = models().join("squeezenet.param");
    let param = std::fs::read_to_string(&param_path).unwrap();
    let bin = Net::synthetic_bin(&param_path, 3).unwrap();
    let mut rng = octet::modelbin::SplitMix64::new(7);
    for i in 0..40 {
        let mut b = bin.clone();
        match i % 3 {
            // Garbage in a tag position or anywhere.
            0 => {
                let p = (rng.next_u64() as usize) % b.len();
                let q = (p + 1).min(b.len() - 1);
                b[p] = 0x47;
                b[q] = 0x6B;
            }
            1 => {
                let cut = (rng.next_u64() as usize) % b.len();
                b.truncate(cut);
            }
            _ => {
                for _ in 0..64 {
                    let p = (rng.next_u64() as usize) % b.len();
                    b[p] = rng.next_u64() as u8;
                }
            }
        }
        load_and_run(&param, Weights::Bytes(&b), "corrupted.param");
    }
}

#[test]
fn absurd_sizes_are_errors_not_aborts() {
    let p = "7767517\n2 2\nInput data 0 1 data 0=8 1=8 2=3\nConvolution c 1 1 data out 0=2000000000 1=3 5=1 6=2000000000\n";
    let r = Net::from_param_bytes(
        p.as_bytes(),
        "huge.param",
        Weights::Synthetic { seed: 0 },
        Options::default(),
    );
    let e = r
        .err()
        .expect("a 2e9-weight layer must not load")
        .to_string();
    assert!(e.contains("layer `c`"), "{e}");
}

/// A layer written for 1–3-D blobs refuses a 4-D one with an error naming
/// the layer and the shape, instead of misreading it.
#[test]
fn layers_without_4d_support_refuse_4d_blobs() {
    let param = "7767517\n3 3\nInput in 0 1 in 0=6 1=5 11=4 2=3\n\
        Reshape r 1 1 in r 0=6 1=5 11=2 2=6\n\
        Convolution conv 1 1 r out 0=2 1=1 6=12\n";
    let net = Net::from_param_bytes(
        param.as_bytes(),
        "4d.param",
        Weights::Synthetic { seed: 1 },
        Options::default(),
    )
    .unwrap();
    let mut ex = net.extractor();
    ex.input("in", common::random_mat(&[3, 4, 5, 6], 1))
        .unwrap();
    // The Reshape takes 4-D …
    assert_eq!(ex.extract("r").unwrap().shape(), vec![6, 2, 5, 6]);
    // … the Convolution does not, and says so.
    let e = ex.extract("out").unwrap_err().to_string();
    assert!(
        e.contains("`conv`") && e.contains("[6, 2, 5, 6]") && e.contains("at most 3-D"),
        "{e}"
    );
}

/// Hostile shape expressions (Reshape `6=`): a malformed one fails to load,
/// one that cannot be evaluated on the inputs fails to run, each with the
/// layer's name; none panics.
#[test]
fn bad_shape_expressions_are_errors() {
    let net = |expr: &str, inputs: &str| {
        let p = format!(
            "7767517\n3 3\nInput a 0 1 a\nInput b 0 1 b\nReshape r {inputs} r 6=\"{expr}\"\n"
        );
        Net::from_param_bytes(
            p.as_bytes(),
            "expr.param",
            Weights::Synthetic { seed: 0 },
            Options::default(),
        )
    };
    for bad in ["+(1)", "nope(0w,2)", "1,2,3,4,5", ",,", "0w,max("] {
        let e = net(bad, "1 1 a").err().expect(bad).to_string();
        assert!(e.contains("layer `r`"), "{bad}: {e}");
    }
    let run = |expr: &str, inputs: &str| -> String {
        let n = net(expr, inputs).unwrap_or_else(|e| panic!("{expr}: {e}"));
        let mut ex = n.extractor();
        ex.input("a", common::random_mat(&[2, 3, 4], 1)).unwrap();
        ex.input("b", common::random_mat(&[5, 6], 2)).unwrap();
        ex.extract("r").expect_err(expr).to_string()
    };
    for (bad, inputs) in [
        ("//(0w,-(0h,0h))", "1 1 a"),
        ("*(65536,*(0w,65536))", "1 1 a"),
        ("log(-(0w,0w))", "1 1 a"),
        ("-5,0c", "1 1 a"),
        ("-1,-1", "1 1 a"),
        ("0w,1h", "1 1 a"),
        ("7,1w", "2 1 a b"),
    ] {
        let e = run(bad, inputs);
        assert!(e.contains("`r`"), "{bad}: {e}");
    }
}
