//! Harvard BST 261, lecture 9 (RNNs), the text-vectorising slides, cell by cell (no data needed):
//!
//! * **N-grams**: the bag of 3-grams of "Data science rocks my socks off!" (15 tokens), from
//!   `TextVectorization(standardize=None, ngrams=3).adapt(...)`, compared with the slide's set;
//! * **One-hot encoding**: Rome / Paris / Italy / France as rows of `Tokenizer.texts_to_matrix(
//!   mode="binary")` (the slide numbers from 0; Keras reserves column 0, so it is dropped);
//! * **One-hot hashing**: `hashing_trick(text, n, hash_function="md5")` and `one_hot(text, n)` on
//!   the distinct words of the slides' texts for several `n`, with the collisions counted (words
//!   that land in a slot another word already holds) next to the number expected for `k` words in
//!   `n − 1` slots, `k − (n−1)·(1 − (1 − 1/(n−1))^k)`;
//! * **The three-review walk**: tokenize → pad (`maxlen=10`, `padding="post"`) → `Embedding(…, 3)`
//!   gives shape (3, 10, 3), on the slide's own ids and on a Tokenizer fitted to the three reviews;
//! * **SimpleRNN summaries**: `Embedding(10000, 32) → SimpleRNN(32)` in both modes (322,080 params)
//!   and four stacked (328,320).
//!
//! Keras's `one_hot` hashes with Python's built-in `hash`, which Python salts per process
//! (`PYTHONHASHSEED`), so Keras's `one_hot` ids change from run to run; kerust's `one_hot` hashes
//! with MD5, i.e. it equals `hashing_trick(hash_function="md5")`, which matches Keras exactly.
//!
//! ```sh
//! cargo run --release --example bst261_text -- --out plots --report bst261_text.json
//! ```
mod common;

use clap::Parser;
use common::{plot, save_plot, section, AnyResult, CommonArgs, Report};
use kerust::prelude::*;
use kerust::text::{HashingTrick, TextVectorizer};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Parser)]
#[command(about = "BST 261 lecture 9: n-grams, one-hot, the hashing trick, embeddings")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

/// The n-gram slide's sentence and its bag of 3-grams as printed there.
const NGRAM_SENTENCE: &str = "Data science rocks my socks off!";
const SLIDE_3GRAMS: [&str; 15] = [
    "Data",
    "Data science",
    "science",
    "science rocks",
    "Data science rocks",
    "rocks",
    "rocks my",
    "science rocks my",
    "my",
    "my socks",
    "socks",
    "rocks my socks",
    "off",
    "socks off",
    "my socks off",
];

/// The one-hot slide's words, in its order.
const ONE_HOT_WORDS: [&str; 4] = ["Rome", "Paris", "Italy", "France"];

/// The IMDb example slide's three reviews and the ids the slide gives them.
const REVIEWS: [&str; 3] = [
    "This movie was great!",
    "This movie was so bad I quit after ten minutes.",
    "The setting is enchanting and captivating.",
];
const SLIDE_IDS: [&[i64]; 3] = [
    &[5, 6, 11, 32],
    &[5, 6, 11, 14, 66, 3, 49, 55, 98, 121],
    &[31, 12, 2, 77, 33, 78],
];
const MAXLEN: usize = 10;
const EMBEDDING_DIM: usize = 3;

/// Hashing-space sizes `n` tried (indices fall in `[1, n − 1]`).
const HASH_SIZES: [usize; 4] = [10, 50, 1000, 10000];

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    set_random_seed(a.seed);
    let mut report = Report::new("bst261_text", a);
    ngrams(&mut report)?;
    one_hot_encoding(&mut report)?;
    hashing(a, &mut report)?;
    three_reviews(&mut report)?;
    simple_rnn_summaries(&mut report)?;
    report.write(a)
}

