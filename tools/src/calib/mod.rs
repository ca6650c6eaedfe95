//! Calibration: images → per-layer activation scales (KL, ACIQ or EQ) and
//! per-channel (or per-layer) weight scales → an ncnn-compatible table.
//!
//! Statistics are gathered with one extractor per image, images spread over
//! a rayon pool, partial results merged; only per-layer histograms stay in
//! memory, so thousands of images are fine.

pub mod aciq;
pub mod compare;
pub mod eq;
pub mod kl;

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use octet::{Mat, Net};

use crate::preprocess::Preprocess;

/// Cosine similarity (1 when both are all zero, 0 when only one is).
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        ab += *x as f64 * *y as f64;
        aa += *x as f64 * *x as f64;
        bb += *y as f64 * *y as f64;
    }
    if aa == 0.0 && bb == 0.0 {
        1.0
    } else if aa == 0.0 || bb == 0.0 {
        0.0
    } else {
        ab / (aa.sqrt() * bb.sqrt())
    }
}

/// Activation-scale method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// KL divergence (TensorRT entropy calibration).
    Kl,
    /// Gaussian clipping from the range (ACIQ).
    Aciq,
    /// EasyQuant: KL, then scales refined to maximise each layer's output cosine.
    Eq,
}

/// A layer to calibrate: one with an int8 form (`Layer::quantized`).
#[derive(Clone, Debug)]
pub struct Target {
    pub layer: usize,
    pub name: String,
    pub kind: String,
    pub bottom: usize,
    pub top: usize,
}

/// The layers of `net` that can run int8, in file order.
pub fn targets(net: &Net) -> Vec<Target> {
    net.layers()
        .iter()
        .enumerate()
        .filter(|(_, l)| l.layer.quantized().is_some() && !l.bottoms.is_empty())
        .map(|(i, l)| Target {
            layer: i,
            name: l.name.clone(),
            kind: l.kind.clone(),
            bottom: l.bottoms[0],
            top: l.tops[0],
        })
        .collect()
}

/// The scales found for one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerScales {
    pub name: String,
    /// One per output channel (per group for ConvolutionDepthWise).
    pub weight_scales: Vec<f32>,
    /// `None`: the layer stays fp32 (its line is written commented out).
    pub blob_scale: Option<f32>,
    /// Why the layer is special (6-bit weights, kept fp32, …).
    pub note: Option<String>,
}

/// Runs the fp32 net on every image and folds per-image statistics of the
/// targets' input blobs. `visit(state, target, blob, image)` sees each blob.
#[allow(clippy::too_many_arguments)]
pub fn fold_images<T, I, V, M>(
    net: &Net,
    input: &str,
    images: &[PathBuf],
    prep: &Preprocess,
    targets: &[Target],
    pool: &rayon::ThreadPool,
    bar: &indicatif::ProgressBar,
    init: I,
    visit: V,
    merge: M,
) -> Result<T>
where
    T: Send,
    I: Fn() -> T + Sync + Send,
    V: Fn(&mut T, usize, &Mat, &std::path::Path) -> Result<()> + Sync + Send,
    M: Fn(T, T) -> T + Sync + Send,
{
    use rayon::prelude::*;
    let input_idx = net
        .blob_index(input)
        .with_context(|| format!("the model has no input blob `{input}`"))?;
    let mut by_blob: Vec<Vec<usize>> = vec![Vec::new(); net.blobs().len()];
    for (t, tg) in targets.iter().enumerate() {
        by_blob[tg.bottom].push(t);
    }
    let bottoms: Vec<String> = targets
        .iter()
        .map(|t| net.blobs()[t.bottom].name.clone())
        .collect();
    let names: Vec<&str> = bottoms.iter().map(String::as_str).collect();
    pool.install(|| {
        images
            .par_iter()
            .map(|path| -> Result<T> {
                let mut state = init();
                let m = prep.load(path)?;
                for &t in &by_blob[input_idx] {
                    visit(&mut state, t, &m, path)?;
                }
                let mut err: Option<anyhow::Error> = None;
                {
                    let mut ex = net.extractor();
                    ex.input(input, m)?;
                    let st = &mut state;
                    let err_ref = &mut err;
                    let by = &by_blob;
                    let v = &visit;
                    ex.set_observer(move |_, b, blob| {
                        for &t in &by[b] {
                            if err_ref.is_none() {
                                if let Err(e) = v(st, t, blob, path) {
                                    *err_ref = Some(e);
                                }
                            }
                        }
                    });
                    // Only the targets' inputs are needed (and are freed as the run goes).
                    for n in &names {
                        ex.extract(n)
                            .with_context(|| format!("{}", path.display()))?;
                    }
                }
                bar.inc(1);
                match err {
                    Some(e) => Err(e),
                    None => Ok(state),
                }
            })
            .try_reduce_with(|a, b| Ok(merge(a, b)))
            .unwrap_or_else(|| bail!("no images"))
    })
}

/// Weight scales of a layer: per-channel (or per-layer) `127 / absmax`, and,
/// for a layer whose int8 kernel needs narrower weights for exactness (the
/// runtime's int8 Winograd F(4,3), see `QuantizedLayer::needs_narrow_weights`)
/// the 6-bit alternative (`31 / absmax`) that keeps it exact. With 8-bit
/// weights such a layer runs F(2,3) instead; the caller weighs speed against
/// accuracy.
pub fn weight_scales(
    net: &Net,
    t: &Target,
    per_channel: bool,
) -> Result<(Vec<f32>, Option<Vec<f32>>)> {
    let q = net.layers()[t.layer]
        .layer
        .quantized()
        .with_context(|| format!("layer `{}` cannot run int8", t.name))?;
    let w = q
        .fp32_weights()
        .map_err(|e| anyhow::anyhow!("layer `{}`: {e}", t.name))?;
    let groups = q.weight_scale_count();
    let scales_for = |limit: f32| -> Vec<f32> {
        if per_channel {
            octet::modelbin::weight_scales(w, groups, limit)
        } else {
            vec![octet::modelbin::weight_scales(w, 1, limit)[0]; groups]
        }
    };
    let s8 = scales_for(127.0);
    let six = q.needs_narrow_weights(&s8) == Some(true);
    Ok((s8, if six { Some(scales_for(31.0)) } else { None }))
}

/// Writes a table in ncnn2table's format: weight lines, then blob lines;
/// layers kept in fp32 are written commented out (`#`).
pub fn table_text(layers: &[LayerScales]) -> String {
    let mut s = String::new();
    for l in layers {
        let prefix = if l.blob_scale.is_some() { "" } else { "#" };
        s.push_str(&format!("{prefix}{}_param_0", l.name));
        for w in &l.weight_scales {
            s.push_str(&format!(" {w}"));
        }
        s.push('\n');
    }
    for l in layers {
        match l.blob_scale {
            Some(b) => s.push_str(&format!("{} {b}\n", l.name)),
            None => s.push_str(&format!("#{} 1\n", l.name)),
        }
    }
    s
}
