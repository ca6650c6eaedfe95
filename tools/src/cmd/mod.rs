//! One module per `octet` subcommand.

pub mod bench;
pub mod calibrate;
pub mod classify;
pub mod compare;
pub mod info;
pub mod layers;
pub mod quantize;
pub mod run;
pub mod synth;
