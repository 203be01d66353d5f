//! The notebook's ensemble (averaged prediction probabilities) and its comparison of all models.
use crate::baseline::Baseline;
use crate::common::{plot, save_plot, section, AnyResult, CommonArgs, Report};
use crate::training::{print_results, scores, Scores, Trained};
use crate::Splits;

/// "Combining our models": the ensemble's scores.
pub fn ensemble(
    report: &mut Report,
    baseline: &Baseline,
    data: &Splits,
    trained: &[Trained],
) -> AnyResult<Scores> {
    // Ensemble: the notebook averages model_0 (np.max of predict_proba — the probability of the
    // predicted class, not of class 1), model_2 (LSTM) and model_6 (USE).
    section("Combining our models (ensemble by averaging prediction probabilities)");
    // The notebook's members where they exist: model_6 is the frozen-GloVe stand-in for the USE
    // (only with --glove); without it the ensemble averages model_0 and model_2 alone.
    let by_key = |k: &str| trained.iter().find(|t| t.key == k);
    let m2 = by_key("model_2").ok_or("model 2 missing")?;
    let m6 = by_key("model_6");
    let mut members = vec!["model_0", "model_2"];
    match m6 {
        Some(_) => {
            members.push("model_6");
            println!("averaging model_0 (np.max(predict_proba)), model_2 and model_6 (the frozen-GloVe stand-in for the notebook's USE model)");
        }
        None => println!(
            "averaging model_0 (np.max(predict_proba)) and model_2; the notebook's third member, \
             model_6 (USE), is not here (its GloVe stand-in needs --glove)"
        ),
    }
    let baseline_pred_probs: Vec<f64> = baseline
        .predict_proba(&data.val_sentences)
        .iter()
        .map(|p| p.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .collect();
    let k = members.len() as f64;
    let combined_preds: Vec<i64> = baseline_pred_probs
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let sum = b + m2.probs[i] as f64 + m6.map_or(0.0, |m| m.probs[i] as f64);
            (sum / k).round_ties_even() as i64
        })
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
    report.set("ensemble.members", members);
    report.set_f("ensemble.accuracy", ensemble.accuracy);
    report.set_f("ensemble.precision", ensemble.precision);
    report.set_f("ensemble.recall", ensemble.recall);
    report.set_f("ensemble.f1", ensemble.f1);
    Ok(ensemble)
}

/// "Comparing the performance of each of our models": the table and two plots.
pub fn compare_models(
    a: &CommonArgs,
    baseline: &Baseline,
    trained: &[Trained],
    ensemble: Scores,
) -> AnyResult<()> {
    section("Comparing the performance of each of our models");
    let mut rows: Vec<(&str, Scores, f64, String, String)> = vec![(
        "baseline",
        baseline.scores,
        79.265092,
        "-".into(),
        "<1".into(),
    )];
    for t in trained {
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
    Ok(())
}
