//! The one error type of the metrics crate: every way user input can be rejected.

use thiserror::Error;

/// Everything a metric function or a streaming metric can reject.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MetricsError {
    /// `y_true` and `y_pred` (or `y_score`/`y_prob`) hold different numbers of samples.
    #[error("{what}: found input variables with inconsistent numbers of samples: y_true has {y_true}, y_pred has {y_pred}; pass one prediction per true value")]
    LengthMismatch {
        what: &'static str,
        y_true: usize,
        y_pred: usize,
    },
    /// No samples at all.
    #[error("{what}: empty input; pass at least one sample")]
    EmptyInput { what: &'static str },
    /// A value that has to be finite is NaN or infinite.
    #[error("{what}: {input} contains a non-finite value ({value}) at index {index}; remove or impute NaN/inf first")]
    NonFinite {
        what: &'static str,
        input: &'static str,
        index: usize,
        value: f64,
    },
    /// An `average` string that is not one of the supported ones.
    #[error("average has to be one of \"binary\", \"micro\", \"macro\", \"weighted\" (or None for per-class scores); got {got:?}{hint}")]
    BadAverage { got: String, hint: &'static str },
    /// A `zero_division` string that is not one of the supported ones.
    #[error("zero_division has to be \"warn\", \"0\", \"1\" or \"nan\"; got {got:?}")]
    BadZeroDivision { got: String },
    /// `average="binary"` on a target with more than two labels.
    #[error("Target is multiclass (labels {labels}) but average='binary'. Please choose another average setting, one of [None, 'micro', 'macro', 'weighted'].")]
    MulticlassWithBinaryAverage { labels: String },
    /// `pos_label` is not among the two labels present.
    #[error("pos_label={pos_label} is not a valid label. It should be one of {labels}")]
    BadPosLabel { pos_label: String, labels: String },
    /// A scalar-returning function was asked for per-class scores.
    #[error("{what}: average=None gives one score per class; call precision_recall_fscore_support for per-class arrays, or pass an average")]
    AverageRequired { what: &'static str },
    /// An explicit `labels` list that is empty.
    #[error("{what}: 'labels' should contain at least one label")]
    EmptyLabels { what: &'static str },
    /// None of the explicit labels occurs in `y_true`.
    #[error("confusion_matrix: at least one label specified must be in y_true (labels {labels})")]
    NoLabelInYTrue { labels: String },
    /// `target_names` does not match the number of labels.
    #[error("classification_report: number of classes, {n_labels}, does not match size of target_names, {n_names}. Try specifying the labels parameter")]
    TargetNamesMismatch { n_labels: usize, n_names: usize },
    /// A numeric argument outside its allowed range.
    #[error("{what}: {name} must be {constraint}; got {value}")]
    BadArgument {
        what: &'static str,
        name: &'static str,
        constraint: &'static str,
        value: String,
    },
    /// A binary-only metric got more than two classes.
    #[error(
        "{what}: y_true has {n_classes} classes ({labels}); only binary targets are supported"
    )]
    NotBinary {
        what: &'static str,
        n_classes: usize,
        labels: String,
    },
    /// Probabilities outside [0, 1].
    #[error("{what}: y_prob contains values {side} than {bound}: {value} at index {index}")]
    ProbabilityOutOfRange {
        what: &'static str,
        side: &'static str,
        bound: f64,
        value: f64,
        index: usize,
    },
    /// Fewer than two classes to score probabilities against.
    #[error("{what}: y_true contains only one label ({label}). Please provide the list of all expected class labels explicitly through the labels argument.")]
    SingleLabel { what: &'static str, label: String },
    /// A true label missing from an explicit `labels` list.
    #[error("{what}: y_true contains value {label} not belonging to the passed labels {labels}")]
    UndeclaredLabel {
        what: &'static str,
        label: String,
        labels: String,
    },
    /// Number of probability columns differs from the number of classes.
    #[error("{what}: y_true has {n_classes} classes but y_prob has {n_columns} columns per sample; pass labels explicitly or one column per class")]
    ClassCountMismatch {
        what: &'static str,
        n_classes: usize,
        n_columns: usize,
    },
    /// A flat buffer that does not split into rows of the given width.
    #[error("{what}: {len} values do not form rows of {width} columns")]
    BadRowWidth {
        what: &'static str,
        len: usize,
        width: usize,
    },
    /// A batch whose data length differs from the product of its shape.
    #[error("{what}: shape {shape:?} holds {expected} values but the data has {got}")]
    ShapeDataMismatch {
        what: &'static str,
        shape: Vec<usize>,
        expected: String,
        got: usize,
    },
    /// `y_true` and `y_pred` shapes that a Keras metric cannot pair up.
    #[error(
        "{what}: y_true shape {y_true:?} and y_pred shape {y_pred:?} are incompatible; {hint}"
    )]
    ShapeMismatch {
        what: &'static str,
        y_true: Vec<usize>,
        y_pred: Vec<usize>,
        hint: &'static str,
    },
    /// A metric identifier `from_name` does not know.
    #[error("unknown metric {name:?}; known: accuracy, acc, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, auc, precision, recall, mean_squared_error (mse), mean_absolute_error (mae) or their Keras class names")]
    UnknownMetric { name: String },
    /// A Keras option string (curve, summation_method) that is not known.
    #[error("{what}: invalid {name} {got:?}; expected one of {expected}")]
    BadOption {
        what: &'static str,
        name: &'static str,
        got: String,
        expected: &'static str,
    },
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, MetricsError>;
