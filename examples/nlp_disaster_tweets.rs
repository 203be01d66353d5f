//! Zero-to-Mastery TensorFlow 08 (NLP), disaster tweets, the whole notebook. Shuffle `train.csv` like
//! `train_df.sample(frac=1, random_state=42)`, split 90/10 with `train_test_split(random_state=42)`,
//! then model 0, the baseline: scikit-learn's `TfidfVectorizer()` + `MultinomialNB()` pipeline,
//! scored with the notebook's `calculate_results` (accuracy, weighted precision/recall/F1).
//! Lecture: 6851/762 split, accuracy 79.27 %, precision 0.8111, recall 0.7927, F1 0.7862.
//!
//! Then one shared `TextVectorization(max_tokens=10000, output_sequence_length=15)` adapted on the
//! training sentences and, each with a new `Embedding(10000, 128)`: model 1 (GlobalAveragePooling1D),
//! 2 (LSTM(64)), 3 (GRU(64)), 4 (Bidirectional(LSTM(64))), 5 (Conv1D(32, 5) + GlobalMaxPool1D); Adam,
//! binary cross-entropy, 5 epochs. Models 6/7 replace the TF-Hub Universal Sentence Encoder (which
//! kerust cannot load) with a frozen GloVe feature extractor (`--glove glove.6B.*d.txt`; skipped
//! without it): frozen Embedding + masked average + Dense(64, relu) + Dense(1, sigmoid), on all and
//! on 10 % of the training data. Then the results table and plots, the notebook's ensemble, saving
//! and reloading the best model, the embedding projector files, the most wrong predictions,
//! predictions on test.csv and the speed/score trade-off.
//!
//! ```sh
//! cargo run --release --example nlp_disaster_tweets -- --data ../shared/data --out plots \
//!     --report tweets.json [--glove glove.6B.100d.txt] [--tensorboard model_logs]
//! ```
mod common;

use clap::Parser;
use common::{
    majority_accuracy, plot, save_plot, section, utc_stamp, AnyResult, CommonArgs, Report,
};
use kerust::datasets::RandomState;
use kerust::metrics::{AveragedScores, PrfOptions, Prfs};
use kerust::prelude::*;
use regex::Regex;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Parser)]
#[command(
    about = "ZTM NLP 08: disaster tweets, models 0-7, ensemble, save/load, most wrong, speed/score"
)]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Write TensorBoard logs of each model to DIR/<experiment>/<YYYYmmdd-HHMMSS>
    /// (the notebook's `create_tensorboard_callback(SAVE_DIR, experiment_name)`).
    #[arg(long, value_name = "DIR")]
    tensorboard: Option<PathBuf>,
    /// GloVe vectors (`glove.6B.*d.txt`) for models 6 and 7, the pretrained feature extractor
    /// standing in for the Universal Sentence Encoder; without it they are skipped.
    #[arg(long, value_name = "FILE")]
    glove: Option<PathBuf>,
}

/// scikit-learn `TfidfVectorizer()` with its defaults: lowercase, `token_pattern=r"(?u)\b\w\w+\b"`,
/// raw counts, smooth idf `ln((1 + n) / (1 + df)) + 1`, rows L2-normalised.
struct Tfidf {
    token: Regex,
    vocabulary: HashMap<String, usize>,
    idf: Vec<f64>,
}

/// One document as sparse (term, weight) pairs.
type SparseRow = Vec<(usize, f64)>;

impl Tfidf {
    fn tokens<'a>(&'a self, text: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.token.find_iter(text).map(|m| m.as_str())
    }

    fn fit(texts: &[String]) -> AnyResult<Self> {
        let token = Regex::new(r"\b\w\w+\b")?;
        let lowered: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
        // Vocabulary in sorted order, as scikit-learn numbers it.
        let mut df: BTreeMap<String, usize> = BTreeMap::new();
        for t in &lowered {
            let mut seen: Vec<&str> = token.find_iter(t).map(|m| m.as_str()).collect();
            seen.sort_unstable();
            seen.dedup();
            for w in seen {
                *df.entry(w.to_string()).or_insert(0) += 1;
            }
        }
        let n = texts.len() as f64;
        let idf = df
            .values()
            .map(|&d| ((1.0 + n) / (1.0 + d as f64)).ln() + 1.0)
            .collect();
        let vocabulary = df.into_keys().enumerate().map(|(i, w)| (w, i)).collect();
        Ok(Tfidf {
            token,
            vocabulary,
            idf,
        })
    }

    fn transform(&self, texts: &[String]) -> Vec<SparseRow> {
        texts
            .iter()
            .map(|t| {
                let lower = t.to_lowercase();
                let mut counts: BTreeMap<usize, f64> = BTreeMap::new();
                for w in self.tokens(&lower) {
                    if let Some(&j) = self.vocabulary.get(w) {
                        *counts.entry(j).or_insert(0.0) += 1.0;
                    }
                }
                let mut row: SparseRow = counts
                    .into_iter()
                    .map(|(j, c)| (j, c * self.idf[j]))
                    .collect();
                let norm = row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
                if norm > 0.0 {
                    row.iter_mut().for_each(|(_, v)| *v /= norm);
                }
                row
            })
            .collect()
    }
}

