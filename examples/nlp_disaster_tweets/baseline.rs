//! Model 0, the baseline: scikit-learn's `TfidfVectorizer()` + `MultinomialNB()` pipeline, scored
//! with the notebook's `calculate_results` (accuracy, weighted precision/recall/F1).
use crate::common::{majority_accuracy, section, AnyResult, Report};
use crate::training::Scores;
use kerust::metrics::{AveragedScores, PrfOptions, Prfs};
use kerust::prelude::*;
use regex::Regex;
use std::collections::{BTreeMap, HashMap};

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
pub fn calculate_results(y_true: &[i64], y_pred: &[i64]) -> AnyResult<(f64, AveragedScores)> {
    let acc = accuracy_score(y_true, y_pred)? * 100.0;
    let opts = PrfOptions::new().average(Average::Weighted);
    match precision_recall_fscore_support(y_true, y_pred, &opts)? {
        Prfs::Averaged(s) => Ok((acc, s)),
        Prfs::PerClass(_) => Err("weighted average returned per-class scores".into()),
    }
}

/// Model 0, kept for the ensemble and the speed test.
pub struct Baseline {
    tfidf: Tfidf,
    nb: MultinomialNb,
    pub scores: Scores,
}

impl Baseline {
    /// `model_0.predict(sentences)`: TF-IDF transform, then naive Bayes.
    pub fn predict(&self, texts: &[String]) -> Vec<i64> {
        self.nb.predict(&self.tfidf.transform(texts))
    }
    /// `model_0.predict_proba(sentences)`.
    pub fn predict_proba(&self, texts: &[String]) -> Vec<Vec<f64>> {
        self.nb.predict_proba(&self.tfidf.transform(texts))
    }
}

/// `model_0 = Pipeline([("tfidf", TfidfVectorizer()), ("clf", MultinomialNB())])`: fit on the
/// training sentences, score on the validation ones, and keep it for the ensemble and speed test.
pub fn model_0(
    report: &mut Report,
    (train_sentences, train_labels): (&[String], &[i64]),
    (val_sentences, val_labels): (&[String], &[i64]),
) -> AnyResult<Baseline> {
    section("Model 0: TfidfVectorizer + MultinomialNB");
    let started = std::time::Instant::now();
    let tfidf = Tfidf::fit(train_sentences)?;
    let x_train = tfidf.transform(train_sentences);
    let nb = MultinomialNb::fit(&x_train, train_labels, tfidf.idf.len(), 2);
    let fit_secs = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let baseline_preds = nb.predict(&tfidf.transform(val_sentences));
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
    let (acc, s) = calculate_results(val_labels, &baseline_preds)?;
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
    report.set_f("majority_accuracy", majority_accuracy(val_labels));
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
    Ok(Baseline {
        tfidf,
        nb,
        scores: Scores {
            accuracy: acc,
            precision: s.precision,
            recall: s.recall,
            f1: s.fbeta_score,
        },
    })
}
