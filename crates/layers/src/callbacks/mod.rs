//! Callbacks: hooks `fit` calls at train/epoch/batch boundaries with Keras-style `logs`.
pub mod csv_logger;
pub mod early_stopping;
pub mod event_file;
pub mod history;
pub mod lambda_callback;
pub mod learning_rate_scheduler;
pub mod monitor;
pub mod reduce_lr_on_plateau;
pub mod tensorboard;
pub mod terminate_on_nan;

pub use csv_logger::CSVLogger;
pub use early_stopping::EarlyStopping;
pub use history::History;
pub use lambda_callback::LambdaCallback;
pub use learning_rate_scheduler::LearningRateScheduler;
pub use monitor::Mode;
pub use reduce_lr_on_plateau::ReduceLROnPlateau;
pub use tensorboard::TensorBoard;
pub use terminate_on_nan::TerminateOnNaN;

use crate::error::Result;
use crate::model::{Logs, ModelCore};

/// A Keras callback. Every hook has an empty default; implement the ones you need.
///
/// Set `model.stop_training = true` to end training: `fit` checks it after every batch and after
/// every epoch, like Keras. Batch hooks get the running (epoch-to-date) loss and metrics.
pub trait Callback {
    /// Called once before the first epoch.
    fn on_train_begin(&mut self, _model: &mut ModelCore, _logs: &Logs) -> Result<()> {
        Ok(())
    }
    /// Called once after the last epoch, with the last epoch's logs.
    fn on_train_end(&mut self, _model: &mut ModelCore, _logs: &Logs) -> Result<()> {
        Ok(())
    }
    /// Called at the start of every epoch.
    fn on_epoch_begin(
        &mut self,
        _model: &mut ModelCore,
        _epoch: usize,
        _logs: &Logs,
    ) -> Result<()> {
        Ok(())
    }
    /// Called at the end of every epoch with its logs (validation metrics included).
    fn on_epoch_end(&mut self, _model: &mut ModelCore, _epoch: usize, _logs: &Logs) -> Result<()> {
        Ok(())
    }
    /// What `fit` calls at the end of an epoch. Keras hands every callback the same mutable
    /// `logs` dict, so a callback can add entries (ReduceLROnPlateau adds `learning_rate`) that the
    /// callbacks after it, `History` and the progress line see. Override this instead of
    /// `on_epoch_end` to do that; the default forwards to `on_epoch_end`.
    fn on_epoch_end_mut(
        &mut self,
        model: &mut ModelCore,
        epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        self.on_epoch_end(model, epoch, logs)
    }
    /// Called before every training batch.
    fn on_train_batch_begin(
        &mut self,
        _model: &mut ModelCore,
        _batch: usize,
        _logs: &Logs,
    ) -> Result<()> {
        Ok(())
    }
    /// Called after every training batch with the running logs of the epoch.
    fn on_train_batch_end(
        &mut self,
        _model: &mut ModelCore,
        _batch: usize,
        _logs: &Logs,
    ) -> Result<()> {
        Ok(())
    }
}

/// A shared handle is a callback too, so its state can be read after `fit` consumed the
/// `FitArgs` — e.g. which epoch `EarlyStopping` chose:
/// `let es = Rc::new(RefCell::new(EarlyStopping::new())); args.callback(es.clone()); ... es.borrow().best_epoch`.
impl<C: Callback> Callback for std::rc::Rc<std::cell::RefCell<C>> {
    fn on_train_begin(&mut self, model: &mut ModelCore, logs: &Logs) -> Result<()> {
        self.borrow_mut().on_train_begin(model, logs)
    }
    fn on_train_end(&mut self, model: &mut ModelCore, logs: &Logs) -> Result<()> {
        self.borrow_mut().on_train_end(model, logs)
    }
    fn on_epoch_begin(&mut self, model: &mut ModelCore, epoch: usize, logs: &Logs) -> Result<()> {
        self.borrow_mut().on_epoch_begin(model, epoch, logs)
    }
    fn on_epoch_end(&mut self, model: &mut ModelCore, epoch: usize, logs: &Logs) -> Result<()> {
        self.borrow_mut().on_epoch_end(model, epoch, logs)
    }
    fn on_epoch_end_mut(
        &mut self,
        model: &mut ModelCore,
        epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        self.borrow_mut().on_epoch_end_mut(model, epoch, logs)
    }
    fn on_train_batch_begin(
        &mut self,
        model: &mut ModelCore,
        batch: usize,
        logs: &Logs,
    ) -> Result<()> {
        self.borrow_mut().on_train_batch_begin(model, batch, logs)
    }
    fn on_train_batch_end(
        &mut self,
        model: &mut ModelCore,
        batch: usize,
        logs: &Logs,
    ) -> Result<()> {
        self.borrow_mut().on_train_batch_end(model, batch, logs)
    }
}

/// Print a Keras-style warning (Keras uses Python's `warnings.warn`, which goes to stderr).
pub(crate) fn warn(message: &str) {
    eprintln!("UserWarning: {message}");
}
