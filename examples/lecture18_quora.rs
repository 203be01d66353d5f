//! Lecture 18 (TAU Applications of Data Science, class 18), "Quora!": a Siamese LSTM that decides
//! whether two questions are duplicates.
//!
//! As in the lecture: `Tokenizer(num_words=50000)` fitted on the unique questions of both columns,
//! `pad_sequences(maxlen=20, value=max_features + 1)`, two `Input`s feeding ONE `Embedding(max_features + 2,
//! 128, embeddings_regularizer=l2(1e-4))` and ONE `LSTM(128, kernel_regularizer=l2(1e-4))` (same
//! instances, so both questions go through the same weights), `Dot(axes=1)`, `Dense(1, sigmoid)`,
//! Adam, binary cross-entropy, a 90/10 split, batch 64, up to 100 epochs with
//! `EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)`, `evaluate`, and the
//! lecture's `predict_question_pairs(model, tokenizer, "What does a LSTM do?", "How does a LSTM work?")`.
//!
//! The lecture trained on the 400K-pair set (val accuracy 0.8326); `quora_small.csv` has 1000 pairs,
//! so the figure to compare against is the majority-class baseline of the validation split.
//!
//! ```sh
//! cargo run --release --example lecture18_quora -- --data ../shared/data --out plots --report quora.json
//! ```
mod common;

use clap::Parser;
use common::{plot, save_plot, section, AnyResult, CommonArgs, Report};
use kerust::prelude::*;
use std::cell::RefCell;
use std::collections::HashSet;
use std::path::PathBuf;
use std::rc::Rc;

#[derive(Parser)]
#[command(about = "Lecture 18: Siamese LSTM on quora_small.csv (duplicate question pairs)")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Attach the TensorBoard callback, writing event files into DIR.
    #[arg(long, value_name = "DIR")]
    tensorboard: Option<PathBuf>,
    /// `random_state` of the 90/10 `train_test_split`. The 2022 edition splits 90/10 with no
    /// seed; the 2021 edition splits 80/20 with `random_state=42`, the seed kept here.
    #[arg(long, default_value_t = 42)]
    split_seed: u32,
}

// The lecture's constants and results.
const MAX_FEATURES: usize = 50_000;
const SEQ_LEN: usize = 20;
const LECTURE_VAL_LOSS: f64 = 0.43971124291419983;
const LECTURE_VAL_ACCURACY: f64 = 0.8325954079627991;
const LECTURE_PAIR_PROBABILITY: f64 = 0.5638776;
/// Pairs used by `--quick` (the first rows of the file).
const QUICK_PAIRS: usize = 300;

/// `sequence.pad_sequences(seqs, maxlen=seq_len, value=max_features + 1)` as a `[n, 20]` id tensor.
fn padded(seqs: &[Vec<i64>]) -> AnyResult<IntTensor> {
    let p = pad_sequences(
        seqs,
        PadSequences::new()
            .maxlen(SEQ_LEN)
            .value(MAX_FEATURES as i64 + 1),
    )?;
    Ok(IntTensor::from_vec(p.data, &[p.rows, p.cols])?)
}

/// The lecture's `predict_question_pairs`: tokenize both questions, pad them like the training
/// data, and return `model.predict([q1, q2])[0][0]`.
fn predict_question_pairs(
    model: &mut Model,
    tokenizer: &Tokenizer,
    q1: &str,
    q2: &str,
) -> AnyResult<f32> {
    let q1 = padded(&tokenizer.texts_to_sequences(&[q1])?)?;
    let q2 = padded(&tokenizer.texts_to_sequences(&[q2])?)?;
    let p = model.predict(vec![Data::from(q1), Data::from(q2)])?;
    Ok(p.to_vec()?[0])
}

/// `pd.concat([q1, q2]).unique()`: first occurrences, in order (the order fixes tie-breaking in
/// the word index).
fn unique_questions(q1: &[String], q2: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    q1.iter()
        .chain(q2)
        .filter(|q| seen.insert(q.as_str()))
        .cloned()
        .collect()
}

