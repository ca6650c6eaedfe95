//! EQ (EasyQuant): starting from KL scales, search each layer's weight scales
//! (per output channel where channels are independent, else jointly) and then
//! its input scale over `[0.5×, 2×]`, keeping the values whose int8 output has
//! the highest mean cosine similarity with the fp32 output on a few images.
//! Each layer is evaluated alone on fp32 inputs, as ncnn2table does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use octet::layer::QuantizedLayer;
use octet::{Mat, Net};

use super::{cosine, LayerScales, Target};
use crate::preprocess::Preprocess;

/// Candidate multipliers tried around the starting scale (odd: the middle one is 1×).
pub const STEPS: usize = 25;
const LOW: f32 = 0.5;
const HIGH: f32 = 2.0;

/// The multiplier of candidate `k` (geometric spacing over [0.5, 2]).
pub fn candidate(k: usize) -> f32 {
    LOW * (HIGH / LOW).powf(k as f32 / (STEPS - 1) as f32)
}

/// The int8 interface of a target, when it holds fp32 weights to try scales on.
pub fn layer_model<'a>(net: &'a Net, t: &Target) -> Option<&'a dyn QuantizedLayer> {
    net.layers()[t.layer]
        .layer
        .quantized()
        .filter(|q| q.fp32_weights().is_ok())
}

/// int8 output of output channel `chans` (all when `None`) of the layer on `input`.
pub fn run_int8(
    m: &dyn QuantizedLayer,
    input: &Mat,
    wscales: &[f32],
    bscale: f32,
    chans: Option<usize>,
) -> Result<Vec<f32>> {
    m.probe_int8(input, wscales, bscale, chans)
        .map_err(|e| anyhow::anyhow!(e.0))
}

/// Output channel `p` of a full fp32 output (element `p` of a 1-D or 2-D one).
fn channel_of(out: &Mat, p: usize) -> Vec<f32> {
    if out.dims() >= 3 {
        out.channel(p).to_vec()
    } else {
        vec![out.to_vec()[p]]
    }
}

/// Runs the fp32 net over `images` and calls `f(target, input, output)` for
/// each target whose input and output blobs were seen.
pub fn for_each_pair(
    net: &Net,
    input: &str,
    images: &[PathBuf],
    prep: &Preprocess,
    targets: &[Target],
    f: &mut dyn FnMut(usize, &Mat, &Mat, &Path) -> Result<()>,
) -> Result<()> {
    let input_idx = net
        .blob_index(input)
        .with_context(|| format!("the model has no input blob `{input}`"))?;
    let tops: Vec<String> = targets
        .iter()
        .map(|t| net.blobs()[t.top].name.clone())
        .collect();
    for path in images {
        let m = prep.load(path)?;
        let mut blobs: HashMap<usize, Mat> = HashMap::new();
        blobs.insert(input_idx, m.clone());
        {
            let mut ex = net.extractor();
            ex.input(input, m)?;
            let wanted: Vec<usize> = targets.iter().flat_map(|t| [t.bottom, t.top]).collect();
            let b = &mut blobs;
            ex.set_observer(move |_, idx, blob| {
                if wanted.contains(&idx) {
                    b.insert(idx, blob.clone());
                }
            });
            ex.extract_many(&tops.iter().map(String::as_str).collect::<Vec<_>>())?;
        }
        for (i, t) in targets.iter().enumerate() {
            if let (Some(a), Some(b)) = (blobs.get(&t.bottom), blobs.get(&t.top)) {
                f(i, a, b, path)?;
            }
        }
    }
    Ok(())
}

/// Refines KL `scales` in place on up to `images` images.
pub fn refine(
    net: &Net,
    input: &str,
    images: &[PathBuf],
    prep: &Preprocess,
    targets: &[Target],
    scales: &mut [LayerScales],
    bar: &indicatif::ProgressBar,
) -> Result<()> {
    let models: Vec<Option<&dyn QuantizedLayer>> =
        targets.iter().map(|t| layer_model(net, t)).collect();
    // Pass 1: weight scales.
    let mut wsims: Vec<Vec<Vec<f64>>> = scales
        .iter()
        .map(|s| vec![vec![0.0; STEPS]; s.weight_scales.len()])
        .collect();
    let mut joint: Vec<Vec<f64>> = vec![vec![0.0; STEPS]; targets.len()];
    for_each_pair(net, input, images, prep, targets, &mut |t, inp, out, _| {
        let (Some(m), Some(bs)) = (&models[t], scales[t].blob_scale) else {
            return Ok(());
        };
        let ws = &scales[t].weight_scales;
        if m.channels_independent() {
            for p in 0..ws.len() {
                let reference = channel_of(out, p);
                for (k, sim) in wsims[t][p].iter_mut().enumerate() {
                    let mut trial = ws.clone();
                    trial[p] = ws[p] * candidate(k);
                    *sim += cosine(&run_int8(*m, inp, &trial, bs, Some(p))?, &reference);
                }
            }
        } else {
            let reference = out.to_vec();
            for (k, sim) in joint[t].iter_mut().enumerate() {
                let trial: Vec<f32> = ws.iter().map(|s| s * candidate(k)).collect();
                *sim += cosine(&run_int8(*m, inp, &trial, bs, None)?, &reference);
            }
        }
        Ok(())
    })?;
    for (t, s) in scales.iter_mut().enumerate() {
        let Some(m) = &models[t] else { continue };
        if m.channels_independent() {
            for (p, w) in s.weight_scales.iter_mut().enumerate() {
                let best = argmax(&wsims[t][p]);
                *w *= candidate(best);
            }
        } else {
            let best = candidate(argmax(&joint[t]));
            s.weight_scales.iter_mut().for_each(|w| *w *= best);
        }
    }
    bar.inc(1);
    // Pass 2: input scales, with the refined weights.
    let mut bsims: Vec<Vec<f64>> = vec![vec![0.0; STEPS]; targets.len()];
    for_each_pair(net, input, images, prep, targets, &mut |t, inp, out, _| {
        let (Some(m), Some(bs)) = (&models[t], scales[t].blob_scale) else {
            return Ok(());
        };
        let reference = out.to_vec();
        for (k, sim) in bsims[t].iter_mut().enumerate() {
            *sim += cosine(
                &run_int8(*m, inp, &scales[t].weight_scales, bs * candidate(k), None)?,
                &reference,
            );
        }
        Ok(())
    })?;
    for (t, s) in scales.iter_mut().enumerate() {
        if let (Some(_), Some(b)) = (&models[t], s.blob_scale.as_mut()) {
            *b *= candidate(argmax(&bsims[t]));
        }
    }
    bar.inc(1);
    Ok(())
}

/// Index of the largest value; on ties the unchanged scale (the middle candidate) wins.
fn argmax(v: &[f64]) -> usize {
    let mut best = STEPS / 2;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    #[test]
    fn candidates_span_half_to_double_and_include_one() {
        assert!((super::candidate(0) - 0.5).abs() < 1e-6);
        assert!((super::candidate(super::STEPS - 1) - 2.0).abs() < 1e-5);
        assert!((super::candidate(super::STEPS / 2) - 1.0).abs() < 1e-6);
    }
}
