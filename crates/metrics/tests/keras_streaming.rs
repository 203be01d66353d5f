//! Keras streaming metrics fed the same batches as keras.metrics in the reference script.

mod common;

use common::{close, f32s, fixture, num, usizes};
use kerust_metrics::keras::{
    AUCCurve, AUCSummationMethod, Batch, BinaryAccuracy, CategoricalAccuracy, MeanAbsoluteError,
    MeanSquaredError, Metric, Precision, Recall, SparseCategoricalAccuracy, AUC,
};

fn build(tag: &str) -> Box<dyn Metric> {
    match tag {
        "BinaryAccuracy" => Box::new(BinaryAccuracy::new()),
        "BinaryAccuracy_t0.7" => Box::new(BinaryAccuracy::new().threshold(0.7)),
        "AUC" => Box::new(AUC::new()),
        "AUC_PR" => Box::new(AUC::new().curve(AUCCurve::PR)),
        "AUC_PR_minoring" => Box::new(
            AUC::new()
                .curve(AUCCurve::PR)
                .summation_method(AUCSummationMethod::Minoring),
        ),
        "AUC_majoring" => Box::new(AUC::new().summation_method(AUCSummationMethod::Majoring)),
        "AUC_n7" => Box::new(AUC::new().num_thresholds(7).unwrap()),
        "AUC_logits" => Box::new(AUC::new().from_logits(true)),
        "Precision" => Box::new(Precision::new()),
        "Precision_t0.3" => Box::new(Precision::new().thresholds(0.3)),
        "Precision_class2" => Box::new(Precision::new().class_id(2)),
        "Recall" => Box::new(Recall::new()),
        "CategoricalAccuracy" => Box::new(CategoricalAccuracy::new()),
        "SparseCategoricalAccuracy" => Box::new(SparseCategoricalAccuracy::new()),
        "MeanSquaredError" => Box::new(MeanSquaredError::new()),
        "MeanAbsoluteError" => Box::new(MeanAbsoluteError::new()),
        other => panic!("fixture names unknown metric {other}"),
    }
}

#[test]
fn streams_match_keras() {
    let f = fixture("keras_streaming.json");
    let cases = f["cases"].as_array().unwrap();
    assert!(cases.len() >= 25);
    for (i, c) in cases.iter().enumerate() {
        let tag = c["metric"].as_str().unwrap();
        let mut m = build(tag);
        // Keras uniquifies repeated default names (auc, auc_1, …); the base name must match.
        let keras_name = c["name"].as_str().unwrap();
        let base = keras_name.trim_end_matches(|ch: char| ch.is_ascii_digit() || ch == '_');
        assert_eq!(m.name(), base, "case {i} {tag}");
        let results = c["results"].as_array().unwrap();
        for (b, (batch, want)) in c["batches"]
            .as_array()
            .unwrap()
            .iter()
            .zip(results)
            .enumerate()
        {
            let (td, ts) = (f32s(&batch["y_true"]), usizes(&batch["y_true_shape"]));
            let (pd, ps) = (f32s(&batch["y_pred"]), usizes(&batch["y_pred_shape"]));
            let yt = Batch::new(&td, &ts).unwrap();
            let yp = Batch::new(&pd, &ps).unwrap();
            m.update_state(&yt, &yp).unwrap();
            let want = num(want);
            // Keras accumulates in float32; allow its rounding on top of 1e-6.
            let tol = 1e-6 + 2e-7 * want.abs();
            close(
                f64::from(m.result()),
                want,
                tol,
                &format!("case {i} {tag} {ts:?}/{ps:?} batch {b}"),
            );
        }
        m.reset_state();
        close(
            f64::from(m.result()),
            num(&c["after_reset"]),
            0.0,
            &format!("case {i} reset"),
        );
    }
}
