//! Keras in-training metrics: streaming objects a training loop updates batch by batch.

mod accuracy;
mod auc;
mod batch;
mod mean;
mod metric;
mod precision_recall;
mod regression;

pub use accuracy::{Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy};
pub use auc::{AUCCurve, AUCSummationMethod, AUC};
pub use batch::Batch;
pub use metric::{from_name, Metric};
pub use precision_recall::{Precision, Recall};
pub use regression::{MeanAbsoluteError, MeanSquaredError};
