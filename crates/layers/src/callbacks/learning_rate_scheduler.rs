//! `LearningRateScheduler`: set the learning rate from `schedule(epoch, lr)` at the start of every
//! epoch and log it as `learning_rate` at the end (Keras 3).
use super::Callback;
use crate::error::{LayerError, Result};
use crate::model::{Logs, ModelCore};

/// The schedule: `(epoch, current learning rate) -> new learning rate`.
pub type Schedule = Box<dyn FnMut(usize, f32) -> f32>;

/// Keras `LearningRateScheduler(schedule, verbose=0)`.
pub struct LearningRateScheduler {
    /// Maps `(epoch, current learning rate)` to the new learning rate.
    pub schedule: Schedule,
    /// 1 prints the learning rate set at each epoch.
    pub verbose: u8,
}

impl LearningRateScheduler {
    /// `LearningRateScheduler::new(|epoch, lr| if epoch < 10 { lr } else { lr * 0.9 })`.
    pub fn new(schedule: impl FnMut(usize, f32) -> f32 + 'static) -> Self {
        Self {
            schedule: Box::new(schedule),
            verbose: 0,
        }
    }
    /// Keras `verbose=`: 0 silent, 1 prints a message when it acts.
    pub fn verbose(mut self, v: u8) -> Self {
        self.verbose = v;
        self
    }
}

impl Callback for LearningRateScheduler {
    fn on_epoch_begin(&mut self, model: &mut ModelCore, epoch: usize, _logs: &Logs) -> Result<()> {
        let opt = model
            .optimizer_mut()
            .ok_or(LayerError::NotCompiled("LearningRateScheduler"))?;
        let lr = (self.schedule)(epoch, opt.learning_rate());
        if !lr.is_finite() {
            return Err(LayerError::config(
                "LearningRateScheduler",
                format!(
                    "the schedule returned {lr} for epoch {epoch}; it must return a finite float"
                ),
            ));
        }
        opt.set_learning_rate(lr);
        if self.verbose > 0 {
            println!(
                "\nEpoch {}: LearningRateScheduler setting learning rate to {lr}.",
                epoch + 1
            );
        }
        Ok(())
    }

    fn on_epoch_end_mut(
        &mut self,
        model: &mut ModelCore,
        _epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        if let Some(opt) = model.optimizer() {
            logs.insert("learning_rate", opt.learning_rate());
        }
        Ok(())
    }
}
