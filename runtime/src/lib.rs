//! Octet: an int8/fp32 inference runtime for ncnn models on ARM boards.
//!
//! ```no_run
//! use octet::{Mat, Net};
//! let net = Net::load("squeezenet.param", "squeezenet.bin")?;
//! let mut ex = net.extractor();
//! ex.input("data", Mat::new_3d(227, 227, 3))?;
//! let prob = ex.extract("prob")?;
//! println!("{} classes", prob.w());
//! # Ok::<(), octet::Error>(())
//! ```

pub mod error;
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
