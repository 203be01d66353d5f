//! Keras's batch-level calls: `train_on_batch` (one gradient update), `test_on_batch` (loss and
//! metrics of one batch) and `predict_on_batch` (outputs of one batch, unbatched).
use super::fit::{check_sample_weight, class_weight_to_sample_weights};
use super::logs::Logs;
use super::model_core::ModelCore;
use crate::error::{LayerError, Result};
use crate::flow::{Data, Inputs};
use kerust_tensor::Tensor;
use std::collections::BTreeMap;

/// Keras `train_on_batch` / `test_on_batch` keyword arguments.
#[derive(Clone, Default)]
pub struct OnBatchArgs {
    /// Keras `sample_weight=`: one loss weight per sample of the batch.
    pub sample_weight: Option<Tensor>,
    /// Keras `class_weight=` (`train_on_batch` only): a loss weight per class index.
    pub class_weight: Option<BTreeMap<usize, f32>>,
}

impl OnBatchArgs {
    /// No weights.
    pub fn new() -> Self {
        Self::default()
    }
    /// Keras `sample_weight=`: one weight per sample (shape `[batch]`) scaling its loss.
    pub fn sample_weight(mut self, w: Tensor) -> Self {
        self.sample_weight = Some(w);
        self
    }
    /// Keras `class_weight=`: `[(class, weight), ...]`; every label in `y` needs an entry.
    pub fn class_weight(mut self, weights: impl IntoIterator<Item = (usize, f32)>) -> Self {
        self.class_weight = Some(weights.into_iter().collect());
        self
    }
}

impl ModelCore {
    /// Keras `train_on_batch(x, y)`: one gradient update on the whole of `x`/`y` as a single batch.
    /// Returns the logs of that batch alone (Keras resets the metrics first): `loss`, then the
    /// compiled metrics in order. `logs.values()` is Keras's returned list (`[loss]` alone is the
    /// scalar Keras returns for a model compiled without metrics); the `Logs` is `return_dict=True`.
    pub fn train_on_batch(&mut self, x: impl Into<Inputs>, y: impl Into<Inputs>) -> Result<Logs> {
        self.train_on_batch_with(x, y, OnBatchArgs::new())
    }

    /// `train_on_batch(x, y, sample_weight=, class_weight=)`.
    pub fn train_on_batch_with(
        &mut self,
        x: impl Into<Inputs>,
        y: impl Into<Inputs>,
        args: OnBatchArgs,
    ) -> Result<Logs> {
        self.on_batch("train_on_batch", x.into().0, y.into().0, args, true)
    }

    /// Keras `test_on_batch(x, y)`: loss and metrics of `x`/`y` as one batch, in inference mode,
    /// with the metrics reset first; same return shape as [`ModelCore::train_on_batch`].
    pub fn test_on_batch(&mut self, x: impl Into<Inputs>, y: impl Into<Inputs>) -> Result<Logs> {
        self.test_on_batch_with(x, y, OnBatchArgs::new())
    }

    /// `test_on_batch(x, y, sample_weight=)`; a `class_weight` is an error (Keras has none here).
    pub fn test_on_batch_with(
        &mut self,
        x: impl Into<Inputs>,
        y: impl Into<Inputs>,
        args: OnBatchArgs,
    ) -> Result<Logs> {
        if args.class_weight.is_some() {
            return Err(LayerError::config(
                "test_on_batch",
                "class_weight applies to training only; pass sample_weight instead",
            ));
        }
        self.on_batch("test_on_batch", x.into().0, y.into().0, args, false)
    }

    /// Keras `predict_on_batch(x)` for a single-output model: the outputs for `x` as one batch.
    pub fn predict_on_batch(&mut self, x: impl Into<Inputs>) -> Result<Tensor> {
        let x = x.into().0;
        let n = x.first().map(Data::len).unwrap_or(0);
        self.predict_batch_size(Inputs(x), n.max(1))
    }

    /// `predict_on_batch(x)` for any model: one tensor per output.
    pub fn predict_on_batch_multi(&mut self, x: impl Into<Inputs>) -> Result<Vec<Tensor>> {
        let x = x.into().0;
        let n = x.first().map(Data::len).unwrap_or(0);
        self.predict_multi(Inputs(x), n.max(1))
    }

    fn on_batch(
        &mut self,
        what: &'static str,
        x: Vec<Data>,
        y: Vec<Data>,
        args: OnBatchArgs,
        training: bool,
    ) -> Result<Logs> {
        if self.compiled.is_none() {
            return Err(LayerError::NotCompiled(what));
        }
        self.ensure_built(&x)?;
        let n = x.first().map(Data::len).unwrap_or(0);
        if n == 0 {
            return Err(LayerError::Data(format!(
                "{what} needs at least one sample; x is empty"
            )));
        }
        let mut sample_weight = args.sample_weight;
        if let Some(cw) = &args.class_weight {
            if sample_weight.is_some() {
                return Err(LayerError::config(
                    what,
                    "sample_weight and class_weight cannot be given at the same time",
                ));
            }
            if y.len() != 1 {
                return Err(LayerError::config(
                    what,
                    "class_weight is only supported for models with a single output",
                ));
            }
            sample_weight = Some(class_weight_to_sample_weights(&y[0], cw)?);
        }
        if let Some(w) = &sample_weight {
            check_sample_weight(w, n, what)?;
        }
        // A fresh state per call: Keras resets the metrics before each batch-level call.
        let mut state = self.begin_epoch(&x, &y, training)?;
        let all: Vec<usize> = (0..n).collect();
        self.step_on(&mut state, &x, &y, sample_weight.as_ref(), &all)?;
        Ok(state.logs)
    }
}
