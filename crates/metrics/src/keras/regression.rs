//! Keras `MeanSquaredError` and `MeanAbsoluteError` metrics: per-sample mean over the last axis, then a running mean.

use crate::error::Result;
use crate::keras::batch::{same_shape, Batch};
use crate::keras::mean::MeanState;
use crate::keras::metric::{non_empty, Metric};

/// Keras's loss function output: the error averaged over the last axis (a rank-1 batch gives one scalar).
fn per_sample(
    what: &'static str,
    y_true: &Batch,
    y_pred: &Batch,
    err: fn(f64) -> f64,
) -> Result<(Vec<f64>, Vec<usize>)> {
    non_empty(what, y_true, y_pred)?;
    let mut shape = same_shape(what, y_true, y_pred)?;
    let last = shape.pop().unwrap_or(1);
    let diffs: Vec<f64> = y_true
        .data()
        .iter()
        .zip(y_pred.data())
        .map(|(t, p)| err(f64::from(*t) - f64::from(*p)))
        .collect();
    let values = diffs
        .chunks(last.max(1))
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect();
    Ok((values, shape))
}

macro_rules! regression_metric {
    ($(#[$doc:meta])* $ty:ident, $default:literal, $err:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $ty {
            name: String,
            state: MeanState,
        }

        impl Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }

        impl $ty {
            /// The metric with its Keras default name.
            pub fn new() -> Self {
                $ty {
                    name: $default.to_string(),
                    state: MeanState::default(),
                }
            }

            /// Renames the metric (Keras `name=`).
            pub fn name(mut self, name: impl Into<String>) -> Self {
                self.name = name.into();
                self
            }
        }

        impl Metric for $ty {
            fn name(&self) -> &str {
                &self.name
            }

            fn update_state(&mut self, y_true: &Batch<'_>, y_pred: &Batch<'_>) -> Result<()> {
                let (values, shape) = per_sample(stringify!($ty), y_true, y_pred, $err)?;
                self.state.add(&values, &shape);
                Ok(())
            }

            fn update_state_weighted(
                &mut self,
                y_true: &Batch<'_>,
                y_pred: &Batch<'_>,
                sample_weight: &Batch<'_>,
            ) -> Result<()> {
                let (values, shape) = per_sample(stringify!($ty), y_true, y_pred, $err)?;
                crate::keras::batch::check_weights(stringify!($ty), &shape, sample_weight)?;
                self.state
                    .add_weighted(&values, &shape, sample_weight.data());
                Ok(())
            }

            fn result(&self) -> f32 {
                self.state.result()
            }

            fn reset_state(&mut self) {
                self.state.reset();
            }
        }
    };
}

regression_metric!(
    /// Keras `MeanSquaredError` metric.
    MeanSquaredError,
    "mean_squared_error",
    |d| d * d
);
regression_metric!(
    /// Keras `MeanAbsoluteError` metric.
    MeanAbsoluteError,
    "mean_absolute_error",
    f64::abs
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_batches_weight_samples() {
        let mut m = MeanSquaredError::new();
        m.update_state(
            &Batch::matrix(&[1.0, 2.0], 2, 1).unwrap(),
            &Batch::matrix(&[0.0, 2.0], 2, 1).unwrap(),
        )
        .unwrap();
        m.update_state(
            &Batch::matrix(&[3.0], 1, 1).unwrap(),
            &Batch::matrix(&[1.0], 1, 1).unwrap(),
        )
        .unwrap();
        assert!((m.result() - 5.0 / 3.0).abs() < 1e-6);
    }

    #[test]
    fn flat_batches_count_once_each_like_keras() {
        // Rank-1 targets reduce to one scalar per batch, so each batch weighs the same.
        let mut m = MeanAbsoluteError::new();
        m.update_state(&Batch::vector(&[1.0, 2.0]), &Batch::vector(&[0.0, 2.0]))
            .unwrap();
        m.update_state(&Batch::vector(&[3.0]), &Batch::vector(&[1.0]))
            .unwrap();
        assert!((m.result() - 1.25).abs() < 1e-6);
        assert_eq!(Metric::name(&m), "mean_absolute_error");
    }
}
