//! `fit`: the one training loop both model kinds share (batches → loss → backward → optimizer →
//! metrics → callbacks), with Keras's validation_split, shuffling and stop_training semantics.
use super::logs::Logs;
use super::model_core::ModelCore;
use super::progress::EpochProgress;
use crate::callbacks::{Callback, History};
use crate::error::{LayerError, Result};
use crate::flow::{Data, Inputs};

/// Keras `fit` keyword arguments.
pub struct FitArgs {
    /// Passes over the data (default 1).
    pub epochs: usize,
    /// Samples per gradient step (default 32).
    pub batch_size: usize,
    /// 0 silent, 1 progress bar, 2 one line per epoch.
    pub verbose: u8,
    /// Fraction of the data, taken from the end before shuffling, held out for validation.
    pub validation_split: f32,
    /// `(x, y)` scored at the end of every epoch.
    pub validation_data: Option<(Inputs, Inputs)>,
    /// Reshuffle the training samples before each epoch (default `true`).
    pub shuffle: bool,
    /// Epoch to start counting from, to resume a run (default 0).
    pub initial_epoch: usize,
    /// Callbacks called during training.
    pub callbacks: Vec<Box<dyn Callback>>,
}

impl Default for FitArgs {
    fn default() -> Self {
        Self {
            epochs: 1,
            batch_size: 32,
            verbose: 1,
            validation_split: 0.0,
            validation_data: None,
            shuffle: true,
            initial_epoch: 0,
            callbacks: Vec::new(),
        }
    }
}

impl FitArgs {
    /// Keras's defaults: 1 epoch, batch size 32, verbose 1, shuffled, no validation.
    pub fn new() -> Self {
        Self::default()
    }
    /// Keras `epochs=`: passes over the data (default 1).
    pub fn epochs(mut self, e: usize) -> Self {
        self.epochs = e;
        self
    }
    /// Keras `batch_size=`: samples per gradient step (default 32).
    pub fn batch_size(mut self, b: usize) -> Self {
        self.batch_size = b;
        self
    }
    /// Keras `verbose=`: 0 silent, 1 prints a message when it acts.
    pub fn verbose(mut self, v: u8) -> Self {
        self.verbose = v;
        self
    }
    /// Keras `validation_split=`: fraction of the data, taken from the end before shuffling, held
    /// out for validation.
    pub fn validation_split(mut self, f: f32) -> Self {
        self.validation_split = f;
        self
    }
    /// Keras `validation_data=`: `(x, y)` scored at the end of every epoch.
    pub fn validation_data(mut self, x: impl Into<Inputs>, y: impl Into<Inputs>) -> Self {
        self.validation_data = Some((x.into(), y.into()));
        self
    }
    /// Keras `shuffle=`: reshuffle the training samples before each epoch (default `true`).
    pub fn shuffle(mut self, s: bool) -> Self {
        self.shuffle = s;
        self
    }
    /// Keras `initial_epoch=`: epoch to start counting from, to resume a run (default 0).
    pub fn initial_epoch(mut self, e: usize) -> Self {
        self.initial_epoch = e;
        self
    }
    /// Keras `callbacks=`: replace the callback list.
    pub fn callbacks(mut self, c: Vec<Box<dyn Callback>>) -> Self {
        self.callbacks = c;
        self
    }
    /// Add one callback.
    pub fn callback(mut self, c: impl Callback + 'static) -> Self {
        self.callbacks.push(Box::new(c));
        self
    }
}

fn split_tail(d: &[Data], n_train: usize, n: usize) -> Result<(Vec<Data>, Vec<Data>)> {
    let head: Vec<usize> = (0..n_train).collect();
    let tail: Vec<usize> = (n_train..n).collect();
    Ok((
        d.iter().map(|a| a.select(&head)).collect::<Result<_>>()?,
        d.iter().map(|a| a.select(&tail)).collect::<Result<_>>()?,
    ))
}

