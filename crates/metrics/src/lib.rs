//! Classification and regression metrics with scikit-learn semantics (accuracy, precision/recall/F1,
//! confusion matrix, classification report, MSE/MAE/RMSE/R², ROC AUC, log loss) and Keras streaming
//! metrics for training loops. Pure Rust on slices; no tensor dependency.

mod accuracy;
mod confusion_matrix;
mod error;
pub mod keras;
mod label;
mod log_loss;
mod prfs;
mod regression;
mod report;
mod roc_auc;

pub use accuracy::{
    accuracy_score, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    DEFAULT_THRESHOLD,
};
pub use confusion_matrix::confusion_matrix;
pub use error::{MetricsError, Result};
pub use keras::{
    from_name, Accuracy, BinaryAccuracy, CategoricalAccuracy, MeanAbsoluteError, MeanSquaredError,
    Metric, Precision, Recall, SparseCategoricalAccuracy, AUC,
};
pub use label::{unique_labels, Label};
pub use log_loss::{log_loss, LogLossOptions};
pub use prfs::{
    f1_score, fbeta_score, precision_recall_fscore_support, precision_score, recall_score, Average,
    AveragedScores, PerClassScores, PrfOptions, Prfs, ZeroDivision,
};
pub use regression::{mean_absolute_error, mean_squared_error, r2_score, root_mean_squared_error};
pub use report::{classification_report, ReportOptions};
pub use roc_auc::roc_auc_score;
