//! EQ (EasyQuant): starting from KL scales, search each layer's weight scales
//! (per output channel where channels are independent, else jointly) and then
//! its input scale over `[0.5×, 2×]`, keeping the values whose int8 output has
//! the highest mean cosine similarity with the fp32 output on a few images.
//! Each layer is evaluated alone on fp32 inputs, as ncnn2table does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use octet::layer::convolution::{quantize_weights, ConvCore, Convolution};
use octet::layer::convolution_depthwise::ConvolutionDepthWise;
use octet::layer::innerproduct::InnerProduct;
use octet::layer::padding::copy_make_border_i8;
use octet::modelbin::Weights;
use octet::{Mat, Net};
use octet_kernels::int8::quantize::float2int8;
use octet_kernels::int8::{Conv2dI8, InnerProductI8, Int8Algo, Int8Output};
use octet_kernels::ConvGeometry;

use super::{LayerScales, Target};
use crate::preprocess::Preprocess;

/// Candidate multipliers tried around the starting scale (odd: the middle one is 1×).
pub const STEPS: usize = 25;
const LOW: f32 = 0.5;
const HIGH: f32 = 2.0;

/// The multiplier of candidate `k` (geometric spacing over [0.5, 2]).
pub fn candidate(k: usize) -> f32 {
    LOW * (HIGH / LOW).powf(k as f32 / (STEPS - 1) as f32)
}

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

/// One layer's weights and how to run it in int8 alone.
pub enum LayerModel<'a> {
    Conv { core: &'a ConvCore, w: &'a [f32] },
    Fc { ip: &'a InnerProduct, w: &'a [f32] },
}

pub fn layer_model<'a>(net: &'a Net, t: &Target) -> Option<LayerModel<'a>> {
    let any = net.layers()[t.layer].layer.as_any();
    let w32 = |w: &'a Option<Weights>| match w {
        Some(Weights::F32(v)) => Some(v.as_slice()),
        _ => None,
    };
    if let Some(c) = any.downcast_ref::<Convolution>() {
        return Some(LayerModel::Conv {
            core: &c.core,
            w: w32(&c.core.weights)?,
        });
    }
    if let Some(c) = any.downcast_ref::<ConvolutionDepthWise>() {
        return Some(LayerModel::Conv {
            core: &c.core,
            w: w32(&c.core.weights)?,
        });
    }
    let ip = any.downcast_ref::<InnerProduct>()?;
    Some(LayerModel::Fc {
        ip,
        w: w32(&ip.weights)?,
    })
}

/// Per-output-channel scales from per-group ones.
fn expand(scales: &[f32], out_c: usize) -> Vec<f32> {
    let per = out_c / scales.len().max(1);
    (0..out_c).map(|o| scales[o / per.max(1)]).collect()
}

