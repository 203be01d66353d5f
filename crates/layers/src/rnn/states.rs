//! `RnnStates`: the carried states of a stateful recurrent layer (Keras's `self.states`, the
//! non-trainable `rnn_state` variables that are not among the layer's weights). They are created
//! at zero for the fixed batch size in `build`, read as the initial states of every call, replaced
//! by that call's final states (in training and in inference alike) and zeroed by `reset_states`.
use crate::error::{LayerError, Result};
use kerust_tensor::Tensor;
use std::sync::Mutex;

/// The states a stateful layer carries from one batch to the next. A `call` takes `&self` (a
/// model's forward pass shares its layers), so the values sit behind a lock; cloning a layer
/// copies them (the copy then carries on independently, like Keras's cloned variables).
#[derive(Debug, Default)]
pub struct RnnStates {
    values: Mutex<Option<Vec<Tensor>>>,
}

impl Clone for RnnStates {
    fn clone(&self) -> Self {
        Self {
            values: Mutex::new(self.get()),
        }
    }
}

impl RnnStates {
    /// The current values (`None` before `build`).
    pub fn get(&self) -> Option<Vec<Tensor>> {
        self.values
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replace the values (after a call, or on reset).
    pub fn set(&self, values: Vec<Tensor>) {
        *self.values.lock().unwrap_or_else(|e| e.into_inner()) = Some(values);
    }

    /// The batch size the states were created for.
    pub fn batch_size(&self) -> Option<usize> {
        self.values
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(|v| v.first())
            .map(|t| t.shape()[0])
    }

    /// `n` zero states of `[batch, units]` (Keras `get_initial_state`).
    pub fn zeros(layer: &str, batch: usize, units: usize, n: usize) -> Result<Vec<Tensor>> {
        crate::param::checked_weight_numel(layer, "rnn_state", &[batch, units])?;
        (0..n)
            .map(|_| Ok(Tensor::zeros(&[batch, units])?))
            .collect()
    }
}

/// The typed error of a stateful layer built without a fixed batch size (Keras: "the batch size
/// must be static").
pub fn needs_batch_size(layer: &str, shape: &[Option<usize>]) -> LayerError {
    LayerError::StatefulWithoutBatchSize {
        layer: layer.to_string(),
        shape: crate::layer::fmt_shape(shape),
    }
}

/// The typed error of a stateful layer fed a batch of another size than it was built for.
pub fn wrong_batch_size(layer: &str, expected: usize, got: usize) -> LayerError {
    LayerError::StatefulBatchSize {
        layer: layer.to_string(),
        expected,
        got,
    }
}
