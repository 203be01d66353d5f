//! The one error type of this crate: every failure names the file (and line) or URL involved and what to do.

use std::path::PathBuf;

/// Everything that can go wrong while locating, downloading, extracting or parsing a dataset.
#[derive(Debug, thiserror::Error)]
pub enum DatasetsError {
    /// An I/O error on a local path (open, read, write, rename).
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A row or cell that does not have the expected form. `line` is 1-based; 0 means "not line-oriented".
    #[error("{path}:{line}: {message}")]
    Malformed {
        path: PathBuf,
        line: u64,
        message: String,
    },

    /// A compressed or archived file (gzip, zip, tar, npy, npz) that cannot be decoded.
    #[error("{path}: corrupt or unsupported {format} data: {message}; delete the file and download it again")]
    Archive {
        path: PathBuf,
        format: &'static str,
        message: String,
    },

    /// An archive member whose name would escape the extraction folder (absolute path, `..`, link).
    #[error("{archive}: refusing to extract entry {entry:?}: {reason}")]
    UnsafeArchiveEntry {
        archive: PathBuf,
        entry: String,
        reason: &'static str,
    },

    /// A size declared inside a file is larger than what the file can hold or than the hard limit.
    #[error("{path}: declared {what} of {declared} bytes exceeds the limit of {limit} bytes; the file is corrupt or not what it claims to be")]
    TooLarge {
        path: PathBuf,
        what: &'static str,
        declared: u64,
        limit: u64,
    },

    /// The network fetch failed (offline, DNS, TLS, connection reset, truncated body, HTTP error status).
    #[error("could not download {url}: {reason}. If this machine is offline or the URL is blocked, download the file by hand and place it at {dest}")]
    Download {
        url: String,
        dest: PathBuf,
        reason: String,
    },

    /// The downloaded bytes do not hash to the registry's SHA-256.
    #[error("SHA-256 mismatch for {url}: expected {expected}, got {got}. The download was discarded (nothing written to {dest}); retry, or place a verified copy at {dest}")]
    ChecksumMismatch {
        url: String,
        dest: PathBuf,
        expected: String,
        got: String,
    },

    /// The downloaded (or hand-placed) file does not have the registry's size.
    #[error("size mismatch for {url}: expected {expected} bytes, got {got}. The file was discarded (nothing written to {dest}); retry, or place a verified copy at {dest}")]
    SizeMismatch {
        url: String,
        dest: PathBuf,
        expected: u64,
        got: u64,
    },

    /// A dataset name that is not in the registry.
    #[error("unknown dataset {name:?}; known datasets: {known}")]
    UnknownDataset { name: String, known: String },

    /// A word looked up in a vector file (GloVe) that the file has no vector for.
    #[error("{word:?} is not among the {vocabulary} words of the vector file; {hint}")]
    UnknownWord {
        word: String,
        vocabulary: usize,
        hint: String,
    },

    /// A caller-supplied argument out of its domain (e.g. `test_size = 1.5`).
    #[error("invalid argument {name}: {message}")]
    InvalidArgument { name: &'static str, message: String },
}

/// Shorthand used across the crate.
pub type Result<T> = std::result::Result<T, DatasetsError>;

impl DatasetsError {
    /// Wraps an `io::Error` with the path and the action that failed.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        DatasetsError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// A malformed-row error at `path:line`.
    pub(crate) fn malformed(
        path: impl Into<PathBuf>,
        line: u64,
        message: impl Into<String>,
    ) -> Self {
        DatasetsError::Malformed {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// An invalid-argument error.
    pub(crate) fn invalid(name: &'static str, message: impl Into<String>) -> Self {
        DatasetsError::InvalidArgument {
            name,
            message: message.into(),
        }
    }
}
