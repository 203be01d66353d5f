//! `log_loss` (cross-entropy) on probabilities, with scikit-learn's clipping and label handling.

use crate::error::{MetricsError, Result};
use crate::label::{fmt_labels, unique_labels, Label};

/// Keyword arguments of `log_loss`, sklearn defaults (`normalize=True`, `labels=None`).
#[derive(Debug, Clone, PartialEq)]
pub struct LogLossOptions<T> {
    normalize: bool,
    labels: Option<Vec<T>>,
}

impl<T: Label> Default for LogLossOptions<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Label> LogLossOptions<T> {
    /// `normalize=True, labels=None`.
    pub fn new() -> Self {
        LogLossOptions {
            normalize: true,
            labels: None,
        }
    }

    /// Mean over samples (`true`) or sum (`false`).
    pub fn normalize(mut self, normalize: bool) -> Self {
        self.normalize = normalize;
        self
    }

    /// All class labels, when `y_true` does not show every class.
    pub fn labels(mut self, labels: &[T]) -> Self {
        self.labels = Some(labels.to_vec());
        self
    }
}

/// Cross-entropy of `y_true` under `y_prob`.
///
/// `y_prob` is either one probability per sample (of the larger label, binary case) or row-major
/// rows of one probability per class in sorted label order. Probabilities are clipped to
/// `[eps, 1 - eps]` with `eps = f64::EPSILON` (sklearn uses the input dtype's epsilon).
pub fn log_loss<T: Label, F: Copy + Into<f64>>(
    y_true: &[T],
    y_prob: &[F],
    opts: &LogLossOptions<T>,
) -> Result<f64> {
    let what = "log_loss";
    let n = y_true.len();
    if n == 0 || y_prob.is_empty() {
        return Err(MetricsError::EmptyInput { what });
    }
    if !y_prob.len().is_multiple_of(n) {
        return Err(MetricsError::LengthMismatch {
            what,
            y_true: n,
            y_pred: y_prob.len(),
        });
    }
    let probs: Vec<f64> = y_prob.iter().map(|v| (*v).into()).collect();
    for (index, p) in probs.iter().enumerate() {
        if p.is_nan() {
            return Err(MetricsError::NonFinite {
                what,
                input: "y_prob",
                index,
                value: *p,
            });
        }
        let (side, bound) = if *p > 1.0 {
            ("greater", 1.0)
        } else if *p < 0.0 {
            ("lower", 0.0)
        } else {
            continue;
        };
        return Err(MetricsError::ProbabilityOutOfRange {
            what,
            side,
            bound,
            value: *p,
            index,
        });
    }
    let classes = match &opts.labels {
        Some(given) => {
            let classes = unique_labels(given, &[]);
            if let Some(bad) = y_true.iter().find(|t| !classes.contains(t)) {
                return Err(MetricsError::UndeclaredLabel {
                    what,
                    label: bad.to_string(),
                    labels: fmt_labels(given),
                });
            }
            classes
        }
        None => unique_labels(y_true, &[]),
    };
    if classes.len() < 2 {
        return Err(MetricsError::SingleLabel {
            what,
            label: fmt_labels(&classes),
        });
    }
    let columns = probs.len() / n;
    let width = if columns == 1 { 2 } else { columns };
    if width != classes.len() {
        return Err(MetricsError::ClassCountMismatch {
            what,
            n_classes: classes.len(),
            n_columns: columns,
        });
    }
    let eps = f64::EPSILON;
    let mut total = 0.0;
    for (i, t) in y_true.iter().enumerate() {
        // `classes` holds every y_true value (checked above), so the search succeeds.
        let k = classes.binary_search(t).unwrap_or(0);
        let p = if columns == 1 {
            let p1 = probs[i];
            if k == 1 {
                p1
            } else {
                1.0 - p1
            }
        } else {
            probs[i * columns + k]
        };
        total -= p.clamp(eps, 1.0 - eps).ln();
    }
    Ok(if opts.normalize {
        total / n as f64
    } else {
        total
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sklearn_docstring_value() {
        let p = [0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65];
        let l = log_loss(&[1i64, 0, 0, 1], &p, &LogLossOptions::new()).unwrap();
        assert!((l - 0.21616187468057912).abs() < 1e-15);
        let one_d = [0.9, 0.1, 0.2, 0.65];
        let l1 = log_loss(&[1i64, 0, 0, 1], &one_d, &LogLossOptions::new()).unwrap();
        assert!((l - l1).abs() < 1e-15);
    }

    #[test]
    fn clipping_and_errors() {
        let l = log_loss(
            &[0i64, 1],
            &[1.0, 1.0],
            &LogLossOptions::new().normalize(false),
        )
        .unwrap();
        assert!((l + f64::EPSILON.ln()).abs() < 1e-9);
        assert!(matches!(
            log_loss(&[0i64, 1], &[1.5, 0.5], &LogLossOptions::new()),
            Err(MetricsError::ProbabilityOutOfRange { .. })
        ));
        assert!(matches!(
            log_loss(&[1i64, 1], &[0.5, 0.5], &LogLossOptions::new()),
            Err(MetricsError::SingleLabel { .. })
        ));
        let ok = log_loss(
            &[1i64, 1],
            &[0.5, 0.5],
            &LogLossOptions::new().labels(&[0, 1]),
        );
        assert!((ok.unwrap() - 2f64.ln()).abs() < 1e-15);
        assert!(matches!(
            log_loss(
                &[0i64, 1],
                &[0.2, 0.3, 0.5, 0.1, 0.1, 0.8],
                &LogLossOptions::new()
            ),
            Err(MetricsError::ClassCountMismatch {
                n_classes: 2,
                n_columns: 3,
                ..
            })
        ));
        assert!(matches!(
            log_loss(
                &[2i64, 1],
                &[0.5, 0.5],
                &LogLossOptions::new().labels(&[0, 1])
            ),
            Err(MetricsError::UndeclaredLabel { .. })
        ));
    }
}
