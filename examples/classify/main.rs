//! Classifies a JPEG with the Octet library and prints the top-5 with labels.
//!
//! ```sh
//! cargo run --release -p octet-examples --bin classify -- \
//!     squeezenet_v1.1.param squeezenet_v1.1.bin photo.jpg imagenet1k_clean_names.json \
//!     [--size 227,227] [--mean 104,117,123] [--norm 1,1,1] [--rgb] [--table T.table]
//! ```
//! Defaults fit Caffe ImageNet models: BGR, 227×227, mean 104 117 123.

use anyhow::{bail, Context, Result};
use octet::pixels::{from_pixels_resize, PixelFormat};
use octet::{Net, Options, TableSource, Weights};

fn floats(s: &str) -> Result<Vec<f32>> {
    s.split(',')
        .map(|t| {
            t.trim()
                .parse::<f32>()
                .with_context(|| format!("`{t}` is not a number"))
        })
        .collect()
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut size, mut mean, mut norm, mut rgb, mut table) = (
        (227usize, 227usize),
        vec![104.0, 117.0, 123.0],
        vec![1.0f32; 3],
        false,
        None,
    );
    let mut pos = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--size" => {
                let v = value()?;
                let (w, h) = v
                    .split_once(',')
                    .with_context(|| format!("--size takes W,H, got {v}"))?;
                size = (w.parse()?, h.parse()?);
            }
            "--mean" => mean = floats(value()?)?,
            "--norm" => norm = floats(value()?)?,
            "--table" => table = Some(value()?.clone()),
            "--rgb" => rgb = true,
            _ if a.starts_with("--") => bail!("unknown option {a}"),
            _ => pos.push(a.clone()),
        }
    }
    let [param, bin, photo, labels] = pos.as_slice() else {
        bail!("usage: classify MODEL.param MODEL.bin PHOTO.jpg LABELS.json [--size W,H] [--mean B,G,R] [--norm ..] [--rgb] [--table T]");
    };
    let names = read_labels(labels)?;
    let img = image::open(photo)
        .with_context(|| format!("{photo}: cannot read image"))?
        .to_rgb8();
    let to = if rgb {
        PixelFormat::Rgb
    } else {
        PixelFormat::Bgr
    };
    let input = from_pixels_resize(
        img.as_raw(),
        PixelFormat::Rgb,
        img.width() as usize,
        img.height() as usize,
        to,
        size.0,
        size.1,
        &mean,
        &norm,
    )
    .map_err(anyhow::Error::msg)?;
    let net = Net::load_with_table(
        param.as_ref(),
        Weights::File(bin.as_ref()),
        table.as_deref().map(|t| TableSource::File(t.as_ref())),
        Options::default(),
    )?;
    let mut ex = net.extractor();
    ex.input(&net.input_names()[0], input)?;
    let out = ex.extract(&net.output_names()[0])?.to_vec();
    let mut idx: Vec<usize> = (0..out.len()).collect();
    idx.sort_by(|&a, &b| out[b].total_cmp(&out[a]));
    for &i in idx.iter().take(5) {
        println!(
            "{i:>5}  {:.4}  {}",
            out[i],
            names.get(i).map_or("", String::as_str)
        );
    }
    Ok(())
}

/// Labels from a JSON array of strings or a text file with one name per line.
fn read_labels(path: &str) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{path}: cannot read"))?;
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(&text)
            .with_context(|| format!("{path}: not a JSON array of strings"));
    }
    Ok(text.lines().map(|l| l.trim().to_string()).collect())
}
