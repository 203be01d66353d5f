//! What the notebook does with its best model (the best deep model by F1 here): save and reload
//! it, write the projector files of model_1's embedding, show the most wrong predictions, predict
//! on test.csv and on tweets from the wild, and weigh speed against score.
use crate::baseline::Baseline;
use crate::common::{plot, save_plot, section, AnyResult, CommonArgs, Report};
use crate::training::{by_key_model, labels_tensor, round_probs, Trained};
use crate::Splits;
use kerust::datasets::RandomState;
use kerust::prelude::*;
use std::time::Instant;

/// Index of the deep model with the best F1 (the last of equals, like `max_by`).
pub fn best_by_f1(trained: &[Trained]) -> AnyResult<usize> {
    Ok(trained
        .iter()
        .enumerate()
        .max_by(|x, y| x.1.scores.f1.total_cmp(&y.1.scores.f1))
        .ok_or("no deep model trained")?
        .0)
}

/// "Saving and loading": native directory, reload, same validation accuracy.
pub fn save_and_load(
    a: &CommonArgs,
    report: &mut Report,
    data: &Splits,
    best: &mut Trained,
) -> AnyResult<()> {
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
    Ok(())
}

/// "Saving and loading a trained model" in both of the notebook's formats: HDF5 (`model.save(
/// "….h5")`) and the default directory format (kerust's native directory stands in for
/// TensorFlow's SavedModel). The notebook does it with model_6 (the USE); model_6 here is the
/// GloVe stand-in, so model_1 is saved: both reloads must predict exactly what it predicts.
pub fn save_model_1_both_formats(
    a: &CommonArgs,
    report: &mut Report,
    data: &Splits,
    trained: &mut [Trained],
) -> AnyResult<()> {
    section("Saving and loading model_1: HDF5 (.h5) and the native directory format");
    let m1 = trained
        .iter_mut()
        .find(|t| t.key == "model_1")
        .ok_or("model_1 was not trained")?;
    // Into --out when given (kept), else a temporary folder (removed).
    let (dir, keep) = match &a.out {
        Some(d) => (d.clone(), true),
        None => (
            std::env::temp_dir().join(format!("kerust_tweets_model_1_{}", std::process::id())),
            false,
        ),
    };
    std::fs::create_dir_all(&dir)?;
    let h5 = dir.join("model_1.h5");
    let native = dir.join("model_1_SavedModel_format");
    let want = m1.model.predict(&data.val_sentences)?.to_vec()?;
    let mut equal_all = true;
    for (key, path) in [("h5", &h5), ("native", &native)] {
        save_model(&m1.model, path)?;
        let mut loaded = load_model(path)?;
        let got = loaded.predict(&data.val_sentences)?.to_vec()?;
        let max_diff = want
            .iter()
            .zip(&got)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        let equal = got == want;
        equal_all &= equal;
        println!(
            "{key:>6}: saved to {}; reloaded predictions on {} tweets equal the model's: {equal} (max |diff| {max_diff:e})",
            path.display(),
            want.len()
        );
        report.set(&format!("save_load.model_1.{key}_equal"), equal);
        report.set_f(
            &format!("save_load.model_1.{key}_max_abs_diff"),
            max_diff as f64,
        );
    }
    if !equal_all {
        return Err("a reloaded model_1 predicts differently from the one saved".into());
    }
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// "Visualizing learned embeddings": model_1's embedding as the projector's TSV files.
pub fn embedding_projector(
    a: &CommonArgs,
    report: &mut Report,
    trained: &[Trained],
    words_in_vocab: &[String],
) -> AnyResult<()> {
    section("Visualizing learned embeddings (model_1's embedding, for projector.tensorflow.org)");
    let m1 = by_key_model(trained, "model_1")?;
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
    Ok(())
}

/// "Finding the most wrong examples" of the validation set.
pub fn most_wrong(report: &mut Report, data: &Splits, best: &Trained) {
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
}

/// "Making predictions on the test dataset": ten random tweets of test.csv, when it is there.
pub fn test_predictions(
    a: &CommonArgs,
    report: &mut Report,
    seed: u64,
    best_model: &mut Trained,
) -> AnyResult<()> {
    section("Making predictions on the test dataset");
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
    Ok(())
}

/// "Predicting on Tweets from the wild": the notebook's three sentences.
pub fn tweets_from_the_wild(best_model: &mut Trained) -> AnyResult<()> {
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
    Ok(())
}

/// "The speed/score tradeoff": time per prediction of the best model and the baseline.
pub fn speed_score(
    a: &CommonArgs,
    report: &mut Report,
    baseline: &Baseline,
    data: &Splits,
    best_model: &mut Trained,
) -> AnyResult<()> {
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
