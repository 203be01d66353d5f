//! BT-AI Lab 8, Unit A: classify curves of 55 points as square / triangle / ellipse.
//! An MLP (Dense(64, relu) → Dense(3, softmax), 3,779 params, lecture test accuracy 0.69) against
//! Reshape((55, 1)) → LSTM(32) → Dense(3, softmax) (4,451 params, lecture 0.93), both trained like
//! the lab's `KerasClassifier(epochs=10, batch_size=20)` with the string labels numbered in sorted
//! order (ellipse, square, triangle) as its `LabelEncoder` does.
//!
//! ```sh
//! cargo run --release --example lab8_shapes -- --data ../shared/data --out plots --report shapes.json
//! ```
mod common;

use clap::Parser;
use common::{
    argmax_rows, majority_accuracy, plot, save_plot, section, AnyResult, CommonArgs, Report,
};
use kerust::prelude::*;

#[derive(Parser)]
#[command(about = "Lab 8: shape classification, MLP vs LSTM")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

const INPUT_LENGTH: usize = 55;

fn tensors(c: &ShapeCurves, limit: usize) -> AnyResult<(Tensor, Tensor, Vec<i64>)> {
    let n = c.x.nrows().min(limit);
    let x = Tensor::from_vec(
        c.x.rows().into_iter().take(n).flatten().copied().collect(),
        &[n, INPUT_LENGTH],
    )?;
    let labels: Vec<i64> = c.y.iter().take(n).copied().collect();
    let y = Tensor::from_vec(labels.iter().map(|&v| v as f32).collect(), &[n])?;
    Ok((x, y, labels))
}

/// Fit, print the summary, predict the test set; returns (test accuracy, per-epoch accuracy, seconds).
fn run(
    name: &str,
    model: &mut Sequential,
    train: &(Tensor, Tensor, Vec<i64>),
    test: &(Tensor, Tensor, Vec<i64>),
    epochs: usize,
) -> AnyResult<(f64, Vec<f32>, f64)> {
    section(name);
    model.compile("adam", "sparse_categorical_crossentropy", &["accuracy"])?;
    let started = std::time::Instant::now();
    let history = model.fit(
        &train.0,
        &train.1,
        FitArgs::new().epochs(epochs).batch_size(20).verbose(1),
    )?;
    let secs = started.elapsed().as_secs_f64();
    model.summary();
    let probs = model.predict(&test.0)?.to_vec()?;
    let pred = argmax_rows(&probs, 3);
    let acc = accuracy_score(&test.2, &pred)?;
    println!("accuracy:  {acc}   ({epochs} epochs, {secs:.1}s)");
    Ok((acc, history.get("accuracy").unwrap_or(&[]).to_vec(), secs))
}

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    let (Some(train_path), Some(test_path)) = (
        a.data_file("lab8_shapes", "shape_classification_train.csv"),
        a.data_file("lab8_shapes", "shape_classification_test.csv"),
    ) else {
        return Ok(());
    };
    set_random_seed(a.seed);
    let mut report = Report::new("lab8_shapes", a);
    let train_set = ShapeCurves::load(&train_path)?;
    let test_set = ShapeCurves::load(&test_path)?;
    // --quick: enough curves and epochs to beat the constant predictor (checked by the tests).
    let limit = if a.quick { 600 } else { usize::MAX };
    let train = tensors(&train_set, limit)?;
    let test = tensors(&test_set, limit)?;
    println!(
        "train {} curves, test {} curves, {INPUT_LENGTH} points each; classes {:?}",
        train.2.len(),
        test.2.len(),
        SHAPE_CLASSES
    );
    let epochs = a.epochs(10, 8);

    let mut mlp = Sequential::new();
    mlp.add(Input::new(&[INPUT_LENGTH]))?;
    mlp.add(Dense::new(64).activation("relu"))?;
    mlp.add(Dense::new(3).activation("softmax"))?;
    let (mlp_acc, mlp_curve, mlp_secs) = run(
        "MLP: Dense(64, relu) → Dense(3, softmax)",
        &mut mlp,
        &train,
        &test,
        epochs,
    )?;
    println!("(lecture: 3,779 params, accuracy 0.6933)");

    let mut rnn = Sequential::new();
    rnn.add(Input::new(&[INPUT_LENGTH]))?;
    rnn.add(Reshape::new(&[INPUT_LENGTH as i64, 1]))?;
    rnn.add(LSTM::new(32))?;
    rnn.add(Dense::new(3).activation("softmax"))?;
    let (rnn_acc, rnn_curve, rnn_secs) = run(
        "Reshape((55, 1)) → LSTM(32) → Dense(3, softmax)",
        &mut rnn,
        &train,
        &test,
        epochs,
    )?;
    println!("(lecture: 4,451 params, accuracy 0.9283)");

    report.set("mlp.params", mlp.count_params());
    report.set_f("mlp.test_accuracy", mlp_acc);
    report.set_f("majority_accuracy", majority_accuracy(&test.2));
    report.set_f("mlp.seconds", mlp_secs);
    report.set_list("mlp.accuracy", &mlp_curve);
    report.set("lstm.params", rnn.count_params());
    report.set_f("lstm.test_accuracy", rnn_acc);
    report.set_f("lstm.seconds", rnn_secs);
    report.set_list("lstm.accuracy", &rnn_curve);
    save_plot(a, "shapes_train_accuracy.png", |p| {
        plot::lines(
            p,
            "Shape classification: training accuracy",
            "Epoch",
            "accuracy",
            &[("MLP", &mlp_curve), ("LSTM(32)", &rnn_curve)],
        )
    })?;
    save_plot(a, "shapes_test_accuracy.png", |p| {
        plot::bars(
            p,
            "Shape classification: test accuracy",
            "accuracy",
            &[("MLP", mlp_acc as f32), ("LSTM(32)", rnn_acc as f32)],
        )
    })?;
    let curve = |i: usize| -> Vec<f32> { train_set.x.row(i).to_vec() };
    for i in [0usize, 3, 5] {
        if i < train_set.x.nrows() {
            let c = curve(i);
            save_plot(a, &format!("shapes_curve_{i}.png"), |p| {
                plot::lines(
                    p,
                    &format!("class {}", train_set.class[i]),
                    "i",
                    "value",
                    &[("", &c)],
                )
            })?;
        }
    }
    report.write(a)
}
