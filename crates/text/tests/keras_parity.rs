//! Exact parity with Keras on the lecture sentences and the edge-case corpus (Hebrew, accents,
//! emoji, CRLF, mojibake, empty strings): fixtures from tools/keras_reference/text_reference.py.

mod common;

use common::*;
use kerust_text::{
    hashing_trick, pad_sequences, HashingTrick, PadSequences, TextVectorizer, Tokenizer, Vectorized,
};
use serde_json::Value;

fn check_tokenizer(rec: &Value, fit: &[String], probe: &[String]) {
    let what = rec["kwargs"].to_string();
    let mut t = tokenizer_from_kwargs(&rec["kwargs"]);
    t.fit_on_texts(fit).unwrap();
    let wc: Vec<(String, u64)> = t
        .word_counts()
        .iter()
        .map(|(w, &c)| (w.clone(), c))
        .collect();
    let want_wc: Vec<(String, u64)> = rec["word_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_u64().unwrap()))
        .collect();
    assert_eq!(wc, want_wc, "word_counts {what}");
    let wi: Vec<(String, i64)> = t
        .word_index()
        .iter()
        .map(|(w, &i)| (w.clone(), i))
        .collect();
    let want_wi: Vec<(String, i64)> = rec["word_index"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_i64().unwrap()))
        .collect();
    assert_eq!(wi, want_wi, "word_index {what}");
    for (w, c) in rec["word_docs"].as_object().unwrap() {
        assert_eq!(
            t.word_docs()[w.as_str()],
            c.as_u64().unwrap(),
            "word_docs[{w}] {what}"
        );
    }
    assert_eq!(
        t.word_docs().len(),
        rec["word_docs"].as_object().unwrap().len()
    );
    for (i, c) in rec["index_docs"].as_object().unwrap() {
        let i: i64 = i.parse().unwrap();
        assert_eq!(
            t.index_docs()[&i],
            c.as_u64().unwrap(),
            "index_docs[{i}] {what}"
        );
    }
    assert_eq!(
        t.get_document_count() as u64,
        rec["document_count"].as_u64().unwrap()
    );
    let seqs = t.texts_to_sequences(probe).unwrap();
    assert_eq!(seqs, i64_rows(&rec["sequences"]), "sequences {what}");
    assert_eq!(
        t.sequences_to_texts(&seqs),
        strings(&rec["sequences_to_texts"]),
        "sequences_to_texts {what}"
    );
    for mode in ["binary", "count", "tfidf", "freq"] {
        let m = t.texts_to_matrix(probe, mode).unwrap();
        let want = f64_rows(&rec["matrix"][mode]);
        assert_eq!(m.rows, want.len());
        for (r, w) in m.rows_iter().zip(&want) {
            assert_eq!(r.len(), w.len(), "{mode} width {what}");
            for (a, b) in r.iter().zip(w) {
                assert!(close(*a as f64, *b), "{mode} {a} vs {b} {what}");
            }
        }
    }
    // Keras's JSON loads into the same state, and ours loads back into ours.
    let from_keras = Tokenizer::from_json(rec["to_json"].as_str().unwrap()).unwrap();
    assert_eq!(from_keras, t, "from_json(keras) {what}");
    assert_eq!(from_keras.texts_to_sequences(probe).unwrap(), seqs);
    assert_eq!(Tokenizer::from_json(&t.to_json()).unwrap(), t);
}

fn run_vectorizer(
    rec: &Value,
    adapt: &[String],
    probe: &[String],
) -> Result<(TextVectorizer, Vectorized), String> {
    let mut tv = vectorizer_from_record(rec);
    if rec["adapt"].as_bool().unwrap() {
        tv.adapt(adapt).map_err(|e| e.to_string())?;
    }
    let out = tv.call(probe).map_err(|e| e.to_string())?;
    Ok((tv, out))
}

