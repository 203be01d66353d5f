//! Shared helpers for the Keras parity tests: fixture loading, hashing, option builders.

#![allow(dead_code)]

use kerust_text::{TextVectorizer, Tokenizer};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Loads `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

/// sha256 hex of lines joined by "\n" (as the reference script computes it).
pub fn sha_lines<S: AsRef<str>>(lines: &[S]) -> String {
    let mut h = Sha256::new();
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            h.update(b"\n");
        }
        h.update(l.as_ref().as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of sequences written as comma-separated lines.
pub fn seq_sha<Q: AsRef<[i64]>>(seqs: &[Q]) -> String {
    let lines: Vec<String> = seqs
        .iter()
        .map(|s| {
            s.as_ref()
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    sha_lines(&lines)
}

pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_str().expect("string").to_string())
        .collect()
}

pub fn i64_rows(v: &Value) -> Vec<Vec<i64>> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("row")
                .iter()
                .map(|x| x.as_i64().expect("int"))
                .collect()
        })
        .collect()
}

pub fn f64_rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("row")
                .iter()
                .map(|x| x.as_f64().expect("num"))
                .collect()
        })
        .collect()
}

/// f32 results against Keras's float32/float64 values.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

/// A Tokenizer from the Keras kwargs recorded in a fixture.
pub fn tokenizer_from_kwargs(kw: &Value) -> Tokenizer {
    let mut t = Tokenizer::new();
    if let Some(n) = kw.get("num_words").and_then(Value::as_u64) {
        t = t.num_words(n as usize);
    }
    if let Some(o) = kw.get("oov_token").and_then(Value::as_str) {
        t = t.oov_token(o);
    }
    if let Some(c) = kw.get("char_level").and_then(Value::as_bool) {
        t = t.char_level(c);
    }
    if let Some(l) = kw.get("lower").and_then(Value::as_bool) {
        t = t.lower(l);
    }
    if let Some(f) = kw.get("filters").and_then(Value::as_str) {
        t = t.filters(f);
    }
    if let Some(s) = kw.get("split").and_then(Value::as_str) {
        t = t.split(s);
    }
    t
}

/// A `TextVectorizer` from the Keras kwargs (plus vocabulary / idf) recorded in a fixture.
pub fn vectorizer_from_record(rec: &Value) -> TextVectorizer {
    let kw = &rec["kwargs"];
    let mut t = TextVectorizer::new();
    if let Some(m) = kw.get("max_tokens").and_then(Value::as_u64) {
        t = t.max_tokens(m as usize);
    }
    match kw.get("standardize") {
        Some(Value::Null) => t = t.standardize("none"),
        Some(Value::String(s)) => t = t.standardize(s),
        _ => {}
    }
    match kw.get("split") {
        Some(Value::Null) => t = t.split("none"),
        Some(Value::String(s)) => t = t.split(s),
        _ => {}
    }
    match kw.get("ngrams") {
        Some(Value::Array(a)) => {
            let w: Vec<usize> = a.iter().map(|x| x.as_u64().unwrap() as usize).collect();
            t = t.ngrams_tuple(&w);
        }
        Some(v) if v.is_u64() => t = t.ngrams(v.as_u64().unwrap() as usize),
        _ => {}
    }
    if let Some(m) = kw.get("output_mode").and_then(Value::as_str) {
        t = t.output_mode(m);
    }
    if let Some(n) = kw.get("output_sequence_length").and_then(Value::as_u64) {
        t = t.output_sequence_length(n as usize);
    }
    if let Some(p) = kw.get("pad_to_max_tokens").and_then(Value::as_bool) {
        t = t.pad_to_max_tokens(p);
    }
    if rec["vocabulary"].is_array() {
        t = t.vocabulary(&strings(&rec["vocabulary"]));
    }
    if let Some(w) = rec["idf_weights"].as_array() {
        let w: Vec<f32> = w.iter().map(|x| x.as_f64().unwrap() as f32).collect();
        t = t.idf_weights(&w);
    }
    t
}
