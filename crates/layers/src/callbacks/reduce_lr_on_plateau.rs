//! `ReduceLROnPlateau`: multiply the optimizer's learning rate by `factor` when the monitored
//! quantity has not improved for `patience` epochs; logs `learning_rate` every epoch (Keras 3).
use super::monitor::{Mode, Monitor};
use super::Callback;
use crate::error::{LayerError, Result};
use crate::model::{Logs, ModelCore};

/// Keras `ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
/// min_delta=1e-4, cooldown=0, min_lr=0.0)`.
#[derive(Debug, Clone)]
pub struct ReduceLROnPlateau {
    /// Factor the learning rate is multiplied by.
    pub factor: f32,
    /// Epochs without improvement before a reduction.
    pub patience: usize,
    /// 1 prints a message at each reduction.
    pub verbose: u8,
    /// Epochs to wait after a reduction before counting again.
    pub cooldown: usize,
    /// Lower bound on the learning rate.
    pub min_lr: f32,
    monitor: Monitor,
    /// Epochs since the last improvement.
    pub wait: usize,
    /// Cooldown epochs still to wait.
    pub cooldown_counter: usize,
    /// Best monitored value so far.
    pub best: Option<f32>,
}

impl Default for ReduceLROnPlateau {
    fn default() -> Self {
        Self::new()
    }
}

impl ReduceLROnPlateau {
    /// `ReduceLROnPlateau()` with Keras's defaults.
    pub fn new() -> Self {
        Self {
            factor: 0.1,
            patience: 10,
            verbose: 0,
            cooldown: 0,
            min_lr: 0.0,
            monitor: Monitor::new("val_loss", Mode::Auto, 1e-4),
            wait: 0,
            cooldown_counter: 0,
            best: None,
        }
    }
    /// Keras `monitor=`: the logs key to watch (default `val_loss`).
    pub fn monitor(mut self, key: &str) -> Self {
        self.monitor.monitor = key.to_string();
        self
    }
    /// Must be below 1 (checked when training starts).
    pub fn factor(mut self, f: f32) -> Self {
        self.factor = f;
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
    /// `"auto"`, `"min"` or `"max"`.
    pub fn mode(mut self, mode: &str) -> Self {
        self.monitor.mode = Mode::parse(mode, "ReduceLROnPlateau");
        self
    }
    /// Keras `min_delta=`: smallest change that counts as an improvement.
    pub fn min_delta(mut self, d: f32) -> Self {
        self.monitor.min_delta = d.abs();
        self
    }
    /// Keras `cooldown=`: epochs to wait after a reduction before counting again (default 0).
    pub fn cooldown(mut self, c: usize) -> Self {
        self.cooldown = c;
        self
    }
    /// Keras `min_lr=`: lower bound on the learning rate (default 0).
    pub fn min_lr(mut self, lr: f32) -> Self {
        self.min_lr = lr;
        self
    }
    /// The last "metric not available" warning, if any.
    pub fn last_warning(&self) -> Option<&str> {
        self.monitor.last_warning.as_deref()
    }
    fn in_cooldown(&self) -> bool {
        self.cooldown_counter > 0
    }
}

impl Callback for ReduceLROnPlateau {
    fn on_train_begin(&mut self, _model: &mut ModelCore, _logs: &Logs) -> Result<()> {
        if self.factor.is_nan() || self.factor >= 1.0 {
            return Err(LayerError::config(
                "ReduceLROnPlateau",
                format!(
                    "does not support a factor >= 1.0. Received factor={}",
                    self.factor
                ),
            ));
        }
        self.best = None;
        self.cooldown_counter = 0;
        self.wait = 0;
        self.monitor.reset();
        Ok(())
    }

    fn on_epoch_end_mut(
        &mut self,
        model: &mut ModelCore,
        epoch: usize,
        logs: &mut Logs,
    ) -> Result<()> {
        self.monitor.resolve("ReduceLROnPlateau")?;
        let opt = model
            .optimizer_mut()
            .ok_or(LayerError::NotCompiled("ReduceLROnPlateau"))?;
        logs.insert("learning_rate", opt.learning_rate());
        let Some(current) = self.monitor.value(logs, "Learning rate reduction is") else {
            return Ok(());
        };
        if self.in_cooldown() {
            self.cooldown_counter -= 1;
            self.wait = 0;
        }
        if self.monitor.is_improvement(current, self.best) {
            self.best = Some(current);
            self.wait = 0;
        } else if !self.in_cooldown() {
            self.wait += 1;
            if self.wait >= self.patience {
                let old = opt.learning_rate();
                if old > self.min_lr {
                    let new = (old * self.factor).max(self.min_lr);
                    opt.set_learning_rate(new);
                    if self.verbose > 0 {
                        println!(
                            "\nEpoch {}: ReduceLROnPlateau reducing learning rate to {new}.",
                            epoch + 1
                        );
                    }
                    self.cooldown_counter = self.cooldown;
                    self.wait = 0;
                }
            }
        }
        Ok(())
    }
}
