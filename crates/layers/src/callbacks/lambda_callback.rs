//! `LambdaCallback`: a callback built from closures, for one-off hooks.
use super::Callback;
use crate::error::Result;
use crate::model::{Logs, ModelCore};

type EpochFn = Box<dyn FnMut(usize, &Logs)>;
type BatchFn = Box<dyn FnMut(usize, &Logs)>;
type TrainFn = Box<dyn FnMut(&Logs)>;

/// Keras `LambdaCallback(on_epoch_begin, on_epoch_end, on_train_batch_begin, on_train_batch_end,
/// on_train_begin, on_train_end)`; each closure is optional.
#[derive(Default)]
pub struct LambdaCallback {
    epoch_begin: Option<EpochFn>,
    epoch_end: Option<EpochFn>,
    batch_begin: Option<BatchFn>,
    batch_end: Option<BatchFn>,
    train_begin: Option<TrainFn>,
    train_end: Option<TrainFn>,
}

impl LambdaCallback {
    /// A callback that does nothing until hooks are added.
    pub fn new() -> Self {
        Self::default()
    }
    /// Keras `on_epoch_begin=`: called with the epoch index and logs.
    pub fn on_epoch_begin(mut self, f: impl FnMut(usize, &Logs) + 'static) -> Self {
        self.epoch_begin = Some(Box::new(f));
        self
    }
    /// Keras `on_epoch_end=`: called with the epoch index and that epoch's logs.
    pub fn on_epoch_end(mut self, f: impl FnMut(usize, &Logs) + 'static) -> Self {
        self.epoch_end = Some(Box::new(f));
        self
    }
    /// Keras `on_train_batch_begin=`: called with the batch index and logs.
    pub fn on_train_batch_begin(mut self, f: impl FnMut(usize, &Logs) + 'static) -> Self {
        self.batch_begin = Some(Box::new(f));
        self
    }
    /// Keras `on_train_batch_end=`: called with the batch index and the running logs.
    pub fn on_train_batch_end(mut self, f: impl FnMut(usize, &Logs) + 'static) -> Self {
        self.batch_end = Some(Box::new(f));
        self
    }
    /// Keras `on_train_begin=`: called once before the first epoch.
    pub fn on_train_begin(mut self, f: impl FnMut(&Logs) + 'static) -> Self {
        self.train_begin = Some(Box::new(f));
        self
    }
    /// Keras `on_train_end=`: called once after the last epoch.
    pub fn on_train_end(mut self, f: impl FnMut(&Logs) + 'static) -> Self {
        self.train_end = Some(Box::new(f));
        self
    }
}

impl Callback for LambdaCallback {
    fn on_train_begin(&mut self, _m: &mut ModelCore, logs: &Logs) -> Result<()> {
        if let Some(f) = &mut self.train_begin {
            f(logs);
        }
        Ok(())
    }
    fn on_train_end(&mut self, _m: &mut ModelCore, logs: &Logs) -> Result<()> {
        if let Some(f) = &mut self.train_end {
            f(logs);
        }
        Ok(())
    }
    fn on_epoch_begin(&mut self, _m: &mut ModelCore, epoch: usize, logs: &Logs) -> Result<()> {
        if let Some(f) = &mut self.epoch_begin {
            f(epoch, logs);
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, _m: &mut ModelCore, epoch: usize, logs: &Logs) -> Result<()> {
        if let Some(f) = &mut self.epoch_end {
            f(epoch, logs);
        }
        Ok(())
    }
    fn on_train_batch_begin(
        &mut self,
        _m: &mut ModelCore,
        batch: usize,
        logs: &Logs,
    ) -> Result<()> {
        if let Some(f) = &mut self.batch_begin {
            f(batch, logs);
        }
        Ok(())
    }
    fn on_train_batch_end(&mut self, _m: &mut ModelCore, batch: usize, logs: &Logs) -> Result<()> {
        if let Some(f) = &mut self.batch_end {
            f(batch, logs);
        }
        Ok(())
    }
}
