//! `TextVectorizer::get_config` / `from_config`: TextVectorization configs with Keras's field names. Unlike Keras (which
//! keeps an adapted vocabulary in a side asset file), the vocabulary and idf weights travel in
//! the config itself, so a saved model needs nothing else. Keras's `from_config` accepts it too.

use crate::error::{Result, TextError};
use crate::standardize::{Split, Standardize};
use crate::vectorizer::{Ngrams, OutputMode, TextVectorizer};
use serde_json::{json, Value};

const WHAT: &str = "TextVectorization.from_config";

/// Keras's serialized form of a custom function, so names survive a round trip.
fn custom(name: &str) -> Value {
    json!({"module": null, "class_name": "function", "config": name, "registered_name": name})
}

impl TextVectorizer {
    /// The layer config as Keras writes it, plus the full vocabulary (special tokens first).
    pub fn get_config(&self) -> Value {
        let standardize = match &self.standardize {
            Standardize::LowerAndStripPunctuation => json!("lower_and_strip_punctuation"),
            Standardize::Lower => json!("lower"),
            Standardize::StripPunctuation => json!("strip_punctuation"),
            Standardize::None => Value::Null,
            Standardize::Custom { name, .. } | Standardize::Missing { name } => custom(name),
        };
        let split = match &self.split {
            Split::Whitespace => json!("whitespace"),
            Split::Character => json!("character"),
            Split::None => Value::Null,
            Split::Custom { name, .. } | Split::Missing { name } => custom(name),
        };
        let ngrams = match &self.ngrams {
            Ngrams::None => Value::Null,
            Ngrams::Int(n) => json!(n),
            Ngrams::Tuple(v) => json!(v),
        };
        let vocabulary = if self.vocab_set {
            json!(self.get_vocabulary(true))
        } else {
            Value::Null
        };
        let idf = match (&self.idf_weights, self.vocab_set) {
            (Some(w), true) => json!(w[..self.vocabulary_size().min(w.len())].to_vec()),
            _ => Value::Null,
        };
        json!({
            "name": self.name,
            "trainable": true,
            "dtype": "string",
            "max_tokens": self.max_tokens,
            "standardize": standardize,
            "split": split,
            "ngrams": ngrams,
            "output_mode": self.output_mode.as_str(),
            "output_sequence_length": self.output_sequence_length,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "sparse": false,
            "ragged": false,
            "vocabulary": vocabulary,
            "idf_weights": idf,
            "encoding": "utf-8",
            "vocabulary_size": self.vocabulary_size(),
        })
    }

    /// Rebuilds a layer from `get_config` output (ours or Keras's). A custom standardize/split
    /// function is recorded by name only: re-attach it with `.standardize_fn(name, f)` /
    /// `.split_fn(name, f)` before use.
    pub fn from_config(config: &Value) -> Result<TextVectorizer> {
        let cfg = config
            .as_object()
            .ok_or_else(|| TextError::json(WHAT, "the config must be a JSON object"))?;
        let get = |k: &str| cfg.get(k).unwrap_or(&Value::Null);
        let mut t = TextVectorizer::new();
        if let Some(n) = get("name").as_str() {
            t = t.name(n);
        }
        if let Some(m) = opt_usize(get("max_tokens"), "max_tokens")? {
            t = t.max_tokens(m);
        }
        t = match get("standardize") {
            Value::Null => {
                if cfg.contains_key("standardize") {
                    t.standardize("none")
                } else {
                    t
                }
            }
            Value::String(s) => t.standardize(s),
            v => {
                t.standardize = Standardize::Missing {
                    name: function_name(v)?,
                };
                t
            }
        };
        t = match get("split") {
            Value::Null => {
                if cfg.contains_key("split") {
                    t.split("none")
                } else {
                    t
                }
            }
            Value::String(s) => t.split(s),
            v => {
                t.split = Split::Missing {
                    name: function_name(v)?,
                };
                t
            }
        };
        t = match get("ngrams") {
            Value::Null => t,
            Value::Array(a) => {
                let widths = a
                    .iter()
                    .map(|x| {
                        opt_usize(x, "ngrams")
                            .and_then(|o| o.ok_or_else(|| bad("ngrams", "integers")))
                    })
                    .collect::<Result<Vec<_>>>()?;
                t.ngrams_tuple(&widths)
            }
            v => t.ngrams(opt_usize(v, "ngrams")?.unwrap_or(0)),
        };
        if let Some(m) = get("output_mode").as_str() {
            t = t.output_mode(m);
        }
        if let Some(n) = opt_usize(get("output_sequence_length"), "output_sequence_length")? {
            t = t.output_sequence_length(n);
        }
        if let Some(p) = get("pad_to_max_tokens").as_bool() {
            t = t.pad_to_max_tokens(p);
        }
        if let Value::Array(v) = get("vocabulary") {
            let vocab = v
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| bad("vocabulary", "a list of strings"))
                })
                .collect::<Result<Vec<_>>>()?;
            t = t.vocabulary(&vocab);
        }
        if let Value::Array(v) = get("idf_weights") {
            let w = v
                .iter()
                .map(|x| {
                    x.as_f64()
                        .map(|f| f as f32)
                        .ok_or_else(|| bad("idf_weights", "a list of numbers"))
                })
                .collect::<Result<Vec<_>>>()?;
            t = t.idf_weights(&w);
        }
        Ok(t)
    }

    /// The output mode spelled as in Keras.
    pub fn output_mode_name(&self) -> &'static str {
        OutputMode::as_str(self.output_mode)
    }
}

fn bad(field: &str, expected: &str) -> TextError {
    TextError::json(WHAT, format!("field {field:?} must be {expected}"))
}

fn opt_usize(v: &Value, field: &str) -> Result<Option<usize>> {
    match v {
        Value::Null => Ok(None),
        v => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad(field, "a non-negative integer or null")),
    }
}

fn function_name(v: &Value) -> Result<String> {
    v.get("registered_name")
        .and_then(Value::as_str)
        .or_else(|| v.get("config").and_then(Value::as_str))
        .map(str::to_string)
        .ok_or_else(|| {
            bad(
                "standardize/split",
                "a string, null or a serialized function",
            )
        })
}
