//! `fit`, `evaluate` and `predict` reading a [`PyDataset`]: the batch indices shuffled per epoch
//! (Keras's `PyDatasetAdapter`), batches prepared ahead by the dataset's `workers`, each batch
//! checked against the shapes of the others, and `class_weight` applied per batch.
use super::fit::{class_weight_to_sample_weights, BatchFeed, EachBatch, FitArgs, TrainBatch};
use super::logs::Logs;
use super::model_core::ModelCore;
use super::step_pool::on_pool;
use crate::callbacks::History;
use crate::dataset::batch_shapes::BatchShapes;
use crate::dataset::enqueuer::for_each_ordered;
use crate::dataset::{DatasetBatch, PyDataset};
use crate::error::{LayerError, Result};
use kerust_tensor::{Rng, Tensor};
use std::collections::BTreeMap;

/// The batch order of one epoch: `0..len`, shuffled when asked. Keras seeds the shuffle with the
/// epoch number (`random.Random(epoch)`); here the seed is the epoch mixed with `base`, a number
/// drawn once per `fit` from the model's generator, so the order is fixed by `set_random_seed`
/// and differs between epochs.
pub(crate) fn epoch_order(len: usize, shuffle: Option<u64>, epoch: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    if let Some(base) = shuffle {
        let mut rng = Rng::seed(base ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        rng.shuffle(&mut order);
    }
    order
}

/// `fit_dataset`'s batches.
struct DatasetFeed<'d, D: PyDataset + ?Sized> {
    ds: &'d mut D,
    class_weight: Option<BTreeMap<usize, f32>>,
    shapes: BatchShapes,
    /// The per-fit shuffle seed (drawn on first use).
    base: Option<u64>,
}

/// A batch's targets as floats, with `class_weight` folded into its sample weights.
fn train_batch(b: DatasetBatch, class_weight: Option<&BTreeMap<usize, f32>>) -> Result<TrainBatch> {
    let mut sample_weight = b.sample_weight;
    if let Some(cw) = class_weight {
        if sample_weight.is_some() {
            return Err(LayerError::config(
                "fit",
                "you cannot specify class_weight and a PyDataset that returns sample_weight at the same time",
            ));
        }
        if b.y.len() != 1 {
            return Err(LayerError::config(
                "fit",
                "class_weight is only supported for models with a single output",
            ));
        }
        sample_weight = Some(class_weight_to_sample_weights(&b.y[0], cw)?);
    }
    Ok(TrainBatch {
        y: b.y.iter().map(|d| d.to_float()).collect::<Result<_>>()?,
        x: b.x,
        sample_weight,
    })
}

impl<D: PyDataset + ?Sized> BatchFeed for DatasetFeed<'_, D> {
    fn steps(&self) -> usize {
        self.ds.len()
    }

    fn run_epoch(
        &mut self,
        model: &mut ModelCore,
        epoch: usize,
        shuffle: bool,
        each: &mut EachBatch<'_>,
    ) -> Result<()> {
        self.ds.on_epoch_begin()?;
        let len = self.ds.len();
        if len == 0 {
            return Err(LayerError::DatasetEmpty("fit"));
        }
        if shuffle && self.base.is_none() {
            self.base = Some(model.rng.next_u64());
        }
        let order = epoch_order(len, self.base.filter(|_| shuffle), epoch);
        let (ds, shapes, cw) = (&*self.ds, &mut self.shapes, self.class_weight.as_ref());
        for_each_ordered(ds, &order, |step, index, batch| {
            let batch = batch?;
            shapes.check(index, len, &batch)?;
            model.ensure_built(&batch.x)?;
            each(model, step, train_batch(batch, cw)?)
        })?;
        self.ds.on_epoch_end()
    }
}

