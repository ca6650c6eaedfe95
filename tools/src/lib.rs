//! The `octet` command's implementation: one module per subcommand in
//! [`cmd`], calibration in [`calib`], image preprocessing in [`preprocess`].

pub mod calib;
pub mod cmd;
pub mod common;
pub mod preprocess;