/// The bag of 3-grams: all 1-, 2- and 3-grams, as a set.
fn ngrams(report: &mut Report) -> AnyResult<()> {
    section("N-grams: a bag of 3-grams");
    // The slide keeps "Data" capitalised and drops "!": Keras's word splitter without lowercasing,
    // then TextVectorization with no further standardizing, n-grams up to 3.
    let words = text_to_word_sequence(NGRAM_SENTENCE, kerust::text::DEFAULT_FILTERS, false, " ")?;
    let joined = words.join(" ");
    let mut vectorizer = TextVectorizer::new().standardize("none").ngrams(3);
    vectorizer.adapt(&[joined.as_str()])?;
    let bag = vectorizer.get_vocabulary(false);
    println!("TextVectorization(standardize=None, ngrams=3).adapt([{joined:?}])");
    println!(
        "get_vocabulary() without '' and '[UNK]' ({} tokens):",
        bag.len()
    );
    println!("  {bag:?}");
    let ours: BTreeSet<&str> = bag.iter().map(String::as_str).collect();
    let slide: BTreeSet<&str> = SLIDE_3GRAMS.into_iter().collect();
    let same = ours == slide;
    println!(
        "same set as the slide's 15: {same} (unigrams {}, bigrams {}, trigrams {})",
        count_width(&bag, 1),
        count_width(&bag, 2),
        count_width(&bag, 3)
    );
    report.set("ngrams.tokens", bag.clone());
    report.set("ngrams.count", bag.len());
    report.set("ngrams.matches_slide", same);
    Ok(())
}

fn count_width(bag: &[String], n: usize) -> usize {
    bag.iter().filter(|t| t.split(' ').count() == n).count()
}

/// Rome = [1, 0, 0, 0, …]: one column per word of the vocabulary.
fn one_hot_encoding(report: &mut Report) -> AnyResult<()> {
    section("One-hot encoding: Rome, Paris, Italy, France");
    let mut tokenizer = Tokenizer::new().lower(false);
    tokenizer.fit_on_texts(&[ONE_HOT_WORDS.join(" ")])?;
    let matrix = tokenizer.texts_to_matrix(&ONE_HOT_WORDS, "binary")?;
    println!(
        "word_index = {:?}",
        tokenizer.word_index().iter().collect::<Vec<_>>()
    );
    println!(
        "texts_to_matrix(mode='binary') is {:?}; column 0 is Keras's reserved index, dropped below",
        matrix.shape()
    );
    let mut rows = serde_json::Map::new();
    for (word, row) in ONE_HOT_WORDS.iter().zip(matrix.rows_iter()) {
        let v: Vec<i32> = row[1..].iter().map(|&x| x as i32).collect();
        println!("{word:>7} = {v:?}");
        rows.insert(word.to_string(), serde_json::json!(v));
    }
    report.set("one_hot_encoding", serde_json::Value::Object(rows));
    report.set("one_hot_encoding.n", ONE_HOT_WORDS.len());
    Ok(())
}

/// Words sharing an index: `(collisions, groups of words per shared index)`.
fn collisions(words: &[String], ids: &[i64]) -> (usize, Vec<Vec<String>>) {
    let mut by_id: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (w, &i) in words.iter().zip(ids) {
        by_id.entry(i).or_default().push(w.clone());
    }
    let groups: Vec<Vec<String>> = by_id.into_values().filter(|g| g.len() > 1).collect();
    (groups.iter().map(|g| g.len() - 1).sum(), groups)
}

/// `k` distinct words hashed uniformly into `slots`: expected number landing on a taken slot.
fn expected_collisions(k: usize, slots: usize) -> f64 {
    let m = slots as f64;
    k as f64 - m * (1.0 - (1.0 - 1.0 / m).powi(k as i32))
}

