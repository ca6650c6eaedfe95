//! `octet compare`: fp32 against int8 on the same inputs, per quantized layer
//! (worst first) and for the final outputs — to see which layer to keep fp32.

use std::path::PathBuf;

use anyhow::{Context, Result};
use octet::{Net, Options, Table, TableSource, Weights};

use crate::calib::{self, compare, LayerScales};
use crate::cmd::calibrate::pick_input;
use crate::common;
use crate::preprocess::{list_images, PreprocessArgs};

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
    /// Folder of images.
    #[arg(long)]
    pub images: PathBuf,
    #[command(flatten)]
    pub prep: PreprocessArgs,
    /// Use at most this many images.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Input blob name (default: the model's only input).
    #[arg(long)]
    pub input: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The table as per-target scales (targets it does not list stay fp32).
pub fn scales_from_table(table: &Table, targets: &[calib::Target]) -> Vec<LayerScales> {
    targets
        .iter()
        .map(|t| match table.layers.get(&t.name) {
            Some(ls) => LayerScales {
                name: t.name.clone(),
                weight_scales: ls.weight_scales.clone(),
                blob_scale: Some(ls.blob_scale),
                note: None,
            },
            None => LayerScales {
                name: t.name.clone(),
                weight_scales: Vec::new(),
                blob_scale: None,
                note: None,
            },
        })
        .collect()
}

pub fn main(a: Args) -> Result<()> {
    for p in [&a.param, &a.bin, &a.table] {
        common::must_exist(p)?;
    }
    let net32 = Net::load_with(
        &a.param,
        Weights::File(&a.bin),
        Options {
            use_int8: false,
            keep_weights: true,
            ..Options::default()
        },
    )?;
    let net8 = Net::load_with_table(
        &a.param,
        Weights::File(&a.bin),
        Some(TableSource::File(&a.table)),
        Options::default(),
    )?;
    let input = pick_input(&net32, a.input.as_deref())?;
    let prep = a.prep.resolve(&net32, &input)?;
    let images = list_images(&a.images, a.limit)?;
    let is_layer = |n: &str| net32.layers().iter().any(|l| l.name == n);
    let table = Table::load(&a.table, &is_layer).with_context(|| "reading the table")?;
    let targets = calib::targets(&net32);
    let scales = scales_from_table(&table, &targets);
    let r = compare::report(&net32, &net8, &input, &images, &prep, &targets, &scales)?;
    if a.json {
        crate::outln!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    crate::outln!("{} images; per quantized layer, worst first.", r.images);
    crate::outln!("output: the network's outputs with only this layer int8; layer: its own output alone; in net: its output in the all-int8 net");
    crate::outln!(
        "{:<28} {:<21} {:>11} {:>9} {:>11} {:>9} {:>11} {:>9}",
        "layer",
        "type",
        "output cos",
        "max err",
        "layer cos",
        "max err",
        "in-net cos",
        "max err"
    );
    for l in &r.layers {
        let n = l.in_net.clone().unwrap_or_default();
        crate::outln!(
            "{:<28} {:<21} {:>11.6} {:>9.4} {:>11.6} {:>9.4} {:>11.6} {:>9.4}",
            l.layer,
            l.kind,
            l.output.cosine,
            l.output.max_error,
            l.alone.cosine,
            l.alone.max_error,
            n.cosine,
            n.max_error
        );
    }
    crate::outln!("outputs of the all-int8 net:");
    for (name, e) in &r.outputs {
        crate::outln!(
            "{:<28} {:<21} {:>11.6} {:>9.4}",
            name,
            "",
            e.cosine,
            e.max_error
        );
    }
    Ok(())
}