/// int8 output of output channels `chans` (all when `None`) of the layer on `input`.
pub fn run_int8(
    m: &LayerModel,
    input: &Mat,
    wscales: &[f32],
    bscale: f32,
    chans: Option<usize>,
) -> Result<Vec<f32>> {
    match m {
        LayerModel::Conv { core, w } => {
            let g = core.p.geometry();
            let ws = expand(wscales, g.out_c);
            let (geom, weights, scales, bias, input): (
                ConvGeometry,
                Vec<f32>,
                Vec<f32>,
                Option<Vec<f32>>,
                Mat,
            ) = match chans {
                None => (g, w.to_vec(), ws, core.bias.clone(), input.clone()),
                Some(p) => {
                    let per = w.len() / g.out_c;
                    let one = &w[p * per..(p + 1) * per];
                    let bias = core.bias.as_ref().map(|b| vec![b[p]]);
                    if g.is_depthwise() {
                        let plane = Mat::from_slice(&[1, input.h(), input.w()], input.channel(p))
                            .map_err(anyhow::Error::msg)?;
                        (
                            ConvGeometry {
                                in_c: 1,
                                out_c: 1,
                                group: 1,
                                ..g
                            },
                            one.to_vec(),
                            vec![ws[p]],
                            bias,
                            plane,
                        )
                    } else {
                        (
                            ConvGeometry { out_c: 1, ..g },
                            one.to_vec(),
                            vec![ws[p]],
                            bias,
                            input.clone(),
                        )
                    }
                }
            };
            let wq = quantize_weights(&weights, &scales);
            let op = Conv2dI8::new(
                geom,
                &wq,
                &scales,
                bias.as_deref(),
                core.p.activation,
                Int8Algo::Gemm,
                None,
            )
            .map_err(anyhow::Error::msg)?;
            let q = input.quantize(bscale);
            let (t, b, l, r) = core.p.padding_for(q.w(), q.h());
            let q = copy_make_border_i8(&q, t, b, l, r, float2int8(core.p.pad_value * bscale));
            let (ow, oh) = geom
                .output_size(q.w(), q.h())
                .context("kernel larger than input")?;
            let mut out = Mat::new_3d(ow, oh, geom.out_c);
            op.forward(q.planes_i8(), bscale, Int8Output::F32(out.planes_mut()), 1);
            Ok(out.to_vec())
        }
        LayerModel::Fc { ip, w } => {
            let x = input.to_vec();
            let n_in = ip.num_input();
            let rows: Vec<usize> = match chans {
                None => (0..ip.num_output).collect(),
                Some(p) => vec![p],
            };
            let mut wsel = Vec::with_capacity(rows.len() * n_in);
            for &p in &rows {
                wsel.extend_from_slice(&w[p * n_in..(p + 1) * n_in]);
            }
            let scales: Vec<f32> = rows.iter().map(|&p| wscales[p]).collect();
            let bias = ip
                .bias
                .as_ref()
                .map(|b| rows.iter().map(|&p| b[p]).collect::<Vec<_>>());
            let wq = quantize_weights(&wsel, &scales);
            let op = InnerProductI8::new(&wq, &scales, bias.as_deref(), rows.len(), ip.activation)
                .map_err(anyhow::Error::msg)?;
            let mut out = vec![0f32; rows.len()];
            op.forward(&x[..n_in.min(x.len())], bscale, &mut out, 1);
            Ok(out)
        }
    }
}

/// Output channel `p` of a full fp32 output.
fn channel_of(out: &Mat, p: usize, fc: bool) -> Vec<f32> {
    if fc {
        vec![out.to_vec()[p]]
    } else {
        out.channel(p).to_vec()
    }
}

/// Whether weight scales of this layer can be searched channel by channel.
fn per_channel_search(m: &LayerModel) -> bool {
    match m {
        LayerModel::Conv { core, .. } => core.p.group == 1 || core.p.geometry().is_depthwise(),
        LayerModel::Fc { .. } => true,
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
    let models: Vec<Option<LayerModel>> = targets.iter().map(|t| layer_model(net, t)).collect();
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
        let fc = matches!(m, LayerModel::Fc { .. });
        if per_channel_search(m) {
            for p in 0..ws.len() {
                let reference = channel_of(out, p, fc);
                for (k, sim) in wsims[t][p].iter_mut().enumerate() {
                    let mut trial = ws.clone();
                    trial[p] = ws[p] * candidate(k);
                    *sim += cosine(&run_int8(m, inp, &trial, bs, Some(p))?, &reference);
                }
            }
        } else {
            let reference = out.to_vec();
            for (k, sim) in joint[t].iter_mut().enumerate() {
                let trial: Vec<f32> = ws.iter().map(|s| s * candidate(k)).collect();
                *sim += cosine(&run_int8(m, inp, &trial, bs, None)?, &reference);
            }
        }
        Ok(())
    })?;
    for (t, s) in scales.iter_mut().enumerate() {
        let Some(m) = &models[t] else { continue };
        if per_channel_search(m) {
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
                &run_int8(m, inp, &scales[t].weight_scales, bs * candidate(k), None)?,
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
