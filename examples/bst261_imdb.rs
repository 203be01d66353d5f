//! Harvard BST 261, lecture 9 (RNNs), the IMDb parts that need no GloVe:
//!
//! * the model summaries: `Embedding(10000, 8, input_length=20) → Flatten → Dense(1, sigmoid)`,
//!   `Embedding(10000, 32) → SimpleRNN(32)` in both modes (322,080 params) and four stacked
//!   SimpleRNN(32) (328,320) — printed always, no data needed;
//! * with `imdb.npz` in the data folder (`cargo xtask download imdb`): the Embedding + Flatten
//!   classifier on the first 20 words (RMSprop, 10 epochs, batch 32, validation_split 0.2; lecture
//!   ≈ 75 %), and `Embedding(10000, 32) → SimpleRNN(32) → Dense(1, sigmoid)` on 100 words with
//!   RMSprop (10 epochs, batch 128; lecture "up to 85 %" validation accuracy).
//!
//! ```sh
//! cargo run --release --example bst261_imdb -- --data DIR_WITH_IMDB_NPZ --out plots --report imdb.json
//! ```
mod common;

use clap::Parser;
use common::{plot, save_plot, section, AnyResult, CommonArgs, Report};
use kerust::prelude::*;

#[derive(Parser)]
#[command(about = "BST 261 lecture 9: IMDb word embeddings and SimpleRNN")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

const MAX_FEATURES: usize = 10000;

/// `Sequential([Embedding(10000, 32), SimpleRNN(32, return_sequences=...) × stack])` over
/// variable-length id sequences, as the slides print it.
fn rnn_stack(return_sequences: &[bool]) -> AnyResult<Sequential> {
    let mut m = Sequential::new();
    m.add(Input::with_shape(vec![None]).dtype("int32"))?;
    m.add(Embedding::new(MAX_FEATURES, 32))?;
    for &r in return_sequences {
        m.add(SimpleRNN::new(32).return_sequences(r))?;
    }
    Ok(m)
}

/// Keras `pad_sequences(x, maxlen)` (pre-padding, pre-truncation) as an int tensor.
fn padded(x: &[Vec<i64>], maxlen: usize, limit: usize) -> AnyResult<IntTensor> {
    let n = x.len().min(limit);
    let m = pad_sequences(&x[..n], PadSequences::new().maxlen(maxlen))?;
    Ok(IntTensor::from_vec(m.into_vec(), &[n, maxlen])?)
}

