//! `octet classify` (top-K of one image) and `octet eval` (top-1/top-5 over a
//! labelled folder, fp32 and int8 side by side).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use octet::{Mat, Net, Options, TableSource, Weights};
use serde::Serialize;

use crate::cmd::calibrate::pick_input;
use crate::common;
use crate::preprocess::{list_images, Preprocess, PreprocessArgs};

/// The model options shared by classify and eval.
#[derive(clap::Args, Clone)]
pub struct ClassifierArgs {
    /// The ncnn .param.
    #[arg(long)]
    pub param: PathBuf,
    /// Its .bin.
    #[arg(long)]
    pub bin: PathBuf,
    /// Calibration table: run int8 (eval: fp32 and int8 side by side).
    #[arg(long)]
    pub table: Option<PathBuf>,
    #[command(flatten)]
    pub prep: PreprocessArgs,
    /// Output blob (default: the model's only output).
    #[arg(long)]
    pub output: Option<String>,
    /// Input blob (default: the model's only input).
    #[arg(long)]
    pub input: Option<String>,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

#[derive(clap::Args)]
pub struct ClassifyArgs {
    #[command(flatten)]
    pub model: ClassifierArgs,
    /// The image.
    #[arg(long)]
    pub image: PathBuf,
    /// Class names: a JSON array or a text file with one name per line.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// How many classes to print.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    #[command(flatten)]
    pub model: ClassifierArgs,
    /// Folder of images.
    #[arg(long)]
    pub images: PathBuf,
    /// Ground truth from file names: the last `_`-separated number of the stem
    /// (`imagenet_07_609.jpg` is class 609).
    #[arg(long, conflicts_with = "labels")]
    pub labels_from_name: bool,
    /// Ground truth file: lines of `<image file name> <class index>`.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Use at most this many images.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Reads class names from a JSON array or one name per line.
pub fn read_names(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if text.trim_start().starts_with('[') {
        let v: Vec<String> = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a JSON array of strings", path.display()))?;
        return Ok(v);
    }
    Ok(text
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

/// A loaded classifier: net(s), input/output names, preprocessing.
pub struct Classifier {
    pub fp32: Net,
    pub int8: Option<Net>,
    pub input: String,
    pub output: String,
    pub prep: Preprocess,
}

impl Classifier {
    pub fn load(a: &ClassifierArgs, need_fp32: bool) -> Result<Classifier> {
        common::must_exist(&a.param)?;
        common::must_exist(&a.bin)?;
        if let Some(t) = &a.table {
            common::must_exist(t)?;
        }
        if a.threads == 0 {
            bail!("--threads must be at least 1");
        }
        let opt32 = Options {
            num_threads: a.threads,
            use_int8: false,
            ..Options::default()
        };
        let fp32 = Net::load_with(&a.param, Weights::File(&a.bin), opt32)?;
        let int8 = match &a.table {
            Some(t) => Some(Net::load_with_table(
                &a.param,
                Weights::File(&a.bin),
                Some(TableSource::File(t)),
                Options {
                    num_threads: a.threads,
                    ..Options::default()
                },
            )?),
            None => None,
        };
        let _ = need_fp32;
        let input = pick_input(&fp32, a.input.as_deref())?;
        let outputs = fp32.output_names();
        let output = match &a.output {
            Some(o) if fp32.blob_index(o).is_some() => o.clone(),
            Some(o) => bail!("the model has no blob `{o}`"),
            None => match outputs.as_slice() {
                [one] => one.clone(),
                _ => bail!(
                    "the model has several outputs ({}); pick one with --output",
                    outputs.join(", ")
                ),
            },
        };
        let prep = a.prep.resolve(&fp32, &input)?;
        Ok(Classifier {
            fp32,
            int8,
            input,
            output,
            prep,
        })
    }

    /// Class scores of `net` on `m`, as probabilities (softmax applied unless
    /// the output already is a distribution).
    pub fn scores(&self, net: &Net, m: &Mat) -> Result<Vec<f32>> {
        let mut ex = net.extractor();
        ex.input(&self.input, m.clone())?;
        Ok(ex.extract(&self.output)?.to_vec())
    }
}

/// Softmax unless `v` already sums to 1 with values in [0, 1].
pub fn probabilities(v: &[f32]) -> Vec<f32> {
    let sum: f32 = v.iter().sum();
    if v.iter().all(|&x| (0.0..=1.0).contains(&x)) && (sum - 1.0).abs() < 1e-3 {
        return v.to_vec();
    }
    let m = v.iter().fold(f32::MIN, |a, &b| a.max(b));
    let e: Vec<f32> = v.iter().map(|&x| (x - m).exp()).collect();
    let s: f32 = e.iter().sum();
    e.iter().map(|x| x / s).collect()
}

/// Indices of the `k` largest values, largest first.
pub fn top_k(v: &[f32], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[b].total_cmp(&v[a]).then(a.cmp(&b)));
    idx.truncate(k);
    idx
}

pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        ab += *x as f64 * *y as f64;
        aa += *x as f64 * *x as f64;
        bb += *y as f64 * *y as f64;
    }
    if aa == 0.0 || bb == 0.0 {
        return if aa == bb { 1.0 } else { 0.0 };
    }
    ab / (aa.sqrt() * bb.sqrt())
}

pub fn classify(a: ClassifyArgs) -> Result<()> {
    common::must_exist(&a.image)?;
    let names = a.labels.as_deref().map(read_names).transpose()?;
    let c = Classifier::load(&a.model, false)?;
    let m = c.prep.load(&a.image)?;
    let net = c.int8.as_ref().unwrap_or(&c.fp32);
    let p = probabilities(&c.scores(net, &m)?);
    if let Some(n) = &names {
        if n.len() != p.len() {
            bail!("{} class names for {} outputs", n.len(), p.len());
        }
    }
    crate::outln!(
        "{} ({})",
        a.image.display(),
        if c.int8.is_some() { "int8" } else { "fp32" }
    );
    for i in top_k(&p, a.top) {
        let name = names.as_ref().map_or(String::new(), |n| n[i].clone());
        crate::outln!("{:>5}  {:.4}  {name}", i, p[i]);
    }
    Ok(())
}

/// Class of an image from its file name (`imagenet_07_609.jpg` → 609).
pub fn label_from_name(path: &Path) -> Result<usize> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    stem.rsplit('_')
        .next()
        .and_then(|t| t.parse().ok())
        .with_context(|| {
            format!(
                "{}: the name does not end in _<class number>",
                path.display()
            )
        })
}

