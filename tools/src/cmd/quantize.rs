//! `octet quantize`: fp32 ncnn model + calibration table → an ncnn int8 model
//! (`8=` params, int8-tagged weights, scales in the `.bin` in ncnn's order)
//! that both Octet and ncnn load.
//!
//! Each layer the table lists writes its own int8 form
//! (`QuantizedLayer::write_int8`: Convolution and InnerProduct `8=2`,
//! ConvolutionDepthWise `8=1` with per-group scales, `8=102`/`101` where
//! the output is requantized to int8 for int8 readers); those readers then
//! get the producer's output scale as their input scale, so ncnn (which
//! trusts each reader's own input scale) and Octet agree. Other layers keep
//! their `.param` line and `.bin` bytes unchanged.

use std::path::PathBuf;

use anyhow::{Context, Result};
use octet::layer::Int8Input;
use octet::modelbin::{BinReader, BinWriter, ModelSource};
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

/// The scales one quantized layer is written with.
struct Plan {
    bottom_scale: f32,
    top_scale: Option<f32>,
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

    let mut quantized: Vec<Option<Plan>> = net
        .layers()
        .iter()
        .map(|slot| {
            let q = slot.layer.quantized()?;
            Some(Plan {
                bottom_scale: q.input_scale()?,
                top_scale: q.output_scale(),
            })
        })
        .collect();
    // ncnn requantizes only where its own runtime takes int8 in every
    // reader (each layer's `ncnn_takes_int8`: its fuse_requantize looks
    // through Split/ReLU into int8 convolutions); Octet also looks through
    // max Pooling, Concat and others, but ncnn would crash on an int8 blob
    // there, so the written model keeps ncnn's rule and Octet re-plans the
    // rest at load.
    for (l, slot) in net.layers().iter().enumerate() {
        if quantized[l].as_ref().is_none_or(|q| q.top_scale.is_none()) {
            continue;
        }
        let mut ncnn_ok = true;
        let mut stack = vec![slot.tops[0]];
        while let Some(b) = stack.pop() {
            for &r in &net.blobs()[b].consumers {
                let reader = &net.layers()[r];
                if !reader.layer.ncnn_takes_int8() {
                    ncnn_ok = false;
                } else if reader.layer.int8_input() == Int8Input::PassThrough {
                    stack.extend(reader.tops.iter().copied());
                } else if quantized[r].is_none() {
                    ncnn_ok = false;
                }
            }
        }
        if !ncnn_ok {
            if let Some(q) = quantized[l].as_mut() {
                q.top_scale = None;
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
        let slot = &net.layers()[i];
        match (&quantized[i], slot.layer.quantized()) {
            (Some(plan), Some(q)) => {
                let form = q
                    .write_int8(plan.bottom_scale, plan.top_scale, &mut w)
                    .map_err(|e| anyhow::anyhow!("layer `{}` ({}): {e}", d.name, d.kind))?;
                let set: Vec<String> = form.params.iter().map(|(k, _)| format!("{k}=")).collect();
                let kept: Vec<&str> = line
                    .split_whitespace()
                    .filter(|t| !set.iter().any(|p| t.starts_with(p.as_str())))
                    .collect();
                out_param.push_str(&kept.join(" "));
                for (k, v) in &form.params {
                    out_param.push_str(&format!(" {k}={v}"));
                }
            }
            _ => {
                out_param.push_str(line);
                w.raw_bytes(&bin[ranges[i].clone()]);
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
