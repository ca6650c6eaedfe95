//! `octet calibrate`: images → an ncnn int8 calibration table.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use octet::{Net, Options, Weights};

use crate::calib::{self, aciq, kl, LayerScales, Method};
use crate::common;
use crate::preprocess::{list_images, PreprocessArgs};

#[derive(clap::Args)]
pub struct Args {
    /// The fp32 ncnn .param.
    #[arg(long)]
    pub param: PathBuf,
    /// Its .bin (without it, synthetic weights: only useful for testing).
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// Folder of calibration images (.jpg, .jpeg, .png, .bmp).
    #[arg(long)]
    pub images: PathBuf,
    /// Where to write the table.
    #[arg(long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub prep: PreprocessArgs,
    /// Activation-scale method.
    #[arg(long, value_enum, default_value = "kl")]
    pub method: Method,
    /// Weight scales: 1 per output channel (default), 0 one per layer.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=1))]
    pub group: u8,
    /// Worker threads (images are spread over them).
    #[arg(long, default_value_t = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))]
    pub threads: usize,
    /// Use at most this many images.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Images EQ refines on (the first ones).
    #[arg(long, default_value_t = 8)]
    pub eq_images: usize,
    /// Input blob name (default: the model's only input).
    #[arg(long)]
    pub input: Option<String>,
    /// Seed of synthetic weights when no --bin is given.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Do not check layer outputs against the plain max-range scale (see
    /// the calibrate docs: KL may clip rare large activations that carry the
    /// signal, e.g. in detection heads).
    #[arg(long)]
    pub no_range_check: bool,
    /// Keep in fp32 (write commented out) every layer that, alone in int8,
    /// brings the network outputs' cosine similarity to fp32 below this
    /// (measured as `octet compare` does, on the first --eq-images images).
    #[arg(long, value_name = "C")]
    pub keep_fp32_below: Option<f64>,
    /// Also write each layer's range and KL histogram as JSON (to check the
    /// threshold search against another implementation).
    #[arg(long, value_name = "FILE.json")]
    pub dump_histograms: Option<PathBuf>,
}

fn bar(len: u64, msg: &str) -> indicatif::ProgressBar {
    let b = indicatif::ProgressBar::new(len);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:28} [{bar:30}] {pos}/{len} {per_sec:>12} ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b.set_message(msg.to_string());
    b
}

/// How much better the max-range scale's output cosine must be to replace
/// the method's scale.
pub const RANGE_CHECK_MARGIN: f64 = 1e-3;

/// How much output cosine 6-bit weights may lose against 8-bit ones to be
/// chosen for int8 Winograd F(4,3).
pub const SIX_BIT_TOLERANCE: f64 = 2e-4;

/// Input blob: `--input`, or the model's only Input.
pub fn pick_input(net: &Net, name: Option<&str>) -> Result<String> {
    let inputs = net.input_names();
    match name {
        Some(n) if inputs.iter().any(|i| i == n) => Ok(n.to_string()),
        Some(n) => bail!(
            "the model has no input named `{n}` (its inputs: {})",
            inputs.join(", ")
        ),
        None => match inputs.as_slice() {
            [one] => Ok(one.clone()),
            [] => bail!("the model has no Input layer"),
            _ => bail!(
                "the model has several inputs ({}); pick one with --input",
                inputs.join(", ")
            ),
        },
    }
}

