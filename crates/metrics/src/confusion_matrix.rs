//! `confusion_matrix` in scikit-learn's layout: row = true label, column = predicted label.

use std::collections::BTreeMap;

use crate::error::{MetricsError, Result};
use crate::label::{check_pair, fmt_labels, unique_labels, Label};

/// Largest matrix built (2 GiB of counts); more labels than this is almost surely a regression target.
const MAX_CELLS: usize = 1 << 28;

/// Counts `C[i][j]` = samples with true label `labels[i]` predicted as `labels[j]`.
///
/// `labels = None` uses the sorted union of `y_true` and `y_pred`; with explicit labels, samples
/// whose true or predicted label is not listed are left out (as in sklearn).
pub fn confusion_matrix<T: Label>(
    y_true: &[T],
    y_pred: &[T],
    labels: Option<&[T]>,
) -> Result<Vec<Vec<u64>>> {
    let what = "confusion_matrix";
    check_pair(what, y_true, y_pred)?;
    let labels: Vec<T> = match labels {
        None => unique_labels(y_true, y_pred),
        Some([]) => return Err(MetricsError::EmptyLabels { what }),
        Some(given) => {
            if !given.iter().any(|l| y_true.contains(l)) {
                return Err(MetricsError::NoLabelInYTrue {
                    labels: fmt_labels(given),
                });
            }
            given.to_vec()
        }
    };
    // A label listed twice maps to its last position, like sklearn's dict comprehension.
    let index: BTreeMap<T, usize> = labels.iter().enumerate().map(|(i, l)| (*l, i)).collect();
    let k = labels.len();
    if !matches!(k.checked_mul(k), Some(cells) if cells <= MAX_CELLS) {
        return Err(MetricsError::BadArgument {
            what,
            name: "number of labels",
            constraint: "small enough for a dense k x k matrix (k*k <= 2^28 cells)",
            value: k.to_string(),
        });
    }
    let mut cm = vec![vec![0u64; k]; k];
    for (t, p) in y_true.iter().zip(y_pred) {
        if let (Some(&i), Some(&j)) = (index.get(t), index.get(p)) {
            cm[i][j] += 1;
        }
    }
    Ok(cm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sklearn_docstring_example() {
        let cm = confusion_matrix(&[2i64, 0, 2, 2, 0, 1], &[0, 0, 2, 2, 0, 2], None).unwrap();
        assert_eq!(cm, vec![vec![2, 0, 0], vec![0, 0, 1], vec![1, 0, 2]]);
    }

    #[test]
    fn explicit_labels_reorder_and_filter() {
        let cm = confusion_matrix(&[0i64, 1, 2, 2], &[0, 2, 2, 1], Some(&[2, 0])).unwrap();
        assert_eq!(cm, vec![vec![1, 0], vec![0, 1]]);
        assert!(matches!(
            confusion_matrix(&[0i64, 1], &[0, 1], Some(&[5])),
            Err(MetricsError::NoLabelInYTrue { .. })
        ));
        assert!(matches!(
            confusion_matrix(&[0i64, 1], &[0, 1], Some(&[])),
            Err(MetricsError::EmptyLabels { .. })
        ));
    }
}
