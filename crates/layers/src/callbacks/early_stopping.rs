//! `EarlyStopping`: stop `fit` when the monitored quantity stops improving, optionally rolling the
//! weights back to the best epoch (Keras 3 semantics, including `baseline` and `start_from_epoch`).
use super::monitor::{Mode, Monitor};
use super::Callback;
use crate::error::Result;
use crate::model::{Logs, ModelCore};
use kerust_tensor::Tensor;

/// Keras `EarlyStopping(monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
/// baseline=None, restore_best_weights=False, start_from_epoch=0)`.
#[derive(Debug, Clone)]
pub struct EarlyStopping {
    /// Epochs without improvement before training stops.
    pub patience: usize,
    /// 1 prints a message when training stops.
    pub verbose: u8,
    /// Training stops if the model does not improve on this value within `patience` epochs.
    pub baseline: Option<f32>,
    /// Put back the weights of the best epoch when stopping.
    pub restore_best_weights: bool,
    /// Epochs of warm-up before monitoring starts.
    pub start_from_epoch: usize,
    monitor: Monitor,
    /// Epochs since the last improvement.
    pub wait: usize,
    /// Epoch (0-based) at which training was stopped; 0 when it was not.
    pub stopped_epoch: usize,
    /// Best monitored value so far.
    pub best: Option<f32>,
    /// Epoch (0-based) of `best`.
    pub best_epoch: usize,
    best_weights: Option<Vec<Tensor>>,
}

impl Default for EarlyStopping {
    fn default() -> Self {
        Self::new()
    }
}

impl EarlyStopping {
    /// Monitor `val_loss` with Keras's defaults.
    pub fn new() -> Self {
        Self {
            patience: 0,
            verbose: 0,
            baseline: None,
            restore_best_weights: false,
            start_from_epoch: 0,
            monitor: Monitor::new("val_loss", Mode::Auto, 0.0),
            wait: 0,
            stopped_epoch: 0,
            best: None,
            best_epoch: 0,
            best_weights: None,
        }
    }
    /// Keras `monitor=`: the logs key to watch (default `val_loss`).
    pub fn monitor(mut self, key: &str) -> Self {
        self.monitor.monitor = key.to_string();
        self
    }
    /// Keras `min_delta=`: smallest change that counts as an improvement.
    pub fn min_delta(mut self, d: f32) -> Self {
        self.monitor.min_delta = d.abs();
        self
    }
    /// Keras `patience=`: epochs without improvement before acting.
    pub fn patience(mut self, p: usize) -> Self {
        self.patience = p;
        self
    }
    /// Keras `verbose=`: 0 silent, 1 prints a message when it acts.
    pub fn verbose(mut self, v: u8) -> Self {
        self.verbose = v;
        self
    }
    /// `"auto"`, `"min"` or `"max"` (unknown values warn and mean `"auto"`, like Keras).
    pub fn mode(mut self, mode: &str) -> Self {
        self.monitor.mode = Mode::parse(mode, "EarlyStopping");
        self
    }
    /// Keras `baseline=`: value the monitored quantity must beat (default none).
    pub fn baseline(mut self, b: f32) -> Self {
        self.baseline = Some(b);
        self
    }
    /// Keras `restore_best_weights=`: put back the weights of the best epoch when stopping (default
    /// `False`).
    pub fn restore_best_weights(mut self, r: bool) -> Self {
        self.restore_best_weights = r;
        self
    }
    /// Keras `start_from_epoch=`: epochs to wait before watching for improvement (default 0).
    pub fn start_from_epoch(mut self, e: usize) -> Self {
        self.start_from_epoch = e;
        self
    }
    /// The last "metric not available" warning, if any.
    pub fn last_warning(&self) -> Option<&str> {
        self.monitor.last_warning.as_deref()
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _model: &mut ModelCore, _logs: &Logs) -> Result<()> {
        self.wait = 0;
        self.stopped_epoch = 0;
        self.best = None;
        self.best_weights = None;
        self.best_epoch = 0;
        self.monitor.reset();
        Ok(())
    }

    fn on_epoch_end(&mut self, model: &mut ModelCore, epoch: usize, logs: &Logs) -> Result<()> {
        self.monitor.resolve("EarlyStopping")?;
        let current = self.monitor.value(logs, "Early stopping");
        let Some(current) = current else {
            return Ok(());
        };
        if epoch < self.start_from_epoch {
            return Ok(());
        }
        if self.restore_best_weights && self.best_weights.is_none() {
            // So a run that never improves still restores the first monitored epoch.
            self.best_weights = Some(model.get_weights());
            self.best_epoch = epoch;
        }
        self.wait += 1;
        if self.monitor.is_improvement(current, self.best) {
            self.best = Some(current);
            self.best_epoch = epoch;
            if self.restore_best_weights {
                self.best_weights = Some(model.get_weights());
            }
            if self.baseline.is_none() || self.monitor.is_improvement(current, self.baseline) {
                self.wait = 0;
            }
            return Ok(());
        }
        if self.wait >= self.patience && epoch > 0 {
            self.stopped_epoch = epoch;
            model.stop_training = true;
        }
        Ok(())
    }

    fn on_train_end(&mut self, model: &mut ModelCore, _logs: &Logs) -> Result<()> {
        if self.stopped_epoch > 0 && self.verbose > 0 {
            println!("Epoch {}: early stopping", self.stopped_epoch + 1);
        }
        if self.restore_best_weights {
            if let Some(w) = self.best_weights.take() {
                if self.verbose > 0 {
                    println!(
                        "Restoring model weights from the end of the best epoch: {}.",
                        self.best_epoch + 1
                    );
                }
                model.set_weights(&w)?;
            }
        }
        Ok(())
    }
}
