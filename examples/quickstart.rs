//! Quickstart: no download. Draw curves of the three shapes of BT-AI Lab 8 (square, triangle,
//! ellipse) with kerust's seeded generator, train a stacked SimpleRNN classifier on them, and print
//! the summary, the Keras-style progress bar and the test accuracy.
//!
//! ```sh
//! cargo run --release --example quickstart
//! ```
mod common;

use clap::Parser;
use common::{argmax_rows, majority_accuracy, save_plot, section, AnyResult, CommonArgs, Report};
use kerust::prelude::*;

#[derive(Parser)]
#[command(about = "Train a recurrent shape classifier on generated data (no download)")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

/// Curves `[n, 55]` and integer labels as tensors.
fn tensors(c: &ShapeCurves) -> AnyResult<(Tensor, Tensor)> {
    let (n, len) = c.x.dim();
    let x = Tensor::from_vec(c.x.iter().copied().collect(), &[n, len])?;
    let y = Tensor::from_vec(c.y.iter().map(|&v| v as f32).collect(), &[n])?;
    Ok((x, y))
}

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    set_random_seed(a.seed);
    let mut report = Report::new("quickstart", a);

    let (n_train, n_test) = if a.quick { (300, 150) } else { (1200, 300) };
    let train = ShapeCurves::generate(n_train, a.seed);
    let test = ShapeCurves::generate(n_test, a.seed + 1);
    let (x_train, y_train) = tensors(&train)?;
    let (x_test, y_test) = tensors(&test)?;
    println!(
        "generated {n_train} training and {n_test} test curves of {} points; classes {:?}",
        train.x.ncols(),
        SHAPE_CLASSES
    );

    // Each curve is a sequence of 55 one-feature steps: Reshape it for the recurrent layer.
    let mut model = Sequential::new();
    model.add(Input::new(&[55]))?;
    model.add(Reshape::new(&[55, 1]))?;
    model.add(SimpleRNN::new(32).return_sequences(true))?;
    model.add(SimpleRNN::new(32))?;
    model.add(Dense::new(3).activation("softmax"))?;
    model.compile(
        Adam::new().learning_rate(0.001),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )?;
    model.summary();

    section("fit");
    let epochs = a.epochs(60, 2);
    let started = std::time::Instant::now();
    let history = model.fit(
        &x_train,
        &y_train,
        FitArgs::new()
            .epochs(epochs)
            .batch_size(32)
            .validation_split(0.1),
    )?;
    let secs = started.elapsed().as_secs_f64();

    section("evaluate");
    let logs = model.evaluate(&x_test, &y_test, 32)?;
    let probs = model.predict(&x_test)?.to_vec()?;
    let pred = argmax_rows(&probs, 3);
    let truth: Vec<i64> = test.y.to_vec();
    let acc = accuracy_score(&truth, &pred)?;
    println!("test loss {:.4}", logs.get("loss").unwrap_or(f32::NAN));
    println!(
        "test accuracy {acc:.4} on {n_test} new curves ({epochs} epochs, {secs:.1}s training)"
    );
    let cm = confusion_matrix(&truth, &pred, None)?;
    println!("confusion matrix (rows: true {SHAPE_CLASSES:?}):");
    for (name, row) in SHAPE_CLASSES.iter().zip(&cm) {
        println!("  {name:>8} {row:?}");
    }

    report.set("params", model.count_params());
    report.set("epochs", epochs);
    report.set_f("test_accuracy", acc);
    report.set_f("majority_accuracy", majority_accuracy(&truth));
    report.set_f("train_seconds", secs);
    let loss = history.get("loss").unwrap_or(&[]).to_vec();
    let val = history.get("val_accuracy").unwrap_or(&[]).to_vec();
    let tr = history.get("accuracy").unwrap_or(&[]).to_vec();
    report.set_list("loss", &loss);
    save_plot(a, "quickstart_accuracy.png", |p| {
        common::plot::lines(
            p,
            "Shape classifier",
            "Epoch",
            "accuracy",
            &[("accuracy", &tr), ("val_accuracy", &val)],
        )
    })?;
    report.write(a)
}
