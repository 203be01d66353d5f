//! Bad input gives typed errors, never a panic.

use kerust_metrics::keras::{Batch, Metric, Precision, AUC};
use kerust_metrics::{
    binary_accuracy, classification_report, confusion_matrix, f1_score, from_name, log_loss,
    precision_recall_fscore_support, r2_score, roc_auc_score, sparse_categorical_accuracy, Average,
    LogLossOptions, MetricsError, PrfOptions, ReportOptions,
};

#[test]
fn sklearn_style_functions_reject_bad_input() {
    let e = f1_score(&[0i64, 1, 2], &[0, 1], &PrfOptions::new()).unwrap_err();
    assert!(matches!(
        e,
        MetricsError::LengthMismatch {
            y_true: 3,
            y_pred: 2,
            ..
        }
    ));
    assert!(e.to_string().contains("inconsistent numbers of samples"));
    let e = "avg".parse::<Average>().unwrap_err();
    assert!(e.to_string().contains("\"avg\""));
    let opts = PrfOptions::new().average(None).labels(&[]);
    assert!(matches!(
        precision_recall_fscore_support(&[0i64], &[0], &opts),
        Err(MetricsError::EmptyLabels { .. })
    ));
    assert!(matches!(
        classification_report::<i64>(&[], &[], &ReportOptions::new()),
        Err(MetricsError::EmptyInput { .. })
    ));
    assert!(binary_accuracy(&[1.0], &[], None).is_err());
    assert!(sparse_categorical_accuracy(&[0usize], &[0.5, 0.5], 0).is_err());
    assert!(r2_score(&[1.0, f64::NAN], &[1.0, 1.0]).is_err());
    assert!(roc_auc_score(&[0i64, 1], &[0.5f32]).is_err());
    assert!(log_loss(&[0i64, 1, 1], &[0.5, 0.5], &LogLossOptions::new()).is_err());
    assert!(log_loss(&[0i64, 1], &[f64::NAN, 0.5], &LogLossOptions::new()).is_err());
    // A label per sample, all distinct: the k x k matrix would not fit, so it is refused.
    let many: Vec<i64> = (0..20_000).collect();
    assert!(matches!(
        confusion_matrix(&many, &many, None),
        Err(MetricsError::BadArgument { .. })
    ));
}

#[test]
fn keras_metrics_reject_bad_batches_and_keep_state() {
    let mut auc = AUC::new();
    let t = [0.0, 1.0, 1.0];
    let p = [0.2, 0.8, 0.4, 0.1];
    let err = auc
        .update_state(&Batch::vector(&t), &Batch::vector(&p))
        .unwrap_err();
    assert!(matches!(err, MetricsError::ShapeMismatch { .. }));
    assert_eq!(auc.result(), 0.0);
    assert!(Batch::new(&p, &[3]).is_err());
    let mut prec = Precision::new().class_id(0);
    assert!(prec
        .update_state(&Batch::vector(&t), &Batch::vector(&p[..3]))
        .is_err());
    assert!(from_name("top_k", &[2], &[2, 5]).is_err());
    let mut acc = from_name("accuracy", &[2], &[2, 2]).unwrap();
    let bad = acc.update_state(
        &Batch::vector(&[0.0, 1.0, 1.0]),
        &Batch::matrix(&p, 2, 2).unwrap(),
    );
    assert!(bad.is_err());
    assert_eq!(acc.result(), 0.0);
}
