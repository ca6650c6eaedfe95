//! `octet quantize`: fp32 ncnn model + calibration table → an ncnn int8 model
//! (`8=` params, int8-tagged weights, scales in the `.bin` in ncnn's order)
//! that both Octet and ncnn load.
//!
//! Layers the table lists get `8=2` (Convolution, InnerProduct) or `8=1`
//! (ConvolutionDepthWise, per-group scales), `8=102`/`101` where Octet's
//! runtime would requantize the output to int8 for int8 readers; those readers
//! then get the producer's output scale as their input scale, so ncnn (which
//! trusts each reader's own input scale) and Octet agree. Other layers keep
//! their `.param` line and `.bin` bytes unchanged.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use octet::layer::convolution::{quantize_weights, ConvCore, Convolution};
use octet::layer::convolution_depthwise::ConvolutionDepthWise;
use octet::layer::innerproduct::InnerProduct;
use octet::modelbin::{BinReader, BinWriter, ModelSource, Weights};
use octet::param::parse_param;
use octet::{Net, Options, TableSource};

use crate::common;

#[derive(clap::Args)]
pub struct Args {
    /// The fp32 ncnn .param.
    #[arg(long)]
    pub param: PathBuf,
    /// Its .bin.
    #[arg(long)]
    pub bin: PathBuf,
    /// The calibration table.
    #[arg(long)]
    pub table: PathBuf,
    /// Where to write the int8 .param.
    #[arg(long)]
    pub out_param: PathBuf,
    /// Where to write the int8 .bin.
    #[arg(long)]
    pub out_bin: PathBuf,
}

/// What one quantized layer writes.
struct Quantized {
    term: i32,
    weights: Vec<i8>,
    bias: Option<Vec<f32>>,
    weight_scales: Vec<f32>,
    bottom_scale: f32,
    top_scale: Option<f32>,
}

fn from_conv(core: &ConvCore, depthwise_layer: bool) -> Result<Option<Quantized>> {
    let Some(bottom) = core.bottom_scale else {
        return Ok(None);
    };
    let Some(Weights::F32(w)) = &core.weights else {
        bail!("fp32 weights expected")
    };
    let p = &core.p;
    let weight_scales = if depthwise_layer {
        let per = p.num_output / p.group;
        (0..p.group).map(|g| core.weight_scales[g * per]).collect()
    } else {
        core.weight_scales.clone()
    };
    let base = if depthwise_layer { 1 } else { 2 };
    Ok(Some(Quantized {
        term: if core.top_scale.is_some() {
            base + 100
        } else {
            base
        },
        weights: quantize_weights(w, &core.weight_scales),
        bias: core.bias.clone(),
        weight_scales,
        bottom_scale: bottom,
        top_scale: core.top_scale,
    }))
}

