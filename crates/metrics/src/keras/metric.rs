//! The `Metric` trait a training loop drives, and `from_name` for Keras metric identifiers.

use crate::error::{MetricsError, Result};
use crate::keras::{
    Batch, BinaryAccuracy, CategoricalAccuracy, MeanAbsoluteError, MeanSquaredError, Precision,
    Recall, SparseCategoricalAccuracy, AUC,
};

/// A streaming Keras metric: accumulate batches, read the running result, reset between epochs.
pub trait Metric: Send {
    /// The key under which the result is logged (`"accuracy"`, `"auc"`, …). On a concrete type the
    /// builder `name(..)` shadows this getter; call it as `Metric::name(&m)`.
    fn name(&self) -> &str;
    /// Adds one batch; on error the state is left unchanged.
    fn update_state(&mut self, y_true: &Batch<'_>, y_pred: &Batch<'_>) -> Result<()>;
    /// Adds one batch with a weight per sample (Keras `update_state(y_true, y_pred,
    /// sample_weight)`; `sample_weight` is `[batch]` or `[batch, time]`). Metrics that take no
    /// weights here say so with an error.
    fn update_state_weighted(
        &mut self,
        y_true: &Batch<'_>,
        y_pred: &Batch<'_>,
        sample_weight: &Batch<'_>,
    ) -> Result<()> {
        let _ = (y_true, y_pred, sample_weight);
        Err(MetricsError::BadArgument {
            what: "weighted_metrics",
            name: "metric",
            constraint: "a mean metric (accuracy, binary/categorical/sparse_categorical accuracy, top-k, mse, mae, ...) to take sample weights",
            value: self.name().to_string(),
        })
    }
    /// The value over all batches since the last reset.
    fn result(&self) -> f32;
    /// Forgets all batches.
    fn reset_state(&mut self);
}

/// Rejects a batch without values (Keras would produce NaN or a silent no-op).
pub(crate) fn non_empty(what: &'static str, y_true: &Batch, y_pred: &Batch) -> Result<()> {
    if y_true.data().is_empty() || y_pred.data().is_empty() {
        return Err(MetricsError::EmptyInput { what });
    }
    Ok(())
}

/// Builds the metric Keras's `compile(metrics=[identifier])` builds, named `identifier` verbatim.
///
/// `"accuracy"`/`"acc"` (any case) choose like Keras from the shapes of the first batch: binary
/// when `y_pred`'s last axis is 1, sparse categorical when `y_true` has lower rank than `y_pred` or
/// ends in 1 while `y_pred` does not, categorical otherwise.
pub fn from_name(
    identifier: &str,
    y_true_shape: &[usize],
    y_pred_shape: &[usize],
) -> Result<Box<dyn Metric>> {
    let name = identifier.to_string();
    let lower = identifier.to_lowercase();
    if lower == "accuracy" || lower == "acc" {
        let t_last = y_true_shape.last().copied();
        let p_last = y_pred_shape.last().copied();
        let is_binary = p_last == Some(1);
        let is_sparse = y_true_shape.len() < y_pred_shape.len()
            || (t_last == Some(1) && p_last.is_some_and(|p| p > 1));
        return Ok(if is_binary {
            Box::new(BinaryAccuracy::new().name(name))
        } else if is_sparse {
            Box::new(SparseCategoricalAccuracy::new().name(name))
        } else {
            Box::new(CategoricalAccuracy::new().name(name))
        });
    }
    Ok(match identifier {
        "binary_accuracy" | "BinaryAccuracy" => Box::new(BinaryAccuracy::new().name(name)),
        "categorical_accuracy" | "CategoricalAccuracy" => {
            Box::new(CategoricalAccuracy::new().name(name))
        }
        "sparse_categorical_accuracy" | "SparseCategoricalAccuracy" => {
            Box::new(SparseCategoricalAccuracy::new().name(name))
        }
        "auc" | "AUC" => Box::new(AUC::new().name(name)),
        "precision" | "Precision" => Box::new(Precision::new().name(name)),
        "recall" | "Recall" => Box::new(Recall::new().name(name)),
        "mean_squared_error" | "MeanSquaredError" | "mse" | "MSE" => {
            Box::new(MeanSquaredError::new().name(name))
        }
        "mean_absolute_error" | "MeanAbsoluteError" | "mae" | "MAE" => {
            Box::new(MeanAbsoluteError::new().name(name))
        }
        _ => return Err(MetricsError::UnknownMetric { name }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_dispatch_follows_shapes() {
        // Binary: sigmoid output [n, 1].
        let mut m = from_name("accuracy", &[4], &[4, 1]).unwrap();
        let t = [1.0, 0.0, 1.0, 1.0];
        let p = [0.9, 0.2, 0.4, 0.6];
        m.update_state(&Batch::vector(&t), &Batch::matrix(&p, 4, 1).unwrap())
            .unwrap();
        assert_eq!((m.name(), m.result()), ("accuracy", 0.75));
        // Sparse: integer labels against softmax rows.
        let mut s = from_name("acc", &[2], &[2, 3]).unwrap();
        let probs = [0.1, 0.7, 0.2, 0.5, 0.3, 0.2];
        s.update_state(
            &Batch::vector(&[1.0, 2.0]),
            &Batch::matrix(&probs, 2, 3).unwrap(),
        )
        .unwrap();
        assert_eq!((s.name(), s.result()), ("acc", 0.5));
        // Categorical: one-hot rows.
        let mut c = from_name("Accuracy", &[2, 3], &[2, 3]).unwrap();
        let onehot = [0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        c.update_state(
            &Batch::matrix(&onehot, 2, 3).unwrap(),
            &Batch::matrix(&probs, 2, 3).unwrap(),
        )
        .unwrap();
        assert_eq!(c.result(), 0.5);
    }

    #[test]
    fn names_are_kept_and_unknown_rejected() {
        assert_eq!(from_name("mse", &[1], &[1]).unwrap().name(), "mse");
        assert_eq!(from_name("AUC", &[1], &[1]).unwrap().name(), "AUC");
        assert!(matches!(
            from_name("f2", &[1], &[1]),
            Err(MetricsError::UnknownMetric { .. })
        ));
    }
}
