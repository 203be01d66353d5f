//! Regression scores, ROC AUC and log loss against recorded scikit-learn outputs.

mod common;

use common::{close, f64s, fixture, i64s, num};
use kerust_metrics::{
    log_loss, mean_absolute_error, mean_squared_error, r2_score, roc_auc_score,
    root_mean_squared_error, LogLossOptions,
};

const TOL: f64 = 1e-6;

#[test]
fn regression_scores() {
    let f = fixture("sklearn_scores.json");
    for (i, c) in f["regression"].as_array().unwrap().iter().enumerate() {
        // The fixture holds float32-representable values; feed them as f32 like a model would.
        let t: Vec<f32> = f64s(&c["y_true"]).iter().map(|x| *x as f32).collect();
        let p: Vec<f32> = f64s(&c["y_pred"]).iter().map(|x| *x as f32).collect();
        let ctx = format!("regression case {i}");
        close(
            mean_squared_error(&t, &p).unwrap(),
            num(&c["mse"]),
            TOL,
            &ctx,
        );
        close(
            mean_absolute_error(&t, &p).unwrap(),
            num(&c["mae"]),
            TOL,
            &ctx,
        );
        close(
            root_mean_squared_error(&t, &p).unwrap(),
            num(&c["rmse"]),
            TOL,
            &ctx,
        );
        close(r2_score(&t, &p).unwrap(), num(&c["r2"]), TOL, &ctx);
    }
}

#[test]
fn roc_auc_with_ties() {
    let f = fixture("sklearn_scores.json");
    for (i, c) in f["roc_auc"].as_array().unwrap().iter().enumerate() {
        let t = i64s(&c["y_true"]);
        let s = f64s(&c["y_score"]);
        close(
            roc_auc_score(&t, &s).unwrap(),
            num(&c["auc"]),
            1e-12,
            &format!("auc case {i}"),
        );
    }
}

#[test]
fn log_loss_binary_and_multiclass() {
    let f = fixture("sklearn_scores.json");
    for (i, c) in f["log_loss"].as_array().unwrap().iter().enumerate() {
        let t = i64s(&c["y_true"]);
        let p = f64s(&c["y_prob"]);
        let mut opts = LogLossOptions::new();
        if !c["labels"].is_null() {
            opts = opts.labels(&i64s(&c["labels"]));
        }
        let ctx = format!("log_loss case {i}");
        close(log_loss(&t, &p, &opts).unwrap(), num(&c["loss"]), TOL, &ctx);
        let sum = log_loss(&t, &p, &opts.normalize(false)).unwrap();
        close(sum, num(&c["loss_sum"]), 1e-5, &ctx);
    }
}
