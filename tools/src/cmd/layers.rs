//! `octet layers`: the layer types Octet implements, from the runtime's
//! registry (the README's table is the same text, checked by a test).

use anyhow::Result;

#[derive(clap::Args)]
pub struct Args {}

pub fn main(_a: Args) -> Result<()> {
    crate::outln!("{}", octet::layer::registry_markdown().trim_end());
    Ok(())
}
