//! `octet`: run, inspect, benchmark, calibrate and quantize ncnn models.

use octet_tools::cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "octet",
    version,
    about = "Int8/fp32 inference for ncnn models on ARM boards",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a model on .npy inputs and write .npy outputs.
    Run(cmd::run::Args),
    /// Show layers, blob shapes, weight bytes and FLOPs.
    Info(cmd::info::Args),
    /// List the layer types Octet implements.
    Layers(cmd::layers::Args),
    /// Calibrate int8 scales on a folder of images; writes an ncnn table.
    Calibrate(cmd::calibrate::Args),
    /// Write an ncnn int8 model from an fp32 model and a table.
    Quantize(cmd::quantize::Args),
    /// Top-K classes of one image.
    Classify(cmd::classify::ClassifyArgs),
    /// Top-1/top-5 accuracy over a labelled folder (fp32 and int8 side by side with --table).
    Eval(cmd::classify::EvalArgs),
    /// Per-layer int8 error against fp32 (which layer to keep fp32).
    Compare(cmd::compare::Args),
    /// Measure latency and memory (like ncnn's benchncnn).
    Bench(cmd::bench::Args),
    /// Write a .param's deterministic synthetic weights as an ncnn .bin.
    SynthBin(cmd::synth::Args),
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                e.exit();
            }
            // One line, like every other error of this tool; `--help` has the rest.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("error: bad arguments");
            eprintln!("{first} (see `octet --help`)");
            std::process::exit(2);
        }
    };
    let result = match cli.command {
        Command::Run(a) => cmd::run::main(a),
        Command::Info(a) => cmd::info::main(a),
        Command::Layers(a) => cmd::layers::main(a),
        Command::SynthBin(a) => cmd::synth::main(a),
        Command::Bench(a) => cmd::bench::main(a),
        Command::Calibrate(a) => cmd::calibrate::main(a),
        Command::Quantize(a) => cmd::quantize::main(a),
        Command::Classify(a) => cmd::classify::classify(a),
        Command::Eval(a) => cmd::classify::eval(a),
        Command::Compare(a) => cmd::compare::main(a),
    };
    if let Err(e) = result {
        eprintln!("error: {}", format_error(&e));
        std::process::exit(1);
    }
}

/// One line: the error and its causes, joined.
fn format_error(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let s = c.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ").replace('\n', " ")
}
