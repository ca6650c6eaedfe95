//! `octet bench`: latency and memory from a shell, in the spirit of ncnn's
//! benchncnn. Without a `.bin` the weights (and, for int8 params, the scales)
//! are synthetic and deterministic.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use octet::layer::Int8Input;
use octet::{Net, Options, Weights, WinogradPref};
use serde::Serialize;

use crate::common;

#[derive(clap::Args)]
pub struct Args {
    /// The .param to benchmark (and optionally its .bin).
    #[arg(value_name = "MODEL.param [MODEL.bin]", num_args = 0..=2)]
    pub files: Vec<PathBuf>,
    /// Benchmark every .param in this folder instead.
    #[arg(long, value_name = "DIR")]
    pub all: Option<PathBuf>,
    /// Timed runs.
    #[arg(long, default_value_t = 10)]
    pub loops: usize,
    /// Untimed runs first.
    #[arg(long, default_value_t = 1)]
    pub warmup: usize,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Pin threads to these CPUs: a list like 0,2-3, or `little` / `big` (by max frequency).
    #[arg(long)]
    pub cpus: Option<String>,
    /// Run int8 where the model has scales (default).
    #[arg(long, conflicts_with_all = ["fp32", "both"])]
    pub int8: bool,
    /// Force fp32.
    #[arg(long, conflicts_with = "both")]
    pub fp32: bool,
    /// Run fp32 and int8, one after the other.
    #[arg(long)]
    pub both: bool,
    /// Winograd variant for 3×3 stride-1 convolutions: auto, 23, 43, 63, off.
    #[arg(long, default_value = "auto")]
    pub winograd: WinogradPref,
    /// Trade speed for memory (int8 3×3 layers on small maps keep 1-byte weights).
    #[arg(long)]
    pub low_memory: bool,
    /// An ncnn int8 calibration table for an fp32 model.
    #[arg(long)]
    pub table: Option<PathBuf>,
    /// Input shape W,H,C when the model declares none.
    #[arg(long)]
    pub shape: Option<String>,
    /// Seed of the synthetic weights.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print JSON (one array of results) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Internal: measure exactly one model and mode in this process (the
    /// parent runs each in its own process so peak RSS is per model).
    #[arg(long, hide = true)]
    pub single: bool,
    /// Internal (with `--single`): one more run that calls getppid() before
    /// the first layer and after each layer, markers for
    /// cross/layercost.c, and prints the layers it ran in that order.
    #[arg(long, hide = true, requires = "single")]
    pub layer_markers: bool,
}

#[derive(Serialize, serde::Deserialize, Debug)]
pub struct BenchResult {
    pub model: String,
    pub mode: String,
    pub threads: usize,
    pub winograd: String,
    pub loops: usize,
    pub min_ms: f64,
    pub max_ms: f64,
    pub avg_ms: f64,
    pub median_ms: f64,
    /// Peak resident set of the process while loading and running this model (VmHWM).
    pub peak_rss_bytes: Option<u64>,
    /// High-water mark of Octet's own tensor buffers during the timed runs.
    pub arena_peak_bytes: u64,
    pub weight_bytes: u64,
}

/// Resets the kernel's peak-RSS counter (Linux: write 5 to clear_refs).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// VmHWM from /proc/self/status.
fn peak_rss() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// CPUs from `0,2-3`, or `little`/`big` by cpufreq max frequency.
fn parse_cpus(spec: &str) -> Result<Vec<usize>> {
    if spec == "little" || spec == "big" {
        let n = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let freqs: Vec<(usize, u64)> = (0..n)
            .map(|c| {
                let p = format!("/sys/devices/system/cpu/cpu{c}/cpufreq/cpuinfo_max_freq");
                (
                    c,
                    std::fs::read_to_string(p)
                        .ok()
                        .and_then(|s| s.trim().parse().ok())
                        .unwrap_or(0),
                )
            })
            .collect();
        let (lo, hi) = (
            freqs.iter().map(|f| f.1).min().unwrap_or(0),
            freqs.iter().map(|f| f.1).max().unwrap_or(0),
        );
        let want = if spec == "big" { hi } else { lo };
        return Ok(freqs
            .into_iter()
            .filter(|f| f.1 == want)
            .map(|f| f.0)
            .collect());
    }
    let mut cpus = Vec::new();
    for part in spec.split(',') {
        let part = part.trim();
        if let Some((a, b)) = part.split_once('-') {
            let (a, b): (usize, usize) = (
                a.parse().with_context(|| format!("bad CPU `{a}`"))?,
                b.parse().with_context(|| format!("bad CPU `{b}`"))?,
            );
            if a > b {
                bail!("bad CPU range `{part}`");
            }
            cpus.extend(a..=b);
        } else {
            cpus.push(
                part.parse()
                    .with_context(|| format!("bad CPU `{part}` in --cpus"))?,
            );
        }
    }
    Ok(cpus)
}

