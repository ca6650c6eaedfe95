//! `octet info`: layers, blob shapes, weight bytes and FLOPs per layer.

use anyhow::Result;

use crate::common::{self, ModelArgs};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub model: ModelArgs,
    /// Input shape W,H,C when the model declares none.
    #[arg(long)]
    pub shape: Option<String>,
}

/// Multiply-adds ×2 of a layer, from its output shape and kind.
fn flops(slot: &octet::net::LayerSlot, in_shapes: &[Vec<usize>], out: &[usize]) -> u64 {
    use octet::layer::{
        convolution::Convolution, convolution_depthwise::ConvolutionDepthWise,
        innerproduct::InnerProduct,
    };
    let out_n: u64 = out.iter().product::<usize>() as u64;
    let any = slot.layer.as_any();
    let conv = any
        .downcast_ref::<Convolution>()
        .map(|c| &c.core.p)
        .or_else(|| {
            any.downcast_ref::<ConvolutionDepthWise>()
                .map(|c| &c.core.p)
        });
    if let Some(p) = conv {
        let per = (p.weight_data_size / p.num_output) as u64;
        return 2 * out_n * per;
    }
    if let Some(ip) = any.downcast_ref::<InnerProduct>() {
        return 2 * out_n * ip.num_input() as u64;
    }
    in_shapes
        .first()
        .map_or(out_n, |s| s.iter().product::<usize>() as u64)
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
        let f = if slot.kind == "Input" || slot.kind == "Split" {
            0
        } else {
            flops(slot, &ins, &out)
        };
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
    Ok(())
}
