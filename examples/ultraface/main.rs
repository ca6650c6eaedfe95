//! UltraFace face detection with Octet:
//!
//! ```sh
//! cargo run --release -p octet-examples --bin ultraface -- \
//!     MODEL.param MODEL.bin PHOTO.jpg OUT.jpg [--table T.table] [--both]
//! ```
//! Prints the faces (x1 y1 x2 y2 score) and writes the photo with boxes drawn;
//! with `--both` and a table, fp32 (green) and int8 (red) side by side.

use anyhow::{bail, Context, Result};
use octet::{Net, Options, TableSource, Weights};
use octet_examples::ultraface;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut pos = Vec::new();
    let (mut table, mut both) = (None, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--table" => table = Some(it.next().context("--table needs a file")?.clone()),
            "--both" => both = true,
            _ if a.starts_with("--") => bail!("unknown option {a}"),
            _ => pos.push(a.clone()),
        }
    }
    let [param, bin, photo, out] = pos.as_slice() else {
        bail!(
            "usage: ultraface MODEL.param MODEL.bin PHOTO.jpg OUT.jpg [--table T.table] [--both]"
        );
    };
    let img = image::open(photo).with_context(|| format!("{photo}: cannot read image"))?;
    let load = |t: Option<&str>| -> Result<Net> {
        let opt = Options {
            use_int8: t.is_some(),
            ..Options::default()
        };
        Ok(Net::load_with_table(
            param.as_ref(),
            Weights::File(bin.as_ref()),
            t.map(|t| TableSource::File(t.as_ref())),
            opt,
        )?)
    };
    let mut runs = Vec::new();
    if table.is_none() || both {
        runs.push(("fp32", load(None)?, [0u8, 220, 0]));
    }
    if let Some(t) = &table {
        runs.push(("int8", load(Some(t))?, [230u8, 0, 0]));
    }
    let mut panels = Vec::new();
    for (mode, net, color) in &runs {
        let faces = ultraface::detect(net, &img)?;
        println!("{mode}: {} faces", faces.len());
        for f in &faces {
            println!(
                "  {:.0} {:.0} {:.0} {:.0}  {:.3}",
                f.x1, f.y1, f.x2, f.y2, f.score
            );
        }
        let mut canvas = img.to_rgb8();
        ultraface::draw(&mut canvas, &faces, *color);
        panels.push(canvas);
    }
    let (w, h) = (img.width(), img.height());
    let mut sheet = image::RgbImage::new(w * panels.len() as u32, h);
    for (i, p) in panels.iter().enumerate() {
        image::imageops::replace(&mut sheet, p, i as i64 * w as i64, 0);
    }
    sheet
        .save(out)
        .with_context(|| format!("{out}: cannot write"))?;
    println!("wrote {out}");
    Ok(())
}
