//! Lecture 18, "Detour: Text is a Time Series!": tokenize four sentences with `Tokenizer(num_words=10)`,
//! turn them into padded sequences, and embed them with `Embedding(input_dim=11, output_dim=3)`.
//!
//! Everything but the embedding values is deterministic and matches the lecture exactly; the
//! embedding weights are random (uniform ±0.05, Keras's default), so only their shape and range match.
//!
//! ```sh
//! cargo run --release --example lecture18_text_intro -- --report text_intro.json
//! ```
mod common;

use clap::Parser;
use common::{section, AnyResult, CommonArgs, Report};
use kerust::prelude::*;

#[derive(Parser)]
#[command(about = "Lecture 18: Tokenizer, pad_sequences and Embedding on four sentences")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

const SENTENCES: [&str; 4] = [
    "I love Stats so much",
    "I love ML too",
    "I love DS",
    "I love NN",
];

/// Python-style rendering of a `{key: value}` dict.
fn dict<K: std::fmt::Display, V: std::fmt::Display>(
    items: impl Iterator<Item = (K, V)>,
    quote_key: bool,
    quote_value: bool,
) -> String {
    let q = |s: String, on: bool| if on { format!("'{s}'") } else { s };
    let body: Vec<String> = items
        .map(|(k, v)| {
            format!(
                "{}: {}",
                q(k.to_string(), quote_key),
                q(v.to_string(), quote_value)
            )
        })
        .collect();
    format!("{{{}}}", body.join(", "))
}

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    set_random_seed(a.seed);
    let mut report = Report::new("lecture18_text_intro", a);

    section("But we first have to tokenize it");
    let mut tokenizer = Tokenizer::new().num_words(10);
    tokenizer.fit_on_texts(&SENTENCES)?;
    let counts: Vec<String> = tokenizer
        .word_counts()
        .iter()
        .map(|(w, c)| format!("('{w}', {c})"))
        .collect();
    println!("word_counts: OrderedDict([{}])", counts.join(", "));
    println!(
        "word_index:  {}",
        dict(tokenizer.word_index().iter(), true, false)
    );
    println!(
        "index_word:  {}",
        dict(tokenizer.index_word().iter(), false, true)
    );
    report.set(
        "word_index",
        serde_json::to_value(
            tokenizer
                .word_index()
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect::<std::collections::BTreeMap<_, _>>(),
        )?,
    );

    section("Then make it a sequence");
    let text_sequences = tokenizer.texts_to_sequences(&SENTENCES)?;
    println!("texts_to_sequences: {text_sequences:?}");
    report.set("text_sequences", serde_json::to_value(&text_sequences)?);
    let x = pad_sequences(
        &text_sequences,
        PadSequences::new()
            .padding("post")
            .truncating("post")
            .maxlen(4),
    )?;
    println!("pad_sequences(padding='post', truncating='post', maxlen=4):");
    for row in x.rows_iter() {
        println!("  {row:?}");
    }
    let padded = x.to_nested();
    report.set("padded", serde_json::to_value(&padded)?);

    section("Now we can embed it: Embedding(input_dim=10 + 1, output_dim=3)");
    let mut embed = Sequential::new();
    embed.add(Input::new(&[4]).dtype("int32"))?;
    embed.add(Embedding::new(10 + 1, 3))?;
    let ids = IntTensor::from_vec(x.clone().into_vec(), &[4, 4])?;
    let out = embed.predict(&ids)?;
    let values = out.to_vec()?;
    println!("embed_layer([1]) = {:?}", &values[0..3]);
    println!("X_embedded.shape = {:?}", out.shape());
    for (i, sample) in values.chunks(12).enumerate() {
        println!("sample {i}:");
        for step in sample.chunks(3) {
            println!("  {step:?}");
        }
    }
    // Same id → same vector: row 0 of every sample is word 1 ('i'), row 1 word 2 ('love').
    let same = (1..4).all(|i| values[i * 12..i * 12 + 6] == values[0..6]);
    println!("ids 1 and 2 embed identically in all four sentences: {same}");
    let max_abs = values.iter().fold(0f32, |m, v| m.max(v.abs()));
    println!("largest |value| {max_abs:.4} (initialiser: uniform in [-0.05, 0.05])");
    report.set("embedded_shape", out.shape().to_vec());
    report.set("embedding_params", embed.count_params());
    report.set("embedding_shared_rows_equal", same);
    report.set_f("embedding_max_abs", max_abs as f64);
    report.write(a)
}
