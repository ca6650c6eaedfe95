//! Options shared by the subcommands: which model, how to load it, and input helpers.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use octet::{Mat, Net, Options, TableSource, Weights, WinogradPref};

/// Model and run-time options.
#[derive(clap::Args, Clone, Debug)]
pub struct ModelArgs {
    /// The ncnn .param file.
    #[arg(long)]
    pub param: PathBuf,
    /// The ncnn .bin file; without it, deterministic synthetic weights are used.
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// An ncnn int8 calibration table: the layers it lists run int8.
    #[arg(long)]
    pub table: Option<PathBuf>,
    /// Run in fp32 even where int8 scales are present.
    #[arg(long)]
    pub fp32: bool,
    /// Winograd variant for 3×3 stride-1 convolutions: auto, 23, 43, 63, off.
    #[arg(long, default_value = "auto")]
    pub winograd: WinogradPref,
    /// Trade speed for memory (int8 3×3 layers on small maps keep 1-byte weights).
    #[arg(long)]
    pub low_memory: bool,
    /// Seed of the synthetic weights (when no --bin is given).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl ModelArgs {
    pub fn options(&self) -> Result<Options> {
        if self.threads == 0 {
            bail!("--threads must be at least 1");
        }
        Ok(Options {
            num_threads: self.threads,
            use_int8: !self.fp32,
            winograd: self.winograd,
            low_memory: self.low_memory,
            ..Options::default()
        })
    }

    pub fn load(&self) -> Result<Net> {
        let opt = self.options()?;
        let weights = match &self.bin {
            Some(b) => Weights::File(b),
            None => Weights::Synthetic { seed: self.seed },
        };
        if let Some(t) = &self.table {
            must_exist(t)?;
        }
        let table = self.table.as_deref().map(TableSource::File);
        Ok(Net::load_with_table(&self.param, weights, table, opt)?)
    }
}

/// Parses `NAME=PATH`.
pub fn name_path(s: &str) -> Result<(String, PathBuf)> {
    match s.split_once('=') {
        Some((n, p)) if !n.is_empty() && !p.is_empty() => Ok((n.to_string(), PathBuf::from(p))),
        _ => bail!("`{s}` is not NAME=FILE"),
    }
}

/// Parses `W,H,C` (or `W,H` / `W`).
pub fn parse_shape(s: &str) -> Result<Vec<usize>> {
    let v: Vec<usize> = s
        .split(',')
        .map(|t| {
            t.trim()
                .parse::<usize>()
                .with_context(|| format!("`{t}` in shape `{s}` is not a size"))
        })
        .collect::<Result<_>>()?;
    if v.is_empty() || v.len() > 4 || v.contains(&0) {
        bail!("shape `{s}` must be W, W,H, W,H,C or W,H,D,C with positive sizes");
    }
    Ok(v)
}

/// The input shape: `--shape W,H,C` if given, else the Input layer's declaration.
pub fn input_shape(net: &Net, name: &str, shape: Option<&str>) -> Result<Vec<usize>> {
    if let Some(s) = shape {
        let mut v = parse_shape(s)?;
        v.reverse();
        return Ok(v);
    }
    net.declared_input_shape(name)
        .with_context(|| format!("input `{name}` declares no shape; give --shape W,H,C"))
}

/// A deterministic pseudo-random input in [-1, 1).
pub fn synthetic_input(shape: &[usize], seed: u64) -> Result<Mat> {
    let n: usize = shape.iter().product();
    let mut rng = octet::modelbin::SplitMix64::new(seed ^ 0x1234_5678);
    let data: Vec<f32> = (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect();
    Mat::from_slice(shape, &data).map_err(anyhow::Error::msg)
}

/// Fails with a one-line error naming the path when it does not exist.
pub fn must_exist(p: &Path) -> Result<()> {
    if !p.exists() {
        bail!("{}: no such file", p.display());
    }
    Ok(())
}

/// `println!` that exits quietly when stdout is closed (`octet … | head`)
/// instead of panicking.
#[macro_export]
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($t)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}
