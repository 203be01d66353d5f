//! Tokenizer ⇄ JSON in the exact layout of Keras's `tokenizer_to_json` / `tokenizer_from_json`
//! (`{"class_name": "Tokenizer", "config": {...}}` with the maps as JSON-encoded strings).

use crate::error::{Result, TextError};
use crate::tokenizer::{OrderedMap, Tokenizer};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

const WHAT: &str = "tokenizer_from_json";

impl Tokenizer {
    /// Keras `get_config()`: options plus the five maps, each serialized to a JSON string.
    pub fn get_config(&self) -> Value {
        let enc = |v: String| Value::String(v);
        json!({
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": enc(serde_json::to_string(&self.word_counts).unwrap_or_default()),
            "word_docs": enc(serde_json::to_string(&self.word_docs).unwrap_or_default()),
            "index_docs": enc(serde_json::to_string(&self.index_docs).unwrap_or_default()),
            "index_word": enc(serde_json::to_string(&self.index_word).unwrap_or_default()),
            "word_index": enc(serde_json::to_string(&self.word_index).unwrap_or_default()),
        })
    }

    /// Keras `tokenizer.to_json()`; readable by `keras.preprocessing.text.tokenizer_from_json`.
    pub fn to_json(&self) -> String {
        json!({"class_name": "Tokenizer", "config": self.get_config()}).to_string()
    }

    /// Keras `tokenizer_from_json(json_string)`.
    pub fn from_json(json_string: &str) -> Result<Tokenizer> {
        let doc: Value = serde_json::from_str(json_string).map_err(|e| TextError::json(WHAT, e))?;
        let cfg = doc
            .get("config")
            .and_then(Value::as_object)
            .ok_or_else(|| TextError::json(WHAT, "missing object field \"config\""))?;
        let mut t = Tokenizer::new();
        if let Some(v) = cfg.get("num_words") {
            t.num_words = match v {
                Value::Null => None,
                v => Some(as_usize(v, "num_words")?).filter(|&n| n > 0),
            };
        }
        if let Some(v) = cfg.get("filters") {
            t.filters = as_str(v, "filters")?.to_string();
        }
        if let Some(v) = cfg.get("lower") {
            t.lower = v.as_bool().ok_or_else(|| field_err("lower", "a boolean"))?;
        }
        if let Some(v) = cfg.get("split") {
            t.split = as_str(v, "split")?.to_string();
        }
        if let Some(v) = cfg.get("char_level") {
            t.char_level = v
                .as_bool()
                .ok_or_else(|| field_err("char_level", "a boolean"))?;
        }
        if let Some(v) = cfg.get("oov_token") {
            t.oov_token = match v {
                Value::Null => None,
                v => Some(as_str(v, "oov_token")?.to_string()),
            };
        }
        if let Some(v) = cfg.get("document_count") {
            t.document_count = as_usize(v, "document_count")?;
        }
        t.word_counts = map_field(cfg, "word_counts")?;
        t.word_docs = map_field(cfg, "word_docs")?;
        t.index_docs = map_field(cfg, "index_docs")?;
        t.index_word = map_field(cfg, "index_word")?;
        t.word_index = map_field(cfg, "word_index")?;
        Ok(t)
    }
}

fn field_err(field: &str, expected: &str) -> TextError {
    TextError::json(WHAT, format!("field {field:?} must be {expected}"))
}

fn as_str<'a>(v: &'a Value, field: &str) -> Result<&'a str> {
    v.as_str().ok_or_else(|| field_err(field, "a string"))
}

fn as_usize(v: &Value, field: &str) -> Result<usize> {
    v.as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| field_err(field, "a non-negative integer"))
}

/// Reads one of the JSON-encoded-string maps; a missing field is an empty map.
fn map_field<K, V>(cfg: &serde_json::Map<String, Value>, field: &str) -> Result<OrderedMap<K, V>>
where
    K: DeserializeOwned + std::hash::Hash + Eq,
    V: DeserializeOwned,
{
    match cfg.get(field) {
        None | Some(Value::Null) => Ok(OrderedMap::default()),
        Some(Value::String(s)) => serde_json::from_str(s)
            .map_err(|e| TextError::json(WHAT, format!("field {field:?}: {e}"))),
        // Also accept a plain object (some tools re-encode the config).
        Some(v @ Value::Object(_)) => serde_json::from_value(v.clone())
            .map_err(|e| TextError::json(WHAT, format!("field {field:?}: {e}"))),
        Some(_) => Err(field_err(field, "a JSON-encoded object string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut t = Tokenizer::new().num_words(5).oov_token("<OOV>");
        t.fit_on_texts(&["b a b", "שלום a 😀"]).unwrap();
        let back = Tokenizer::from_json(&t.to_json()).unwrap();
        assert_eq!(back, t);
        assert_eq!(
            back.texts_to_sequences(&["a b zz"]).unwrap(),
            t.texts_to_sequences(&["a b zz"]).unwrap()
        );
    }

    #[test]
    fn bad_json_is_a_typed_error() {
        assert!(matches!(
            Tokenizer::from_json("{"),
            Err(TextError::Json { .. })
        ));
        assert!(matches!(
            Tokenizer::from_json("{}"),
            Err(TextError::Json { .. })
        ));
        let bad = r#"{"config": {"word_index": "{\"a\": \"x\"}"}}"#;
        assert!(matches!(
            Tokenizer::from_json(bad),
            Err(TextError::Json { .. })
        ));
    }
}
