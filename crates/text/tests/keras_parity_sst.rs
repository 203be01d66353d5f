//! Parity with Keras on the SST-2 token columns of BT-AI Lab 8 (`sst_movie_reviews_processed_*.csv.gz`,
//! read via KERUST_DATA): Tokenizer vocabularies and sequences, pad_sequences, TextVectorization in
//! int / multi_hot / tf_idf modes, and the lab's 4823-word `word2id` rebuilt through the Keras APIs.
//! Fixture from tools/keras_reference/text_reference_sst.py.

mod common;

use std::io::Read;

use common::*;
use kerust_text::{pad_sequences, PadSequences, TextVectorizer, Tokenizer};
use serde_json::Value;

const MAXLEN: usize = 55;

/// One split's reviews, each its 55 token cells.
type Rows = Vec<Vec<String>>;

/// Token rows (without the class column) of one split, or None when the data is absent.
fn load(test: &str, split: &str) -> Option<Rows> {
    let path = kerust_test_support::data_file(
        test,
        &format!("sst_movie_reviews_processed_{split}.csv.gz"),
    )?;
    let file = std::fs::File::open(&path).expect("open sst csv.gz");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gunzip sst csv");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let want: Vec<String> = std::iter::once("class".to_string())
        .chain((0..MAXLEN).map(|i| i.to_string()))
        .collect();
    assert_eq!(header, want, "{}", path.display());
    Some(
        rdr.records()
            .map(|r| {
                r.expect("csv row")
                    .iter()
                    .skip(1)
                    .map(String::from)
                    .collect()
            })
            .collect(),
    )
}

/// (train rows, test rows).
fn splits(test: &str) -> Option<(Rows, Rows)> {
    Some((load(test, "train")?, load(test, "test")?))
}

/// The Keras view of a review: its tokens joined by one space, PAD dropped.
fn keras_view(rows: &[Vec<String>]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            r.iter()
                .filter(|t| t.as_str() != "PAD")
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The lab's view: every cell, PAD included.
fn lab_view(rows: &[Vec<String>]) -> Vec<String> {
    rows.iter().map(|r| r.join(" ")).collect()
}

fn pairs_s_i(v: &Value) -> Vec<(String, i64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_i64().unwrap()))
        .collect()
}

fn index_lines(t: &Tokenizer) -> Vec<String> {
    t.word_index()
        .iter()
        .map(|(w, i)| format!("{w}\t{i}"))
        .collect()
}

fn check_tokenizer(r: &Value, train: &[String], test: &[String]) {
    let what = r["kwargs"].to_string();
    let mut tok = tokenizer_from_kwargs(&r["kwargs"]);
    tok.fit_on_texts(train).unwrap();
    assert_eq!(
        tok.get_document_count() as u64,
        r["document_count"].as_u64().unwrap(),
        "{what}"
    );
    let wi: Vec<(String, i64)> = tok
        .word_index()
        .iter()
        .map(|(w, &i)| (w.clone(), i))
        .collect();
    assert_eq!(
        wi.len() as u64,
        r["word_index_size"].as_u64().unwrap(),
        "{what}"
    );
    assert_eq!(
        wi[..20].to_vec(),
        pairs_s_i(&r["word_index_head"]),
        "head {what}"
    );
    assert_eq!(
        wi[wi.len() - 20..].to_vec(),
        pairs_s_i(&r["word_index_tail"]),
        "tail {what}"
    );
    assert_eq!(
        sha_lines(&index_lines(&tok)),
        r["word_index_sha256"].as_str().unwrap(),
        "{what}"
    );
    let counts: Vec<String> = tok
        .word_counts()
        .iter()
        .map(|(w, c)| format!("{w}\t{c}"))
        .collect();
    assert_eq!(
        sha_lines(&counts),
        r["word_counts_sha256"].as_str().unwrap(),
        "{what}"
    );
    let mut docs: Vec<String> = tok
        .word_docs()
        .iter()
        .map(|(w, c)| format!("{w}\t{c}"))
        .collect();
    docs.sort_unstable();
    assert_eq!(
        sha_lines(&docs),
        r["word_docs_sha256"].as_str().unwrap(),
        "{what}"
    );
    if let Some(oov) = r["kwargs"].get("oov_token").and_then(Value::as_str) {
        assert_eq!(
            tok.word_index().get(oov).copied(),
            r["oov_index"].as_i64(),
            "{what}"
        );
    }

    let all: Vec<String> = train.iter().chain(test).cloned().collect();
    let seqs = tok.texts_to_sequences(&all).unwrap();
    let longest = seqs.iter().map(Vec::len).max().unwrap();
    assert_eq!(
        longest as u64,
        r["longest_sequence"].as_u64().unwrap(),
        "{what}"
    );
    let n = train.len();
    assert_eq!(
        seqs[..3].to_vec(),
        i64_rows(&r["sequences_train_head"]),
        "{what}"
    );
    assert_eq!(
        seqs[n..n + 3].to_vec(),
        i64_rows(&r["sequences_test_head"]),
        "{what}"
    );
    assert_eq!(
        seq_sha(&seqs),
        r["sequences_sha256"].as_str().unwrap(),
        "{what}"
    );
    assert_eq!(
        sha_lines(&tok.sequences_to_texts(&seqs[n..])),
        r["sequences_to_texts_test_sha256"].as_str().unwrap(),
        "{what}"
    );

    let padded = pad_sequences(&seqs, PadSequences::new().maxlen(MAXLEN).padding("post")).unwrap();
    assert_eq!(
        r["pad55_post_shape"],
        serde_json::json!([padded.rows, padded.cols]),
        "{what}"
    );
    let nested = padded.to_nested();
    assert_eq!(
        nested[n..n + 3].to_vec(),
        i64_rows(&r["pad55_post_test_head"]),
        "{what}"
    );
    assert_eq!(
        seq_sha(&nested),
        r["pad55_post_sha256"].as_str().unwrap(),
        "{what}"
    );
}

