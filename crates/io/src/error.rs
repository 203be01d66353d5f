//! The io crate's typed error: every variant names the file and, where there is one, the object
//! path inside it (`/model_weights/dense`, `config.json`, `layers/dense/vars/0`).
use kerust_hdf5::Hdf5Error;
use kerust_layers::LayerError;
use std::path::PathBuf;
use thiserror::Error;

/// Everything that can go wrong saving or loading a model file.
#[derive(Debug, Error)]
pub enum IoError {
    /// The operating system refused a read, write, fsync or rename.
    #[error("{file}: could not {action}: {source}")]
    Io {
        file: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    /// An HDF5 decoding/encoding error (its message names the file and object path).
    #[error(transparent)]
    Hdf5(#[from] Hdf5Error),
    /// The file is readable but its content is not what the format requires.
    #[error("{file}: {object}: {message}")]
    Format {
        file: PathBuf,
        object: String,
        message: String,
    },
    /// A weight in the file does not have the shape the model's layer needs.
    #[error("{file}: {object}: layer '{layer}' weight '{weight}' has shape {expected:?} in the model but {got:?} in the file; the file was saved from a different architecture")]
    ShapeMismatch {
        file: PathBuf,
        object: String,
        layer: String,
        weight: String,
        expected: Vec<usize>,
        got: Vec<usize>,
    },
    /// The model cannot be rebuilt from the stored architecture (unknown layer, bad config...).
    #[error("{file}: {object}: {source}")]
    Model {
        file: PathBuf,
        object: String,
        source: LayerError,
    },
    /// Something the file declares is larger than this reader accepts.
    #[error("{file}: {object}: {what} is {size} bytes, more than the limit of {limit}")]
    TooLarge {
        file: PathBuf,
        object: String,
        what: &'static str,
        size: u64,
        limit: u64,
    },
}

/// Result alias for the io crate.
pub type Result<T, E = IoError> = std::result::Result<T, E>;

impl IoError {
    /// Shorthand for a format error.
    pub fn format(
        file: impl Into<PathBuf>,
        object: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        IoError::Format {
            file: file.into(),
            object: object.into(),
            message: message.into(),
        }
    }
    /// Shorthand for a model-rebuild error.
    pub fn model(file: impl Into<PathBuf>, object: impl Into<String>, source: LayerError) -> Self {
        IoError::Model {
            file: file.into(),
            object: object.into(),
            source,
        }
    }
    /// Shorthand for an OS error.
    pub fn io(file: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        IoError::Io {
            file: file.into(),
            action,
            source,
        }
    }
}