/// scikit-learn `MultinomialNB(alpha=1.0)` on non-negative features, two or more classes.
struct MultinomialNb {
    class_log_prior: Vec<f64>,
    feature_log_prob: Vec<Vec<f64>>,
}

impl MultinomialNb {
    fn fit(x: &[SparseRow], y: &[i64], n_features: usize, n_classes: usize) -> Self {
        let alpha = 1.0;
        let mut fc = vec![vec![0.0f64; n_features]; n_classes];
        let mut class_count = vec![0.0f64; n_classes];
        for (row, &c) in x.iter().zip(y) {
            class_count[c as usize] += 1.0;
            for &(j, v) in row {
                fc[c as usize][j] += v;
            }
        }
        let n = y.len() as f64;
        let feature_log_prob = fc
            .iter()
            .map(|f| {
                let total: f64 = f.iter().map(|v| v + alpha).sum();
                f.iter().map(|v| (v + alpha).ln() - total.ln()).collect()
            })
            .collect();
        MultinomialNb {
            class_log_prior: class_count.iter().map(|c| (c / n).ln()).collect(),
            feature_log_prob,
        }
    }

    /// Joint log likelihood of each class (`_joint_log_likelihood`).
    fn joint_log_likelihood(&self, row: &SparseRow) -> Vec<f64> {
        self.class_log_prior
            .iter()
            .zip(&self.feature_log_prob)
            .map(|(prior, flp)| prior + row.iter().map(|&(j, v)| v * flp[j]).sum::<f64>())
            .collect()
    }

    /// `predict_proba`: the joint log likelihoods normalised with log-sum-exp.
    fn predict_proba(&self, x: &[SparseRow]) -> Vec<Vec<f64>> {
        x.iter()
            .map(|row| {
                let jll = self.joint_log_likelihood(row);
                let m = jll.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = m + jll.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
                jll.iter().map(|v| (v - lse).exp()).collect()
            })
            .collect()
    }

    /// Class with the highest joint log likelihood (the first on ties, like `argmax`).
    fn predict(&self, x: &[SparseRow]) -> Vec<i64> {
        x.iter()
            .map(|row| {
                let mut best = (0usize, f64::NEG_INFINITY);
                for (c, prior) in self.class_log_prior.iter().enumerate() {
                    let s = prior
                        + row
                            .iter()
                            .map(|&(j, v)| v * self.feature_log_prob[c][j])
                            .sum::<f64>();
                    if s > best.1 {
                        best = (c, s);
                    }
                }
                best.0 as i64
            })
            .collect()
    }
}

