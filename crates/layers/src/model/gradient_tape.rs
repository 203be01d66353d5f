//! `GradientTape`: the custom training loop of Keras (`with tf.GradientTape() as tape`): record a
//! forward pass of a model, take the gradients of a loss with respect to
//! `model.trainable_weights()`, hand them to `optimizer.apply(...)`. It wraps the autograd `Tape`
//! `fit` uses, so one step of such a loop is the step `fit` takes.
use super::model_core::ModelCore;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Inputs;
use crate::param::Param;
use kerust_autograd::{Tape, Var};
use kerust_tensor::Tensor;
use std::collections::HashMap;

/// A recording of forward passes for taking gradients (Keras `tf.GradientTape`).
///
/// ```
/// use kerust_layers::{Dense, GradientTape, Input, Loss, Optimizer, Sequential, SGD};
/// use kerust_tensor::Tensor;
///
/// let mut model = Sequential::new();
/// model.add(Input::new(&[2])).unwrap();
/// model.add(Dense::new(1)).unwrap();
/// let mut optimizer = SGD::new().learning_rate(0.1);
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
/// let y = Tensor::from_vec(vec![1.0, 0.0], &[2, 1]).unwrap();
///
/// let mut tape = GradientTape::new();
/// let y_pred = model.call(&mut tape, &x, true).unwrap();          // model(x, training=True)
/// let loss = Loss::MeanSquaredError.call(&y, &y_pred).unwrap();   // loss_fn(y, y_pred)
/// let grads = tape.gradient(&loss, &model.trainable_weights()).unwrap();
/// optimizer.apply(grads, model.trainable_weights_mut()).unwrap();
/// assert_eq!(optimizer.iterations(), 1);
/// ```
#[derive(Default)]
pub struct GradientTape {
    tape: Tape,
    /// The variable each weight (by param id) entered the recording as.
    watched: HashMap<u64, Var>,
    /// Regularization penalties of the weights used in the recorded passes.
    losses: Vec<Var>,
}

impl GradientTape {
    /// An empty recording.
    pub fn new() -> Self {
        Self::default()
    }

    /// The underlying autograd tape: ops on the returned `Var`s (`add`, `mean`, …) record on it.
    pub fn tape(&self) -> &Tape {
        &self.tape
    }

    /// Keras `model.losses` after the recorded calls: the regularization penalties (`l1`, `l2`) of
    /// the weights used in training mode. A custom loop adds them to its loss, as `fit` does.
    pub fn losses(&self) -> &[Var] {
        &self.losses
    }

    /// Keras `tape.gradient(target, sources)`: the gradient of the scalar `target` with respect to
    /// each weight in `sources`, in order; `None` for a weight `target` does not depend on (or one
    /// not used in a recorded call), as Keras returns `None`.
    pub fn gradient(&self, target: &Var, sources: &[&Param]) -> Result<Vec<Option<Tensor>>> {
        if target.value().numel() != 1 {
            return Err(LayerError::Data(format!(
                "GradientTape.gradient needs a scalar target (a loss), got shape {:?}; reduce it first (e.g. with .mean_all())",
                target.shape()
            )));
        }
        let grads = self.tape.backward(target)?;
        Ok(sources
            .iter()
            .map(|p| {
                self.watched
                    .get(&p.id())
                    .and_then(|v| grads.get(v))
                    .cloned()
            })
            .collect())
    }
}

impl ModelCore {
    /// Keras `model(x, training=...)` recorded on `tape`, for a single-output model: the output
    /// as a `Var` to compute a loss from. `training` turns dropout on, as in Keras; gradients
    /// reach the trainable weights either way.
    pub fn call(
        &mut self,
        tape: &mut GradientTape,
        x: impl Into<Inputs>,
        training: bool,
    ) -> Result<Var> {
        let mut outs = self.call_multi(tape, x, training)?;
        if outs.len() != 1 {
            return Err(LayerError::Data(format!(
                "the model has {} outputs; use call_multi",
                outs.len()
            )));
        }
        Ok(outs.remove(0))
    }

    /// `model(x, training=...)` recorded on `tape`: one `Var` per output.
    pub fn call_multi(
        &mut self,
        tape: &mut GradientTape,
        x: impl Into<Inputs>,
        training: bool,
    ) -> Result<Vec<Var>> {
        let x = x.into().0;
        self.ensure_built(&x)?;
        let t = tape.tape.clone();
        let mut ctx = Ctx::new(&t, training, &mut self.rng);
        // A weight used in an earlier recorded call keeps its variable, so gradients of both
        // uses add up (Keras watches the variable, not the call).
        for (id, v) in &tape.watched {
            ctx.bind(*id, v.clone());
        }
        if !training {
            // Inference enters weights as constants; under a tape they still need gradients.
            for p in trainable(&self.graph.layers) {
                if !tape.watched.contains_key(&p.id()) {
                    let v = t.param(p.value.clone());
                    ctx.bind(p.id(), v);
                }
            }
        }
        let outs = self.graph.forward(&x, &mut ctx)?;
        let outs = outs
            .iter()
            .map(|o| Ok(o.var("output")?.clone()))
            .collect::<Result<Vec<_>>>()?;
        for (id, v) in ctx.trained_params() {
            tape.watched.entry(*id).or_insert_with(|| v.clone());
        }
        tape.losses.append(&mut ctx.losses);
        Ok(outs)
    }

    /// Keras `model.trainable_weights`: the weights training changes, each once, in layer order
    /// (a layer with `trainable(false)` contributes none).
    pub fn trainable_weights(&self) -> Vec<&Param> {
        trainable(&self.graph.layers)
    }

    /// [`ModelCore::trainable_weights`], mutably (what `optimizer.apply` updates).
    pub fn trainable_weights_mut(&mut self) -> Vec<&mut Param> {
        let mut seen = std::collections::HashSet::new();
        self.graph
            .layers
            .iter_mut()
            .filter(|l| l.trainable())
            .flat_map(|l| l.params_mut())
            .filter(|p| p.trainable && seen.insert(p.id()))
            .collect()
    }
}

fn trainable(layers: &[Box<dyn crate::layer::Layer>]) -> Vec<&Param> {
    let mut seen = std::collections::HashSet::new();
    layers
        .iter()
        .filter(|l| l.trainable())
        .flat_map(|l| l.params())
        .filter(|p| p.trainable && seen.insert(p.id()))
        .collect()
}
