//! "Converting text into numbers": the shared `text_vectorizer` (`TextVectorization(max_tokens=10000,
//! output_sequence_length=15)`) adapted on the training sentences, and what it makes of a few.
use crate::common::{section, AnyResult, Report};
use crate::{Splits, MAX_LENGTH, MAX_VOCAB};
use kerust::datasets::RandomState;
use kerust::prelude::*;

/// The notebook's `text_vectorizer`, adapted, and its vocabulary (`get_vocabulary()`).
pub fn adapt_text_vectorizer(
    report: &mut Report,
    data: &Splits,
    seed: u64,
) -> AnyResult<(TextVectorization, Vec<String>)> {
    section("Converting text into numbers: TextVectorization");
    let avg = average_tokens(&data.train_sentences);
    println!("average tokens per training tweet: {avg}   (lecture 15)");
    report.set("avg_tokens", avg);
    // The vocabulary is learned from all training sentences, also with --quick (it takes a moment).
    let mut text_vectorizer = TextVectorization::new()
        .max_tokens(MAX_VOCAB)
        .output_mode("int")
        .output_sequence_length(MAX_LENGTH);
    text_vectorizer.adapt(&data.train_sentences)?;
    let sample_sentence = "There's a flood in my street!";
    println!(
        "text_vectorizer([{sample_sentence:?}]) = {:?}",
        ids_of(&text_vectorizer, &[sample_sentence])?[0]
    );
    let random_sentence =
        RandomState::new(seed as u32).choice_without_replacement(&data.train_sentences, 1);
    println!(
        "Original text:\n{}\n\nVectorized version:\n{:?}",
        random_sentence[0],
        ids_of(&text_vectorizer, &[random_sentence[0].as_str()])?[0]
    );
    let words_in_vocab = text_vectorizer.get_vocabulary();
    let top_5: Vec<&String> = words_in_vocab.iter().take(5).collect();
    let bottom_5: Vec<&String> = words_in_vocab[words_in_vocab.len().saturating_sub(5)..]
        .iter()
        .collect();
    println!(
        "Number of words in vocab: {}   (lecture 10000)",
        words_in_vocab.len()
    );
    println!("Top 5 most common words: {top_5:?}   (lecture ['', '[UNK]', 'the', 'a', 'in'])");
    println!(
        "Bottom 5 least common words: {bottom_5:?}   (lecture ['pages', 'paeds', 'padres', 'paddytomlin', …])"
    );
    report.set("vocab.size", words_in_vocab.len());
    report.set(
        "vocab.top5",
        top_5.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
    );
    report.set(
        "vocab.bottom5",
        bottom_5.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
    );
    Ok((text_vectorizer, words_in_vocab))
}

fn average_tokens(texts: &[String]) -> i64 {
    let total: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    (total as f64 / texts.len().max(1) as f64).round_ties_even() as i64
}

pub fn ids_of(tv: &TextVectorization, texts: &[&str]) -> AnyResult<Vec<Vec<i64>>> {
    match tv.call_texts(texts)? {
        Data::Int(t) => Ok(t
            .data()
            .chunks(t.shape()[1].max(1))
            .map(<[i64]>::to_vec)
            .collect()),
        _ => Err("text_vectorizer in int mode returns ids".into()),
    }
}