fn assert_output(out: &Vectorized, rec: &Value, what: &str) {
    let shape: Vec<usize> = rec["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    assert_eq!(out.shape(), (shape[0], shape[1]), "shape {what}");
    match out {
        Vectorized::Int(m) => assert_eq!(m.to_nested(), i64_rows(&rec["output"]), "ids {what}"),
        Vectorized::Float(m) => {
            for (r, w) in m.rows_iter().zip(f64_rows(&rec["output"])) {
                for (a, b) in r.iter().zip(&w) {
                    assert!(close(*a as f64, *b), "{a} vs {b} {what}");
                }
            }
        }
    }
}

#[test]
fn lecture_matches_keras() {
    let f = fixture("text_lecture.json");
    let texts = strings(&f["texts"]);
    check_tokenizer(&f["tokenizer"], &texts, &texts);
    let mut t = Tokenizer::new().num_words(10);
    t.fit_on_texts(&texts).unwrap();
    let seqs = t.texts_to_sequences(&texts).unwrap();
    let x = pad_sequences(
        &seqs,
        PadSequences::new()
            .maxlen(4)
            .padding("post")
            .truncating("post"),
    )
    .unwrap();
    assert_eq!(x.to_nested(), i64_rows(&f["padded_post_post_4"]));
    for case in f["pad"].as_array().unwrap() {
        let kw = &case["kwargs"];
        let mut o = PadSequences::new();
        if let Some(m) = kw.get("maxlen").and_then(Value::as_u64) {
            o = o.maxlen(m as usize);
        }
        if let Some(p) = kw.get("padding").and_then(Value::as_str) {
            o = o.padding(p);
        }
        if let Some(p) = kw.get("truncating").and_then(Value::as_str) {
            o = o.truncating(p);
        }
        if let Some(v) = kw.get("value").and_then(Value::as_i64) {
            o = o.value(v);
        }
        let got = pad_sequences(&i64_rows(&case["sequences"]), o).unwrap();
        assert_eq!(got.to_nested(), i64_rows(&case["output"]), "pad {kw}");
    }
    let rec = &f["text_vectorization"];
    let (tv, out) = run_vectorizer(rec, &texts, &texts).unwrap();
    assert_eq!(tv.get_vocabulary(true), strings(&rec["get_vocabulary"]));
    assert_output(&out, rec, "lecture");
}

#[test]
fn edge_tokenizers_match_keras() {
    let f = fixture("text_edge.json");
    let texts = strings(&f["texts"]);
    let mut probe = texts.clone();
    probe.extend(strings(&f["unseen"]));
    for rec in f["tokenizers"].as_array().unwrap() {
        check_tokenizer(rec, &texts, &probe);
    }
}

#[test]
fn edge_hashing_trick_matches_keras_md5() {
    let f = fixture("text_edge.json");
    let mut probe = strings(&f["texts"]);
    probe.extend(strings(&f["unseen"]));
    for (n, rows) in f["hashing_trick_md5"].as_object().unwrap() {
        let n: usize = n.parse().unwrap();
        let got: Vec<Vec<i64>> = probe
            .iter()
            .map(|t| hashing_trick(t, n, HashingTrick::new()).unwrap())
            .collect();
        assert_eq!(got, i64_rows(rows), "n={n}");
    }
}

#[test]
fn edge_text_vectorization_matches_keras() {
    let f = fixture("text_edge.json");
    let texts = strings(&f["texts"]);
    let mut probe = texts.clone();
    probe.extend(strings(&f["unseen"]));
    for rec in f["text_vectorization"].as_array().unwrap() {
        let what = format!("{} vocab={}", rec["kwargs"], rec["vocabulary"]);
        let got = run_vectorizer(rec, &texts, &probe);
        if rec.get("error").is_some() {
            assert!(got.is_err(), "Keras refuses {what}, we accepted");
            continue;
        }
        let (tv, out) = got.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(
            tv.get_vocabulary(true),
            strings(&rec["get_vocabulary"]),
            "vocabulary {what}"
        );
        assert_output(&out, rec, &what);
        // Our config round trip keeps the vocabulary and gives identical output.
        let back = TextVectorizer::from_config(&tv.get_config()).unwrap();
        assert_eq!(
            back.get_vocabulary(true),
            tv.get_vocabulary(true),
            "config vocab {what}"
        );
        assert_eq!(back.call(&probe).unwrap(), out, "config round trip {what}");
        // Keras's own config (vocabulary set directly) loads too.
        if rec["vocabulary"].is_array() {
            let k = TextVectorizer::from_config(&rec["config"]).unwrap();
            assert_output(
                &k.call(&probe).unwrap(),
                rec,
                &format!("from keras config {what}"),
            );
        }
    }
}
