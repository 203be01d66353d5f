//! The crate's one error type: every failure names the file and the HDF5 object path involved.

use std::path::PathBuf;

/// Everything that can go wrong reading or writing an HDF5 file.
///
/// `file` is the path given to [`crate::File::open`] / [`crate::FileBuilder::save`], or
/// `"<memory>"` for byte buffers. `object` is the HDF5 path inside the file (`/model_weights/dense`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Hdf5Error {
    /// The operating system refused a read, write, fsync or rename.
    #[error("{file}: {action} failed: {source}")]
    Io {
        file: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// The bytes are not HDF5, are truncated, or are corrupted.
    #[error("{file}: malformed HDF5 at `{object}`: {detail} (the file is truncated, corrupted, or not HDF5; re-save it)")]
    Malformed {
        file: PathBuf,
        object: String,
        detail: String,
    },

    /// A group, dataset or attribute asked for by path does not exist.
    #[error("{file}: no {kind} `{object}`{available}")]
    NotFound {
        file: PathBuf,
        kind: &'static str,
        object: String,
        /// Pre-rendered hint such as ` (members: dense, lstm)`; empty when there is nothing to list.
        available: String,
    },

    /// An object exists but holds a different type than the caller asked for.
    #[error("{file}: `{object}` holds {got}, cannot read it as {wanted}")]
    WrongType {
        file: PathBuf,
        object: String,
        wanted: &'static str,
        got: String,
    },

    /// A datatype, layout or attribute kind this crate does not handle.
    #[error("{file}: `{object}` uses {what}, which kerust-hdf5 does not support")]
    Unsupported {
        file: PathBuf,
        object: String,
        what: String,
    },

    /// The file declares more data than the reader's [`crate::Limits`] allow.
    #[error("{file}: `{object}` declares {declared} bytes, over the limit of {limit} bytes (raise Limits::{knob} if the file is trusted)")]
    TooLarge {
        file: PathBuf,
        object: String,
        declared: u128,
        limit: u128,
        knob: &'static str,
    },

    /// The file declares more data than the budget its caller set for it in
    /// [`crate::Outline::decode`] (a model loader sets what the model's config needs).
    #[error("{file}: `{object}` declares {declared} bytes, over the {limit} bytes {budget}; the file does not match what it is read for (a corrupted or hostile file?)")]
    OverBudget {
        file: PathBuf,
        object: String,
        declared: u128,
        limit: u128,
        /// Who set the budget and why, e.g. "the model in model_config needs".
        budget: String,
    },

    /// More objects or deeper nesting than [`crate::Limits`] allow: usually a link cycle.
    #[error("{file}: `{object}`: more than {limit} {what} (a link cycle or a corrupted file; raise Limits::{knob} if the file is trusted)")]
    TooMany {
        file: PathBuf,
        object: String,
        what: &'static str,
        limit: usize,
        knob: &'static str,
    },

    /// A name that HDF5 or h5py cannot store (empty, contains `/` or NUL, or is `.`).
    #[error("invalid HDF5 name {name:?} under `{parent}`: names must be non-empty, not `.`, and contain no `/` or NUL")]
    InvalidName { parent: String, name: String },

    /// Creating an object whose name is already taken.
    #[error("`{object}` already exists; remove it first or use require_group")]
    AlreadyExists { object: String },

    /// Data length does not match the product of the shape.
    #[error("`{object}`: shape {shape:?} holds {expected} elements but {got} values were given")]
    ShapeMismatch {
        object: String,
        shape: Vec<usize>,
        expected: u128,
        got: usize,
    },

    /// The underlying encoder refused the tree (e.g. an attribute too large for an object header).
    #[error("{file}: cannot encode HDF5: {detail}")]
    Encode { file: PathBuf, detail: String },
}

/// Crate-wide result alias.
pub type Result<T, E = Hdf5Error> = std::result::Result<T, E>;
