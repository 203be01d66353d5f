//! BT-AI Lab 8, Unit A: classify curves of 55 points as square / triangle / ellipse.
//! An MLP (Dense(64, relu) → Dense(3, softmax), 3,779 params, lecture test accuracy 0.69) against
//! Reshape((55, 1)) → LSTM(32) → Dense(3, softmax) (4,451 params, lecture 0.93), both trained as
//! the lab does, through `KerasClassifier(build_fn, epochs=10, batch_size=20, verbose=1)` on the
//! string labels (`classes_` = ellipse, square, triangle) and scored by comparing its predicted
//! label strings with the test labels. The report's `keras_classifier.accuracy` is the LSTM's.
//!
//! Seed: the lab's `create_rnn_model` calls `tf.random.set_seed(1234)`; kerust's default seed is
//! 0 (`--seed`). The LSTM's 10 epochs on 1,200 curves swing widely with the seed, in Keras as in
//! kerust (the lab's own log drops from 0.84 to 0.51 training accuracy at epoch 6). Measured on
//! this data over seeds 0–19 and 1234 (`tools/keras_reference/lab8_accuracy.py` for Keras 3):
//! Keras test accuracy mean 0.819, median 0.943, 12 of 21 runs ≥ 0.9, 5 collapsed below 0.6;
//! kerust mean 0.853, median 0.947, 14 ≥ 0.9, 3 below 0.6. Seed 1234: Keras 0.997, kerust 0.98;
//! seed 0: Keras 0.95, kerust 0.74. The gap to the lab's 0.928 at one seed is seed variance, not
//! a difference in initializers, optimizer defaults or data.
//!
//! ```sh
//! cargo run --release --example lab8_shapes -- --data ../shared/data --out plots --report shapes.json
//! ```
mod common;

use clap::Parser;
use common::{majority_accuracy, plot, save_plot, section, AnyResult, CommonArgs, Report};
use kerust::prelude::*;

#[derive(Parser)]
#[command(about = "Lab 8: shape classification, MLP vs LSTM")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

const INPUT_LENGTH: usize = 55;

/// Curves, their class names (the lab's `df["class"]`) and class ids (for the majority baseline).
struct Curves {
    x: Tensor,
    class: Vec<String>,
    labels: Vec<i64>,
}

fn tensors(c: &ShapeCurves, limit: usize) -> AnyResult<Curves> {
    let n = c.x.nrows().min(limit);
    let x = Tensor::from_vec(
        c.x.rows().into_iter().take(n).flatten().copied().collect(),
        &[n, INPUT_LENGTH],
    )?;
    Ok(Curves {
        x,
        class: c.class.iter().take(n).cloned().collect(),
        labels: c.y.iter().take(n).copied().collect(),
    })
}

/// The lab's `create_mlp_model()`.
fn create_mlp_model() -> kerust::layers::Result<Sequential> {
    let mut model = Sequential::new();
    model.add(Input::new(&[INPUT_LENGTH]))?;
    model.add(Dense::new(64).activation("relu"))?;
    model.add(Dense::new(3).activation("softmax"))?;
    model.compile("adam", "sparse_categorical_crossentropy", &["accuracy"])?;
    Ok(model)
}

/// The lab's `create_rnn_model()` (its `tf.random.set_seed(1234)` is `--seed` here).
fn create_rnn_model() -> kerust::layers::Result<Sequential> {
    let mut model = Sequential::new();
    model.add(Input::new(&[INPUT_LENGTH]))?;
    model.add(Reshape::new(&[INPUT_LENGTH as i64, 1]))?;
    model.add(LSTM::new(32))?;
    model.add(Dense::new(3).activation("softmax"))?;
    model.compile("adam", "sparse_categorical_crossentropy", &["accuracy"])?;
    Ok(model)
}

/// What one `KerasClassifier` run gives.
struct Outcome {
    params: usize,
    accuracy: f64,
    score: f32,
    curve: Vec<f32>,
    seconds: f64,
}

