//! Class labels (any small integer type) and the input checks shared by the sklearn-style functions.

use std::collections::BTreeSet;
use std::fmt::{Debug, Display};

use crate::error::{MetricsError, Result};

/// A class label: integers such as `i64`, `i32`, `u8` or `usize`.
///
/// `From<u8>` gives scikit-learn's default `pos_label=1`.
pub trait Label: Copy + Ord + Debug + Display + From<u8> {}

impl<T: Copy + Ord + Debug + Display + From<u8>> Label for T {}

/// Sorted union of the labels in `y_true` and `y_pred` (sklearn `unique_labels`).
pub fn unique_labels<T: Label>(y_true: &[T], y_pred: &[T]) -> Vec<T> {
    let set: BTreeSet<T> = y_true.iter().chain(y_pred).copied().collect();
    set.into_iter().collect()
}

/// Labels written like a Python list, for error messages: `[0, 1, 2]`.
pub(crate) fn fmt_labels<T: Display>(labels: &[T]) -> String {
    let parts: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// Same number of samples in both inputs, and at least one.
pub(crate) fn check_pair<A, B>(what: &'static str, y_true: &[A], y_pred: &[B]) -> Result<()> {
    if y_true.len() != y_pred.len() {
        return Err(MetricsError::LengthMismatch {
            what,
            y_true: y_true.len(),
            y_pred: y_pred.len(),
        });
    }
    if y_true.is_empty() {
        return Err(MetricsError::EmptyInput { what });
    }
    Ok(())
}

/// Converts to `f64`, rejecting NaN and infinities like sklearn's `check_array`.
pub(crate) fn finite_f64<F: Copy + Into<f64>>(
    what: &'static str,
    input: &'static str,
    values: &[F],
) -> Result<Vec<f64>> {
    values
        .iter()
        .enumerate()
        .map(|(index, v)| {
            let value: f64 = (*v).into();
            if value.is_finite() {
                Ok(value)
            } else {
                Err(MetricsError::NonFinite {
                    what,
                    input,
                    index,
                    value,
                })
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_labels_is_sorted_union() {
        assert_eq!(unique_labels(&[3i64, 1, 3], &[2, 1]), vec![1, 2, 3]);
        assert_eq!(fmt_labels(&[0usize, 1]), "[0, 1]");
    }

    #[test]
    fn checks_reject_bad_input() {
        assert!(matches!(
            check_pair("f", &[1i64], &[1i64, 2]),
            Err(MetricsError::LengthMismatch {
                y_true: 1,
                y_pred: 2,
                ..
            })
        ));
        assert!(matches!(
            check_pair::<i64, i64>("f", &[], &[]),
            Err(MetricsError::EmptyInput { .. })
        ));
        assert!(matches!(
            finite_f64("f", "y_true", &[1.0f32, f32::NAN]),
            Err(MetricsError::NonFinite { index: 1, .. })
        ));
    }
}