pub fn main(a: Args) -> Result<()> {
    for p in [&a.param, &a.bin, &a.table] {
        common::must_exist(p)?;
    }
    let text = std::fs::read_to_string(&a.param)
        .with_context(|| format!("{}: cannot read", a.param.display()))?;
    let label = a.param.display().to_string();
    let pf = parse_param(&text, &label)?;
    let opt = Options {
        use_int8: true,
        keep_weights: true,
        ..Options::default()
    };
    let net = Net::load_with_table(
        &a.param,
        octet::Weights::File(&a.bin),
        Some(TableSource::File(&a.table)),
        opt,
    )?;

    // Byte range of each layer's weights in the original .bin.
    let bin = std::fs::read(&a.bin).with_context(|| format!("{}: cannot read", a.bin.display()))?;
    let mut reader = BinReader::new(&bin);
    let mut ranges = Vec::with_capacity(pf.layers.len());
    for d in &pf.layers {
        let mut layer = octet::layer::create_layer(&d.kind)
            .with_context(|| format!("unknown layer type {}", d.kind))?;
        layer
            .load_param(&d.params)
            .map_err(|e| anyhow::anyhow!("layer `{}`: {e}", d.name))?;
        let start = reader.offset();
        layer
            .load_model(&mut reader)
            .map_err(|e| anyhow::anyhow!("layer `{}`: {e}", d.name))?;
        ranges.push(start..reader.offset());
    }

    let mut quantized: Vec<Option<Quantized>> = Vec::with_capacity(pf.layers.len());
    for slot in net.layers() {
        let any = slot.layer.as_any();
        let q = if let Some(c) = any.downcast_ref::<Convolution>() {
            from_conv(&c.core, false)?
        } else if let Some(c) = any.downcast_ref::<ConvolutionDepthWise>() {
            from_conv(&c.core, true)?
        } else if let Some(ip) = any.downcast_ref::<InnerProduct>() {
            match (ip.bottom_scale, &ip.weights) {
                (Some(b), Some(Weights::F32(w))) => Some(Quantized {
                    term: 2,
                    weights: quantize_weights(w, &ip.weight_scales),
                    bias: ip.bias.clone(),
                    weight_scales: ip.weight_scales.clone(),
                    bottom_scale: b,
                    top_scale: None,
                }),
                _ => None,
            }
        } else {
            None
        };
        quantized.push(q);
    }
    // ncnn requantizes only when every reader is an int8 convolution reached
    // through Split/ReLU (its fuse_requantize); Octet also looks through max
    // Pooling and Concat, but ncnn would crash on an int8 blob there, so the
    // written model keeps ncnn's rule and Octet re-plans the rest at load.
    for (l, slot) in net.layers().iter().enumerate() {
        if quantized[l].as_ref().is_none_or(|q| q.top_scale.is_none()) {
            continue;
        }
        let mut ncnn_ok = true;
        let mut stack = vec![slot.tops[0]];
        while let Some(b) = stack.pop() {
            for &r in &net.blobs()[b].consumers {
                let reader = &net.layers()[r];
                match reader.kind.as_str() {
                    "Split" | "ReLU" => stack.extend(reader.tops.iter().copied()),
                    "Convolution" | "ConvolutionDepthWise" if quantized[r].is_some() => {}
                    _ => ncnn_ok = false,
                }
            }
        }
        if !ncnn_ok {
            if let Some(q) = quantized[l].as_mut() {
                q.top_scale = None;
                q.term -= 100;
            }
        }
    }
    // A requantizing producer's readers take its output scale as their input scale.
    for (l, slot) in net.layers().iter().enumerate() {
        let Some(ts) = quantized[l].as_ref().and_then(|q| q.top_scale) else {
            continue;
        };
        let mut stack = vec![slot.tops[0]];
        while let Some(b) = stack.pop() {
            for &r in &net.blobs()[b].consumers {
                if let Some(q) = quantized[r].as_mut() {
                    q.bottom_scale = ts;
                } else {
                    stack.extend(net.layers()[r].tops.iter().copied());
                }
            }
        }
    }

    let lines: Vec<&str> = text.lines().collect();
    let mut out_param = String::new();
    let first_layer_line = pf.layers.first().map_or(lines.len(), |d| d.line - 1);
    for l in &lines[..first_layer_line] {
        out_param.push_str(l);
        out_param.push('\n');
    }
    let mut w = BinWriter::default();
    for (i, d) in pf.layers.iter().enumerate() {
        let line = lines[d.line - 1].trim_end();
        match &quantized[i] {
            None => {
                out_param.push_str(line);
                w.raw_bytes(&bin[ranges[i].clone()]);
            }
            Some(q) => {
                let kept: Vec<&str> = line
                    .split_whitespace()
                    .filter(|t| !t.starts_with("8="))
                    .collect();
                out_param.push_str(&format!("{} 8={}", kept.join(" "), q.term));
                w.tagged_i8(&q.weights);
                if let Some(b) = &q.bias {
                    w.raw(b);
                }
                w.raw(&q.weight_scales);
                w.raw(&[q.bottom_scale]);
                if let Some(t) = q.top_scale {
                    w.raw(&[t]);
                }
            }
        }
        out_param.push('\n');
    }
    std::fs::write(&a.out_param, out_param)
        .with_context(|| format!("{}: cannot write", a.out_param.display()))?;
    let bytes = w.into_bytes();
    std::fs::write(&a.out_bin, &bytes)
        .with_context(|| format!("{}: cannot write", a.out_bin.display()))?;
    let n = quantized.iter().filter(|q| q.is_some()).count();
    let rq = quantized
        .iter()
        .filter(|q| q.as_ref().is_some_and(|q| q.top_scale.is_some()))
        .count();
    eprintln!(
        "wrote {} and {} ({} bytes, was {}): {n} layers int8, {rq} of them writing int8 outputs",
        a.out_param.display(),
        a.out_bin.display(),
        bytes.len(),
        bin.len()
    );
    Ok(())
}