#[test]
fn sst_tokenizer_matches_keras() {
    let Some((train_rows, test_rows)) = splits("sst_tokenizer_matches_keras") else {
        return;
    };
    let f = fixture("text_sst.json");
    let (train, test) = (keras_view(&train_rows), keras_view(&test_rows));
    assert_eq!(train.len() as u64, f["n_train"].as_u64().unwrap());
    assert_eq!(test.len() as u64, f["n_test"].as_u64().unwrap());
    assert_eq!(test[..3].to_vec(), strings(&f["test_head_texts"]));
    assert_eq!(
        sha_lines(&train),
        f["train_sha256"].as_str().unwrap(),
        "train view differs from Python's"
    );
    assert_eq!(
        sha_lines(&test),
        f["test_sha256"].as_str().unwrap(),
        "test view differs from Python's"
    );
    let cases = f["tokenizers"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for r in cases {
        check_tokenizer(r, &train, &test);
    }
}

#[test]
fn sst_text_vectorization_matches_keras() {
    let Some((train_rows, test_rows)) = splits("sst_text_vectorization_matches_keras") else {
        return;
    };
    let f = fixture("text_sst.json");
    let (train, test) = (keras_view(&train_rows), keras_view(&test_rows));

    for r in f["text_vectorization"].as_array().unwrap() {
        let what = r["kwargs"].to_string();
        let mut tv = vectorizer_from_record(r);
        tv.adapt(&train).unwrap();
        let vocab = tv.get_vocabulary(true);
        assert_eq!(
            vocab.len() as u64,
            r["vocab_size"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(vocab[..20].to_vec(), strings(&r["vocab_head"]), "{what}");
        assert_eq!(
            vocab[vocab.len() - 20..].to_vec(),
            strings(&r["vocab_tail"]),
            "{what}"
        );
        assert_eq!(
            sha_lines(&vocab),
            r["vocab_sha256"].as_str().unwrap(),
            "{what}"
        );
        let ids = tv.call(&test).unwrap().into_int().unwrap();
        assert_eq!(
            r["test_shape"],
            serde_json::json!([ids.rows, ids.cols]),
            "{what}"
        );
        let nested = ids.to_nested();
        assert_eq!(nested[..3].to_vec(), i64_rows(&r["test_head"]), "{what}");
        assert_eq!(
            seq_sha(&nested),
            r["test_sha256"].as_str().unwrap(),
            "{what}"
        );
    }

    let dense = f["text_vectorization_dense"].as_array().unwrap();
    assert_eq!(dense.len(), 4);
    for r in dense {
        let what = r["kwargs"].to_string();
        let mut tv = vectorizer_from_record(r);
        tv.adapt(&train).unwrap();
        assert_eq!(
            sha_lines(&tv.get_vocabulary(true)),
            r["vocab_sha256"].as_str().unwrap(),
            "{what}"
        );
        if let Some(head) = r["idf_head"].as_array() {
            let idf = tv.get_idf_weights().unwrap();
            assert_eq!(idf.len() as u64, r["idf_len"].as_u64().unwrap(), "{what}");
            for (j, (a, b)) in idf.iter().zip(head).enumerate() {
                let b = b.as_f64().unwrap();
                assert!((*a as f64 - b).abs() <= 1e-5, "idf[{j}] {a} vs {b} {what}");
            }
        }
        let out = tv.call(&test[..20]).unwrap().into_float().unwrap();
        assert_eq!(
            r["shape"],
            serde_json::json!([out.rows, out.cols]),
            "{what}"
        );
        let want = r["test_slice_nonzero"].as_array().unwrap();
        for (i, (row, w)) in out.rows_iter().zip(want).enumerate() {
            let got: Vec<(usize, f32)> = row
                .iter()
                .enumerate()
                .filter(|(_, &x)| x != 0.0)
                .map(|(j, &x)| (j, x))
                .collect();
            let w = w.as_array().unwrap();
            assert_eq!(got.len(), w.len(), "row {i} nonzero count {what}");
            for ((j, a), p) in got.iter().zip(w) {
                let (k, b) = (p[0].as_u64().unwrap() as usize, p[1].as_f64().unwrap());
                assert_eq!(*j, k, "row {i} {what}");
                assert!(
                    (*a as f64 - b).abs() <= 1e-5,
                    "row {i} col {j}: {a} vs {b} {what}"
                );
            }
        }
    }
}

/// Lab 8's `word2id` (ids by first appearance over every cell, PAD included) has 4823 entries; the
/// same vocabulary comes out of `Tokenizer(filters="", lower=False)` on the PAD-kept texts — its
/// insertion-ordered `word_counts` is exactly `id2word` — and out of
/// `TextVectorization(standardize=None, split="whitespace")` plus its two special tokens.
#[test]
fn sst_lab_word2id_through_keras_apis() {
    let Some((train_rows, test_rows)) = splits("sst_lab_word2id_through_keras_apis") else {
        return;
    };
    let f = fixture("text_sst.json");
    let r = &f["lab_word2id"];
    let rows: Rows = train_rows.into_iter().chain(test_rows).collect();
    let texts = lab_view(&rows);

    let mut tok = Tokenizer::new().filters("").lower(false);
    tok.fit_on_texts(&texts).unwrap();
    let id2word: Vec<String> = tok.word_counts().keys().cloned().collect();
    assert_eq!(id2word.len() as u64, r["vocab_size"].as_u64().unwrap());
    assert_eq!(id2word.len(), 4823, "Lab 8 prints Vocab size: 4823");
    assert_eq!(
        tok.word_index().len() as u64,
        r["tokenizer_word_index_size"].as_u64().unwrap()
    );
    assert_eq!(id2word[..20].to_vec(), strings(&r["id2word_head"]));
    assert_eq!(sha_lines(&id2word), r["id2word_sha256"].as_str().unwrap());
    assert_eq!(
        sha_lines(&id2word),
        r["tokenizer_word_counts_keys_sha256"].as_str().unwrap()
    );
    for (w, id) in r["lab_ids"].as_object().unwrap() {
        let got = id2word.iter().position(|x| x == w);
        assert_eq!(got.map(|p| p as u64), id.as_u64(), "lab id of {w}");
    }

    let mut tv = TextVectorizer::new()
        .standardize("none")
        .split("whitespace");
    tv.adapt(&texts).unwrap();
    let vocab = tv.get_vocabulary(true);
    assert_eq!(
        vocab.len() as u64,
        r["text_vectorization_vocab_size"].as_u64().unwrap()
    );
    assert_eq!(
        sha_lines(&vocab),
        r["text_vectorization_vocab_sha256"].as_str().unwrap()
    );
}
