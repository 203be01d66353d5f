//! A layer weight: a named tensor with a process-unique id the tape and optimizer key on.
use crate::regularizers::Regularizer;
use kerust_tensor::Tensor;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One weight of a layer (`kernel`, `bias`, `embeddings`, ...).
#[derive(Debug, Clone)]
pub struct Param {
    id: u64,
    /// Keras weight name without the layer prefix, e.g. `kernel`.
    pub name: String,
    /// The current weights.
    pub value: Tensor,
    /// Whether the optimizer updates it (Keras `trainable` weights).
    pub trainable: bool,
    /// Penalty added to the loss while training.
    pub regularizer: Option<Regularizer>,
}

impl Param {
    /// A new trainable weight.
    pub fn new(name: &str, value: Tensor) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            name: name.to_string(),
            value,
            trainable: true,
            regularizer: None,
        }
    }
    /// A weight the optimizer never touches (e.g. BatchNormalization moving mean).
    pub fn non_trainable(name: &str, value: Tensor) -> Self {
        Self {
            trainable: false,
            ..Self::new(name, value)
        }
    }
    /// Attach a regularizer.
    pub fn with_regularizer(mut self, r: Option<Regularizer>) -> Self {
        self.regularizer = r;
        self
    }
    /// Process-unique identity (copies made by `clone` share it; `fresh_id` gives a new one).
    pub fn id(&self) -> u64 {
        self.id
    }
    /// Give this weight a new identity (used by `clone_model`).
    pub fn fresh_id(&mut self) {
        self.id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    }
    /// Number of scalars.
    pub fn numel(&self) -> usize {
        self.value.numel()
    }
}
