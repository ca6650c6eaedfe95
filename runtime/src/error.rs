//! Octet's error type. Every error names where it happened: the file and line
//! of a `.param`, the layer and byte offset in a `.bin`, the line of a table,
//! or the layer whose forward failed.

use std::path::PathBuf;

/// Errors from loading or running a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{file}:{line}: {msg}")]
    Param {
        file: String,
        line: usize,
        msg: String,
    },

    #[error("{file}: layer `{layer}` ({kind}): {msg} at byte offset {offset}")]
    Bin {
        file: String,
        layer: String,
        kind: String,
        offset: usize,
        msg: String,
    },

    #[error("{file}: {msg}")]
    BinSize { file: String, msg: String },

    #[error("{file}:{line}: {msg}")]
    Table {
        file: String,
        line: usize,
        msg: String,
    },

    #[error("layer `{layer}` ({kind}, param line {line}): {msg}")]
    Layer {
        layer: String,
        kind: String,
        line: usize,
        msg: String,
    },

    #[error("blob `{0}` does not exist in this model")]
    BlobNotFound(String),

    #[error("input `{name}`: {msg}")]
    Input { name: String, msg: String },

    #[error("{0}")]
    Invalid(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error raised inside a layer; the net adds the layer's name, type and line.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerError(pub String);

impl std::fmt::Display for LayerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for LayerError {
    fn from(s: String) -> Self {
        LayerError(s)
    }
}

impl From<&str> for LayerError {
    fn from(s: &str) -> Self {
        LayerError(s.to_string())
    }
}

/// Result of a layer method.
pub type LayerResult<T> = std::result::Result<T, LayerError>;

/// Returns early from a layer method with a formatted [`LayerError`].
#[macro_export]
#[doc(hidden)]
macro_rules! bail {
    ($($t:tt)*) => { return Err($crate::error::LayerError(format!($($t)*))) };
}