/// The notebook's `calculate_results`: accuracy in percent, weighted precision/recall/F1.
fn calculate_results(y_true: &[i64], y_pred: &[i64]) -> AnyResult<(f64, AveragedScores)> {
    let acc = accuracy_score(y_true, y_pred)? * 100.0;
    let opts = PrfOptions::new().average(Average::Weighted);
    match precision_recall_fscore_support(y_true, y_pred, &opts)? {
        Prfs::Averaged(s) => Ok((acc, s)),
        Prfs::PerClass(_) => Err("weighted average returned per-class scores".into()),
    }
}

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    let Some(path) = a.data_file("nlp_disaster_tweets", "nlp_getting_started/train.csv") else {
        return Ok(());
    };
    set_random_seed(a.seed);
    let mut report = Report::new("nlp_disaster_tweets", a);
    let df = Tweets::load(&path)?;
    let target = df.target.clone().ok_or("train.csv has no target column")?;
    println!(
        "train.csv: {} tweets, {} disasters",
        df.len(),
        target.iter().sum::<i64>()
    );

    // train_df.sample(frac=1, random_state=42): numpy's RandomState(42).permutation.
    let order = RandomState::new(42).permutation(df.len());
    let text: Vec<String> = order.iter().map(|&i| df.text[i].clone()).collect();
    let labels: Vec<i64> = order.iter().map(|&i| target[i]).collect();
    let split = train_test_split()
        .test_size(0.1)
        .random_state(42)
        .split(text.len())?;
    let pick = |idx: &[usize]| -> (Vec<String>, Vec<i64>) {
        (
            idx.iter().map(|&i| text[i].clone()).collect(),
            idx.iter().map(|&i| labels[i]).collect(),
        )
    };
    // Model 0 takes a fraction of a second: --quick runs it in full.
    let (train_sentences, train_labels) = pick(&split.train);
    let (val_sentences, val_labels) = pick(&split.test);
    println!(
        "len(train_sentences), len(val_sentences) = ({}, {})   (lecture (6851, 762))",
        train_sentences.len(),
        val_sentences.len()
    );
    report.set("n_train", train_sentences.len());
    report.set("n_val", val_sentences.len());

    section("Model 0: TfidfVectorizer + MultinomialNB");
    let started = std::time::Instant::now();
    let tfidf = Tfidf::fit(&train_sentences)?;
    let x_train = tfidf.transform(&train_sentences);
    let nb = MultinomialNb::fit(&x_train, &train_labels, tfidf.idf.len(), 2);
    let fit_secs = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let baseline_preds = nb.predict(&tfidf.transform(&val_sentences));
    let pred_secs = started.elapsed().as_secs_f64();
    println!(
        "vocabulary: {} terms; fit {fit_secs:.3}s, predict {pred_secs:.4}s",
        tfidf.idf.len()
    );
    println!(
        "baseline_preds[:20] = {:?}",
        &baseline_preds[..20.min(baseline_preds.len())]
    );
    println!("(lecture             [1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])");
    let (acc, s) = calculate_results(&val_labels, &baseline_preds)?;
    println!("Our baseline model achieves an accuracy of: {acc:.2}%   (lecture 79.27%)");
    println!(
        "baseline_results = {{'accuracy': {acc}, 'precision': {}, 'recall': {}, 'f1': {}}}",
        s.precision, s.recall, s.fbeta_score
    );
    println!(
        "(lecture: 79.26509186351706, 0.8111390004213173, 0.7926509186351706, 0.7862189758049549)"
    );
    report.set("baseline.vocabulary", tfidf.idf.len());
    report.set_f("baseline.accuracy", acc);
    report.set_f("majority_accuracy", majority_accuracy(&val_labels));
    report.set_f("baseline.precision", s.precision);
    report.set_f("baseline.recall", s.recall);
    report.set_f("baseline.f1", s.fbeta_score);
    report.set(
        "baseline.preds_first20",
        baseline_preds.iter().take(20).copied().collect::<Vec<_>>(),
    );
    report.set_f(
        "baseline.seconds_per_prediction",
        pred_secs / val_sentences.len().max(1) as f64,
    );
    let baseline = Baseline {
        tfidf,
        nb,
        scores: Scores {
            accuracy: acc,
            precision: s.precision,
            recall: s.recall,
            f1: s.fbeta_score,
        },
    };
    let data = Splits {
        train_sentences,
        train_labels,
        val_sentences,
        val_labels,
    };
    deep_models(&args, &mut report, &baseline, &data)?;
    report.write(a)
}

/// The notebook's `max_vocab_length` and `max_length`.
const MAX_VOCAB: usize = 10_000;
const MAX_LENGTH: usize = 15;
/// Steps the GloVe feature extractor reads: whole tweets (the USE encodes whole sentences).
const FEATURE_LENGTH: usize = 64;

/// Model 0, kept for the ensemble and the speed test.
struct Baseline {
    tfidf: Tfidf,
    nb: MultinomialNb,
    scores: Scores,
}

impl Baseline {
    /// `model_0.predict(sentences)`: TF-IDF transform, then naive Bayes.
    fn predict(&self, texts: &[String]) -> Vec<i64> {
        self.nb.predict(&self.tfidf.transform(texts))
    }
    /// `model_0.predict_proba(sentences)`.
    fn predict_proba(&self, texts: &[String]) -> Vec<Vec<f64>> {
        self.nb.predict_proba(&self.tfidf.transform(texts))
    }
}

struct Splits {
    train_sentences: Vec<String>,
    train_labels: Vec<i64>,
    val_sentences: Vec<String>,
    val_labels: Vec<i64>,
}

/// One row of `all_model_results`.
#[derive(Clone, Copy)]
struct Scores {
    accuracy: f64,
    precision: f64,
    recall: f64,
    f1: f64,
}

/// A trained deep model with its validation probabilities and scores.
struct Trained {
    /// Report key (`model_1` ...) and the notebook's row name (`simple_dense` ...).
    key: &'static str,
    row: &'static str,
    /// The notebook's accuracy (%), for the table.
    lecture_accuracy: f64,
    model: Model,
    probs: Vec<f32>,
    scores: Scores,
    seconds: f64,
}

/// `calculate_results` as the table's row.
fn scores(y_true: &[i64], y_pred: &[i64]) -> AnyResult<Scores> {
    let (accuracy, s) = calculate_results(y_true, y_pred)?;
    Ok(Scores {
        accuracy,
        precision: s.precision,
        recall: s.recall,
        f1: s.fbeta_score,
    })
}

/// `tf.squeeze(tf.round(pred_probs))`: round half to even, so exactly 0.5 gives 0.
fn round_probs(p: &[f32]) -> Vec<i64> {
    p.iter()
        .map(|&v| (v as f64).round_ties_even() as i64)
        .collect()
}

