//! `octet synth-bin`: writes the deterministic synthetic weights of a `.param`
//! as a real ncnn `.bin`, so ncnn (or another tool) can run exactly the
//! weights Octet uses when no `.bin` is given.

use std::path::PathBuf;

use anyhow::Result;

use crate::common;

#[derive(clap::Args)]
pub struct Args {
    /// The ncnn .param file.
    #[arg(long)]
    pub param: PathBuf,
    /// Where to write the .bin.
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of the synthetic weights.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

pub fn main(a: Args) -> Result<()> {
    common::must_exist(&a.param)?;
    let bytes = octet::Net::synthetic_bin(&a.param, a.seed)?;
    std::fs::write(&a.out, &bytes).map_err(|e| octet::Error::Io {
        path: a.out.clone(),
        source: e,
    })?;
    eprintln!("wrote {} ({} bytes)", a.out.display(), bytes.len());
    Ok(())
}
