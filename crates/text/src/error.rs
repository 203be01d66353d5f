//! The one error type of `kerust-text`: every fallible call returns `Result<_, TextError>`.

use thiserror::Error;

/// Everything that can go wrong while turning text into numbers.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TextError {
    /// A string option got a value outside its allowed set (e.g. `padding("middle")`).
    #[error("{op}: unknown {option} {got:?}; expected one of {expected:?}")]
    InvalidOption {
        op: &'static str,
        option: &'static str,
        got: String,
        expected: &'static [&'static str],
    },
    /// A numeric or structural option that cannot work (e.g. an empty `split` separator).
    #[error("{op}: invalid {option}: {reason}")]
    InvalidValue {
        op: &'static str,
        option: &'static str,
        reason: String,
    },
    /// The operation needs a fitted/adapted vocabulary first.
    #[error("{op}: {reason}")]
    NotFitted { op: &'static str, reason: String },
    /// `pad_sequences` was given no sequences and no `maxlen`, so the width is unknown.
    #[error("pad_sequences: got 0 sequences and no maxlen, so the output width is unknown; pass .maxlen(n)")]
    EmptySequences,
    /// A vocabulary passed to `set_vocabulary` / `vocabulary` is unusable.
    #[error("set_vocabulary: {reason}")]
    InvalidVocabulary { reason: String },
    /// A JSON config (Tokenizer `to_json` or TextVectorization `get_config`) could not be read.
    #[error("{what}: could not read JSON: {reason}")]
    Json { what: &'static str, reason: String },
}

/// Shorthand used across the crate.
pub type Result<T> = std::result::Result<T, TextError>;

impl TextError {
    /// Builds the error for a string option outside its allowed set.
    pub(crate) fn option(
        op: &'static str,
        option: &'static str,
        got: &str,
        expected: &'static [&'static str],
    ) -> Self {
        TextError::InvalidOption {
            op,
            option,
            got: got.to_string(),
            expected,
        }
    }

    /// Builds the error for a malformed JSON document.
    pub(crate) fn json(what: &'static str, reason: impl ToString) -> Self {
        TextError::Json {
            what,
            reason: reason.to_string(),
        }
    }
}
