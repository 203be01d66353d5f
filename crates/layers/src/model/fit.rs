//! `fit`: the one training loop both model kinds share (batches → loss → backward → optimizer →
//! metrics → callbacks), with Keras's validation_split, shuffling and stop_training semantics.
use super::logs::Logs;
use super::model_core::ModelCore;
use super::progress::EpochProgress;
use super::step_pool::on_pool;
use crate::callbacks::{Callback, History};
use crate::dataset::PyDataset;
use crate::error::{LayerError, Result};
use crate::flow::{Data, Inputs};
use kerust_tensor::Tensor;
use std::collections::BTreeMap;

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
    /// Keras `class_weight=`: a loss weight per class index, for the training samples.
    pub class_weight: Option<BTreeMap<usize, f32>>,
    /// Keras `sample_weight=`: one loss weight per training sample, shape `[n]`.
    pub sample_weight: Option<Tensor>,
    /// The third element of Keras's `validation_data=(x, y, sample_weight)`.
    pub validation_sample_weight: Option<Tensor>,
    /// Keras `validation_data=` a `PyDataset`, scored at the end of every epoch.
    pub validation_dataset: Option<Box<dyn PyDataset>>,
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
            class_weight: None,
            sample_weight: None,
            validation_sample_weight: None,
            validation_dataset: None,
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
    /// Keras `class_weight=`: `[(class, weight), ...]` scaling the loss of each training sample by the
    /// weight of its class (the label, or the argmax of a one-hot row). Every label in `y` needs an
    /// entry (Keras would silently use 1.0; here a missing one is an error naming it). Cannot be
    /// combined with `sample_weight`, and needs a single-output model, as in Keras.
    pub fn class_weight(mut self, weights: impl IntoIterator<Item = (usize, f32)>) -> Self {
        self.class_weight = Some(weights.into_iter().collect());
        self
    }
    /// Keras `sample_weight=`: one weight per sample (shape `[n]`; `[n, time]` for sequence
    /// outputs), scaling that sample's loss; `validation_split` slices it with `x` and `y`.
    pub fn sample_weight(mut self, w: Tensor) -> Self {
        self.sample_weight = Some(w);
        self
    }
    /// Keras `validation_data=(x, y, sample_weight)`: scored at the end of every epoch, with each
    /// validation sample's loss scaled by its weight.
    pub fn validation_data_weighted(
        mut self,
        x: impl Into<Inputs>,
        y: impl Into<Inputs>,
        sample_weight: Tensor,
    ) -> Self {
        self.validation_data = Some((x.into(), y.into()));
        self.validation_sample_weight = Some(sample_weight);
        self
    }
    /// Keras `validation_data=` a `PyDataset`: scored at the end of every epoch (its batches in
    /// index order, read through its own `workers`).
    pub fn validation_dataset(mut self, ds: impl PyDataset + 'static) -> Self {
        self.validation_dataset = Some(Box::new(ds));
        self
    }
    /// Add one callback.
    pub fn callback(mut self, c: impl Callback + 'static) -> Self {
        self.callbacks.push(Box::new(c));
        self
    }
}

/// Keras `evaluate` keyword arguments.
#[derive(Clone)]
pub struct EvaluateArgs {
    /// Samples per batch (default 32).
    pub batch_size: usize,
    /// One loss weight per sample (shape `[n]`), or none.
    pub sample_weight: Option<Tensor>,
}

impl Default for EvaluateArgs {
    fn default() -> Self {
        Self {
            batch_size: 32,
            sample_weight: None,
        }
    }
}

impl EvaluateArgs {
    /// Keras's defaults: batch size 32, unweighted.
    pub fn new() -> Self {
        Self::default()
    }
    /// Keras `batch_size=`: samples per batch (default 32).
    pub fn batch_size(mut self, b: usize) -> Self {
        self.batch_size = b;
        self
    }
    /// Keras `sample_weight=`: one weight per sample scaling its loss (shape `[n]`).
    pub fn sample_weight(mut self, w: Tensor) -> Self {
        self.sample_weight = Some(w);
        self
    }
}

