//! One module per `octet` subcommand.

pub mod bench;
pub mod info;
pub mod run;
pub mod synth;
