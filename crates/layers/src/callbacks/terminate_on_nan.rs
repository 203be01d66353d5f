//! `TerminateOnNaN`: stop training at the first batch whose loss is NaN or infinite.
use super::Callback;
use crate::error::{LayerError, Result};
use crate::model::{Logs, ModelCore};

/// Keras `TerminateOnNaN(raise_error=False)`.
#[derive(Debug, Clone, Default)]
pub struct TerminateOnNaN {
    /// Return an error instead of stopping cleanly.
    pub raise_error: bool,
    /// The batch (0-based, within its epoch) at which training was stopped.
    pub stopped_batch: Option<usize>,
}

impl TerminateOnNaN {
    /// `TerminateOnNaN()`: stops training quietly.
    pub fn new() -> Self {
        Self::default()
    }
    /// Keras `raise_error=`: return an error instead of stopping quietly when the loss is NaN or
    /// infinite.
    pub fn raise_error(mut self, r: bool) -> Self {
        self.raise_error = r;
        self
    }
}

impl Callback for TerminateOnNaN {
    fn on_train_batch_end(
        &mut self,
        model: &mut ModelCore,
        batch: usize,
        logs: &Logs,
    ) -> Result<()> {
        let Some(loss) = logs.get("loss") else {
            return Ok(());
        };
        if loss.is_finite() {
            return Ok(());
        }
        if self.raise_error {
            return Err(LayerError::Data(format!(
                "NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating \
                 training immediately; lower the learning rate or check the data for NaN/Inf"
            )));
        }
        println!("Batch {batch}: Invalid loss, terminating training");
        self.stopped_batch = Some(batch);
        model.stop_training = true;
        Ok(())
    }
}