pub fn main(a: Args) -> Result<()> {
    common::must_exist(&a.param)?;
    if let Some(b) = &a.bin {
        common::must_exist(b)?;
    }
    if a.threads == 0 {
        bail!("--threads must be at least 1");
    }
    let start = Instant::now();
    let opt = Options {
        use_int8: false,
        keep_weights: true,
        ..Options::default()
    };
    let weights = match &a.bin {
        Some(b) => Weights::File(b),
        None => Weights::Synthetic { seed: a.seed },
    };
    let net = Net::load_with(&a.param, weights, opt)?;
    let input = pick_input(&net, a.input.as_deref())?;
    let prep = a.prep.resolve(&net, &input)?;
    let images = list_images(&a.images, a.limit)?;
    let targets = calib::targets(&net);
    if targets.is_empty() {
        bail!(
            "{}: no Convolution, ConvolutionDepthWise or InnerProduct layer to calibrate",
            a.param.display()
        );
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads)
        .build()
        .context("cannot start the thread pool")?;
    let n = targets.len();

    // Pass 1: the range of every target's input (and NaN/inf checks).
    let b1 = bar(images.len() as u64, "pass 1/2: ranges");
    let (absmax, counts) = calib::fold_images(
        &net,
        &input,
        &images,
        &prep,
        &targets,
        &pool,
        &b1,
        || (vec![0f32; n], vec![0usize; n]),
        |st, t, blob, path| {
            let v = blob.to_vec();
            let mut m = 0f32;
            for &x in &v {
                if !x.is_finite() {
                    bail!(
                        "{}: the input of layer `{}` holds NaN or infinity",
                        path.display(),
                        targets[t].name
                    );
                }
                m = m.max(x.abs());
            }
            st.0[t] = st.0[t].max(m);
            st.1[t] = st.1[t].max(v.len());
            Ok(())
        },
        |mut a, b| {
            for i in 0..a.0.len() {
                a.0[i] = a.0[i].max(b.0[i]);
                a.1[i] = a.1[i].max(b.1[i]);
            }
            a
        },
    )?;
    b1.finish();

    let blob_scales: Vec<Option<f32>> = match a.method {
        Method::Aciq => (0..n).map(|t| aciq::scale(absmax[t], counts[t])).collect(),
        Method::Kl | Method::Eq => {
            let b2 = bar(images.len() as u64, "pass 2/2: histograms");
            let hists = calib::fold_images(
                &net,
                &input,
                &images,
                &prep,
                &targets,
                &pool,
                &b2,
                || vec![vec![0u64; kl::BINS]; n],
                |st, t, blob, _| {
                    kl::accumulate(&mut st[t], &blob.to_vec(), absmax[t]);
                    Ok(())
                },
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        x.iter_mut().zip(y).for_each(|(p, q)| *p += q);
                    }
                    a
                },
            )?;
            b2.finish();
            if let Some(path) = &a.dump_histograms {
                let dump: Vec<serde_json::Value> = (0..n)
                    .map(|t| serde_json::json!({"layer": targets[t].name, "absmax": absmax[t], "histogram": hists[t]}))
                    .collect();
                std::fs::write(path, serde_json::to_string(&dump)?)
                    .with_context(|| format!("{}: cannot write", path.display()))?;
            }
            pool.install(|| {
                use rayon::prelude::*;
                (0..n)
                    .into_par_iter()
                    .map(|t| kl::scale(&hists[t], absmax[t]))
                    .collect()
            })
        }
    };

    let mut layers = Vec::with_capacity(n);
    let mut six_bit = Vec::with_capacity(n);
    for (t, tg) in targets.iter().enumerate() {
        let (ws, ws6) = calib::weight_scales(&net, tg, a.group == 1)?;
        six_bit.push(ws6);
        let note = match blob_scales[t] {
            None => {
                eprintln!(
                    "warning: the input of layer `{}` was 0 on every calibration image: no scale can be derived, the layer stays fp32",
                    tg.name
                );
                Some("input always 0: kept fp32".to_string())
            }
            Some(_) => None,
        };
        layers.push(LayerScales {
            name: tg.name.clone(),
            weight_scales: ws,
            blob_scale: blob_scales[t],
            note,
        });
    }

    let few: Vec<PathBuf> = images.iter().take(a.eq_images.max(1)).cloned().collect();
    // KL (and ACIQ) judge the input distribution, not what the layer makes of
    // it: on detection heads they clip the rare large activations that carry
    // the faces. Measure each layer's int8 output against fp32 with the
    // method's scale and with the plain max-range scale, and keep the better.
    if !a.no_range_check {
        let plain: Vec<LayerScales> = layers
            .iter()
            .enumerate()
            .map(|(t, l)| LayerScales {
                blob_scale: l.blob_scale.map(|_| 127.0 / absmax[t]),
                ..l.clone()
            })
            .collect();
        let e_method = calib::compare::alone(&net, &input, &few, &prep, &targets, &layers)?;
        let e_plain = calib::compare::alone(&net, &input, &few, &prep, &targets, &plain)?;
        for t in 0..n {
            if layers[t].blob_scale.is_some()
                && e_plain[t].cosine > e_method[t].cosine + RANGE_CHECK_MARGIN
            {
                eprintln!(
                    "`{}`: max-range input scale instead of {:?}'s (output cosine {:.5} vs {:.5})",
                    layers[t].name, a.method, e_plain[t].cosine, e_method[t].cosine
                );
                layers[t].blob_scale = plain[t].blob_scale;
                layers[t].note = Some(format!(
                    "max-range input scale (output cosine {:.5} vs {:.5})",
                    e_plain[t].cosine, e_method[t].cosine
                ));
            }
        }
    }

    // Where 8-bit weights break int8 Winograd F(4,3)'s overflow bound, 6-bit
    // weights keep that (faster) kernel, 8-bit ones run F(2,3). Measure what
    // 6 bits cost on the calibration images and take them only when it is
    // negligible.
    if six_bit.iter().any(Option::is_some) {
        let with6: Vec<LayerScales> = layers
            .iter()
            .zip(&six_bit)
            .map(|(l, s6)| LayerScales {
                weight_scales: s6.clone().unwrap_or_else(|| l.weight_scales.clone()),
                ..l.clone()
            })
            .collect();
        let e8 = calib::compare::alone(&net, &input, &few, &prep, &targets, &layers)?;
        let e6 = calib::compare::alone(&net, &input, &few, &prep, &targets, &with6)?;
        for t in 0..n {
            let Some(s6) = &six_bit[t] else { continue };
            if layers[t].blob_scale.is_none() {
                continue;
            }
            if e6[t].cosine >= e8[t].cosine - SIX_BIT_TOLERANCE {
                layers[t].weight_scales = s6.clone();
                layers[t].note = Some(format!(
                    "6-bit weights for int8 Winograd F(4,3) (cosine {:.5} vs {:.5} with 8 bits)",
                    e6[t].cosine, e8[t].cosine
                ));
            } else {
                eprintln!(
                    "`{}`: 8-bit weights (int8 Winograd F(2,3)); 6 bits for F(4,3) would cost accuracy (cosine {:.5} vs {:.5})",
                    layers[t].name, e6[t].cosine, e8[t].cosine
                );
            }
        }
    }

    if a.method == Method::Eq {
        let eq_images: Vec<PathBuf> = images.iter().take(a.eq_images.max(1)).cloned().collect();
        let b3 = bar(2, "EQ: refining scales");
        calib::eq::refine(&net, &input, &eq_images, &prep, &targets, &mut layers, &b3)?;
        b3.finish();
    }

    if let Some(c) = a.keep_fp32_below {
        // As `octet compare` measures it: the network's outputs with only
        // this layer in int8, against fp32, on the first images.
        let text = calib::table_text(&layers);
        let net8 = Net::load_with_table(
            &a.param,
            match &a.bin {
                Some(b) => Weights::File(b),
                None => Weights::Synthetic { seed: a.seed },
            },
            Some(octet::TableSource::Text {
                text: &text,
                label: "<table being written>",
            }),
            Options::default(),
        )?;
        let errs = pool.install(|| {
            calib::compare::output_sensitivity(&net, &net8, &input, &few, &prep, &targets)
        })?;
        for (l, e) in layers.iter_mut().zip(&errs) {
            if l.blob_scale.is_some() && e.cosine < c {
                eprintln!(
                    "keeping `{}` in fp32: with it int8, the output cosine is {:.6} < {c}",
                    l.name, e.cosine
                );
                l.blob_scale = None;
                l.note = Some(format!(
                    "output cosine {:.6} below {c}: kept fp32",
                    e.cosine
                ));
            }
        }
    }

    std::fs::write(&a.output, calib::table_text(&layers))
        .with_context(|| format!("{}: cannot write", a.output.display()))?;
    for l in layers
        .iter()
        .filter(|l| l.note.as_deref().is_some_and(|n| n.starts_with("6-bit")))
    {
        eprintln!("`{}`: {}", l.name, l.note.as_deref().unwrap_or_default());
    }
    let fp32: Vec<&str> = layers
        .iter()
        .filter(|l| l.blob_scale.is_none())
        .map(|l| l.name.as_str())
        .collect();
    let six: usize = layers
        .iter()
        .filter(|l| l.note.as_deref().is_some_and(|n| n.starts_with("6-bit")))
        .count();
    eprintln!(
        "wrote {}: {} layers int8 ({} with 6-bit weights for Winograd F(4,3)), {} kept fp32{}; {} images, {:.1} s",
        a.output.display(),
        n - fp32.len(),
        six,
        fp32.len(),
        if fp32.is_empty() { String::new() } else { format!(" ({})", fp32.join(", ")) },
        images.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
