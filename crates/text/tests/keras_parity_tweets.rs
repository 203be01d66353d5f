//! Parity with Keras on the 7613 disaster tweets (nlp_getting_started/train.csv, read via
//! KERUST_DATA): vocabularies, hashes of every sequence, padded matrices and tf-idf rows.

mod common;

use common::*;
use kerust_text::{
    hashing_trick, pad_sequences, HashingTrick, PadSequences, TextVectorizer, Tokenizer,
};
use serde_json::Value;

fn tweets(test: &str) -> Option<Vec<String>> {
    let path = kerust_test_support::data_file(test, "nlp_getting_started/train.csv")?;
    let mut rdr = csv::Reader::from_path(&path).expect("open train.csv");
    let col = rdr
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == "text")
        .expect("text column");
    Some(
        rdr.records()
            .map(|r| r.expect("csv row")[col].to_string())
            .collect(),
    )
}

fn pairs_s_u(v: &Value) -> Vec<(String, u64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_u64().unwrap()))
        .collect()
}

fn nonzero_rows(v: &Value) -> Vec<Vec<(usize, f64)>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_u64().unwrap() as usize, p[1].as_f64().unwrap()))
                .collect()
        })
        .collect()
}

fn assert_nonzero(rows: &[&[f32]], want: &[Vec<(usize, f64)>], what: &str) {
    assert_eq!(rows.len(), want.len());
    for (r, w) in rows.iter().zip(want) {
        let got: Vec<(usize, f32)> = r
            .iter()
            .enumerate()
            .filter(|(_, &x)| x != 0.0)
            .map(|(j, &x)| (j, x))
            .collect();
        assert_eq!(got.len(), w.len(), "nonzero count {what}");
        for ((j, a), (k, b)) in got.iter().zip(w) {
            assert_eq!(j, k, "{what}");
            assert!(close(*a as f64, *b), "{what}: col {j}: {a} vs {b}");
        }
    }
}

#[test]
fn tweets_tokenizer_matches_keras() {
    let Some(texts) = tweets("tweets_tokenizer_matches_keras") else {
        return;
    };
    let f = fixture("text_tweets.json");
    assert_eq!(texts.len() as u64, f["n_texts"].as_u64().unwrap());
    assert_eq!(
        sha_lines(&texts),
        f["texts_sha256"].as_str().unwrap(),
        "csv parsing differs from Python's"
    );

    let r = &f["tokenizer_default"];
    let mut tok = Tokenizer::new();
    tok.fit_on_texts(&texts).unwrap();
    assert_eq!(
        tok.get_document_count() as u64,
        r["document_count"].as_u64().unwrap()
    );
    assert_eq!(
        tok.word_index().len() as u64,
        r["vocab_size"].as_u64().unwrap()
    );
    let top: Vec<(String, u64)> = tok
        .word_index()
        .iter()
        .take(300)
        .map(|(w, &i)| (w.clone(), i as u64))
        .collect();
    assert_eq!(top, pairs_s_u(&r["word_index_top"]));
    let first: Vec<(String, u64)> = tok
        .word_counts()
        .iter()
        .take(300)
        .map(|(w, &c)| (w.clone(), c))
        .collect();
    assert_eq!(first, pairs_s_u(&r["word_counts_first"]));
    let lines: Vec<String> = tok
        .word_counts()
        .iter()
        .map(|(w, c)| format!("{w}\t{c}"))
        .collect();
    assert_eq!(sha_lines(&lines), r["word_counts_sha256"].as_str().unwrap());
    let lines: Vec<String> = tok
        .word_index()
        .iter()
        .map(|(w, i)| format!("{w}\t{i}"))
        .collect();
    assert_eq!(sha_lines(&lines), r["word_index_sha256"].as_str().unwrap());
    let mut lines: Vec<String> = tok
        .word_docs()
        .iter()
        .map(|(w, c)| format!("{w}\t{c}"))
        .collect();
    lines.sort_unstable();
    assert_eq!(sha_lines(&lines), r["word_docs_sha256"].as_str().unwrap());
    let seqs = tok.texts_to_sequences(&texts).unwrap();
    assert_eq!(seq_sha(&seqs), r["sequences_sha256"].as_str().unwrap());
    let pre = pad_sequences(&seqs, PadSequences::new().maxlen(15)).unwrap();
    assert_eq!(
        seq_sha(&pre.to_nested()),
        r["pad15_pre_sha256"].as_str().unwrap()
    );
    let post = pad_sequences(
        &seqs,
        PadSequences::new()
            .maxlen(15)
            .padding("post")
            .truncating("post"),
    )
    .unwrap();
    assert_eq!(
        seq_sha(&post.to_nested()),
        r["pad15_post_sha256"].as_str().unwrap()
    );
    let longest = pad_sequences(&seqs, PadSequences::new()).unwrap();
    assert_eq!(
        format!("{:?}", [longest.rows, longest.cols]),
        r["pad_longest_shape"].to_string().replace(',', ", ")
    );

    let r = &f["tokenizer_5000_oov"];
    let mut tok = Tokenizer::new().num_words(5000).oov_token("<OOV>");
    tok.fit_on_texts(&texts).unwrap();
    let seqs = tok.texts_to_sequences(&texts).unwrap();
    assert_eq!(seq_sha(&seqs), r["sequences_sha256"].as_str().unwrap());
    assert_eq!(
        sha_lines(&tok.sequences_to_texts(&seqs)),
        r["sequences_to_texts_sha256"].as_str().unwrap()
    );
    let m = tok.texts_to_matrix(&texts[..8], "tfidf").unwrap();
    let rows: Vec<&[f32]> = m.rows_iter().collect();
    assert_nonzero(&rows, &nonzero_rows(&r["tfidf_first8_nonzero"]), "tfidf");
    let c = tok.texts_to_matrix(&texts[..8], "count").unwrap();
    assert_eq!(
        c.data.iter().map(|&x| x as f64).sum::<f64>(),
        r["count_first8_sum"].as_f64().unwrap()
    );

    let r = &f["tokenizer_char"];
    let mut tok = Tokenizer::new().char_level(true);
    tok.fit_on_texts(&texts).unwrap();
    let lines: Vec<String> = tok
        .word_index()
        .iter()
        .map(|(w, i)| format!("{w}\t{i}"))
        .collect();
    assert_eq!(sha_lines(&lines), r["word_index_sha256"].as_str().unwrap());
    assert_eq!(
        seq_sha(&tok.texts_to_sequences(&texts).unwrap()),
        r["sequences_sha256"].as_str().unwrap()
    );

    let hashed: Vec<Vec<i64>> = texts
        .iter()
        .map(|t| hashing_trick(t, 1000, HashingTrick::new()).unwrap())
        .collect();
    assert_eq!(
        seq_sha(&hashed),
        f["hashing_trick_md5_1000_sha256"].as_str().unwrap()
    );
}