fn pin(cpus: &[usize], threads: usize) -> Result<()> {
    let ids = core_affinity::get_core_ids().context("cannot list CPU cores for --cpus")?;
    let chosen: Vec<core_affinity::CoreId> =
        ids.into_iter().filter(|c| cpus.contains(&c.id)).collect();
    if chosen.is_empty() {
        bail!("--cpus selects no CPU of this machine");
    }
    // The calling thread, and every rayon worker (round-robin over the chosen CPUs).
    core_affinity::set_for_current(chosen[0]);
    if threads > 1 {
        let c = chosen.clone();
        rayon::broadcast(|ctx| {
            core_affinity::set_for_current(c[ctx.index() % c.len()]);
        });
    }
    Ok(())
}

fn run_one(a: &Args, param: &Path, bin: Option<&Path>, use_int8: bool) -> Result<BenchResult> {
    reset_peak_rss();
    let opt = Options {
        num_threads: a.threads,
        use_int8,
        winograd: a.winograd,
        low_memory: a.low_memory,
        ..Options::default()
    };
    let weights = match bin {
        Some(b) => Weights::File(b),
        None => Weights::Synthetic { seed: a.seed },
    };
    let table = a.table.as_deref().map(octet::TableSource::File);
    let net = Net::load_with_table(param, weights, table, opt)?;
    let inputs: Vec<(String, octet::Mat)> = net
        .input_names()
        .into_iter()
        .map(|n| {
            let s = common::input_shape(&net, &n, a.shape.as_deref())?;
            Ok((n, common::synthetic_input(&s, a.seed)?))
        })
        .collect::<Result<_>>()?;
    let outputs = net.output_names();
    let names: Vec<&str> = outputs.iter().map(String::as_str).collect();
    let run = || -> Result<()> {
        let mut ex = net.extractor();
        for (n, m) in &inputs {
            ex.input(n, m.clone())?;
        }
        ex.extract_many(&names)?;
        Ok(())
    };
    for _ in 0..a.warmup {
        run()?;
    }
    net.memory().reset_peak();
    let mut times = Vec::with_capacity(a.loops);
    for _ in 0..a.loops {
        let t = Instant::now();
        run()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let arena = net.memory().peak_bytes() as u64;
    if a.layer_markers {
        print_layer_markers(&net, &inputs, &names)?;
    }
    let mut sorted = times.clone();
    sorted.sort_by(|x, y| x.total_cmp(y));
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    let has_int8 = net
        .layers()
        .iter()
        .any(|l| l.layer.int8_input() == Int8Input::Quantized);
    Ok(BenchResult {
        model: param
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        mode: if has_int8 {
            "int8".into()
        } else {
            "fp32".into()
        },
        threads: a.threads,
        winograd: format!("{:?}", a.winograd).to_lowercase(),
        loops: a.loops,
        min_ms: sorted[0],
        max_ms: sorted[n - 1],
        avg_ms: times.iter().sum::<f64>() / n as f64,
        median_ms: median,
        peak_rss_bytes: peak_rss(),
        arena_peak_bytes: arena,
        weight_bytes: net.weight_bytes() as u64,
    })
}

/// One inference with a marker system call around every layer (see
/// `cross/layercost.sh`); prints `layer <type> <name> <how it ran>` lines,
/// one per marker after the first, to stdout.
fn print_layer_markers(net: &Net, inputs: &[(String, octet::Mat)], names: &[&str]) -> Result<()> {
    let layers = net.layers();
    let mut order: Vec<usize> = Vec::new();
    let mut ex = net.extractor();
    for (n, m) in inputs {
        ex.input(n, m.clone())?;
    }
    ex.set_observer(|l, top, _| {
        // Once per layer, after its forward (its first top is observed first).
        if layers[l].tops.first() == Some(&top) {
            let _ = std::os::unix::process::parent_id();
            order.push(l);
        }
    });
    let _ = std::os::unix::process::parent_id();
    ex.extract_many(names)?;
    drop(ex);
    for l in order {
        let slot = &layers[l];
        println!(
            "layer\t{}\t{}\t{}",
            slot.kind,
            slot.name,
            slot.layer.describe()
        );
    }
    Ok(())
}

/// Runs one measurement in a child process (this binary with `--single`),
/// so each model's peak RSS is its own.
fn run_child(a: &Args, param: &Path, bin: Option<&Path>, int8: bool) -> Result<BenchResult> {
    let exe = std::env::current_exe().context("cannot find the octet executable")?;
    // Under user-mode emulation without binfmt_misc (cross testing), the
    // emulator command (`OCTET_EMULATOR="qemu-arm -cpu cortex-a7 …"`) must
    // start the child too.
    let emulator = std::env::var("OCTET_EMULATOR").unwrap_or_default();
    let mut prefix = emulator.split_whitespace();
    let mut cmd = match prefix.next() {
        Some(program) => {
            let mut c = std::process::Command::new(program);
            c.args(prefix).arg(&exe);
            c
        }
        None => std::process::Command::new(&exe),
    };
    cmd.arg("bench").arg("--single").arg(param);
    if let Some(b) = bin {
        cmd.arg(b);
    }
    cmd.args([
        "--loops",
        &a.loops.to_string(),
        "--warmup",
        &a.warmup.to_string(),
        "--threads",
        &a.threads.to_string(),
    ]);
    cmd.args([
        "--winograd",
        &winograd_arg(a.winograd),
        "--seed",
        &a.seed.to_string(),
    ]);
    if !int8 {
        cmd.arg("--fp32");
    }
    if let Some(c) = &a.cpus {
        cmd.args(["--cpus", c]);
    }
    if let Some(t) = &a.table {
        cmd.arg("--table").arg(t);
    }
    if a.low_memory {
        cmd.arg("--low-memory");
    }
    if let Some(s) = &a.shape {
        cmd.args(["--shape", s]);
    }
    let out = cmd.output().context("cannot run the benchmark process")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!("{}", err.trim().trim_start_matches("error: "));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .with_context(|| format!("bad result from the benchmark process: {line}"))
}

fn winograd_arg(w: WinogradPref) -> String {
    match w {
        WinogradPref::Auto => "auto",
        WinogradPref::F23 => "23",
        WinogradPref::F43 => "43",
        WinogradPref::F63 => "63",
        WinogradPref::Off => "off",
    }
    .into()
}

fn mb(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

pub fn main(a: Args) -> Result<()> {
    if a.loops == 0 {
        bail!("--loops must be at least 1");
    }
    if a.threads == 0 {
        bail!("--threads must be at least 1");
    }
    if a.single {
        let (p, b) = match a.files.as_slice() {
            [p] => (p.clone(), None),
            [p, b] => (p.clone(), Some(b.clone())),
            _ => bail!("--single takes MODEL.param [MODEL.bin]"),
        };
        if let Some(spec) = &a.cpus {
            pin(&parse_cpus(spec)?, a.threads)?;
        }
        let r = run_one(&a, &p, b.as_deref(), !a.fp32)?;
        crate::outln!("{}", serde_json::to_string(&r)?);
        return Ok(());
    }
    let mut models: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    if let Some(dir) = &a.all {
        let rd = std::fs::read_dir(dir)
            .with_context(|| format!("{}: cannot read folder", dir.display()))?;
        let mut params: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "param"))
            .collect();
        params.sort();
        if params.is_empty() {
            bail!("{}: no .param files", dir.display());
        }
        for p in params {
            let b = p.with_extension("bin");
            models.push((p, b.exists().then_some(b)));
        }
    } else {
        match a.files.as_slice() {
            [p] => models.push((p.clone(), None)),
            [_, b] if b.extension().is_some_and(|e| e == "param") => {
                bail!(
                    "{} is a .param; bench takes one MODEL.param [MODEL.bin], or --all DIR",
                    b.display()
                )
            }
            [p, b] => models.push((p.clone(), Some(b.clone()))),
            _ => bail!("give MODEL.param [MODEL.bin], or --all DIR"),
        }
    }
    if let Some(t) = &a.table {
        common::must_exist(t)?;
    }
    for (p, b) in &models {
        common::must_exist(p)?;
        if let Some(b) = b {
            common::must_exist(b)?;
        }
    }
    if let Some(spec) = &a.cpus {
        parse_cpus(spec)?;
    }
    let modes: Vec<bool> = if a.both {
        vec![false, true]
    } else {
        vec![!a.fp32]
    };
    let mut results = Vec::new();
    if !a.json {
        crate::outln!(
            "loops {}, warmup {}, threads {}, winograd {:?}",
            a.loops,
            a.warmup,
            a.threads,
            a.winograd
        );
        crate::outln!(
            "{:<22} {:<5} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>10}",
            "model",
            "mode",
            "min ms",
            "max ms",
            "avg ms",
            "median",
            "peak RSS",
            "arena",
            "weights"
        );
    }
    for (p, b) in &models {
        for &int8 in &modes {
            let r = run_child(&a, p, b.as_deref(), int8)?;
            if !a.json {
                crate::outln!(
                    "{:<22} {:<5} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>8.1}MB {:>8.1}MB {:>8.1}MB",
                    r.model,
                    r.mode,
                    r.min_ms,
                    r.max_ms,
                    r.avg_ms,
                    r.median_ms,
                    r.peak_rss_bytes.map_or(f64::NAN, mb),
                    mb(r.arena_peak_bytes),
                    mb(r.weight_bytes)
                );
            }
            results.push(r);
        }
    }
    if a.json {
        crate::outln!("{}", serde_json::to_string_pretty(&results)?);
    }
    Ok(())
}
