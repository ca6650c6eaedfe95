//! `octet info`: layers, blob shapes, weight bytes and FLOPs per layer.

use anyhow::Result;

use crate::common::{self, ModelArgs};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Input shape W,H,C (or W,H,D,C) when the model declares none.
    #[arg(long)]
    pub shape: Option<String>,
}

pub fn main(a: Args) -> Result<()> {
    common::must_exist(&a.model.param)?;
    let net = a.model.load()?;
    let mut shapes: Vec<Option<Vec<usize>>> = vec![None; net.blobs().len()];
    {
        let mut ex = net.extractor();
        for name in net.input_names() {
            let shape = common::input_shape(&net, &name, a.shape.as_deref())?;
            if let Some(i) = net.blob_index(&name) {
                shapes[i] = Some(shape.clone());
            }
            ex.input(&name, common::synthetic_input(&shape, 0)?)?;
        }
        let shapes_ref = &mut shapes;
        ex.set_observer(move |_, b, m| {
            shapes_ref[b] = Some(if m.is_empty() { vec![0] } else { m.shape() })
        });
        let outs = net.output_names();
        let names: Vec<&str> = outs.iter().map(String::as_str).collect();
        ex.extract_many(&names)?;
    }
    crate::outln!(
        "{:<22} {:<28} {:<22} {:>10} {:>12}  kernel",
        "type",
        "name",
        "output shape",
        "weights",
        "MFLOPs"
    );
    let (mut total_w, mut total_f) = (0usize, 0u64);
    for slot in net.layers() {
        let ins: Vec<Vec<usize>> = slot
            .bottoms
            .iter()
            .filter_map(|&b| shapes[b].clone())
            .collect();
        let out = slot
            .tops
            .first()
            .and_then(|&t| shapes[t].clone())
            .unwrap_or_default();
        let f = slot.layer.flops(&ins, &out);
        let wb = slot.layer.weight_bytes();
        total_w += wb;
        total_f += f;
        crate::outln!(
            "{:<22} {:<28} {:<22} {:>10} {:>12.2}  {}",
            slot.kind,
            slot.name,
            format!("{out:?}"),
            wb,
            f as f64 / 1e6,
            slot.layer.describe()
        );
    }
    crate::outln!(
        "total: {} layers, {} weight bytes, {:.1} MFLOPs",
        net.layers().len(),
        total_w,
        total_f as f64 / 1e6
    );
    if net.ignored_param_lines() > 0 {
        crate::outln!(
            "note: {} lists {} more line(s) after the {} layers its header declares; ncnn ignores them, and so does Octet",
            a.model.param.display(),
            net.ignored_param_lines(),
            net.layers().len()
        );
    }
    Ok(())
}