/// The lab's cell: `KerasClassifier(build_fn, epochs, batch_size=20, verbose=1)`, `fit` on the
/// class names, summary, `predict` the test names and count the matches.
fn run(
    name: &str,
    build_fn: fn() -> kerust::layers::Result<Sequential>,
    train: &Curves,
    test: &Curves,
    epochs: usize,
) -> AnyResult<Outcome> {
    section(name);
    let mut model = KerasClassifier::new(build_fn)
        .epochs(epochs)
        .batch_size(20)
        .verbose(1);
    let started = std::time::Instant::now();
    let history = model.fit(&train.x, &train.class)?;
    let seconds = started.elapsed().as_secs_f64();
    model.model()?.summary();
    println!("classes_: {:?}", model.classes_()?);
    let predict = model.predict(&test.x)?;
    let correct = predict
        .iter()
        .zip(&test.class)
        .filter(|(p, t)| p == t)
        .count();
    let accuracy = correct as f64 / test.class.len().max(1) as f64;
    let score = model.score(&test.x, &test.class)?;
    println!("accuracy:  {accuracy}   ({epochs} epochs, {seconds:.1}s; model.score: {score})");
    Ok(Outcome {
        params: model.model()?.count_params(),
        accuracy,
        score,
        curve: history.get("accuracy").unwrap_or(&[]).to_vec(),
        seconds,
    })
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
        train.labels.len(),
        test.labels.len(),
        SHAPE_CLASSES
    );
    let epochs = a.epochs(10, 8);

    let mlp = run(
        "MLP: Dense(64, relu) → Dense(3, softmax)",
        create_mlp_model,
        &train,
        &test,
        epochs,
    )?;
    println!("(lecture: 3,779 params, accuracy 0.6933)");
    let rnn = run(
        "Reshape((55, 1)) → LSTM(32) → Dense(3, softmax)",
        create_rnn_model,
        &train,
        &test,
        epochs,
    )?;
    println!("(lecture: 4,451 params, accuracy 0.9283 with tf.random.set_seed(1234))");

    section("The LSTM layer on one curve (the lab's shape demo)");
    // Reshape((55, 1)) → LSTM(32), untrained, applied to df_train[features].iloc[:1]. Built after
    // the lab's two models so their initial weights come from the seed as before.
    let mut demo = Sequential::new();
    demo.add(Reshape::new(&[INPUT_LENGTH as i64, 1]))?;
    demo.add(LSTM::new(32))?;
    let inputs = train.x.slice(0, 0, 1)?;
    let output = demo.predict(&inputs)?;
    println!("inputs.shape = {:?}   (lab: (1, 55))", inputs.shape());
    println!("output.shape = {:?}   (lab: (1, 32))", output.shape());
    report.set("lstm_demo.input_shape", inputs.shape().to_vec());
    report.set("lstm_demo.output_shape", output.shape().to_vec());
    let (mlp_acc, mlp_curve, rnn_acc, rnn_curve) =
        (mlp.accuracy, mlp.curve, rnn.accuracy, rnn.curve);

    report.set("mlp.params", mlp.params);
    report.set_f("mlp.test_accuracy", mlp_acc);
    report.set_f("majority_accuracy", majority_accuracy(&test.labels));
    report.set_f("mlp.seconds", mlp.seconds);
    report.set_list("mlp.accuracy", &mlp_curve);
    report.set_f("mlp.score", mlp.score as f64);
    report.set("lstm.params", rnn.params);
    report.set_f("lstm.test_accuracy", rnn_acc);
    report.set_f("lstm.seconds", rnn.seconds);
    report.set_list("lstm.accuracy", &rnn_curve);
    report.set_f("lstm.score", rnn.score as f64);
    report.set_f("keras_classifier.accuracy", rnn_acc);
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
    // draw_curve(0), (3), (5) before the MLP; (0), (1), (4) in the "are MLPs suitable?" cell.
    for i in [0usize, 1, 3, 4, 5] {
        if i < train_set.x.nrows() {
            let c = curve(i);
            report.set(&format!("draw_curve.{i}.class"), train_set.class[i].clone());
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