/// Keras `class_weight_to_sample_weights`: each sample's weight is that of its label, which is the
/// rounded target (`[n]` or `[n, 1]`) or the argmax of a one-hot row (`[n, classes]`).
pub fn class_weight_to_sample_weights(
    y: &Data,
    class_weight: &BTreeMap<usize, f32>,
) -> Result<Tensor> {
    let t = y.to_float()?;
    let shape = t.shape().to_vec();
    let n = shape.first().copied().unwrap_or(0);
    let width: usize = shape[1.min(shape.len())..].iter().product();
    if shape.len() > 2 {
        return Err(LayerError::config(
            "fit",
            format!(
                "class_weight needs one label per sample (y of shape [n], [n, 1] or one-hot [n, classes]), got y of shape {shape:?}; pass sample_weight instead"
            ),
        ));
    }
    let vals = t.to_vec()?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let row = &vals[i * width..(i + 1) * width];
        let label = if width > 1 {
            // np.argmax: the first maximum.
            let mut best = 0;
            for (j, v) in row.iter().enumerate() {
                if *v > row[best] {
                    best = j;
                }
            }
            best as i64
        } else {
            // np.round rounds half to even.
            row[0].round_ties_even() as i64
        };
        let w = usize::try_from(label)
            .ok()
            .and_then(|l| class_weight.get(&l))
            .ok_or_else(|| LayerError::ClassWeightMissing {
                label,
                sample: i,
                keys: class_weight.keys().copied().collect(),
            })?;
        out.push(*w);
    }
    Ok(Tensor::from_vec(out, &[n])?)
}

/// Check that `w` holds one weight per sample (its first axis is `n`).
pub(crate) fn check_sample_weight(w: &Tensor, n: usize, what: &str) -> Result<()> {
    if w.shape().first() != Some(&n) {
        return Err(LayerError::SampleWeightShape {
            what: what.to_string(),
            expected: format!("[{n}] (one weight per sample)"),
            got: w.shape().to_vec(),
        });
    }
    Ok(())
}

