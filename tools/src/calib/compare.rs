//! Per-layer int8 error against fp32, for `octet compare` and
//! `octet calibrate --keep-fp32-below`.
//!
//! Three views per quantized layer:
//! - **output**: the network's outputs with only this layer in int8 (every
//!   other layer fp32) against fp32 — what quantizing this layer costs the
//!   result; the one to act on (`--keep-fp32-below` uses it);
//! - **alone**: the layer's own output in int8 on its fp32 input;
//! - **in net**: the layer's output in the all-int8 net (where the error has
//!   accumulated to).

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Result;
use octet::layer::Int8Input;
use octet::{Mat, Net};
use serde::Serialize;

use super::cosine;
use super::eq::{for_each_pair, layer_model, run_int8};
use super::{LayerScales, Target};
use crate::preprocess::Preprocess;

/// Error of one output against fp32.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Error {
    /// Mean cosine similarity over the images.
    pub cosine: f64,
    /// Largest absolute difference over the images.
    pub max_error: f32,
}

#[derive(Clone, Debug, Serialize)]
pub struct LayerError {
    pub layer: String,
    pub kind: String,
    /// Network outputs with only this layer int8.
    pub output: Error,
    pub alone: Error,
    pub in_net: Option<Error>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub images: usize,
    /// Worst (lowest "output" cosine) first.
    pub layers: Vec<LayerError>,
    /// The network's outputs in the all-int8 net.
    pub outputs: Vec<(String, Error)>,
}

fn max_err(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()))
}

/// "Alone" errors of every target with scales, over `images`.
pub fn alone(
    net32: &Net,
    input: &str,
    images: &[PathBuf],
    prep: &Preprocess,
    targets: &[Target],
    scales: &[LayerScales],
) -> Result<Vec<Error>> {
    let models: Vec<_> = targets.iter().map(|t| layer_model(net32, t)).collect();
    let mut acc = vec![Error::default(); targets.len()];
    let mut counts = vec![0usize; targets.len()];
    for_each_pair(
        net32,
        input,
        images,
        prep,
        targets,
        &mut |t, inp, out, _| {
            let (Some(m), Some(bs)) = (&models[t], scales[t].blob_scale) else {
                return Ok(());
            };
            let q = run_int8(*m, inp, &scales[t].weight_scales, bs, None)?;
            let f = out.to_vec();
            acc[t].cosine += cosine(&q, &f);
            acc[t].max_error = acc[t].max_error.max(max_err(&q, &f));
            counts[t] += 1;
            Ok(())
        },
    )?;
    for (a, &n) in acc.iter_mut().zip(&counts) {
        a.cosine = if n > 0 { a.cosine / n as f64 } else { 1.0 };
    }
    Ok(acc)
}

/// Concatenated network outputs of `net32` on `m`, with layer `over` taken
/// from `net8` when given.
fn outputs_with(
    net32: &Net,
    net8: &Net,
    input: &str,
    m: &Mat,
    over: Option<usize>,
) -> Result<Vec<f32>> {
    let names = net32.output_names();
    let mut ex = net32.extractor();
    if let Some(l) = over {
        ex.set_layer_override(l, net8.layers()[l].layer.as_ref());
    }
    ex.input(input, m.clone())?;
    let outs = ex.extract_many(&names.iter().map(String::as_str).collect::<Vec<_>>())?;
    Ok(outs.iter().flat_map(|o| o.to_vec()).collect())
}

/// For every target that runs int8 in `net8`: the network outputs with only
/// that layer in int8, against fp32 (images in parallel on the current rayon pool).
pub fn output_sensitivity(
    net32: &Net,
    net8: &Net,
    input: &str,
    images: &[PathBuf],
    prep: &Preprocess,
    targets: &[Target],
) -> Result<Vec<Error>> {
    use rayon::prelude::*;
    let int8: Vec<bool> = targets
        .iter()
        .map(|t| net8.layers()[t.layer].layer.int8_input() == Int8Input::Quantized)
        .collect();
    let per_image: Vec<Vec<(f64, f32)>> = images
        .par_iter()
        .map(|path| -> Result<Vec<(f64, f32)>> {
            let m = prep.load(path)?;
            let reference = outputs_with(net32, net8, input, &m, None)?;
            targets
                .iter()
                .zip(&int8)
                .map(|(t, &q)| {
                    if !q {
                        return Ok((1.0, 0.0));
                    }
                    let o = outputs_with(net32, net8, input, &m, Some(t.layer))?;
                    Ok((cosine(&o, &reference), max_err(&o, &reference)))
                })
                .collect()
        })
        .collect::<Result<_>>()?;
    let n = images.len().max(1) as f64;
    Ok((0..targets.len())
        .map(|t| Error {
            cosine: per_image.iter().map(|v| v[t].0).sum::<f64>() / n,
            max_error: per_image.iter().map(|v| v[t].1).fold(0f32, f32::max),
        })
        .collect())
}

/// Blobs `wanted` of `net` on input `m`.
fn capture(net: &Net, input: &str, m: &Mat, wanted: &[usize]) -> Result<HashMap<usize, Vec<f32>>> {
    let mut got: HashMap<usize, Vec<f32>> = HashMap::new();
    {
        let mut ex = net.extractor();
        ex.input(input, m.clone())?;
        let g = &mut got;
        ex.set_observer(move |_, b, blob| {
            if wanted.contains(&b) {
                g.insert(b, blob.to_vec());
            }
        });
        let outs = net.output_names();
        ex.extract_many(&outs.iter().map(String::as_str).collect::<Vec<_>>())?;
    }
    Ok(got)
}

/// The full report: alone and in-net errors per layer, and output errors.
pub fn report(
    net32: &Net,
    net8: &Net,
    input: &str,
    images: &[PathBuf],
    prep: &Preprocess,
    targets: &[Target],
    scales: &[LayerScales],
) -> Result<Report> {
    let alone = alone(net32, input, images, prep, targets, scales)?;
    let output = output_sensitivity(net32, net8, input, images, prep, targets)?;
    let outputs: Vec<usize> = net32
        .output_names()
        .iter()
        .filter_map(|n| net32.blob_index(n))
        .collect();
    let mut wanted: Vec<usize> = targets.iter().map(|t| t.top).collect();
    wanted.extend(&outputs);
    let mut in_net = vec![Error::default(); wanted.len()];
    for path in images {
        let m = prep.load(path)?;
        let a = capture(net32, input, &m, &wanted)?;
        let b = capture(net8, input, &m, &wanted)?;
        for (i, w) in wanted.iter().enumerate() {
            if let (Some(x), Some(y)) = (a.get(w), b.get(w)) {
                in_net[i].cosine += cosine(y, x) / images.len() as f64;
                in_net[i].max_error = in_net[i].max_error.max(max_err(x, y));
            }
        }
    }
    let mut layers: Vec<LayerError> = targets
        .iter()
        .enumerate()
        .filter(|(t, _)| scales[*t].blob_scale.is_some())
        .map(|(t, tg)| LayerError {
            layer: tg.name.clone(),
            kind: tg.kind.clone(),
            output: output[t].clone(),
            alone: alone[t].clone(),
            in_net: Some(in_net[t].clone()),
        })
        .collect();
    layers.sort_by(|a, b| a.output.cosine.total_cmp(&b.output.cosine));
    let outputs = outputs
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            (
                net32.blobs()[b].name.clone(),
                in_net[targets.len() + i].clone(),
            )
        })
        .collect();
    Ok(Report {
        images: images.len(),
        layers,
        outputs,
    })
}
