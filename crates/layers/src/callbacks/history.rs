//! `History`: every epoch's logs, returned by `fit` (Keras `history.history`).
use super::Callback;
use crate::error::Result;
use crate::model::{Logs, ModelCore};

/// Per-key lists of epoch values plus the epoch numbers.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// `history["loss"]`, `history["val_accuracy"]`, ... in Keras key order.
    pub history: Vec<(String, Vec<f32>)>,
    /// Epoch indices (0-based) that were run.
    pub epoch: Vec<usize>,
}

impl History {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }
    /// The values logged under `key`, one per epoch.
    pub fn get(&self, key: &str) -> Option<&[f32]> {
        self.history
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    }
    /// Keys in order.
    pub fn keys(&self) -> Vec<&str> {
        self.history.iter().map(|(k, _)| k.as_str()).collect()
    }
    /// Record one epoch.
    pub fn push(&mut self, epoch: usize, logs: &Logs) {
        self.epoch.push(epoch);
        for (k, v) in logs.iter() {
            match self.history.iter_mut().find(|(key, _)| key == k) {
                Some((_, vals)) => vals.push(v),
                None => self.history.push((k.to_string(), vec![v])),
            }
        }
    }
}

impl Callback for History {
    fn on_epoch_end(&mut self, _model: &mut ModelCore, epoch: usize, logs: &Logs) -> Result<()> {
        self.push(epoch, logs);
        Ok(())
    }
}