/// Keras's `validation_split` point, `floor(n * (1 - split))`, computed from the decimal the user
/// wrote (0.2, not the f32 0.2000000029) so the split lands where Keras's float64 one does.
fn split_at(n: usize, split: f32) -> usize {
    let split: f64 = split.to_string().parse().unwrap_or(split as f64);
    (n as f64 * (1.0 - split)).floor() as usize
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
        // NaN/Inf in the data make every loss after the first batch that reads them NaN, with no
        // hint why; say once where the first one is, before the first step.
        for (what, data) in [("x", &x), ("y", &y)] {
            if let Some((input, row)) = first_non_finite_row(data)? {
                eprintln!(
                    "warning: fit: {what}[{input}] holds NaN or Inf in row {row}; the loss will turn NaN once a batch reads it. Clean or impute the data first"
                );
                break;
            }
        }
        let mut sample_weight = args.sample_weight.take();
        if let Some(w) = &sample_weight {
            check_sample_weight(w, n, "fit")?;
            if args.class_weight.is_some() {
                return Err(LayerError::config(
                    "fit",
                    "you cannot pass class_weight and sample_weight at the same time; fold the class weights into sample_weight",
                ));
            }
        }
        if args.class_weight.is_some() && y.len() != 1 {
            return Err(LayerError::config(
                "fit",
                format!(
                    "class_weight is only supported for models with a single output; this one has {} targets. Pass sample_weight instead",
                    y.len()
                ),
            ));
        }
        let mut val = args
            .validation_data
            .take()
            .map(|(a, b)| (a.0, b.0, args.validation_sample_weight.take()));
        if let Some((xv, _, Some(w))) = &val {
            check_sample_weight(w, xv.first().map(Data::len).unwrap_or(0), "validation_data")?;
        }
        if args.validation_split > 0.0 && val.is_none() {
            // Keras: the last `validation_split` fraction, before any shuffling; the sample
            // weights are sliced with the data.
            let n_train = split_at(n, args.validation_split);
            if n_train == 0 || n_train == n {
                return Err(LayerError::Data(format!(
                    "validation_split={} of {n} samples leaves {n_train} for training and {} for validation; both need at least one sample (use more data or another split)",
                    args.validation_split,
                    n - n_train
                )));
            }
            let (xt, xv) = split_tail(&x, n_train, n)?;
            let (yt, yv) = split_tail(&y, n_train, n)?;
            let (wt, wv) = match sample_weight {
                Some(w) => {
                    let head: Vec<usize> = (0..n_train).collect();
                    let tail: Vec<usize> = (n_train..n).collect();
                    (Some(w.select_rows(&head)?), Some(w.select_rows(&tail)?))
                }
                None => (None, None),
            };
            x = xt;
            y = yt;
            sample_weight = wt;
            val = Some((xv, yv, wv));
        }
        // Keras turns class_weight into sample weights of the training data only.
        if let Some(cw) = &args.class_weight {
            sample_weight = Some(class_weight_to_sample_weights(&y[0], cw)?);
        }
        let batch_size = crate::param::checked_positive("fit", "batch_size", args.batch_size)?;
        let n_targets = y.len();
        self.begin_epoch(&x, &y, true)?;
        let mut feed = ArrayFeed {
            x,
            y,
            sample_weight,
            batch_size,
        };
        let val = val.map(|(x, y, w)| Validation::Arrays(x, y, w));
        self.fit_loop(&mut feed, n_targets, val, args)
    }

    /// The epoch loop `fit` and `fit_dataset` share: callbacks, progress, batches from `feed`,
    /// validation at the end of each epoch, History, and `stop_training`.
    pub(crate) fn fit_loop(
        &mut self,
        feed: &mut dyn BatchFeed,
        n_targets: usize,
        mut val: Option<Validation>,
        mut args: FitArgs,
    ) -> Result<History> {
        if let Some(ds) = args.validation_dataset.take() {
            val = Some(Validation::Dataset(ds));
        }
        let steps = feed.steps();
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
            let progress = EpochProgress::start(args.verbose, epoch, args.epochs, steps);
            let mut state = self.begin_state(n_targets, 0, true)?;
            // Batch by batch so callbacks see (and may change) the model between updates, as in Keras.
            feed.run_epoch(self, epoch, args.shuffle, &mut |model, step, b| {
                for cb in callbacks.iter_mut() {
                    cb.on_train_batch_begin(model, step, &state.logs)?;
                }
                let st = &mut state;
                on_pool(|| model.step(st, &b.x, &b.y, b.sample_weight.as_ref()))?;
                progress.update(step, &state.logs);
                for cb in callbacks.iter_mut() {
                    cb.on_train_batch_end(model, step, &state.logs)?;
                }
                Ok(!model.stop_training)
            })?;
            let mut logs = state.logs;
            let v = match &mut val {
                Some(Validation::Arrays(xv, yv, wv))
                    if xv.first().is_some_and(|d| !d.is_empty()) =>
                {
                    Some(self.run_epoch(
                        xv,
                        yv,
                        wv.as_ref(),
                        args.batch_size.max(1),
                        None,
                        false,
                        &mut |_, _| Ok(()),
                    )?)
                }
                Some(Validation::Dataset(ds)) => Some(self.evaluate_dataset(ds)?),
                _ => None,
            };
            for (k, value) in v.iter().flat_map(|v| v.iter()) {
                logs.insert(&format!("val_{k}"), value);
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

/// One training batch, ready for a step.
pub(crate) struct TrainBatch {
    pub(crate) x: Vec<Data>,
    pub(crate) y: Vec<Tensor>,
    pub(crate) sample_weight: Option<Tensor>,
}

/// What a batch callback of [`BatchFeed::run_epoch`] gets: the model, the step, the batch; it
/// returns `false` to end the epoch (`stop_training`).
pub(crate) type EachBatch<'a> = dyn FnMut(&mut ModelCore, usize, TrainBatch) -> Result<bool> + 'a;

/// Where `fit`'s training batches come from: arrays in memory or a `PyDataset`.
pub(crate) trait BatchFeed {
    /// Batches per epoch (for the progress bar).
    fn steps(&self) -> usize;
    /// Hand every batch of one epoch to `each`, in the epoch's order.
    fn run_epoch(
        &mut self,
        model: &mut ModelCore,
        epoch: usize,
        shuffle: bool,
        each: &mut EachBatch<'_>,
    ) -> Result<()>;
}

/// What is scored at the end of each epoch.
pub(crate) enum Validation {
    /// `validation_data=(x, y[, sample_weight])` or the `validation_split` tail.
    Arrays(Vec<Data>, Vec<Data>, Option<Tensor>),
    /// `validation_data=` a `PyDataset`.
    Dataset(Box<dyn PyDataset>),
}

/// `fit(x, y)`'s batches: the samples reshuffled each epoch with the model's generator.
struct ArrayFeed {
    x: Vec<Data>,
    y: Vec<Data>,
    sample_weight: Option<Tensor>,
    batch_size: usize,
}

impl BatchFeed for ArrayFeed {
    fn steps(&self) -> usize {
        self.x
            .first()
            .map(Data::len)
            .unwrap_or(0)
            .div_ceil(self.batch_size)
    }

    fn run_epoch(
        &mut self,
        model: &mut ModelCore,
        _epoch: usize,
        shuffle: bool,
        each: &mut EachBatch<'_>,
    ) -> Result<()> {
        let n = self.x.first().map(Data::len).unwrap_or(0);
        let mut order: Vec<usize> = (0..n).collect();
        if shuffle {
            model.rng.shuffle(&mut order);
        }
        for (step, chunk) in order.chunks(self.batch_size).enumerate() {
            let x: Vec<Data> = self
                .x
                .iter()
                .map(|d| d.select(chunk))
                .collect::<Result<_>>()?;
            let y: Vec<Tensor> = self
                .y
                .iter()
                .map(|d| d.select(chunk)?.to_float())
                .collect::<Result<_>>()?;
            let sample_weight = self
                .sample_weight
                .as_ref()
                .map(|w| w.select_rows(chunk))
                .transpose()?;
            if !each(
                model,
                step,
                TrainBatch {
                    x,
                    y,
                    sample_weight,
                },
            )? {
                break;
            }
        }
        Ok(())
    }
}

/// The first `(input index, row)` whose float data holds NaN or ±Inf, if any.
pub(crate) fn first_non_finite_row(data: &[Data]) -> Result<Option<(usize, usize)>> {
    for (i, d) in data.iter().enumerate() {
        let Data::Float(t) = d else { continue };
        // Host data is scanned in place; only device data is copied (the scan runs on the host).
        let copied;
        let values = match t.as_slice() {
            Ok(v) => v,
            Err(_) => {
                copied = t.to_vec()?;
                &copied[..]
            }
        };
        let per_row = (values.len() / t.shape().first().copied().unwrap_or(1).max(1)).max(1);
        if let Some(pos) = values.iter().position(|v| !v.is_finite()) {
            return Ok(Some((i, pos / per_row)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod non_finite_tests {
    use super::*;
    use kerust_tensor::Tensor;

    #[test]
    fn names_the_first_row_with_nan_or_inf() {
        let clean = Data::Float(Tensor::zeros(&[4, 3]).unwrap());
        assert_eq!(
            first_non_finite_row(std::slice::from_ref(&clean)).unwrap(),
            None
        );
        let mut v = vec![0.0f32; 12];
        v[7] = f32::NAN; // row 2 of [4, 3]
        v[10] = f32::INFINITY;
        let bad = Data::Float(Tensor::from_vec(v, &[4, 3]).unwrap());
        assert_eq!(first_non_finite_row(&[clean, bad]).unwrap(), Some((1, 2)));
        let mut w = vec![1.0f32; 5];
        w[4] = f32::NEG_INFINITY;
        let col = Data::Float(Tensor::from_vec(w, &[5]).unwrap());
        assert_eq!(first_non_finite_row(&[col]).unwrap(), Some((0, 4)));
    }
}