/// Rows `idx` of a `[n, SEQ_LEN]` id tensor.
fn rows(ids: &IntTensor, idx: &[usize]) -> AnyResult<Data> {
    Ok(Data::from(ids).select(idx)?)
}

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    let Some(path) = a.data_file("lecture18_quora", "quora_small.csv") else {
        return Ok(());
    };
    set_random_seed(a.seed);
    let mut report = Report::new("lecture18_quora", a);
    let started = std::time::Instant::now();

    section("Quora!");
    let mut quora = Quora::load(&path)?;
    if a.quick {
        quora.pairs.truncate(QUICK_PAIRS);
    }
    let n = quora.pairs.len();
    println!("{n} question pairs; first five:");
    for p in quora.pairs.iter().take(5) {
        println!(
            "  {:<50.50} ... {}",
            p.question1.replace('\n', " "),
            p.is_duplicate
        );
    }
    let rate = quora.duplicate_rate();
    println!("quora_df['is_duplicate'].mean() = {rate:.4}   (lecture 0.38)");
    report.set("n_pairs", n);
    report.set_f("duplicate_rate", rate);

    section("Siamese Recurrent Architecture");
    let (question1, question2) = (quora.question1(), quora.question2());
    let mut tokenizer = Tokenizer::new().num_words(MAX_FEATURES);
    let unique = unique_questions(&question1, &question2);
    tokenizer.fit_on_texts(&unique)?;
    println!(
        "{} unique questions, {} distinct words (num_words = max_features = {MAX_FEATURES})",
        unique.len(),
        tokenizer.word_index().len()
    );
    report.set("unique_questions", unique.len());
    report.set("vocab_size", tokenizer.word_index().len());
    let q1_padded = padded(&tokenizer.texts_to_sequences(&question1)?)?;
    let q2_padded = padded(&tokenizer.texts_to_sequences(&question2)?)?;

    let input1 = Input::new(&[SEQ_LEN])
        .dtype("int32")
        .name("input_question1")
        .tensor();
    let input2 = Input::new(&[SEQ_LEN])
        .dtype("int32")
        .name("input_question2")
        .tensor();
    let word_embedder = Embedding::new(MAX_FEATURES + 2, 128)
        .input_length(SEQ_LEN)
        .embeddings_regularizer(l2(0.0001))
        .shared();
    let seq_embedder = LSTM::new(128).kernel_regularizer(l2(0.0001)).shared();
    let vector1 = seq_embedder.call(&word_embedder.call(&input1)?)?;
    let vector2 = seq_embedder.call(&word_embedder.call(&input2)?)?;
    let cosine_similarity = Dot::new(1).apply_multi(&[&vector1, &vector2])?.remove(0);
    let output = Dense::new(1)
        .activation("sigmoid")
        .apply(&cosine_similarity)?;
    let mut model = Model::new(&[&input1, &input2], &[&output])?;
    model.compile("adam", "binary_crossentropy", &["accuracy"])?;
    model.summary();
    report.set("params", model.count_params());

    // 2022: train_test_split(quora_df.index, test_size=0.1) (unseeded); 2021 fixed
    // random_state=42 (with test_size=0.2): the 2022 split with the 2021 seed.
    let split = train_test_split()
        .test_size(0.1)
        .random_state(args.split_seed)
        .split(n)?;
    let labels = quora.is_duplicate();
    let targets = |idx: &[usize]| -> AnyResult<Tensor> {
        Ok(Tensor::from_vec(
            idx.iter().map(|&i| labels[i] as f32).collect(),
            &[idx.len(), 1],
        )?)
    };
    let x_train = vec![
        rows(&q1_padded, &split.train)?,
        rows(&q2_padded, &split.train)?,
    ];
    let x_val = vec![
        rows(&q1_padded, &split.test)?,
        rows(&q2_padded, &split.test)?,
    ];
    let (y_train, y_val) = (targets(&split.train)?, targets(&split.test)?);
    let val_positive = split.test.iter().filter(|&&i| labels[i] == 1).count();
    let majority =
        val_positive.max(split.test.len() - val_positive) as f64 / split.test.len().max(1) as f64;
    println!(
        "train {} pairs, validation {} pairs; majority class of the validation split: {majority:.4}",
        split.train.len(),
        split.test.len()
    );
    report.set("n_train", split.train.len());
    report.set("n_val", split.test.len());
    report.set_f("majority_baseline", majority);

    section("fit: batch 64, up to 100 epochs, EarlyStopping(val_loss, patience=5, restore_best_weights)");
    let epochs = a.epochs(100, 2);
    let early = Rc::new(RefCell::new(
        EarlyStopping::new()
            .monitor("val_loss")
            .patience(5)
            .restore_best_weights(true)
            .verbose(1),
    ));
    let mut fit_args = FitArgs::new()
        .batch_size(64)
        .epochs(epochs)
        .verbose(2)
        .validation_data(x_val.clone(), y_val.clone())
        .callback(early.clone());
    if let Some(dir) = &args.tensorboard {
        fit_args = fit_args.callback(TensorBoard::new(dir));
        println!("TensorBoard logs: {}", dir.display());
    }
    let fit_started = std::time::Instant::now();
    let history = model.fit(x_train, y_train, fit_args)?;
    let fit_secs = fit_started.elapsed().as_secs_f64();
    let epochs_run = history.epoch.len();
    let (best_epoch, stopped_epoch) = {
        let es = early.borrow();
        // Keras counts epochs from 1 in what it prints; `stopped_epoch` 0 means "never stopped".
        (
            es.best_epoch + 1,
            if es.stopped_epoch > 0 {
                es.stopped_epoch + 1
            } else {
                0
            },
        )
    };
    let val_loss_curve = history.get("val_loss").unwrap_or(&[]).to_vec();
    let loss_curve = history.get("loss").unwrap_or(&[]).to_vec();
    println!(
        "{epochs_run} epochs in {fit_secs:.1}s; best epoch (weights restored): {best_epoch}; stopped at epoch {stopped_epoch}"
    );
    report.set("epochs_run", epochs_run);
    report.set("best_epoch", best_epoch);
    report.set("stopped_epoch", stopped_epoch);
    report.set_f("fit_seconds", fit_secs);
    report.set_list("history.loss", &loss_curve);
    report.set_list("history.val_loss", &val_loss_curve);
    report.set_list(
        "history.val_accuracy",
        history.get("val_accuracy").unwrap_or(&[]),
    );
    if let Some(v) = val_loss_curve.get(best_epoch - 1) {
        report.set_f("best_epoch_val_loss", *v as f64);
    }

    section("model.evaluate([val_question1_padded, val_question2_padded], val_is_duplicate)");
    let logs = model.evaluate(x_val, y_val, 32)?;
    let val_loss = logs.get("loss").unwrap_or(f32::NAN) as f64;
    let val_accuracy = logs.get("accuracy").unwrap_or(f32::NAN) as f64;
    println!(
        "[{val_loss}, {val_accuracy}]   (lecture [{LECTURE_VAL_LOSS}, {LECTURE_VAL_ACCURACY}] on 400K pairs)"
    );
    println!("majority-class baseline on the same validation split: {majority:.4}");
    report.set_f("val_loss", val_loss);
    report.set_f("val_accuracy", val_accuracy);

    section("predict_question_pairs(model, tokenizer, \"What does a LSTM do?\", \"How does a LSTM work?\")");
    let pair_probability = predict_question_pairs(
        &mut model,
        &tokenizer,
        "What does a LSTM do?",
        "How does a LSTM work?",
    )? as f64;
    println!("{pair_probability}   (lecture {LECTURE_PAIR_PROBABILITY})");
    report.set_f("pair_probability", pair_probability);

    let seconds = started.elapsed().as_secs_f64();
    report.set_f("seconds", seconds);
    section("Summary");
    println!("                    val accuracy   pairs");
    println!("lecture (400K)      {LECTURE_VAL_ACCURACY:.4}         ~400K");
    println!("kerust              {val_accuracy:.4}         {n}");
    println!("majority baseline   {majority:.4}");
    println!("total {seconds:.1}s");

    save_plot(a, "quora_loss.png", |p| {
        plot::lines(
            p,
            "Quora Siamese LSTM",
            "Epoch",
            "binary cross-entropy",
            &[("loss", &loss_curve), ("val_loss", &val_loss_curve)],
        )
    })?;
    report.write(a)
}
