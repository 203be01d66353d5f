//! Callbacks: hooks `fit` calls at train/epoch/batch boundaries with Keras-style `logs`.
pub mod history;

pub use history::History;

use crate::error::Result;
use crate::model::{Logs, ModelCore};

/// A Keras callback. Every hook has an empty default; implement the ones you need.
/// Set `model.stop_training = true` to end training after the current epoch.
pub trait Callback {
    fn on_train_begin(&mut self, _model: &mut ModelCore, _logs: &Logs) -> Result<()> {
        Ok(())
    }
    fn on_train_end(&mut self, _model: &mut ModelCore, _logs: &Logs) -> Result<()> {
        Ok(())
    }
    fn on_epoch_begin(
        &mut self,
        _model: &mut ModelCore,
        _epoch: usize,
        _logs: &Logs,
    ) -> Result<()> {
        Ok(())
    }
    fn on_epoch_end(&mut self, _model: &mut ModelCore, _epoch: usize, _logs: &Logs) -> Result<()> {
        Ok(())
    }
    fn on_train_batch_end(
        &mut self,
        _model: &mut ModelCore,
        _batch: usize,
        _logs: &Logs,
    ) -> Result<()> {
        Ok(())
    }
}
