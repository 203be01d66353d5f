//! Keras accuracy metrics: `Accuracy`, `BinaryAccuracy`, `CategoricalAccuracy`, `SparseCategoricalAccuracy`.

use crate::accuracy::argmax;
use crate::error::{MetricsError, Result};
use crate::keras::batch::{same_shape, Batch};
use crate::keras::mean::MeanState;
use crate::keras::metric::{non_empty, Metric};

/// Per-sample matches of a batch and the shape they have (Keras's function output).
type Matches = (Vec<f64>, Vec<usize>);

/// Element-wise comparison after Keras's rank alignment.
fn elementwise(
    what: &'static str,
    y_true: &Batch,
    y_pred: &Batch,
    hit: impl Fn(f32, f32) -> bool,
) -> Result<Matches> {
    non_empty(what, y_true, y_pred)?;
    let shape = same_shape(what, y_true, y_pred)?;
    let values = y_true
        .data()
        .iter()
        .zip(y_pred.data())
        .map(|(t, p)| f64::from(u8::from(hit(*t, *p))))
        .collect();
    Ok((values, shape))
}

/// Rows of the last axis of `y_pred`, with the shape left after taking one value per row.
fn prediction_rows<'a>(
    what: &'static str,
    y_true: &Batch,
    y_pred: &Batch<'a>,
) -> Result<(std::slice::Chunks<'a, f32>, Vec<usize>)> {
    non_empty(what, y_true, y_pred)?;
    let shape = y_pred.shape();
    let classes = shape[shape.len() - 1];
    Ok((
        y_pred.data().chunks(classes),
        shape[..shape.len() - 1].to_vec(),
    ))
}

macro_rules! mean_metric {
    ($(#[$doc:meta])* $ty:ident, $default:literal) => {
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
    };
}

mean_metric!(
    /// Keras `Accuracy`: how often `y_pred` equals `y_true` exactly.
    Accuracy,
    "accuracy"
);
mean_metric!(
    /// Keras `CategoricalAccuracy`: argmax of one-hot `y_true` rows against argmax of `y_pred` rows.
    CategoricalAccuracy,
    "categorical_accuracy"
);
mean_metric!(
    /// Keras `SparseCategoricalAccuracy`: integer labels against argmax of `y_pred` rows.
    SparseCategoricalAccuracy,
    "sparse_categorical_accuracy"
);

/// Keras `BinaryAccuracy`: how often `(y_pred > threshold)` equals `y_true`.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryAccuracy {
    name: String,
    threshold: f32,
    state: MeanState,
}

impl Default for BinaryAccuracy {
    fn default() -> Self {
        Self::new()
    }
}

impl BinaryAccuracy {
    /// `name="binary_accuracy", threshold=0.5`.
    pub fn new() -> Self {
        BinaryAccuracy {
            name: "binary_accuracy".to_string(),
            threshold: crate::accuracy::DEFAULT_THRESHOLD,
            state: MeanState::default(),
        }
    }

    /// Renames the metric (Keras `name=`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Decision threshold on `y_pred`.
    pub fn threshold(mut self, threshold: f32) -> Self {
        self.threshold = threshold;
        self
    }
}

