//! Octet: an int8/fp32 inference runtime for ncnn models on ARM boards.
//!
//! Load an ncnn model (`.param` + `.bin`, optionally an int8 calibration
//! table), set inputs, extract outputs — the shape of ncnn's API:
//!
//! ```
//! use octet::{Mat, Net, Options, Weights};
//!
//! // The bundled SqueezeNet, with deterministic synthetic weights (a real
//! // model would be `Net::load("m.param", "m.bin")`).
//! let net = Net::load_with("../models/squeezenet.param".as_ref(), Weights::Synthetic { seed: 0 }, Options::default())?;
//! let mut ex = net.extractor();
//! ex.input("data", Mat::new_3d(227, 227, 3))?;
//! let prob = ex.extract("output")?;
//! assert_eq!(prob.shape(), vec![1000]);
//! let sum: f32 = prob.to_vec().iter().sum();
//! assert!((sum - 1.0).abs() < 1e-3);
//! # Ok::<(), octet::Error>(())
//! ```
//!
//! - [`Net`] loads (from files, memory, or synthetic weights) and holds the
//!   layers; [`Options`] fixes threads, int8 and Winograd choices at load.
//! - [`Extractor`] runs only what the requested blobs need and frees
//!   intermediate blobs after their last consumer.
//! - [`Mat`] is the tensor (ncnn's layout); [`pixels`] turns camera frames
//!   into input tensors; [`Table`] reads ncnn int8 calibration tables.
//! - One file per layer type lives in [`layer`]; compute kernels are in the
//!   `octet-kernels` crate.

pub mod error;
pub mod expression;
pub mod layer;
pub mod mat;
pub mod memory;
pub mod modelbin;
pub mod net;
pub mod npy;
pub mod option;
pub mod param;
pub mod pixels;
pub mod table;

pub use error::{Error, Result};
pub use mat::{ElemType, Mat};
pub use net::{Extractor, Net, TableSource, Weights};
pub use option::{Options, WinogradPref};
pub use table::Table;
