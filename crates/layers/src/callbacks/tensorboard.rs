//! `TensorBoard`: per-epoch scalar summaries of every logged value in real event files,
//! `train/` for training values (plus `learning_rate`) and `validation/` for `val_*`, like Keras 3.
use super::event_file::EventFileWriter;
use super::Callback;
use crate::error::Result;
use crate::model::{Logs, ModelCore};
use std::path::PathBuf;

/// Keras `TensorBoard(log_dir="logs", update_freq="epoch")` (scalars; histograms, graphs and
/// profiling are not written).
pub struct TensorBoard {
    /// Folder the event files are written under (`train/`, `validation/`).
    pub log_dir: PathBuf,
    /// `Some(n)`: also write `batch_<metric>` scalars every `n` batches (Keras `update_freq=n`;
    /// `"batch"` is 1). `None` (Keras `"epoch"`): epoch scalars only.
    pub update_freq: Option<usize>,
    global_train_batch: u64,
    train: Option<EventFileWriter>,
    val: Option<EventFileWriter>,
}

impl Default for TensorBoard {
    fn default() -> Self {
        Self::new("logs")
    }
}

impl TensorBoard {
    /// Keras `TensorBoard(log_dir)`.
    pub fn new(log_dir: impl Into<PathBuf>) -> Self {
        Self {
            log_dir: log_dir.into(),
            update_freq: None,
            global_train_batch: 0,
            train: None,
            val: None,
        }
    }
    /// Write batch-level scalars every `n` batches (`n = 0` means per epoch only).
    pub fn update_freq(mut self, n: usize) -> Self {
        self.update_freq = (n > 0).then_some(n);
        self
    }
    /// Paths of the event files written so far (train first).
    pub fn event_files(&self) -> Vec<PathBuf> {
        self.train
            .iter()
            .chain(self.val.iter())
            .map(|w| w.path().to_path_buf())
            .collect()
    }
}

impl Callback for TensorBoard {
    fn on_train_begin(&mut self, _model: &mut ModelCore, _logs: &Logs) -> Result<()> {
        self.train = Some(EventFileWriter::create(&self.log_dir.join("train"))?);
        self.val = None;
        self.global_train_batch = 0;
        Ok(())
    }

    fn on_train_batch_begin(&mut self, _m: &mut ModelCore, _batch: usize, _l: &Logs) -> Result<()> {
        // Keras counts batches over the whole run, from 1.
        self.global_train_batch += 1;
        Ok(())
    }

    fn on_train_batch_end(&mut self, _m: &mut ModelCore, _batch: usize, logs: &Logs) -> Result<()> {
        let Some(n) = self.update_freq else {
            return Ok(());
        };
        if !self.global_train_batch.is_multiple_of(n as u64) {
            return Ok(());
        }
        let scalars: Vec<(String, f32)> = logs
            .iter()
            .map(|(k, v)| (format!("batch_{k}"), v))
            .collect();
        if self.train.is_none() {
            self.train = Some(EventFileWriter::create(&self.log_dir.join("train"))?);
        }
        if let Some(w) = self.train.as_mut() {
            w.add_scalars(self.global_train_batch as i64, &scalars)?;
        }
        Ok(())
    }

    fn on_epoch_end(&mut self, model: &mut ModelCore, epoch: usize, logs: &Logs) -> Result<()> {
        let mut train: Vec<(String, f32)> = logs
            .iter()
            .filter(|(k, _)| !k.starts_with("val_"))
            .map(|(k, v)| (format!("epoch_{k}"), v))
            .collect();
        if let Some(opt) = model.optimizer() {
            if !train.iter().any(|(k, _)| k == "epoch_learning_rate") {
                train.push(("epoch_learning_rate".into(), opt.learning_rate()));
            }
        }
        let val: Vec<(String, f32)> = logs
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("val_").map(|k| (format!("epoch_{k}"), v)))
            .collect();
        if self.train.is_none() {
            self.train = Some(EventFileWriter::create(&self.log_dir.join("train"))?);
        }
        if let Some(w) = self.train.as_mut() {
            w.add_scalars(epoch as i64, &train)?;
        }
        if !val.is_empty() {
            if self.val.is_none() {
                self.val = Some(EventFileWriter::create(&self.log_dir.join("validation"))?);
            }
            if let Some(w) = self.val.as_mut() {
                w.add_scalars(epoch as i64, &val)?;
            }
        }
        Ok(())
    }
}