#[derive(Serialize, Default, Debug)]
pub struct Accuracy {
    pub top1: usize,
    pub top5: usize,
}

#[derive(Serialize, Debug)]
pub struct EvalReport {
    pub images: usize,
    pub fp32: Accuracy,
    pub int8: Option<Accuracy>,
    /// Images where int8's top-1 equals fp32's.
    pub top1_agreement: Option<usize>,
    /// Mean cosine similarity of the int8 and fp32 outputs.
    pub mean_cosine: Option<f64>,
}

pub fn evaluate(
    c: &Classifier,
    images: &[PathBuf],
    labels: &[usize],
    bar: Option<&indicatif::ProgressBar>,
) -> Result<EvalReport> {
    let mut r = EvalReport {
        images: images.len(),
        fp32: Accuracy::default(),
        int8: c.int8.as_ref().map(|_| Accuracy::default()),
        top1_agreement: c.int8.as_ref().map(|_| 0),
        mean_cosine: None,
    };
    let mut cos_sum = 0f64;
    for (path, &label) in images.iter().zip(labels) {
        let m = c.prep.load(path)?;
        let f = c.scores(&c.fp32, &m)?;
        let tf = top_k(&f, 5);
        r.fp32.top1 += (tf[0] == label) as usize;
        r.fp32.top5 += tf.contains(&label) as usize;
        if let Some(n8) = &c.int8 {
            let q = c.scores(n8, &m)?;
            let tq = top_k(&q, 5);
            if let Some(acc) = r.int8.as_mut() {
                acc.top1 += (tq[0] == label) as usize;
                acc.top5 += tq.contains(&label) as usize;
            }
            if let Some(ag) = r.top1_agreement.as_mut() {
                *ag += (tq[0] == tf[0]) as usize;
            }
            cos_sum += cosine(&q, &f);
        }
        if let Some(b) = bar {
            b.inc(1);
        }
    }
    if c.int8.is_some() {
        r.mean_cosine = Some(cos_sum / images.len().max(1) as f64);
    }
    Ok(r)
}

pub fn eval(a: EvalArgs) -> Result<()> {
    let images = list_images(&a.images, a.limit)?;
    let labels: Vec<usize> = if a.labels_from_name {
        images
            .iter()
            .map(|p| label_from_name(p))
            .collect::<Result<_>>()?
    } else if let Some(f) = &a.labels {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("{}: cannot read", f.display()))?;
        let mut map = std::collections::HashMap::new();
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let mut t = line.split_whitespace();
            let (Some(name), Some(label)) = (t.next(), t.next()) else {
                bail!("{}:{}: expected `<image> <class>`", f.display(), i + 1)
            };
            let label: usize = label.parse().with_context(|| {
                format!("{}:{}: `{label}` is not a class number", f.display(), i + 1)
            })?;
            map.insert(name.to_string(), label);
        }
        images
            .iter()
            .map(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                map.get(n)
                    .copied()
                    .with_context(|| format!("{}: no label for {n}", f.display()))
            })
            .collect::<Result<_>>()?
    } else {
        bail!("give --labels-from-name or --labels FILE");
    };
    let c = Classifier::load(&a.model, true)?;
    let bar = indicatif::ProgressBar::new(images.len() as u64);
    if a.json || images.len() < 50 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let r = evaluate(&c, &images, &labels, Some(&bar))?;
    bar.finish_and_clear();
    if a.json {
        crate::outln!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    let n = r.images;
    crate::outln!("{n} images");
    crate::outln!("fp32: top-1 {}/{n}, top-5 {}/{n}", r.fp32.top1, r.fp32.top5);
    if let (Some(q), Some(ag), Some(cs)) = (&r.int8, r.top1_agreement, r.mean_cosine) {
        crate::outln!("int8: top-1 {}/{n}, top-5 {}/{n}; top-1 agrees with fp32 on {ag}/{n}; mean output cosine {cs:.5}", q.top1, q.top5);
    }
    Ok(())
}
