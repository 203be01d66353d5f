//! Keras `Precision` and `Recall`: confusion counts at one threshold, accumulated over batches.

use crate::error::{MetricsError, Result};
use crate::keras::batch::{align, Batch};
use crate::keras::metric::{non_empty, Metric};

/// Counts of true positives, false positives and false negatives in one batch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Confusion {
    tp: f64,
    fp: f64,
    fn_: f64,
}

/// Keras `update_confusion_matrix_variables` for one threshold: label positive if nonzero,
/// prediction positive if `> threshold`; with `class_id` only that column of the last axis counts.
fn confusion(
    what: &'static str,
    y_true: &Batch,
    y_pred: &Batch,
    threshold: f32,
    class_id: Option<usize>,
) -> Result<Confusion> {
    non_empty(what, y_true, y_pred)?;
    let (p_shape, t_shape) = align(y_pred.shape(), y_true.shape());
    if p_shape != t_shape {
        return Err(MetricsError::ShapeMismatch {
            what,
            y_true: y_true.shape().to_vec(),
            y_pred: y_pred.shape().to_vec(),
            hint: "pass one target per prediction (shapes may differ only by a trailing axis of 1)",
        });
    }
    let width = p_shape[p_shape.len() - 1];
    if let Some(id) = class_id {
        if p_shape.len() < 2 || id >= width {
            return Err(MetricsError::BadArgument {
                what,
                name: "class_id",
                constraint: "an index into the last axis of a y_pred of rank >= 2",
                value: format!("{id} for y_pred shape {p_shape:?}"),
            });
        }
    }
    let mut c = Confusion::default();
    for (i, (t, p)) in y_true.data().iter().zip(y_pred.data()).enumerate() {
        if class_id.is_some_and(|id| i % width != id) {
            continue;
        }
        match (*t != 0.0, *p > threshold) {
            (true, true) => c.tp += 1.0,
            (false, true) => c.fp += 1.0,
            (true, false) => c.fn_ += 1.0,
            (false, false) => {}
        }
    }
    Ok(c)
}

/// `a / (a + b)`, 0 when undefined (Keras `divide_no_nan`).
fn ratio(a: f64, b: f64) -> f32 {
    if a + b == 0.0 {
        0.0
    } else {
        (a / (a + b)) as f32
    }
}

macro_rules! threshold_metric {
    ($(#[$doc:meta])* $ty:ident, $default:literal, |$c:ident| $result:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $ty {
            name: String,
            thresholds: f32,
            class_id: Option<usize>,
            counts: Confusion,
        }

        impl Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $ty {
            /// Keras defaults: threshold 0.5, every element counts.
            pub fn new() -> Self {
                $ty {
                    name: $default.to_string(),
                    thresholds: 0.5,
                    class_id: None,
                    counts: Confusion::default(),
                }
            }

            /// Renames the metric (Keras `name=`).
            pub fn name(mut self, name: impl Into<String>) -> Self {
                self.name = name.into();
                self
            }

            /// The decision threshold (Keras `thresholds=`, a single value here).
            pub fn thresholds(mut self, thresholds: f32) -> Self {
                self.thresholds = thresholds;
                self
            }

            /// Only score this column of the last axis (Keras `class_id=`).
            pub fn class_id(mut self, class_id: usize) -> Self {
                self.class_id = Some(class_id);
                self
            }
        }

        impl Metric for $ty {
            fn name(&self) -> &str {
                &self.name
            }

            fn update_state(&mut self, y_true: &Batch<'_>, y_pred: &Batch<'_>) -> Result<()> {
                let c = confusion(stringify!($ty), y_true, y_pred, self.thresholds, self.class_id)?;
                self.counts.tp += c.tp;
                self.counts.fp += c.fp;
                self.counts.fn_ += c.fn_;
                Ok(())
            }

            fn result(&self) -> f32 {
                let $c = &self.counts;
                $result
            }

            fn reset_state(&mut self) {
                self.counts = Confusion::default();
            }
        }
    };
}

threshold_metric!(
    /// Keras `Precision`: `tp / (tp + fp)`.
    Precision,
    "precision",
    |c| ratio(c.tp, c.fp)
);
threshold_metric!(
    /// Keras `Recall`: `tp / (tp + fn)`.
    Recall,
    "recall",
    |c| ratio(c.tp, c.fn_)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_docstring_values() {
        // keras.metrics.Precision docstring: [0, 1, 1, 1] vs [1, 0, 1, 1] gives 2/3.
        let t = [0.0, 1.0, 1.0, 1.0];
        let p = [1.0, 0.0, 1.0, 1.0];
        let mut m = Precision::new();
        m.update_state(&Batch::vector(&t), &Batch::vector(&p))
            .unwrap();
        assert!((m.result() - 2.0 / 3.0).abs() < 1e-7);
        let mut r = Recall::new();
        r.update_state(&Batch::vector(&t), &Batch::vector(&p))
            .unwrap();
        assert!((r.result() - 2.0 / 3.0).abs() < 1e-7);
        r.reset_state();
        assert_eq!(r.result(), 0.0);
    }

    #[test]
    fn class_id_selects_a_column() {
        let t = [0.0, 1.0, 1.0, 0.0];
        let p = [0.2, 0.9, 0.7, 0.6];
        let mut m = Precision::new().class_id(1);
        m.update_state(
            &Batch::matrix(&t, 2, 2).unwrap(),
            &Batch::matrix(&p, 2, 2).unwrap(),
        )
        .unwrap();
        assert_eq!(m.result(), 0.5);
        let mut bad = Recall::new().class_id(5);
        assert!(bad
            .update_state(
                &Batch::matrix(&t, 2, 2).unwrap(),
                &Batch::matrix(&p, 2, 2).unwrap()
            )
            .is_err());
    }
}
