//! Accuracy functions: sklearn's `accuracy_score` on labels and Keras's binary / categorical / sparse accuracy on scores.

use crate::error::{MetricsError, Result};
use crate::label::check_pair;

/// Keras's default decision threshold for `binary_accuracy`.
pub const DEFAULT_THRESHOLD: f32 = 0.5;

/// Fraction of samples whose predicted label equals the true label (sklearn `accuracy_score`).
pub fn accuracy_score<T: PartialEq>(y_true: &[T], y_pred: &[T]) -> Result<f64> {
    check_pair("accuracy_score", y_true, y_pred)?;
    let hits = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    Ok(hits as f64 / y_true.len() as f64)
}

/// Keras `binary_accuracy`: mean of `y_true == (y_pred > threshold)`; `None` means 0.5.
pub fn binary_accuracy(
    y_true: &[f32],
    y_pred: &[f32],
    threshold: impl Into<Option<f32>>,
) -> Result<f64> {
    check_pair("binary_accuracy", y_true, y_pred)?;
    let threshold = threshold.into().unwrap_or(DEFAULT_THRESHOLD);
    let hits = y_true
        .iter()
        .zip(y_pred)
        .filter(|(t, p)| **t == f32::from(u8::from(**p > threshold)))
        .count();
    Ok(hits as f64 / y_true.len() as f64)
}

/// Index of the first maximum of a row, like `argmax` (NaN never wins).
pub(crate) fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] || row[best].is_nan() && !v.is_nan() {
            best = i;
        }
    }
    best
}

/// Checks that a flat buffer is `n_rows` rows of `num_classes` columns.
fn rows<'a>(
    what: &'static str,
    values: &'a [f32],
    num_classes: usize,
) -> Result<std::slice::Chunks<'a, f32>> {
    if num_classes == 0 || !values.len().is_multiple_of(num_classes) {
        return Err(MetricsError::BadRowWidth {
            what,
            len: values.len(),
            width: num_classes,
        });
    }
    if values.is_empty() {
        return Err(MetricsError::EmptyInput { what });
    }
    Ok(values.chunks(num_classes))
}

/// Keras `categorical_accuracy`: one-hot `y_true` rows against probability rows, compared by argmax.
pub fn categorical_accuracy(y_true: &[f32], y_pred: &[f32], num_classes: usize) -> Result<f64> {
    let what = "categorical_accuracy";
    if y_true.len() != y_pred.len() {
        return Err(MetricsError::LengthMismatch {
            what,
            y_true: y_true.len(),
            y_pred: y_pred.len(),
        });
    }
    let t = rows(what, y_true, num_classes)?;
    let p = rows(what, y_pred, num_classes)?;
    let n = y_true.len() / num_classes;
    let hits = t.zip(p).filter(|(t, p)| argmax(t) == argmax(p)).count();
    Ok(hits as f64 / n as f64)
}

/// Keras `sparse_categorical_accuracy`: integer labels against probability rows.
pub fn sparse_categorical_accuracy<L: Copy + TryInto<usize>>(
    y_true: &[L],
    y_pred: &[f32],
    num_classes: usize,
) -> Result<f64> {
    let what = "sparse_categorical_accuracy";
    let p = rows(what, y_pred, num_classes)?;
    let n = y_pred.len() / num_classes;
    if y_true.len() != n {
        return Err(MetricsError::LengthMismatch {
            what,
            y_true: y_true.len(),
            y_pred: n,
        });
    }
    // A label that is negative or too large simply never matches, as in Keras.
    let hits = y_true
        .iter()
        .zip(p)
        .filter(|(t, p)| (**t).try_into().ok() == Some(argmax(p)))
        .count();
    Ok(hits as f64 / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_score_counts_matches() {
        assert_eq!(
            accuracy_score(&[0i64, 1, 2, 3], &[0, 2, 1, 3]).unwrap(),
            0.5
        );
        assert!(accuracy_score::<i64>(&[], &[]).is_err());
    }

    #[test]
    fn binary_accuracy_uses_strict_threshold() {
        let t = [1.0, 0.0, 1.0, 0.0];
        let p = [0.5, 0.2, 0.9, 0.7];
        assert_eq!(binary_accuracy(&t, &p, None).unwrap(), 0.5);
        assert_eq!(binary_accuracy(&t, &p, 0.8).unwrap(), 0.75);
    }

    #[test]
    fn categorical_and_sparse_agree() {
        let onehot = [0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        let probs = [0.1, 0.8, 0.1, 0.3, 0.3, 0.4, 0.2, 0.2, 0.6];
        let c = categorical_accuracy(&onehot, &probs, 3).unwrap();
        let s = sparse_categorical_accuracy(&[1usize, 0, 2], &probs, 3).unwrap();
        assert!((c - 2.0 / 3.0).abs() < 1e-12 && c == s);
        assert!(matches!(
            categorical_accuracy(&onehot, &probs, 4),
            Err(MetricsError::BadRowWidth { .. })
        ));
        assert!(sparse_categorical_accuracy(&[-1i64, 0, 2], &probs, 3).unwrap() < c);
    }

    #[test]
    fn argmax_takes_first_maximum() {
        assert_eq!(argmax(&[0.2, 0.4, 0.4]), 1);
        assert_eq!(argmax(&[f32::NAN, 0.1]), 1);
    }
}