fn labels_tensor(labels: &[i64]) -> AnyResult<Tensor> {
    Ok(Tensor::from_vec(
        labels.iter().map(|&v| v as f32).collect(),
        &[labels.len(), 1],
    )?)
}

fn print_results(name: &str, r: &Scores) {
    println!(
        "{name}_results = {{'accuracy': {}, 'precision': {}, 'recall': {}, 'f1': {}}}",
        r.accuracy, r.precision, r.recall, r.f1
    );
}

/// `compare_baseline_to_new_results`.
fn compare_baseline(base: &Scores, new: &Scores) {
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

/// `layers.Input(shape=(1,), dtype="string")`.
fn string_input() -> KerasTensor {
    Input::new(&[1]).dtype("string").tensor()
}

/// A new `Embedding(input_dim=10000, output_dim=128, embeddings_initializer="uniform",
/// input_length=15, name=...)` for each model, so no model starts from another's learned words.
fn new_embedding(name: &str) -> Embedding {
    Embedding::new(MAX_VOCAB, 128)
        .input_length(MAX_LENGTH)
        .name(name)
}

/// Models 1–5: strings → shared `text_vectorizer` → new embedding → `middle` → Dense(1, sigmoid).
fn text_model(
    tv: &TextVectorization,
    embedding: &str,
    name: &str,
    middle: impl FnOnce(&KerasTensor) -> Result<KerasTensor, LayerError>,
) -> AnyResult<Model> {
    let inputs = string_input();
    let x = tv.clone().apply(&inputs)?;
    let x = new_embedding(embedding).apply(&x)?;
    let x = middle(&x)?;
    let outputs = Dense::new(1).activation("sigmoid").apply(&x)?;
    Ok(Model::new(&[&inputs], &[&outputs])?.name(name))
}

/// Models 6/7: strings → vectorizer → frozen GloVe embedding (masked average) → Dense(64, relu)
/// → Dense(1, sigmoid). The frozen part is the "pretrained feature extractor" (USE's role).
fn glove_model(tv: &TextVectorization, matrix: &Tensor, name: &str) -> AnyResult<Model> {
    let dim = matrix.shape()[1];
    let inputs = string_input();
    let x = tv.clone().apply(&inputs)?;
    let x = Embedding::new(MAX_VOCAB, dim)
        .weights(matrix.clone())
        .trainable(false)
        .mask_zero(true)
        .input_length(FEATURE_LENGTH)
        .name("glove_embedding")
        .apply(&x)?;
    let x = GlobalAveragePooling1D::new().apply(&x)?;
    let x = Dense::new(64).activation("relu").apply(&x)?;
    let outputs = Dense::new(1).activation("sigmoid").apply(&x)?;
    Ok(Model::new(&[&inputs], &[&outputs])?.name(name))
}

/// What every deep model goes through: compile, summary, fit (5 epochs, validation data,
/// TensorBoard), predict the validation set, `calculate_results`, compare to the baseline.
fn train_and_score(
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

/// The GloVe matrix for `vocab` (row i = vector of word i, zeros where GloVe has none and for
/// the padding / `[UNK]` rows), and how many words were found.
fn glove_matrix(path: &Path, vocab: &[String]) -> AnyResult<(Tensor, usize)> {
    let glove = GloveVectors::load(path)?;
    let mut m = vec![0f32; MAX_VOCAB * glove.dim];
    let mut found = 0;
    for (i, w) in vocab.iter().enumerate().take(MAX_VOCAB).skip(2) {
        if let Some(v) = glove.get(w) {
            m[i * glove.dim..(i + 1) * glove.dim].copy_from_slice(&v.to_vec());
            found += 1;
        }
    }
    Ok((Tensor::from_vec(m, &[MAX_VOCAB, glove.dim])?, found))
}

/// Python's `round(sum([len(i.split()) for i in train_sentences])/len(train_sentences))`.
fn average_tokens(texts: &[String]) -> i64 {
    let total: usize = texts.iter().map(|t| t.split_whitespace().count()).sum();
    (total as f64 / texts.len().max(1) as f64).round_ties_even() as i64
}

fn ids_of(tv: &TextVectorization, texts: &[&str]) -> AnyResult<Vec<Vec<i64>>> {
    match tv.call_texts(texts)? {
        Data::Int(t) => Ok(t
            .data()
            .chunks(t.shape()[1].max(1))
            .map(<[i64]>::to_vec)
            .collect()),
        _ => Err("text_vectorizer in int mode returns ids".into()),
    }
}

/// Everything after model 0.
fn deep_models(
    args: &Args,
    report: &mut Report,
    baseline: &Baseline,
    data: &Splits,
) -> AnyResult<()> {
    let a = &args.common;
    let seed = a.seed.wrapping_add(42);

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

    // --quick trains one epoch on a slice of the training tweets; validation stays whole.
    let n_train = if a.quick {
        320
    } else {
        data.train_sentences.len()
    };
    let train = (
        &data.train_sentences[..n_train.min(data.train_sentences.len())],
        &data.train_labels[..n_train.min(data.train_labels.len())],
    );
    report.set("n_train_deep", train.0.len());

    let mut trained: Vec<Trained> = Vec::new();
    let specs: [(&'static str, &'static str, &str, &str, f64, usize); 5] = [
        (
            "model_1",
            "simple_dense",
            "model_1_dense",
            "simple_dense_model",
            78.608924,
            1_280_129,
        ),
        (
            "model_2",
            "lstm",
            "model_2_LSTM",
            "LSTM",
            75.590551,
            1_329_473,
        ),
        ("model_3", "gru", "model_3_GRU", "GRU", 77.559055, 1_317_313),
        (
            "model_4",
            "bidirectional",
            "model_4_Bidirectional",
            "bidirectional_RNN",
            76.771654,
            1_378_945,
        ),
        (
            "model_5",
            "conv1d",
            "model_5_Conv1D",
            "Conv1D",
            78.740157,
            1_300_545,
        ),
    ];
    for (i, (key, row, name, experiment, lecture_acc, lecture_params)) in
        specs.into_iter().enumerate()
    {
        section(&format!("Model {}: {name}", i + 1));
        set_random_seed(seed);
        let embedding = format!("embedding_{}", i + 1);
        let model = match i {
            0 => text_model(&text_vectorizer, &embedding, name, |x| {
                GlobalAveragePooling1D::new().apply(x)
            })?,
            1 => text_model(&text_vectorizer, &embedding, name, |x| {
                LSTM::new(64).apply(x)
            })?,
            2 => text_model(&text_vectorizer, &embedding, name, |x| {
                GRU::new(64).apply(x)
            })?,
            3 => text_model(&text_vectorizer, &embedding, name, |x| {
                Bidirectional::new(LSTM::new(64))?.apply(x)
            })?,
            _ => text_model(&text_vectorizer, &embedding, name, |x| {
                let x = Conv1D::new(32, 5).activation("relu").apply(x)?;
                GlobalMaxPool1D::new().apply(&x)
            })?,
        };
        trained.push(train_and_score(
            args,
            report,
            baseline,
            data,
            model,
            (key, row, experiment, lecture_acc, Some(lecture_params)),
            train,
        )?);
    }

    // Models 6 and 7: a frozen pretrained feature extractor in place of the USE.
    let glove = match &args.glove {
        None => {
            let why =
                "no --glove FILE given (glove.6B.*d.txt); models 6 and 7 need pretrained vectors";
            println!("\nSKIP models 6 and 7: {why}. The notebook's TF-Hub Universal Sentence Encoder cannot be loaded by kerust; they use GloVe instead.");
            report.set("glove", format!("skipped: {why}"));
            None
        }
        Some(p) if !p.exists() => {
            return Err(format!("--glove {}: no such file", p.display()).into());
        }
        Some(p) => Some(p.clone()),
    };
    if let Some(path) = glove {
        section("Models 6/7: frozen GloVe feature extractor (stands in for TF-Hub's USE)");
        // Its own vectorizer reads whole tweets; the vocabulary comes from the training sentences.
        let mut feature_vectorizer = TextVectorization::new()
            .max_tokens(MAX_VOCAB)
            .output_sequence_length(FEATURE_LENGTH)
            .name("feature_vectorizer");
        feature_vectorizer.adapt(&data.train_sentences)?;
        let vocab = feature_vectorizer.get_vocabulary();
        let (matrix, found) = glove_matrix(&path, &vocab)?;
        println!(
            "GloVe {}: {}d; {found} of {} vocabulary words have a vector",
            path.display(),
            matrix.shape()[1],
            vocab.len().saturating_sub(2)
        );
        report.set("glove", path.display().to_string());
        report.set("glove.dim", matrix.shape()[1]);
        report.set("glove.words_found", found);
        // A tweet with no tokens at all would average nothing (NaN, as in Keras): say so.
        let empty = ids_of(
            &feature_vectorizer,
            &data
                .train_sentences
                .iter()
                .chain(&data.val_sentences)
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )?
        .iter()
        .filter(|r| r.iter().all(|&v| v == 0))
        .count();
        if empty > 0 {
            println!("warning: {empty} tweets have no tokens; their average is NaN");
        }

        section("Model 6: GloVe feature extractor, 100 % of the training data");
        set_random_seed(seed);
        let m6 = glove_model(&feature_vectorizer, &matrix, "model_6_glove")?;
        trained.push(train_and_score(
            args,
            report,
            baseline,
            data,
            m6,
            (
                "model_6",
                "glove_feature_extractor",
                "glove_feature_extractor",
                81.758530,
                None,
            ),
            train,
        )?);

        // Frozen means frozen: five epochs of Adam left the GloVe rows as they were.
        let m6 = by_key_model(&trained, "model_6")?;
        let after = m6
            .get_layer("glove_embedding")
            .and_then(|l| l.params().first().map(|p| p.value.to_vec()))
            .ok_or("model_6 has no glove_embedding weights")??;
        let unchanged = after == matrix.to_vec()?;
        println!("frozen GloVe embedding unchanged by training: {unchanged}");
        report.set("model_6.embedding_unchanged", unchanged);

        section("Model 7: GloVe feature extractor, 10 % of the training data");
        // The notebook's correct way: split the already split training data again.
        let sub = train_test_split()
            .test_size(0.1)
            .random_state(42)
            .split(train.0.len())?;
        let s10: Vec<String> = sub.test.iter().map(|&i| train.0[i].clone()).collect();
        let l10: Vec<i64> = sub.test.iter().map(|&i| train.1[i]).collect();
        let ones = l10.iter().filter(|&&v| v == 1).count();
        println!("Total training examples: {}", train.0.len());
        println!(
            "Length of 10% training examples: {}   (lecture 686)",
            s10.len()
        );
        println!(
            "value_counts: 0 {}, 1 {ones}   (lecture 0 415, 1 271)",
            l10.len() - ones
        );
        report.set("model_7.n_train", s10.len());
        // clone_model: same architecture, fresh Dense weights, the same frozen extractor.
        set_random_seed(seed);
        let m7 = glove_model(&feature_vectorizer, &matrix, "model_7_glove_10_percent")?;
        trained.push(train_and_score(
            args,
            report,
            baseline,
            data,
            m7,
            (
                "model_7",
                "glove_10_percent_data",
                "10_percent_glove_feature_extractor",
                77.034121,
                None,
            ),
            (&s10, &l10),
        )?);
    }

    // Ensemble: the notebook averages model_0 (np.max of predict_proba — the probability of the
    // predicted class, not of class 1), model_2 (LSTM) and model_6 (USE).
    section("Combining our models (ensemble by averaging prediction probabilities)");
    let by_key = |k: &str| trained.iter().find(|t| t.key == k);
    let third = by_key("model_6")
        .or_else(|| by_key("model_3"))
        .ok_or("model 3 missing")?;
    let m2 = by_key("model_2").ok_or("model 2 missing")?;
    println!(
        "averaging model_0 (np.max(predict_proba)), model_2 and {}{}",
        third.key,
        if third.key == "model_3" {
            " (model_6 in the notebook; skipped here, so the GRU takes its place)"
        } else {
            ""
        }
    );
    let baseline_pred_probs: Vec<f64> = baseline
        .predict_proba(&data.val_sentences)
        .iter()
        .map(|p| p.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .collect();
    let combined_preds: Vec<i64> = baseline_pred_probs
        .iter()
        .zip(&m2.probs)
        .zip(&third.probs)
        .map(|((b, p2), p3)| ((b + *p2 as f64 + *p3 as f64) / 3.0).round_ties_even() as i64)
        .collect();
    println!(
        "combined_preds[:20] = {:?}",
        &combined_preds[..20.min(combined_preds.len())]
    );
    let ensemble = scores(&data.val_labels, &combined_preds)?;
    print_results("ensemble", &ensemble);
    println!(
        "(lecture 77.95275590551181, 0.7792442137914578, 0.7795275590551181, 0.7789463852322546)"
    );
    report.set("ensemble.members", vec!["model_0", "model_2", third.key]);
    report.set_f("ensemble.accuracy", ensemble.accuracy);
    report.set_f("ensemble.precision", ensemble.precision);
    report.set_f("ensemble.recall", ensemble.recall);
    report.set_f("ensemble.f1", ensemble.f1);

    section("Comparing the performance of each of our models");
    let mut rows: Vec<(&str, Scores, f64, String, String)> = vec![(
        "baseline",
        baseline.scores,
        79.265092,
        "-".into(),
        "<1".into(),
    )];
    for t in &trained {
        rows.push((
            t.row,
            t.scores,
            t.lecture_accuracy,
            t.model.count_params().to_string(),
            format!("{:.1}", t.seconds),
        ));
    }
    rows.push((
        "ensemble_results",
        ensemble,
        77.952756,
        "-".into(),
        "-".into(),
    ));
    println!(
        "{:<26}{:>10}{:>11}{:>10}{:>10}{:>12}{:>11}{:>10}",
        "", "accuracy", "precision", "recall", "f1", "lecture acc", "params", "train s"
    );
    for (name, r, lecture, params, secs) in &rows {
        println!(
            "{name:<26}{:>10.6}{:>11.6}{:>10.6}{:>10.6}{lecture:>12.6}{params:>11}{secs:>10}",
            r.accuracy, r.precision, r.recall, r.f1
        );
    }
    let names: Vec<&str> = rows.iter().map(|r| r.0).collect();
    save_plot(a, "tweets_results.png", |p| {
        plot::grouped_bars(
            p,
            "Disaster tweets: all models (accuracy / 100, weighted precision/recall/F1)",
            "score",
            &names,
            &[
                (
                    "accuracy",
                    rows.iter().map(|r| (r.1.accuracy / 100.0) as f32).collect(),
                ),
                (
                    "precision",
                    rows.iter().map(|r| r.1.precision as f32).collect(),
                ),
                ("recall", rows.iter().map(|r| r.1.recall as f32).collect()),
                ("f1", rows.iter().map(|r| r.1.f1 as f32).collect()),
            ],
        )
    })?;
    let mut by_f1: Vec<(&str, f32)> = rows.iter().map(|r| (r.0, r.1.f1 as f32)).collect();
    by_f1.sort_by(|x, y| y.1.total_cmp(&x.1));
    save_plot(a, "tweets_f1.png", |p| {
        plot::bars(p, "F1 by model (sorted)", "f1", &by_f1)
    })?;

    // The best deep model by F1 plays model_6's part from here on.
    let best = trained
        .iter_mut()
        .max_by(|x, y| x.scores.f1.total_cmp(&y.scores.f1))
        .ok_or("no deep model trained")?;
    println!(
        "\nbest deep model by F1: {} ({}), f1 {:.4}",
        best.key, best.model.name, best.scores.f1
    );
    report.set("best.model", best.key);

    section("Saving and loading the best model (native directory)");
    let save_dir = match a.out_file("best_model")? {
        Some(p) => p,
        None => {
            std::env::temp_dir().join(format!("kerust_tweets_best_model_{}", std::process::id()))
        }
    };
    save_model(&best.model, &save_dir)?;
    let mut loaded = load_model(&save_dir)?;
    if loaded.compiled.is_none() {
        loaded.compile(Adam::new(), "binary_crossentropy", &["accuracy"])?;
    }
    let val_y = labels_tensor(&data.val_labels)?;
    let saved_logs = best.model.evaluate(&data.val_sentences, &val_y, 32)?;
    let loaded_logs = loaded.evaluate(&data.val_sentences, &val_y, 32)?;
    let (acc_saved, acc_loaded) = (
        saved_logs.get("accuracy").ok_or("no accuracy")?,
        loaded_logs.get("accuracy").ok_or("no accuracy")?,
    );
    println!("saved to {}", save_dir.display());
    println!("model.evaluate        = {}", saved_logs.format());
    println!("loaded_model.evaluate = {}", loaded_logs.format());
    let same = acc_saved == acc_loaded;
    println!("loaded model accuracy == saved model accuracy: {same}");
    assert!(
        same,
        "the reloaded model scores {acc_loaded}, the saved one {acc_saved}"
    );
    report.set_f("save_load.accuracy_saved", acc_saved as f64);
    report.set_f("save_load.accuracy_loaded", acc_loaded as f64);
    report.set("save_load.equal", same);
    if a.out.is_none() {
        let _ = std::fs::remove_dir_all(&save_dir);
    }

    section("Visualizing learned embeddings (model_1's embedding, for projector.tensorflow.org)");
    let m1 = by_key_model(&trained, "model_1")?;
    let layer = m1
        .get_layer("embedding_1")
        .ok_or("model_1 has no embedding_1")?;
    let embed_weights = layer
        .params()
        .first()
        .ok_or("embedding without weights")?
        .value
        .to_vec()?;
    println!("embed_weights.shape = ({}, 128)", embed_weights.len() / 128);
    if let (Some(vp), Some(mp)) = (
        a.out_file("embedding_vectors.tsv")?,
        a.out_file("embedding_metadata.tsv")?,
    ) {
        let mut vectors = String::new();
        let mut meta = String::new();
        for (num, word) in words_in_vocab.iter().enumerate().skip(1) {
            // skip padding token
            let row = &embed_weights[num * 128..(num + 1) * 128];
            meta.push_str(word);
            meta.push('\n');
            vectors.push_str(
                &row.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("\t"),
            );
            vectors.push('\n');
        }
        std::fs::write(&vp, vectors)?;
        std::fs::write(&mp, meta)?;
        println!("written: {} and {}", vp.display(), mp.display());
        report.set("projector.rows", words_in_vocab.len() - 1);
    }

    let best = trained
        .iter()
        .max_by(|x, y| x.scores.f1.total_cmp(&y.scores.f1))
        .ok_or("no deep model trained")?;
    section(&format!("Finding the most wrong examples ({})", best.key));
    let preds = round_probs(&best.probs);
    let mut most_wrong: Vec<usize> = (0..data.val_labels.len())
        .filter(|&i| preds[i] != data.val_labels[i])
        .collect();
    most_wrong.sort_by(|&x, &y| best.probs[y].total_cmp(&best.probs[x]));
    println!("{} wrong predictions of {}", most_wrong.len(), preds.len());
    let show = |idx: &[usize]| {
        for &i in idx {
            println!(
                "Target: {}, Pred: {}, Prob: {}\nText:\n{}\n\n----\n",
                data.val_labels[i], preds[i], best.probs[i], data.val_sentences[i]
            );
        }
    };
    println!("False positives (most_wrong[:10]):\n");
    let top: Vec<usize> = most_wrong.iter().take(10).copied().collect();
    show(&top);
    println!("False negatives (most_wrong[-10:]):\n");
    let bottom: Vec<usize> = most_wrong[most_wrong.len().saturating_sub(10)..].to_vec();
    show(&bottom);
    report.set("most_wrong.count", most_wrong.len());
    report.set_list(
        "most_wrong.top_probs",
        &top.iter().map(|&i| best.probs[i]).collect::<Vec<_>>(),
    );
    report.set_list(
        "most_wrong.bottom_probs",
        &bottom.iter().map(|&i| best.probs[i]).collect::<Vec<_>>(),
    );

    section("Making predictions on the test dataset");
    let mut best_model = trained
        .into_iter()
        .max_by(|x, y| x.scores.f1.total_cmp(&y.scores.f1))
        .ok_or("no deep model trained")?;
    let test_path = a
        .data_dir()
        .map(|d| d.join("nlp_getting_started/test.csv"))
        .filter(|p| p.exists());
    match test_path {
        None => println!("SKIP test predictions: nlp_getting_started/test.csv not found"),
        Some(p) => {
            let test_df = Tweets::load(&p)?;
            println!("test.csv: {} tweets   (lecture 3263)", test_df.len());
            let samples =
                RandomState::new(seed as u32).choice_without_replacement(&test_df.text, 10);
            let mut probs = Vec::new();
            for s in &samples {
                let prob = best_model.model.predict([s.as_str()])?.to_vec()?[0];
                println!(
                    "Pred: {}, Prob: {prob}\nText:\n{s}\n\n----\n",
                    (prob as f64).round_ties_even() as i64
                );
                probs.push(prob);
            }
            report.set_list("test_samples.probs", &probs);
        }
    }
    section("Predicting on Tweets from the wild");
    for sentence in [
        "Life like an ensemble: take the best choices from others and make your own",
        "Reports that the smoke in Beirut sky contains nitric acid, which is toxic. Please share and refrain from stepping outside unless urgent. #Lebanon",
        "#Beirut declared a “devastated city”, two-week state of emergency officially declared. #Lebanon",
    ] {
        // predict_on_sentence(model, sentence)
        let prob = best_model.model.predict([sentence])?.to_vec()?[0];
        let label = (prob as f64).round_ties_even();
        println!(
            "Pred: {label:.1} {} Prob: {prob}\nText:\n{sentence}\n",
            if label > 0.0 { "(real disaster)" } else { "(not real disaster)" }
        );
    }

    section("The speed/score tradeoff");
    // pred_timer(model, samples): total seconds and seconds per prediction.
    let started = Instant::now();
    best_model.model.predict(&data.val_sentences)?;
    let best_total = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let _ = baseline.predict(&data.val_sentences);
    let base_total = started.elapsed().as_secs_f64();
    let n = data.val_sentences.len().max(1) as f64;
    let (best_per, base_per) = (best_total / n, base_total / n);
    println!(
        "{}: {best_total:.4}s for {} predictions, {best_per:.3e}s per prediction",
        best_model.key, n
    );
    println!("baseline: {base_total:.4}s for {n} predictions, {base_per:.3e}s per prediction");
    println!("(the lecture text stops before pred_timer's output: no figures to compare)");
    report.set_f("speed.best_total_seconds", best_total);
    report.set_f("speed.best_seconds_per_prediction", best_per);
    report.set_f("speed.baseline_total_seconds", base_total);
    report.set_f("speed.baseline_seconds_per_prediction", base_per);
    let best_label = format!("{} ({})", best_model.key, best_model.row);
    save_plot(a, "tweets_speed_score.png", |p| {
        plot::labeled_points(
            p,
            "F1-score versus time per prediction",
            "Time per prediction (s)",
            "F1-Score",
            &[
                ("baseline", base_per as f32, baseline.scores.f1 as f32),
                (&best_label, best_per as f32, best_model.scores.f1 as f32),
            ],
        )
    })?;
    Ok(())
}

fn by_key_model<'a>(trained: &'a [Trained], key: &str) -> AnyResult<&'a Model> {
    trained
        .iter()
        .find(|t| t.key == key)
        .map(|t| &t.model)
        .ok_or_else(|| format!("{key} was not trained").into())
}