fn labels(y: &[i64], limit: usize) -> AnyResult<Tensor> {
    let n = y.len().min(limit);
    Ok(Tensor::from_vec(
        y[..n].iter().map(|&v| v as f32).collect(),
        &[n, 1],
    )?)
}

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    set_random_seed(a.seed);
    let mut report = Report::new("bst261_imdb", a);

    section("Embedding(10000, 8, input_length=20) → Flatten → Dense(1, sigmoid)");
    let mut flat = Sequential::new();
    flat.add(Input::new(&[20]).dtype("int32"))?;
    flat.add(Embedding::new(MAX_FEATURES, 8).input_length(20))?;
    flat.add(Flatten::new())?;
    flat.add(Dense::new(1).activation("sigmoid"))?;
    flat.summary();
    report.set("flatten.params", flat.count_params());

    section("Embedding(10000, 32) → SimpleRNN(32)");
    let last = rnn_stack(&[false])?;
    last.summary();
    section("Embedding(10000, 32) → SimpleRNN(32, return_sequences=True)");
    let seqs = rnn_stack(&[true])?;
    seqs.summary();
    section("Embedding(10000, 32) → 3 × SimpleRNN(32, return_sequences=True) → SimpleRNN(32)");
    let stacked = rnn_stack(&[true, true, true, false])?;
    stacked.summary();
    println!("(lecture: 322,080 / 322,080 / 328,320 params; 2,080 per SimpleRNN(32))");
    report.set("simple_rnn.params", last.count_params());
    report.set("simple_rnn_sequences.params", seqs.count_params());
    report.set("stacked.params", stacked.count_params());

    let Some(dir) = a.data_dir() else {
        println!(
            "\nSKIP training: no data folder. IMDb is not mirrored with the lecture data: run \
             `cargo xtask download imdb` (it writes into {} or the cache folder) and pass --data DIR.",
            kerust::datasets::DATA_ENV
        );
        return report.write(a);
    };
    if !dir.join("imdb.npz").exists() {
        println!(
            "\nSKIP training: {} has no imdb.npz. Get it with `cargo xtask download imdb --dir {}`.",
            dir.display(),
            dir.display()
        );
        return report.write(a);
    }
    let (train, test) = ImdbLoadData::new()
        .num_words(MAX_FEATURES)
        .load_from(&dir.join("imdb.npz"))?;
    let limit = if a.quick { 2000 } else { usize::MAX };

    section("Word embeddings on the first 20 words (RMSprop, 10 epochs, batch 32)");
    let x_train = padded(&train.x, 20, limit)?;
    let x_test = padded(&test.x, 20, limit)?;
    let (y_train, y_test) = (
        labels(train.y.as_slice().unwrap_or(&[]), limit)?,
        labels(test.y.as_slice().unwrap_or(&[]), limit)?,
    );
    flat.compile(RMSprop::new(), "binary_crossentropy", &["accuracy"])?;
    let started = std::time::Instant::now();
    let h = flat.fit(
        &x_train,
        &y_train,
        FitArgs::new()
            .epochs(a.epochs(10, 1))
            .batch_size(32)
            .validation_split(0.2),
    )?;
    let secs = started.elapsed().as_secs_f64();
    let ev = flat.evaluate(&x_test, &y_test, 32)?;
    let val = h.get("val_accuracy").unwrap_or(&[]).to_vec();
    let test_acc = ev.get("accuracy").unwrap_or(f32::NAN);
    println!(
        "final val_accuracy {:.4}; test accuracy {test_acc:.4} (lecture ≈ 0.75) [{secs:.1}s]",
        val.last().copied().unwrap_or(f32::NAN)
    );
    report.set_list("flatten.val_accuracy", &val);
    report.set_f("flatten.test_accuracy", test_acc as f64);
    report.set_f("flatten.seconds", secs);

    section("SimpleRNN(32) on the first 100 words (RMSprop, 10 epochs, batch 128)");
    let x_train = padded(&train.x, 100, limit)?;
    let mut rnn = rnn_stack(&[false])?;
    rnn.add(Dense::new(1).activation("sigmoid"))?;
    rnn.compile(RMSprop::new(), "binary_crossentropy", &["accuracy"])?;
    let started = std::time::Instant::now();
    let h = rnn.fit(
        &x_train,
        &y_train,
        FitArgs::new()
            .epochs(a.epochs(10, 1))
            .batch_size(128)
            .validation_split(0.2),
    )?;
    let secs = started.elapsed().as_secs_f64();
    let rnn_val = h.get("val_accuracy").unwrap_or(&[]).to_vec();
    let best = rnn_val.iter().copied().fold(f32::NAN, f32::max);
    println!("best val_accuracy {best:.4} (lecture: up to 0.85) [{secs:.1}s]");
    report.set_list("simple_rnn.val_accuracy", &rnn_val);
    report.set_f("simple_rnn.best_val_accuracy", best as f64);
    report.set_f("simple_rnn.seconds", secs);
    save_plot(a, "imdb_val_accuracy.png", |p| {
        plot::lines(
            p,
            "IMDb validation accuracy",
            "Epoch",
            "val_accuracy",
            &[
                ("Embedding+Flatten (20 words)", &val),
                ("SimpleRNN(32) (100 words)", &rnn_val),
            ],
        )
    })?;
    report.write(a)
}
