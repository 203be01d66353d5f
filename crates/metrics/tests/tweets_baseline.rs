//! Lecture 003 (disaster tweets): the baseline's accuracy 79.27 and weighted precision 0.8111, recall
//! 0.7927, F1 0.7862, recomputed from the baseline's predictions (reproduced by the reference script).

mod common;

use common::{close, fixture, i64s, num};
use kerust_metrics::{
    accuracy_score, classification_report, precision_recall_fscore_support, Average, PrfOptions,
    Prfs, ReportOptions,
};

#[test]
fn lecture_baseline_metrics() {
    let f = fixture("tweets_baseline.json");
    let t = i64s(&f["val_labels"]);
    let p = i64s(&f["baseline_preds"]);
    assert_eq!(t.len(), 762);
    // calculate_results(): accuracy_score * 100 and weighted precision_recall_fscore_support.
    let accuracy = accuracy_score(&t, &p).unwrap() * 100.0;
    let opts = PrfOptions::new().average(Average::Weighted);
    let Prfs::Averaged(w) = precision_recall_fscore_support(&t, &p, &opts).unwrap() else {
        panic!("weighted average must give averaged scores")
    };
    // The numbers printed in the lecture, then sklearn's full-precision values.
    assert_eq!(format!("{accuracy:.2}"), "79.27");
    close(accuracy, 79.26509186351706, 1e-12, "accuracy");
    close(w.precision, 0.8111390004213173, 1e-12, "precision");
    close(w.recall, 0.7926509186351706, 1e-12, "recall");
    close(w.fbeta_score, 0.7862189758049549, 1e-12, "f1");
    close(
        w.precision,
        num(&f["precision"]),
        1e-12,
        "fixture precision",
    );
    let report = classification_report(&t, &p, &ReportOptions::new()).unwrap();
    assert_eq!(report, f["report"].as_str().unwrap());
}