#[test]
fn tweets_text_vectorization_matches_keras() {
    let Some(texts) = tweets("tweets_text_vectorization_matches_keras") else {
        return;
    };
    let f = fixture("text_tweets.json");

    let r = &f["tv_default"];
    let mut tv = TextVectorizer::new().output_sequence_length(15);
    tv.adapt(&texts).unwrap();
    let vocab = tv.get_vocabulary(true);
    assert_eq!(vocab.len() as u64, r["vocab_size"].as_u64().unwrap());
    assert_eq!(vocab[..300].to_vec(), strings(&r["vocab_top"]));
    assert_eq!(sha_lines(&vocab), r["vocab_sha256"].as_str().unwrap());
    let ids = tv.call(&texts).unwrap().into_int().unwrap();
    assert_eq!(
        seq_sha(&ids.to_nested()),
        r["int15_sha256"].as_str().unwrap()
    );
    let mut tv = TextVectorizer::new();
    tv.adapt(&texts).unwrap();
    let ids = tv.call(&texts).unwrap().into_int().unwrap();
    assert_eq!(r["ragged_shape"], serde_json::json!([ids.rows, ids.cols]));
    assert_eq!(
        seq_sha(&ids.to_nested()),
        r["ragged_sha256"].as_str().unwrap()
    );

    let r = &f["tv_tfidf_10000"];
    let mut tv = TextVectorizer::new()
        .max_tokens(10000)
        .output_mode("tf_idf");
    tv.adapt(&texts).unwrap();
    assert_eq!(
        sha_lines(&tv.get_vocabulary(true)),
        r["vocab_sha256"].as_str().unwrap()
    );
    let idf = tv.get_idf_weights().unwrap();
    for (a, b) in idf.iter().zip(r["idf_first"].as_array().unwrap()) {
        assert!(close(*a as f64, b.as_f64().unwrap()), "idf {a} vs {b}");
    }
    let out = tv.call(&texts[..5]).unwrap().into_float().unwrap();
    let rows: Vec<&[f32]> = out.rows_iter().collect();
    assert_nonzero(&rows, &nonzero_rows(&r["first5_nonzero"]), "tv tf_idf");

    let r = &f["tv_bigrams_20000"];
    let mut tv = TextVectorizer::new().max_tokens(20000).ngrams(2);
    tv.adapt(&texts).unwrap();
    let vocab = tv.get_vocabulary(true);
    assert_eq!(vocab.len() as u64, r["vocab_size"].as_u64().unwrap());
    assert_eq!(vocab[..50].to_vec(), strings(&r["vocab_top"]));
    assert_eq!(sha_lines(&vocab), r["vocab_sha256"].as_str().unwrap());

    let r = &f["tv_char_count"];
    let mut tv = TextVectorizer::new()
        .split("character")
        .output_mode("count");
    tv.adapt(&texts).unwrap();
    assert_eq!(
        sha_lines(&tv.get_vocabulary(true)),
        r["vocab_sha256"].as_str().unwrap()
    );
    let out = tv.call(&texts[..3]).unwrap().into_float().unwrap();
    let rows: Vec<&[f32]> = out.rows_iter().collect();
    assert_nonzero(&rows, &nonzero_rows(&r["first3_nonzero"]), "char count");
}
