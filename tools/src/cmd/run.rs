//! `octet run`: inputs from .npy, outputs to .npy (or a summary on stdout).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use octet::Mat;

use crate::common::{self, ModelArgs};
use octet::npy;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Input blob from a float32 .npy of shape (c,h,w), (h,w) or (w): NAME=FILE.npy.
    /// Without any, each Input gets a deterministic random tensor of its declared shape.
    #[arg(long = "input", value_name = "NAME=FILE")]
    pub inputs: Vec<String>,
    /// Output blob to extract: NAME=FILE.npy writes it, NAME prints a summary. Default: the net's outputs.
    #[arg(long = "output", value_name = "NAME[=FILE]")]
    pub outputs: Vec<String>,
    /// Shape W,H,C of the generated input when the model declares none.
    #[arg(long)]
    pub shape: Option<String>,
    /// Print the K largest values of each printed output as `index value` lines.
    #[arg(long, value_name = "K")]
    pub top: Option<usize>,
}

pub fn main(a: Args) -> Result<()> {
    common::must_exist(&a.model.param)?;
    let net = a.model.load()?;
    let mut ex = net.extractor();
    if a.inputs.is_empty() {
        for name in net.input_names() {
            let shape = common::input_shape(&net, &name, a.shape.as_deref())?;
            ex.input(&name, common::synthetic_input(&shape, a.model.seed)?)?;
        }
    }
    for s in &a.inputs {
        let (name, path) = common::name_path(s)?;
        let (shape, data) = npy::read(&path)?;
        let m = Mat::from_slice(&shape, &data)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("{}", path.display()))?;
        ex.input(&name, m)?;
    }
    let outs: Vec<(String, Option<PathBuf>)> = if a.outputs.is_empty() {
        net.output_names().into_iter().map(|n| (n, None)).collect()
    } else {
        a.outputs
            .iter()
            .map(|s| match s.split_once('=') {
                Some((n, p)) if !n.is_empty() && !p.is_empty() => {
                    Ok((n.to_string(), Some(PathBuf::from(p))))
                }
                Some(_) => bail!("`{s}` is not NAME or NAME=FILE"),
                None => Ok((s.clone(), None)),
            })
            .collect::<Result<_>>()?
    };
    let names: Vec<&str> = outs.iter().map(|(n, _)| n.as_str()).collect();
    let mats = ex.extract_many(&names)?;
    for ((name, path), m) in outs.iter().zip(mats) {
        let data = m.to_vec();
        let shape = if m.is_empty() { vec![0] } else { m.shape() };
        match path {
            Some(p) => npy::write(p, &shape, &data)?,
            None if data.is_empty() => crate::outln!("{name}: empty"),
            None if a.top.is_some() => {
                let mut idx: Vec<usize> = (0..data.len()).collect();
                idx.sort_by(|&x, &y| data[y].total_cmp(&data[x]).then(x.cmp(&y)));
                for &i in idx.iter().take(a.top.unwrap_or(0)) {
                    crate::outln!("{i} {:.6}", data[i]);
                }
            }
            None => {
                let head: Vec<String> = data.iter().take(8).map(|v| format!("{v:.6}")).collect();
                let (mut amax, mut best) = (0usize, f32::MIN);
                for (i, &v) in data.iter().enumerate() {
                    if v > best {
                        best = v;
                        amax = i;
                    }
                }
                crate::outln!(
                    "{name}: shape {shape:?}, argmax {amax} ({best:.6}), first [{}]",
                    head.join(", ")
                );
            }
        }
    }
    Ok(())
}
