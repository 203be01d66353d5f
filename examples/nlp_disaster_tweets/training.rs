//! What every deep model goes through (compile, summary, fit, predict, `calculate_results`,
//! compare to the baseline) and the scores it leaves behind.
use crate::baseline::{calculate_results, Baseline};
use crate::common::{utc_stamp, AnyResult, Report};
use crate::{Args, Splits};
use kerust::prelude::*;
use std::time::Instant;

/// One row of `all_model_results`.
#[derive(Clone, Copy)]
pub struct Scores {
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// A trained deep model with its validation probabilities and scores.
pub struct Trained {
    /// Report key (`model_1` ...) and the notebook's row name (`simple_dense` ...).
    pub key: &'static str,
    pub row: &'static str,
    /// The notebook's accuracy (%), for the table.
    pub lecture_accuracy: f64,
    pub model: Model,
    pub probs: Vec<f32>,
    pub scores: Scores,
    pub seconds: f64,
}

/// `calculate_results` as the table's row.
pub fn scores(y_true: &[i64], y_pred: &[i64]) -> AnyResult<Scores> {
    let (accuracy, s) = calculate_results(y_true, y_pred)?;
    Ok(Scores {
        accuracy,
        precision: s.precision,
        recall: s.recall,
        f1: s.fbeta_score,
    })
}

/// `tf.squeeze(tf.round(pred_probs))`: round half to even, so exactly 0.5 gives 0.
pub fn round_probs(p: &[f32]) -> Vec<i64> {
    p.iter()
        .map(|&v| (v as f64).round_ties_even() as i64)
        .collect()
}

pub fn labels_tensor(labels: &[i64]) -> AnyResult<Tensor> {
    Ok(Tensor::from_vec(
        labels.iter().map(|&v| v as f32).collect(),
        &[labels.len(), 1],
    )?)
}

pub fn print_results(name: &str, r: &Scores) {
    println!(
        "{name}_results = {{'accuracy': {}, 'precision': {}, 'recall': {}, 'f1': {}}}",
        r.accuracy, r.precision, r.recall, r.f1
    );
}

/// `compare_baseline_to_new_results`.
pub fn compare_baseline(base: &Scores, new: &Scores) {
    for (k, b, n) in [
        ("accuracy", base.accuracy, new.accuracy),
        ("precision", base.precision, new.precision),
        ("recall", base.recall, new.recall),
        ("f1", base.f1, new.f1),
    ] {
        println!(
            "Baseline {k}: {b:.2}, New {k}: {n:.2}, Difference: {:.2}",
            n - b
        );
    }
}

/// What every deep model goes through: compile, summary, fit (5 epochs, validation data,
/// TensorBoard), predict the validation set, `calculate_results`, compare to the baseline.
pub fn train_and_score(
    args: &Args,
    report: &mut Report,
    baseline: &Baseline,
    data: &Splits,
    mut model: Model,
    (key, row, experiment, lecture_accuracy, lecture_params): (
        &'static str,
        &'static str,
        &str,
        f64,
        Option<usize>,
    ),
    train: (&[String], &[i64]),
) -> AnyResult<Trained> {
    let a = &args.common;
    model.compile(Adam::new(), "binary_crossentropy", &["accuracy"])?;
    model.summary();
    let params = model.count_params();
    let trainable = model.count_trainable_params();
    match lecture_params {
        Some(n) => println!(
            "params: {params} (lecture {n}){}",
            if params == n { "" } else { "  MISMATCH" }
        ),
        None => println!("params: {params}, trainable {trainable}"),
    }
    report.set(&format!("{key}.name"), model.name.clone());
    report.set(&format!("{key}.params"), params);
    report.set(&format!("{key}.trainable_params"), trainable);
    let epochs = a.epochs(5, 1);
    let val_y = labels_tensor(&data.val_labels)?;
    let mut fit = FitArgs::new()
        .epochs(epochs)
        .validation_data(&data.val_sentences, &val_y);
    if let Some(dir) = &args.tensorboard {
        // create_tensorboard_callback(dir_name, experiment_name)
        let log_dir = dir.join(experiment).join(utc_stamp());
        println!("Saving TensorBoard log files to: {}", log_dir.display());
        fit = fit.callback(TensorBoard::new(log_dir));
    }
    let started = Instant::now();
    let history = model.fit(train.0, &labels_tensor(train.1)?, fit)?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "trained {epochs} epochs on {} tweets in {seconds:.1}s",
        train.0.len()
    );
    let probs = model.predict(&data.val_sentences)?.to_vec()?;
    println!(
        "{key}_pred_probs[:10] = {:?}",
        &probs[..10.min(probs.len())]
    );
    let r = scores(&data.val_labels, &round_probs(&probs))?;
    print_results(key, &r);
    println!("(lecture accuracy {lecture_accuracy:.2}%)");
    compare_baseline(&baseline.scores, &r);
    report.set_f(&format!("{key}.accuracy"), r.accuracy);
    report.set_f(&format!("{key}.precision"), r.precision);
    report.set_f(&format!("{key}.recall"), r.recall);
    report.set_f(&format!("{key}.f1"), r.f1);
    report.set_f(&format!("{key}.train_seconds"), seconds);
    if let Some(v) = history.get("val_accuracy") {
        report.set_list(&format!("{key}.val_accuracy"), v);
    }
    Ok(Trained {
        key,
        row,
        lecture_accuracy,
        model,
        probs,
        scores: r,
        seconds,
    })
}

/// The model trained under report key `key` (`model_1` ...).
pub fn by_key_model<'a>(trained: &'a [Trained], key: &str) -> AnyResult<&'a Model> {
    trained
        .iter()
        .find(|t| t.key == key)
        .map(|t| &t.model)
        .ok_or_else(|| format!("{key} was not trained").into())
}