impl ModelCore {
    /// Keras `fit(dataset, epochs=…, …)` for a [`PyDataset`]: each epoch reads its batches in an
    /// order shuffled over batch indices (`shuffle`, default on; off, in index order), prepared
    /// ahead by the dataset's `workers` threads, at most `max_queue_size` at a time.
    ///
    /// `x`, `y`, `batch_size`, `sample_weight` and `validation_split` do not apply: the dataset
    /// gives the batches and their weights (Keras raises for `validation_split` with a dataset, as
    /// here; `batch_size` only sizes the batches of array `validation_data`). `class_weight` is
    /// applied to each batch. Validate with `validation_data` arrays or `validation_dataset`.
    pub fn fit_dataset<D: PyDataset + ?Sized>(
        &mut self,
        ds: &mut D,
        mut args: FitArgs,
    ) -> Result<History> {
        if self.compiled.is_none() {
            return Err(LayerError::NotCompiled("fit"));
        }
        if ds.is_empty() {
            return Err(LayerError::DatasetEmpty("fit"));
        }
        if args.validation_split > 0.0 {
            return Err(LayerError::config(
                "fit",
                "validation_split is only supported for arrays, not for a PyDataset; pass validation_data or validation_dataset instead",
            ));
        }
        if args.sample_weight.is_some() {
            return Err(LayerError::config(
                "fit",
                "sample_weight cannot be passed with a PyDataset; return (x, y, sample_weight) batches from its get() instead",
            ));
        }
        let _heap = kerust_tensor::malloc_tuning::TrainingHeap::new();
        let val = args.validation_data.take().map(|(a, b)| {
            super::fit::Validation::Arrays(a.0, b.0, args.validation_sample_weight.take())
        });
        let n_targets = self.graph.outputs.len().max(1);
        let mut feed = DatasetFeed {
            ds,
            class_weight: args.class_weight.take(),
            shapes: BatchShapes::new(),
            base: None,
        };
        self.fit_loop(&mut feed, n_targets, val, args)
    }

    /// Keras `evaluate(dataset)`: loss and metrics over every batch of a [`PyDataset`], in index
    /// order, in inference mode (its own `sample_weight`s weight the loss).
    pub fn evaluate_dataset<D: PyDataset + ?Sized>(&mut self, ds: &mut D) -> Result<Logs> {
        let len = ds.len();
        if len == 0 {
            return Err(LayerError::DatasetEmpty("evaluate"));
        }
        ds.on_epoch_begin()?;
        let mut state = None;
        let mut shapes = BatchShapes::new();
        let order: Vec<usize> = (0..len).collect();
        for_each_ordered(&*ds, &order, |_, index, batch| {
            let batch = batch?;
            shapes.check(index, len, &batch)?;
            self.ensure_built(&batch.x)?;
            let st = match &mut state {
                Some(s) => s,
                None => state.insert(self.begin_state(batch.y.len(), 0, false)?),
            };
            let b = train_batch(batch, None)?;
            on_pool(|| self.step(st, &b.x, &b.y, b.sample_weight.as_ref()))?;
            Ok(true)
        })?;
        ds.on_epoch_end()?;
        Ok(state.map(|s| s.logs).unwrap_or_default())
    }

    /// Keras `predict(dataset)` for a single-output model: the outputs of every batch, in index
    /// order, concatenated (the targets a batch may carry are ignored).
    pub fn predict_dataset<D: PyDataset + ?Sized>(&mut self, ds: &mut D) -> Result<Tensor> {
        let mut outs = self.predict_dataset_multi(ds)?;
        if outs.len() != 1 {
            return Err(LayerError::Data(format!(
                "the model has {} outputs; use predict_dataset_multi",
                outs.len()
            )));
        }
        Ok(outs.remove(0))
    }

    /// Keras `predict(dataset)` for any model: one tensor per output.
    pub fn predict_dataset_multi<D: PyDataset + ?Sized>(
        &mut self,
        ds: &mut D,
    ) -> Result<Vec<Tensor>> {
        let len = ds.len();
        if len == 0 {
            return Err(LayerError::DatasetEmpty("predict"));
        }
        ds.on_epoch_begin()?;
        let mut parts: Vec<Vec<Tensor>> = vec![Vec::new(); self.graph.outputs.len().max(1)];
        let mut shapes = BatchShapes::new();
        let order: Vec<usize> = (0..len).collect();
        for_each_ordered(&*ds, &order, |_, index, batch| {
            let mut batch = batch?;
            // Only x matters here: a dataset shared with fit may still return targets.
            batch.y.clear();
            batch.sample_weight = None;
            shapes.check(index, len, &batch)?;
            self.ensure_built(&batch.x)?;
            let outs = on_pool(|| self.infer_batch(&batch.x))?;
            parts.resize(outs.len(), Vec::new());
            for (i, o) in outs.into_iter().enumerate() {
                parts[i].push(o);
            }
            Ok(true)
        })?;
        ds.on_epoch_end()?;
        parts
            .into_iter()
            .map(|p| {
                let refs: Vec<&Tensor> = p.iter().collect();
                Ok(Tensor::concat(&refs, 0)?)
            })
            .collect()
    }
}