macro_rules! impl_metric {
    ($ty:ident, |$s:ident, $t:ident, $p:ident| $body:expr) => {
        impl Metric for $ty {
            fn name(&self) -> &str {
                &self.name
            }

            fn update_state(&mut self, $t: &Batch<'_>, $p: &Batch<'_>) -> Result<()> {
                let $s = &*self;
                let (values, shape): Matches = $body?;
                self.state.add(&values, &shape);
                Ok(())
            }

            fn update_state_weighted(
                &mut self,
                $t: &Batch<'_>,
                $p: &Batch<'_>,
                sample_weight: &Batch<'_>,
            ) -> Result<()> {
                let $s = &*self;
                let (values, shape): Matches = $body?;
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

impl_metric!(Accuracy, |_s, y_true, y_pred| elementwise(
    "Accuracy",
    y_true,
    y_pred,
    |t, p| t == p
));

impl_metric!(BinaryAccuracy, |s, y_true, y_pred| {
    let threshold = s.threshold;
    elementwise("BinaryAccuracy", y_true, y_pred, |t, p| {
        t == f32::from(u8::from(p > threshold))
    })
});

impl_metric!(CategoricalAccuracy, |_s, y_true, y_pred| {
    let what = "CategoricalAccuracy";
    if y_true.shape() != y_pred.shape() {
        Err(MetricsError::ShapeMismatch {
            what,
            y_true: y_true.shape().to_vec(),
            y_pred: y_pred.shape().to_vec(),
            hint: "y_true must be one-hot rows shaped like y_pred (use SparseCategoricalAccuracy for integer labels)",
        })
    } else {
        prediction_rows(what, y_true, y_pred).map(|(rows, shape)| {
            let classes = y_pred.shape()[y_pred.shape().len() - 1];
            let values = y_true
                .data()
                .chunks(classes)
                .zip(rows)
                .map(|(t, p)| f64::from(u8::from(argmax(t) == argmax(p))))
                .collect();
            (values, shape)
        })
    }
});

impl_metric!(SparseCategoricalAccuracy, |_s, y_true, y_pred| {
    let what = "SparseCategoricalAccuracy";
    let p = y_pred.shape();
    let prefix = &p[..p.len() - 1];
    let t = y_true.shape();
    let fits =
        t == prefix || (t.len() == p.len() && t[..t.len() - 1] == *prefix && t[t.len() - 1] == 1);
    if !fits {
        Err(MetricsError::ShapeMismatch {
            what,
            y_true: t.to_vec(),
            y_pred: p.to_vec(),
            hint: "y_true must hold one integer label per row of y_pred (shape of y_pred without its last axis, optionally with a trailing 1)",
        })
    } else {
        prediction_rows(what, y_true, y_pred).map(|(rows, shape)| {
            // Keras compares the float label with the argmax cast to float.
            let values = y_true
                .data()
                .iter()
                .zip(rows)
                .map(|(t, p)| f64::from(u8::from(*t == argmax(p) as f32)))
                .collect();
            (values, shape)
        })
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_accuracy_streams_and_resets() {
        let mut m = BinaryAccuracy::new();
        assert_eq!(Metric::name(&m), "binary_accuracy");
        let t = [1.0, 0.0, 1.0];
        m.update_state(&Batch::vector(&t), &Batch::vector(&[0.7, 0.5, 0.2]))
            .unwrap();
        m.update_state(&Batch::vector(&[0.0]), &Batch::vector(&[0.1]))
            .unwrap();
        assert_eq!(m.result(), 0.75);
        assert!(m
            .update_state(&Batch::vector(&t), &Batch::vector(&[0.1, 0.2]))
            .is_err());
        assert_eq!(m.result(), 0.75);
        m.reset_state();
        assert_eq!(m.result(), 0.0);
        let mut strict = BinaryAccuracy::new().threshold(0.8);
        strict
            .update_state(&Batch::vector(&[1.0]), &Batch::vector(&[0.7]))
            .unwrap();
        assert_eq!(strict.result(), 0.0);
    }

    #[test]
    fn categorical_rejects_label_vectors() {
        let mut m = CategoricalAccuracy::new();
        let p = [0.2, 0.8, 0.6, 0.4];
        let err = m.update_state(
            &Batch::vector(&[1.0, 0.0]),
            &Batch::matrix(&p, 2, 2).unwrap(),
        );
        assert!(matches!(err, Err(MetricsError::ShapeMismatch { .. })));
        let mut s = SparseCategoricalAccuracy::new();
        let labels = [1.0, 0.0];
        s.update_state(
            &Batch::matrix(&labels, 2, 1).unwrap(),
            &Batch::matrix(&p, 2, 2).unwrap(),
        )
        .unwrap();
        assert_eq!(s.result(), 1.0);
    }

    #[test]
    fn exact_accuracy() {
        let mut a = Accuracy::new();
        a.update_state(
            &Batch::vector(&[1.0, 2.0, 3.0, 4.0]),
            &Batch::vector(&[0.0, 2.0, 3.0, 4.0]),
        )
        .unwrap();
        assert_eq!(a.result(), 0.75);
        assert!(a
            .update_state(&Batch::vector(&[]), &Batch::vector(&[]))
            .is_err());
    }
}