impl ModelCore {
    /// Keras `fit(x, y, ...)`. Returns the `History`.
    pub fn fit(
        &mut self,
        x: impl Into<Inputs>,
        y: impl Into<Inputs>,
        mut args: FitArgs,
    ) -> Result<History> {
        let (mut x, mut y) = (x.into().0, y.into().0);
        if self.compiled.is_none() {
            return Err(LayerError::NotCompiled("fit"));
        }
        // Per-step buffers stay in the heap between batches and go back to the OS when fit ends
        // (glibc; see kerust_tensor::malloc_tuning).
        let _heap = kerust_tensor::malloc_tuning::TrainingHeap::new();
        if !(0.0..1.0).contains(&args.validation_split) {
            return Err(LayerError::config(
                "fit",
                format!(
                    "validation_split must be in [0, 1), got {}",
                    args.validation_split
                ),
            ));
        }
        self.ensure_built(&x)?;
        let n = x.first().map(Data::len).unwrap_or(0);
        if n == 0 {
            return Err(LayerError::Data(
                "fit needs at least one sample; x is empty".into(),
            ));
        }
        let mut val = args.validation_data.take().map(|(a, b)| (a.0, b.0));
        if args.validation_split > 0.0 && val.is_none() {
            // Keras: the last `validation_split` fraction, before any shuffling.
            let n_train = n - (n as f32 * args.validation_split) as usize;
            let (xt, xv) = split_tail(&x, n_train, n)?;
            let (yt, yv) = split_tail(&y, n_train, n)?;
            x = xt;
            y = yt;
            val = Some((xv, yv));
        }
        let n = x.first().map(Data::len).unwrap_or(0);
        let batch_size = crate::param::checked_positive("fit", "batch_size", args.batch_size)?;
        let steps = n.div_ceil(batch_size);
        let mut history = History::new();
        let mut callbacks = std::mem::take(&mut args.callbacks);
        self.stop_training = false;
        let empty = Logs::new();
        for cb in callbacks.iter_mut() {
            cb.on_train_begin(self, &empty)?;
        }
        let mut last = Logs::new();
        for epoch in args.initial_epoch..args.epochs {
            for cb in callbacks.iter_mut() {
                cb.on_epoch_begin(self, epoch, &empty)?;
            }
            let mut order: Vec<usize> = (0..n).collect();
            if args.shuffle {
                self.rng.shuffle(&mut order);
            }
            let progress = EpochProgress::start(args.verbose, epoch, args.epochs, steps);
            let mut state = self.begin_epoch(&x, &y, true)?;
            // Batch by batch so callbacks see (and may change) the model between updates, as in Keras.
            for (step, chunk) in order.chunks(batch_size).enumerate() {
                for cb in callbacks.iter_mut() {
                    cb.on_train_batch_begin(self, step, &state.logs)?;
                }
                self.step_on(&mut state, &x, &y, chunk)?;
                progress.update(step, &state.logs);
                for cb in callbacks.iter_mut() {
                    cb.on_train_batch_end(self, step, &state.logs)?;
                }
                if self.stop_training {
                    break;
                }
            }
            let mut logs = state.logs;
            if let Some((xv, yv)) = &val {
                if xv.first().is_some_and(|d| !d.is_empty()) {
                    let v = self.run_epoch(xv, yv, batch_size, None, false, &mut |_, _| Ok(()))?;
                    for (k, value) in v.iter() {
                        logs.insert(&format!("val_{k}"), value);
                    }
                }
            }
            // Keras order: user callbacks (which may add keys such as `learning_rate`), then
            // History, then the progress line.
            for cb in callbacks.iter_mut() {
                cb.on_epoch_end_mut(self, epoch, &mut logs)?;
            }
            history.push(epoch, &logs);
            progress.finish(&logs);
            last = logs;
            if self.stop_training {
                break;
            }
        }
        for cb in callbacks.iter_mut() {
            cb.on_train_end(self, &last)?;
        }
        Ok(history)
    }
}
