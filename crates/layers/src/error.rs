//! The layers crate's typed error: names the layer, the expected and actual shapes, and the fix.
use kerust_tensor::TensorError;
use thiserror::Error;

/// Errors from building, calling, compiling and training models.
#[derive(Debug, Error)]
pub enum LayerError {
    /// A tensor op failed (its message names the op and shapes).
    #[error(transparent)]
    Tensor(#[from] TensorError),
    /// An input whose shape or type the layer cannot take.
    #[error("layer '{layer}': expected {expected}, got {got}")]
    Input {
        /// The layer's name.
        layer: String,
        /// What the layer takes.
        expected: String,
        /// What it was given.
        got: String,
    },
    /// A bad option value in a layer, loss, optimizer or fit call.
    #[error("{context}: {message}")]
    Config {
        /// What was being configured (layer, loss, optimizer, call).
        context: String,
        /// What was wrong and how to fix it.
        message: String,
    },
    /// A call that needs `compile` first.
    #[error("the model must be compiled before {0}; call `model.compile(optimizer, loss, metrics)` first")]
    NotCompiled(&'static str),
    /// A model whose input shape is unknown.
    #[error("the model has not been built: {0}")]
    NotBuilt(String),
    /// Data handed to fit/evaluate/predict that does not match the model.
    #[error("{0}")]
    Data(String),
    /// A `sample_weight` whose shape does not fit the data or the model's outputs.
    #[error("{what}: sample_weight should have shape {expected}, got {got:?}; pass one weight per sample, in the order of x")]
    SampleWeightShape {
        /// Where the weights were used (`fit`, `evaluate`, a loss).
        what: String,
        /// The shapes that would fit.
        expected: String,
        /// The shape given.
        got: Vec<usize>,
    },
    /// A target label that `class_weight` has no entry for.
    #[error("class_weight has no weight for label {label} (found in y at sample {sample}); its keys are {keys:?}: add an entry for every class that occurs in y")]
    ClassWeightMissing {
        /// The label (rounded like Keras; the argmax of a one-hot row).
        label: i64,
        /// The first sample carrying it.
        sample: usize,
        /// The classes `class_weight` has weights for.
        keys: Vec<usize>,
    },
    /// A stateful recurrent layer fed a batch of another size than the one it was built for.
    #[error("stateful layer '{layer}' was built for batch size {expected} but got a batch of {got}; feed batches of exactly {expected} samples (pass batch_size={expected} to fit/evaluate/predict with a sample count that is a multiple of {expected}), or rebuild the model with Input::new(..).batch_size({got})")]
    StatefulBatchSize {
        /// The layer's name.
        layer: String,
        /// The batch size of its states (the model's fixed batch size).
        expected: usize,
        /// The batch size it was given.
        got: usize,
    },
    /// A stateful recurrent layer built on an input whose batch size is unknown.
    #[error("layer '{layer}': when using stateful=true, the batch size must be static, found input shape {shape}; specify it with Input::new(..).batch_size(n) (Keras batch_size= / batch_shape=)")]
    StatefulWithoutBatchSize {
        /// The layer's name.
        layer: String,
        /// The input shape it was built on, batch first (`(None, 10, 3)`).
        shape: String,
    },
    /// A `PyDataset` batch whose shape differs from the batches before it.
    #[error("PyDataset batch {index}: {what} has shape {got:?}, expected {expected:?}; every batch must have the shape of the others (only the last one may have fewer rows)")]
    DatasetBatchShape {
        /// The batch index (`get(index)`).
        index: usize,
        /// Which array (`x[0]`, `y[0]`, `sample_weight`).
        what: String,
        /// The shape the earlier batches imply.
        expected: Vec<usize>,
        /// The shape this batch has.
        got: Vec<usize>,
    },
    /// A `PyDataset` with no batches.
    #[error("{0}: the PyDataset has no batches (len() == 0); give it at least one batch")]
    DatasetEmpty(&'static str),
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// Result alias for the layers crate.
pub type Result<T> = std::result::Result<T, LayerError>;

impl LayerError {
    /// Shorthand for a configuration error.
    pub fn config(context: impl Into<String>, message: impl Into<String>) -> Self {
        LayerError::Config {
            context: context.into(),
            message: message.into(),
        }
    }
    /// Shorthand for an input-shape error.
    pub fn input(layer: &str, expected: impl Into<String>, got: impl std::fmt::Debug) -> Self {
        LayerError::Input {
            layer: layer.to_string(),
            expected: expected.into(),
            got: format!("{got:?}"),
        }
    }
}
