//! Seq2seq without a download: the example generates digit strings and learns to reverse them
//! with the Keras encoder–decoder recipe (encoder LSTM → RepeatVector → decoder LSTM →
//! TimeDistributed(Dense softmax)), then reports per-digit and whole-string test accuracy.
//!
//! ```sh
//! cargo run --release --example seq2seq_reverse -- --report seq2seq.json
//! ```
mod common;

use clap::Parser;
use common::{argmax_rows, section, AnyResult, CommonArgs, Report};
use kerust::prelude::*;

#[derive(Parser)]
#[command(about = "Learn to reverse digit strings with an LSTM encoder-decoder (no download)")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

/// Digits per string.
const STEPS: usize = 5;
/// Digits 0-9.
const VOCAB: usize = 10;

/// `n` random strings: one-hot inputs `[n, STEPS, VOCAB]`, reversed digit labels `[n, STEPS]`.
fn generate(n: usize, rng: &mut Rng) -> AnyResult<(Tensor, Tensor, Vec<i64>)> {
    let digits: Vec<usize> = (0..n * STEPS)
        .map(|_| (rng.next_u64() % VOCAB as u64) as usize)
        .collect();
    let mut x = vec![0.0f32; n * STEPS * VOCAB];
    let mut y = vec![0.0f32; n * STEPS];
    for s in 0..n {
        for t in 0..STEPS {
            x[(s * STEPS + t) * VOCAB + digits[s * STEPS + t]] = 1.0;
            y[s * STEPS + t] = digits[s * STEPS + STEPS - 1 - t] as f32;
        }
    }
    let truth = y.iter().map(|&v| v as i64).collect();
    Ok((
        Tensor::from_vec(x, &[n, STEPS, VOCAB])?,
        Tensor::from_vec(y, &[n, STEPS])?,
        truth,
    ))
}

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    set_random_seed(a.seed);
    let mut report = Report::new("seq2seq_reverse", a);
    let mut rng = Rng::seed(a.seed.wrapping_add(19));
    let (n_train, n_test) = if a.quick { (512, 128) } else { (6000, 1000) };
    let (x_train, y_train, _) = generate(n_train, &mut rng)?;
    let (x_test, y_test, truth) = generate(n_test, &mut rng)?;
    println!("generated {n_train} training and {n_test} test strings of {STEPS} digits");

    let mut model = Sequential::new();
    model.add(LSTM::new(64).input_shape(&[Some(STEPS), Some(VOCAB)]))?;
    model.add(RepeatVector::new(STEPS))?;
    model.add(LSTM::new(64).return_sequences(true))?;
    model.add(TimeDistributed::new(
        Dense::new(VOCAB).activation("softmax"),
    ))?;
    model.compile(
        Adam::new().learning_rate(0.005),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )?;
    model.summary();

    section("fit");
    let epochs = a.epochs(40, 2);
    let started = std::time::Instant::now();
    let history = model.fit(
        &x_train,
        &y_train,
        FitArgs::new()
            .epochs(epochs)
            .batch_size(64)
            .validation_split(0.1),
    )?;
    let secs = started.elapsed().as_secs_f64();

    section("evaluate");
    let logs = model.evaluate(&x_test, &y_test, 64)?;
    let pred = argmax_rows(&model.predict(&x_test)?.to_vec()?, VOCAB);
    let digit_acc =
        pred.iter().zip(&truth).filter(|(p, t)| p == t).count() as f64 / truth.len() as f64;
    let string_acc = pred
        .chunks(STEPS)
        .zip(truth.chunks(STEPS))
        .filter(|(p, t)| p == t)
        .count() as f64
        / n_test as f64;
    println!("test loss {:.4}", logs.get("loss").unwrap_or(f32::NAN));
    println!(
        "test accuracy: {digit_acc:.4} per digit, {string_acc:.4} whole strings ({epochs} epochs, {secs:.1}s training)"
    );
    for (p, t) in pred.chunks(STEPS).zip(truth.chunks(STEPS)).take(3) {
        println!("  reversed {t:?} → predicted {p:?}");
    }

    report.set("params", model.count_params());
    report.set("epochs", epochs);
    report.set_f("test_digit_accuracy", digit_acc);
    report.set_f("test_string_accuracy", string_acc);
    report.set_f("train_seconds", secs);
    report.set_list("loss", history.get("loss").unwrap_or(&[]));
    report.write(a)
}
