//! Binary `roc_auc_score`: trapezoidal area under sklearn's ROC curve, tied scores forming one step.

use crate::error::{MetricsError, Result};
use crate::label::{check_pair, finite_f64, fmt_labels, unique_labels, Label};

/// Area under the ROC curve of a binary target; the larger label is the positive class.
///
/// Like sklearn 1.9, a `y_true` holding a single class gives NaN (sklearn warns); more than two
/// classes is an error (one-vs-rest needs probability rows, which this function does not take).
pub fn roc_auc_score<T: Label, F: Copy + Into<f64>>(y_true: &[T], y_score: &[F]) -> Result<f64> {
    let what = "roc_auc_score";
    check_pair(what, y_true, y_score)?;
    let scores = finite_f64(what, "y_score", y_score)?;
    let classes = unique_labels(y_true, &[]);
    if classes.len() > 2 {
        return Err(MetricsError::NotBinary {
            what,
            n_classes: classes.len(),
            labels: fmt_labels(&classes),
        });
    }
    if classes.len() < 2 {
        return Ok(f64::NAN);
    }
    let pos = classes[1];
    let mut order: Vec<usize> = (0..scores.len()).collect();
    // Descending score, as sklearn's roc_curve walks thresholds from high to low.
    order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    let (mut tp, mut fp) = (0.0f64, 0.0f64);
    let (mut prev_tp, mut prev_fp) = (0.0f64, 0.0f64);
    let mut area = 0.0;
    let mut i = 0;
    while i < order.len() {
        // All samples sharing one score move the curve together (a diagonal step for ties).
        let s = scores[order[i]];
        while i < order.len() && scores[order[i]] == s {
            if y_true[order[i]] == pos {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            i += 1;
        }
        area += (fp - prev_fp) * (tp + prev_tp) / 2.0;
        prev_tp = tp;
        prev_fp = fp;
    }
    Ok(area / (tp * fp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sklearn_docstring_and_ties() {
        let auc = roc_auc_score(&[0i64, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
        assert_eq!(auc, 0.75);
        // One tied pair counts one half.
        assert_eq!(roc_auc_score(&[0i64, 1], &[0.5f32, 0.5]).unwrap(), 0.5);
        assert_eq!(
            roc_auc_score(&[3i64, 7, 7], &[0.2, 0.2, 0.9]).unwrap(),
            0.75
        );
    }

    #[test]
    fn degenerate_targets() {
        assert!(roc_auc_score(&[1i64, 1], &[0.2, 0.3]).unwrap().is_nan());
        assert!(matches!(
            roc_auc_score(&[0i64, 1, 2], &[0.2, 0.3, 0.4]),
            Err(MetricsError::NotBinary { n_classes: 3, .. })
        ));
        assert!(roc_auc_score(&[0i64, 1], &[0.2, f64::NAN]).is_err());
    }
}