fn hashing(a: &CommonArgs, report: &mut Report) -> AnyResult<()> {
    section("One-hot hashing: hashing_trick(hash_function='md5') and one_hot");
    // The distinct words of the slides' texts, in first-appearance order.
    let mut words: Vec<String> = Vec::new();
    let texts: Vec<&str> = REVIEWS
        .iter()
        .copied()
        .chain([NGRAM_SENTENCE, "Rome Paris Italy France"])
        .collect();
    for t in &texts {
        for w in text_to_word_sequence(t, kerust::text::DEFAULT_FILTERS, true, " ")? {
            if !words.contains(&w) {
                words.push(w);
            }
        }
    }
    let k = words.len();
    println!("{k} distinct words (lowercased, Keras's filters) from the slides' texts");
    report.set("hashing.words", k);
    // Each review through hashing_trick, as Keras prints it (checked against tf_keras 2.21).
    for n in [10, 1000] {
        let per_review: Vec<Vec<i64>> = REVIEWS
            .iter()
            .map(|r| hashing_trick(r, n, HashingTrick::new().hash_function("md5")))
            .collect::<Result<_, _>>()?;
        println!("hashing_trick(review, {n}, hash_function='md5') = {per_review:?}");
        report.set(
            &format!("hashing_trick.reviews.n{n}"),
            serde_json::to_value(&per_review)?,
        );
    }
    let (mut measured, mut expected) = (Vec::new(), Vec::new());
    println!(
        "\n{:>6}  {:>10}  {:>8}  colliding words",
        "n", "collisions", "expected"
    );
    for n in HASH_SIZES {
        let joined = words.join(" ");
        let hashed = hashing_trick(&joined, n, HashingTrick::new().hash_function("md5"))?;
        let oh = one_hot(&joined, n, HashingTrick::new())?;
        let (c, groups) = collisions(&words, &hashed);
        let (c_one_hot, _) = collisions(&words, &oh);
        let e = expected_collisions(k, n - 1);
        let shown: Vec<String> = groups.iter().take(4).map(|g| g.join("/")).collect();
        let more = if groups.len() > 4 { " …" } else { "" };
        println!("{n:>6}  {c:>10}  {e:>8.2}  {}{more}", shown.join(", "));
        report.set(&format!("hashing_trick.n{n}.collisions"), c);
        report.set(
            &format!("hashing_trick.n{n}.expected"),
            (e * 1e4).round() / 1e4,
        );
        report.set(
            &format!("hashing_trick.n{n}.groups"),
            serde_json::to_value(&groups)?,
        );
        report.set(&format!("one_hot.n{n}.collisions"), c_one_hot);
        measured.push(c as f32);
        expected.push(e as f32);
    }
    println!(
        "one_hot gives the same ids (kerust hashes it with MD5; Keras's one_hot uses Python's \
         salted hash(), so its ids — and collisions — change with every Python process)"
    );
    let labels: Vec<String> = HASH_SIZES.iter().map(|n| format!("n = {n}")).collect();
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    save_plot(a, "hashing_collisions.png", |p| {
        plot::grouped_bars(
            p,
            &format!("Hash collisions among {k} words"),
            "words on a taken slot",
            &labels,
            &[("measured (md5)", measured), ("expected", expected)],
        )
    })?;
    Ok(())
}

/// What one walk gives: the padded ids, the embedded shape and its values (row-major).
type Walk = (Vec<Vec<i64>>, Vec<usize>, Vec<f32>);

/// `pad_sequences(ids, maxlen=10, padding='post')` → `Embedding(input_dim, 3)` → (3, 10, 3).
fn embed(ids: &[Vec<i64>], input_dim: usize) -> AnyResult<Walk> {
    let x = pad_sequences(ids, PadSequences::new().maxlen(MAXLEN).padding("post"))?;
    let padded = x.to_nested();
    let mut model = Sequential::new();
    model.add(Input::new(&[MAXLEN]).dtype("int32"))?;
    model.add(Embedding::new(input_dim, EMBEDDING_DIM))?;
    let out = model.predict(&IntTensor::from_vec(x.into_vec(), &[ids.len(), MAXLEN])?)?;
    Ok((padded, out.shape().to_vec(), out.to_vec()?))
}

fn three_reviews(report: &mut Report) -> AnyResult<()> {
    section("IMDb example: tokenization → padding → embedding of three reviews");
    let slide: Vec<Vec<i64>> = SLIDE_IDS.iter().map(|s| s.to_vec()).collect();
    let max_id = slide.iter().flatten().copied().max().unwrap_or(0) as usize;
    let (padded, shape, _) = embed(&slide, max_id + 1)?;
    println!("the slide's ids, padded (maxlen={MAXLEN}, padding='post'):");
    for row in &padded {
        println!("  {row:?}");
    }
    println!(
        "Embedding({}, {EMBEDDING_DIM}) output shape: {shape:?} (slide: (3, 10, 3))",
        max_id + 1
    );
    report.set("walk.slide_padded", serde_json::to_value(&padded)?);
    report.set("walk.slide_shape", shape);

    // The same walk with a Tokenizer fitted to the three reviews (the slide's ids come from a
    // larger vocabulary, so ours are smaller numbers).
    let mut tokenizer = Tokenizer::new();
    tokenizer.fit_on_texts(&REVIEWS)?;
    let seqs = tokenizer.texts_to_sequences(&REVIEWS)?;
    let vocab = tokenizer.word_index().len();
    println!("\nTokenizer().fit_on_texts(reviews): {vocab} words");
    for (r, s) in REVIEWS.iter().zip(&seqs) {
        println!("  {r:<50} → {s:?}");
    }
    let (padded, shape, values) = embed(&seqs, vocab + 1)?;
    println!("padded:");
    for row in &padded {
        println!("  {row:?}");
    }
    println!(
        "Embedding({}, {EMBEDDING_DIM})(padded).shape = {shape:?}",
        vocab + 1
    );
    // "This" is id 1 in every review: each word is one vector, wherever it appears.
    let this = &values[0..EMBEDDING_DIM];
    let same = (0..2).all(|r| &values[r * MAXLEN * EMBEDDING_DIM..][..EMBEDDING_DIM] == this);
    println!(
        "\"This\" = {this:?} (random: Keras's uniform ±0.05 initialiser), the same vector in reviews 1 and 2: {same}"
    );
    let pads = padded.iter().flatten().filter(|&&v| v == 0).count();
    println!(
        "{pads} padded positions (id 0); the slide draws them as [0, 0, 0], Keras's Embedding gives \
         id 0 a learned vector like any other (mask_zero=True makes later layers skip them)"
    );
    report.set("walk.word_index_size", vocab);
    report.set("walk.sequences", serde_json::to_value(&seqs)?);
    report.set("walk.padded", serde_json::to_value(&padded)?);
    report.set("walk.embedded_shape", shape);
    report.set("walk.padding_positions", pads);
    report.set("walk.same_word_same_vector", same);
    Ok(())
}

/// `Sequential([Embedding(10000, 32), SimpleRNN(32, return_sequences=…) × stack])`.
fn rnn_stack(return_sequences: &[bool]) -> AnyResult<Sequential> {
    let mut m = Sequential::new();
    m.add(Input::with_shape(vec![None]).dtype("int32"))?;
    m.add(Embedding::new(10000, 32))?;
    for &r in return_sequences {
        m.add(SimpleRNN::new(32).return_sequences(r))?;
    }
    Ok(m)
}

fn simple_rnn_summaries(report: &mut Report) -> AnyResult<()> {
    for (key, title, stack, lecture) in [
        (
            "simple_rnn",
            "Embedding(10000, 32) → SimpleRNN(32)",
            &[false][..],
            "322,080",
        ),
        (
            "simple_rnn_sequences",
            "Embedding(10000, 32) → SimpleRNN(32, return_sequences=True)",
            &[true][..],
            "322,080",
        ),
        (
            "stacked",
            "Embedding(10000, 32) → 3 × SimpleRNN(32, return_sequences=True) → SimpleRNN(32)",
            &[true, true, true, false][..],
            "328,320",
        ),
    ] {
        section(title);
        let m = rnn_stack(stack)?;
        m.summary();
        println!("(lecture: Total params: {lecture})");
        report.set(&format!("{key}.params"), m.count_params());
        // The two modes on one review of 5 words: (1, 32) vs (1, 5, 32).
        let mut m = m;
        let out = m.predict(&IntTensor::from_vec(vec![1, 2, 3, 4, 5], &[1, 5])?)?;
        println!("output shape for one 5-word review: {:?}", out.shape());
        report.set(&format!("{key}.output_shape_5_words"), out.shape().to_vec());
    }
    Ok(())
}
