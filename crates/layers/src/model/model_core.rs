//! `ModelCore`: what `Sequential` and `Model` share — graph, compile state, RNG, predict/evaluate.
use super::graph::{Graph, GraphNode};
use super::logs::Logs;
use super::step_pool::on_pool;
use crate::core::input::Input;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Data, Inputs};
use crate::layer::{InputKind, Layer, Shape};
use crate::losses::Loss;
use crate::optimizers::{IntoOptimizer, Optimizer};
use kerust_autograd::Tape;
use kerust_metrics::keras::{from_name as metric_from_name, Batch, Metric};
use kerust_tensor::{Device, Rng, Tensor};
use rayon::prelude::*;

/// What `compile` recorded.
#[derive(Clone)]
pub struct Compiled {
    /// The optimizer, with its slot variables.
    pub optimizer: Box<dyn Optimizer>,
    /// One loss per model output.
    pub losses: Vec<Loss>,
    /// Metric identifiers as given (`"accuracy"`, `"mae"`).
    pub metrics: Vec<String>,
    /// Keras `weighted_metrics=`: metrics that weight each sample by its `sample_weight` (or
    /// `class_weight`) weight.
    pub weighted_metrics: Vec<String>,
}

/// One compiled metric of one output, with the key it is logged under.
pub(crate) struct MetricSlot {
    output: usize,
    name: String,
    weighted: bool,
    key: String,
}

/// What `compile` accepts as loss: a name, a `Loss`, or one per output.
pub trait IntoLosses {
    /// The losses, one per output (or one for all).
    fn into_losses(self) -> Result<Vec<Loss>>;
}
impl IntoLosses for &str {
    fn into_losses(self) -> Result<Vec<Loss>> {
        Ok(vec![Loss::from_name(self)?])
    }
}
impl IntoLosses for Loss {
    fn into_losses(self) -> Result<Vec<Loss>> {
        Ok(vec![self])
    }
}
impl IntoLosses for Vec<Loss> {
    fn into_losses(self) -> Result<Vec<Loss>> {
        Ok(self)
    }
}

/// The running loss and metrics of one pass over the data (an epoch of `fit`, or `evaluate`).
pub(crate) struct EpochState {
    pub(crate) training: bool,
    /// Samples in the pass.
    pub(crate) samples: usize,
    metric_names: Vec<MetricSlot>,
    metrics: Vec<Option<Box<dyn Metric>>>,
    loss_sum: f64,
    seen: usize,
    /// Sample-weighted mean loss and metric results so far (Keras batch logs).
    pub(crate) logs: Logs,
}

/// The state and behaviour common to every model.
#[derive(Clone)]
pub struct ModelCore {
    /// The model's name.
    pub name: String,
    /// Layers and the calls between them.
    pub graph: Graph,
    /// What `compile` recorded (`None` before).
    pub compiled: Option<Compiled>,
    /// Drives shuffling and dropout; drawn from the global seed at construction.
    pub rng: Rng,
    /// Set by callbacks (EarlyStopping, TerminateOnNaN) to end `fit` after the current epoch.
    pub stop_training: bool,
    /// Layers of a `Sequential` waiting for an input shape.
    pub(crate) pending: Vec<Box<dyn Layer>>,
    pub(crate) is_sequential: bool,
    /// Where the weights live: set by `to_device`, else `Device::default_device()` (the
    /// `KERUST_DEVICE` variable, else the first GPU when built with CUDA) at the first build.
    pub(crate) device: Option<Device>,
    /// Weights shared with models built from this one's layers (feature extractors).
    pub(crate) shared: super::shared_weights::SharedLink,
    /// The symbolic view of this model's graph that `inputs()` and layer handles hand out.
    pub(crate) mirror: super::feature_extraction::MirrorCache,
}

impl ModelCore {
    pub(crate) fn new(name: String, is_sequential: bool) -> Self {
        Self {
            name,
            graph: Graph::default(),
            compiled: None,
            rng: crate::random::next_rng(),
            stop_training: false,
            pending: Vec::new(),
            is_sequential,
            device: None,
            shared: Default::default(),
            mirror: Default::default(),
        }
    }

    /// Place the model on `device` (PyTorch's `model.to(device)`; TensorFlow picks the device
    /// from `tf.device` scopes): its weights and optimizer state move now, and inputs are copied
    /// there batch by batch. Overrides `KERUST_DEVICE`. An unusable device (no CUDA in this
    /// build, no such GPU) is an error and leaves the model where it was.
    pub fn to_device(&mut self, device: Device) -> Result<()> {
        device.check_usable()?;
        self.device = Some(device);
        self.place_weights()?;
        Ok(())
    }

    /// The device the model computes on (where its weights are, or will be once built).
    pub fn device(&self) -> Result<Device> {
        match self.device {
            Some(d) => Ok(d),
            None => Ok(Device::default_device()?),
        }
    }

    /// Move every weight that is not on the model's device there (weights built or set since
    /// the last call start on the host). Optimizer slots follow their weights on the next step.
    pub(crate) fn place_weights(&mut self) -> Result<Device> {
        let device = self.device()?;
        self.device = Some(device);
        for p in self.graph.params_mut() {
            if p.value.device() != device {
                p.value = p.value.to(device)?;
            }
        }
        Ok(device)
    }

    /// Reseed this model's shuffling/dropout generator.
    pub fn set_seed(&mut self, seed: u64) {
        self.rng = Rng::seed(seed);
    }

    /// Whether the weights exist (the input shape is known).
    pub fn built(&self) -> bool {
        !self.graph.nodes.is_empty() && self.pending.is_empty()
    }

    /// Build a `Sequential` chain on `input` (Keras builds on first data when no input shape was given).
    pub(crate) fn build_chain(&mut self, input: Input, rng: &mut Rng) -> Result<()> {
        let mut shape: Shape = input.batch_shape();
        if self.graph.nodes.is_empty() {
            self.graph.layers.push(Box::new(input));
            self.graph.nodes.push(GraphNode {
                layer: 0,
                inputs: vec![],
                output_shapes: vec![shape.clone()],
            });
            self.graph.inputs = vec![0];
        } else {
            shape = self
                .graph
                .nodes
                .last()
                .map(|n| n.output_shapes[0].clone())
                .unwrap_or(shape);
        }
        for mut layer in std::mem::take(&mut self.pending) {
            if !layer.built() {
                layer.build(std::slice::from_ref(&shape), rng)?;
            }
            let out = layer.compute_output_shape(std::slice::from_ref(&shape))?;
            let prev = self.graph.nodes.len() - 1;
            self.graph.layers.push(layer);
            shape = out[0].clone();
            self.graph.nodes.push(GraphNode {
                layer: self.graph.layers.len() - 1,
                inputs: vec![(prev, 0)],
                output_shapes: out,
            });
        }
        self.graph.outputs = vec![(self.graph.nodes.len() - 1, 0)];
        Ok(())
    }

    /// Build a pending `Sequential` from the first batch of data.
    pub(crate) fn ensure_built(&mut self, x: &[Data]) -> Result<()> {
        if !self.pending.is_empty() || self.graph.nodes.is_empty() {
            let first = x
                .first()
                .ok_or_else(|| LayerError::Data("no input data".into()))?;
            if self.graph.nodes.is_empty() {
                let per_sample: Vec<usize> = first.shape()[1..].to_vec();
                let dtype = match first {
                    Data::Float(_) => "float32",
                    Data::Int(_) => "int64",
                    Data::Text(_) => "string",
                };
                let input = match first {
                    // Sequences of ids: keep the time axis unknown like Keras's (None, None) summaries.
                    Data::Int(_) => Input::with_shape(per_sample.iter().map(|_| None).collect()),
                    _ => Input::new(&per_sample),
                }
                .dtype(dtype);
                let mut rng = Rng::seed(self.rng.next_u64());
                self.build_chain(input, &mut rng)?;
            } else {
                let mut rng = Rng::seed(self.rng.next_u64());
                let input = self
                    .graph
                    .input_layer(0)
                    .cloned()
                    .ok_or_else(|| LayerError::NotBuilt("no input".into()))?;
                self.build_chain(input, &mut rng)?;
            }
        }
        self.graph.check_input_shapes(x)?;
        self.place_weights()?;
        Ok(())
    }

    /// Keras `compile(optimizer, loss, metrics)`.
    pub fn compile(
        &mut self,
        optimizer: impl IntoOptimizer,
        loss: impl IntoLosses,
        metrics: &[&str],
    ) -> Result<()> {
        let mut losses = loss.into_losses()?;
        let outputs = self.graph.outputs.len().max(1);
        if losses.len() == 1 && outputs > 1 {
            losses = vec![losses[0]; outputs];
        }
        self.compiled = Some(Compiled {
            optimizer: optimizer.into_optimizer()?,
            losses,
            metrics: metrics.iter().map(|s| s.to_string()).collect(),
            weighted_metrics: Vec::new(),
        });
        Ok(())
    }

    /// Keras `compile(optimizer, loss, metrics, weighted_metrics=...)`: `weighted_metrics` are
    /// updated with each sample's `sample_weight` (or `class_weight`) weight — Keras's weighted
    /// mean, `Σ w·value / Σ w` — while `metrics` stay unweighted. A name in both lists is logged
    /// twice, the weighted one as `weighted_<name>`, as in Keras.
    pub fn compile_weighted(
        &mut self,
        optimizer: impl IntoOptimizer,
        loss: impl IntoLosses,
        metrics: &[&str],
        weighted_metrics: &[&str],
    ) -> Result<()> {
        self.compile(optimizer, loss, metrics)?;
        if let Some(c) = self.compiled.as_mut() {
            c.weighted_metrics = weighted_metrics.iter().map(|s| s.to_string()).collect();
        }
        Ok(())
    }

    /// The optimizer set by `compile`.
    pub fn optimizer(&self) -> Option<&dyn Optimizer> {
        self.compiled.as_ref().map(|c| c.optimizer.as_ref())
    }
    /// Mutable optimizer (to change the learning rate between fits).
    pub fn optimizer_mut(&mut self) -> Option<&mut Box<dyn Optimizer>> {
        self.compiled.as_mut().map(|c| &mut c.optimizer)
    }

    /// Forward pass in inference mode over mini-batches; one tensor per output.
    pub fn predict_multi(
        &mut self,
        x: impl Into<Inputs>,
        batch_size: usize,
    ) -> Result<Vec<Tensor>> {
        let x = x.into().0;
        self.ensure_built(&x)?;
        self.pull_shared();
        kerust_tensor::malloc_tuning::keep_freed_buffers();
        let n = check_same_length(&x, "x")?;
        let bs = crate::param::checked_positive("predict", "batch_size", batch_size)?;
        crate::param::checked_positive("predict", "the number of samples in x", n)?;
        self.check_stateful_batches(n, bs)?;
        // Batches are independent at inference (no dropout, nothing drawn from the generator), so
        // they run as rayon tasks; results come back in batch order. Each batch gets its own
        // tape and a copy of the generator, which inference leaves untouched.
        let starts: Vec<usize> = (0..n).step_by(bs).collect();
        let (graph, rng, device) = (&self.graph, &self.rng, self.device()?);
        let run_batch = |&start: &usize| -> Result<Vec<Tensor>> {
            let idx: Vec<usize> = (start..(start + bs).min(n)).collect();
            let batch: Vec<Data> = x.iter().map(|d| d.select(&idx)).collect::<Result<_>>()?;
            infer(graph, rng, device, &batch)
        };
        // A stateful layer carries each batch's final states into the next, and a GPU runs one
        // batch after another on its stream: both run in order; CPU batches run as rayon tasks.
        let per_batch = if self.is_stateful() || device != Device::Cpu {
            starts.iter().map(run_batch).collect::<Result<Vec<_>>>()?
        } else {
            starts
                .par_iter()
                .map(run_batch)
                .collect::<Result<Vec<_>>>()?
        };
        let mut parts: Vec<Vec<Tensor>> = vec![Vec::new(); self.graph.outputs.len()];
        for outs in per_batch {
            for (i, o) in outs.into_iter().enumerate() {
                parts[i].push(o);
            }
        }
        parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                if p.is_empty() {
                    let mut shape = vec![0];
                    shape.extend(
                        self.graph.output_shapes()[i][1..]
                            .iter()
                            .map(|d| d.unwrap_or(0)),
                    );
                    return Ok(Tensor::zeros(&shape)?);
                }
                let refs: Vec<&Tensor> = p.iter().collect();
                Ok(Tensor::concat(&refs, 0)?)
            })
            .collect()
    }

    /// Whether any layer is stateful (carries recurrent states from batch to batch).
    pub fn is_stateful(&self) -> bool {
        self.graph
            .layers
            .iter()
            .chain(self.pending.iter())
            .any(|l| l.is_stateful())
    }

    /// Before a multi-batch pass over `n` samples in batches of `batch_size`: a stateful model
    /// refuses a batch of another size than its fixed one up front, so no state moves before the
    /// error (the layer would refuse that batch itself, after the earlier batches had run).
    pub(crate) fn check_stateful_batches(&self, n: usize, batch_size: usize) -> Result<()> {
        let Some(layer) = self.graph.layers.iter().find(|l| l.is_stateful()) else {
            return Ok(());
        };
        let Some(fixed) = self.graph.input_layer(0).and_then(|i| i.batch_size) else {
            return Ok(());
        };
        let bs = batch_size.max(1);
        let bad = (0..n)
            .step_by(bs)
            .map(|s| bs.min(n - s))
            .find(|&b| b != fixed);
        match bad {
            Some(got) => Err(crate::rnn::states::wrong_batch_size(
                layer.name(),
                fixed,
                got,
            )),
            None => Ok(()),
        }
    }

    /// Keras (tf.keras) `model.reset_states()`: zero the carried states of every stateful layer.
    pub fn reset_states(&mut self) -> Result<()> {
        for l in self.graph.layers.iter_mut().chain(self.pending.iter_mut()) {
            if l.is_stateful() {
                l.reset_states()?;
            }
        }
        Ok(())
    }

    /// Keras `predict(x)` for a single-output model (batch size 32).
    pub fn predict(&mut self, x: impl Into<Inputs>) -> Result<Tensor> {
        self.predict_batch_size(x, 32)
    }

    /// `predict(x, batch_size=...)` for a single-output model.
    pub fn predict_batch_size(
        &mut self,
        x: impl Into<Inputs>,
        batch_size: usize,
    ) -> Result<Tensor> {
        let mut outs = self.predict_multi(x, batch_size)?;
        if outs.len() != 1 {
            return Err(LayerError::Data(format!(
                "the model has {} outputs; use predict_multi",
                outs.len()
            )));
        }
        Ok(outs.remove(0))
    }

    /// Keras `evaluate(x, y)`: loss and metrics over the data, in inference mode.
    pub fn evaluate(
        &mut self,
        x: impl Into<Inputs>,
        y: impl Into<Inputs>,
        batch_size: usize,
    ) -> Result<Logs> {
        self.evaluate_with(x, y, super::fit::EvaluateArgs::new().batch_size(batch_size))
    }

    /// Keras `evaluate(x, y, batch_size=, sample_weight=)`: the loss weights each sample's loss
    /// (weighted sum over the batch size); compiled metrics stay unweighted, as in Keras 3.
    pub fn evaluate_with(
        &mut self,
        x: impl Into<Inputs>,
        y: impl Into<Inputs>,
        args: super::fit::EvaluateArgs,
    ) -> Result<Logs> {
        let (x, y) = (x.into().0, y.into().0);
        self.ensure_built(&x)?;
        if let Some(w) = &args.sample_weight {
            super::fit::check_sample_weight(w, x.first().map(Data::len).unwrap_or(0), "evaluate")?;
        }
        self.run_epoch(
            &x,
            &y,
            args.sample_weight.as_ref(),
            args.batch_size,
            None,
            false,
            &mut |_, _| Ok(()),
        )
    }

    /// One pass over the data: training (with an optimizer step per batch) or evaluation.
    /// Returns the sample-weighted mean loss and metric results.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run_epoch(
        &mut self,
        x: &[Data],
        y: &[Data],
        sample_weight: Option<&Tensor>,
        batch_size: usize,
        order: Option<&[usize]>,
        training: bool,
        on_batch: &mut dyn FnMut(usize, &Logs) -> Result<()>,
    ) -> Result<Logs> {
        let mut state = self.begin_epoch(x, y, training)?;
        self.check_stateful_batches(state.samples, batch_size)?;
        let all: Vec<usize> = (0..state.samples).collect();
        let order = order.unwrap_or(&all);
        for (step, chunk) in order.chunks(batch_size.max(1)).enumerate() {
            self.step_on(&mut state, x, y, sample_weight, chunk)?;
            on_batch(step, &state.logs)?;
        }
        Ok(state.logs)
    }

    /// Check `x`/`y` against the model and start the running loss and metrics of one pass.
    pub(crate) fn begin_epoch(&self, x: &[Data], y: &[Data], training: bool) -> Result<EpochState> {
        let n = check_same_length(x, "x")?;
        let ny = check_same_length(y, "y")?;
        if n != ny {
            return Err(LayerError::Data(format!(
                "x has {n} samples but y has {ny}; they must match"
            )));
        }
        self.begin_state(y.len(), n, training)
    }

    /// Start the running loss and metrics of one pass with `n_targets` target arrays (checked
    /// against the model's outputs) over `samples` samples (0 when unknown: a dataset).
    pub(crate) fn begin_state(
        &self,
        n_targets: usize,
        samples: usize,
        training: bool,
    ) -> Result<EpochState> {
        if n_targets != self.graph.outputs.len() {
            return Err(LayerError::Data(format!(
                "the model has {} output(s) but {} target array(s) were given",
                self.graph.outputs.len(),
                n_targets
            )));
        }
        let compiled = self
            .compiled
            .as_ref()
            .ok_or(LayerError::NotCompiled(if training {
                "fit"
            } else {
                "evaluate"
            }))?;
        // Keras `CompileMetrics.result` names: `<output>_<name>` with several outputs; a repeat
        // of an unweighted name gets `_1`, `_2`…; a weighted metric whose name is taken becomes
        // `weighted_<name>`.
        let prefix = |o: usize| {
            (n_targets > 1).then(|| {
                self.graph.layers[self.graph.nodes[self.graph.outputs[o].0].layer]
                    .name()
                    .to_string()
            })
        };
        let with_prefix = |o: usize, n: &str| match prefix(o) {
            Some(p) => format!("{p}_{n}"),
            None => n.to_string(),
        };
        let mut counters: std::collections::HashMap<String, usize> = Default::default();
        let mut metric_names = Vec::new();
        for (list, weighted) in [
            (&compiled.metrics, false),
            (&compiled.weighted_metrics, true),
        ] {
            for o in 0..n_targets {
                for name in list.iter() {
                    let base = with_prefix(o, name);
                    let key = if !counters.contains_key(&base) {
                        counters.insert(base.clone(), 1);
                        base
                    } else {
                        let k = if weighted {
                            with_prefix(o, &format!("weighted_{name}"))
                        } else {
                            base
                        };
                        match counters.get_mut(&k) {
                            None => {
                                counters.insert(k.clone(), 1);
                                k
                            }
                            Some(c) => {
                                *c += 1;
                                format!("{k}_{}", *c - 1)
                            }
                        }
                    };
                    metric_names.push(MetricSlot {
                        output: o,
                        name: name.clone(),
                        weighted,
                        key,
                    });
                }
            }
        }
        let mut metrics = Vec::new();
        metrics.resize_with(metric_names.len(), || None);
        Ok(EpochState {
            training,
            samples,
            metric_names,
            metrics,
            loss_sum: 0.0,
            seen: 0,
            logs: Logs::new(),
        })
    }

    /// Select the samples `chunk` of `x`/`y` (and of the sample weights) and run one step on them.
    pub(crate) fn step_on(
        &mut self,
        state: &mut EpochState,
        x: &[Data],
        y: &[Data],
        sample_weight: Option<&Tensor>,
        chunk: &[usize],
    ) -> Result<()> {
        let bx: Vec<Data> = x.iter().map(|d| d.select(chunk)).collect::<Result<_>>()?;
        let by: Vec<Tensor> = y
            .iter()
            .map(|d| d.select(chunk)?.to_float())
            .collect::<Result<_>>()?;
        let bw = sample_weight.map(|w| w.select_rows(chunk)).transpose()?;
        on_pool(|| self.step(state, &bx, &by, bw.as_ref()))
    }

    /// One batch (Keras `train_step` / `test_step`): forward, loss, and when training backward and
    /// an optimizer update; then the running loss and metrics in `state.logs`. `sw` weights each
    /// sample's loss in every output (Keras repeats one sample_weight over the outputs); the
    /// compiled `metrics` ignore it, as Keras 3's `metrics=` do, and `weighted_metrics` use it.
    pub(crate) fn step(
        &mut self,
        state: &mut EpochState,
        bx: &[Data],
        by: &[Tensor],
        sw: Option<&Tensor>,
    ) -> Result<()> {
        let training = state.training;
        let batch = by.first().map(|t| t.shape()[0]).unwrap_or(0);
        self.pull_shared();
        let compiled = self
            .compiled
            .as_mut()
            .ok_or(LayerError::NotCompiled("fit"))?;
        let tape = Tape::new();
        let device = self.device.unwrap_or_default();
        let mut ctx = Ctx::new(&tape, training, &mut self.rng).on_device(device);
        let outs = self.graph.forward(bx, &mut ctx)?;
        let mut loss: Option<kerust_autograd::Var> = None;
        let mut preds = Vec::with_capacity(outs.len());
        for (i, o) in outs.iter().enumerate() {
            let p = o.var("output")?;
            let l = compiled
                .losses
                .get(i)
                .copied()
                .unwrap_or(compiled.losses[0])
                .compute_weighted(p, &by[i], sw)?;
            loss = Some(match loss {
                Some(t) => t.add(&l)?,
                None => l,
            });
            preds.push(p.value().clone());
        }
        let mut loss = loss.ok_or_else(|| LayerError::Data("the model has no outputs".into()))?;
        for penalty in std::mem::take(&mut ctx.losses) {
            loss = loss.add(&penalty)?;
        }
        if !training {
            // Keras adds the regularization penalties of trainable weights to the loss in
            // `test_step` too, so `evaluate` and `val_loss` include them (the forward pass of
            // inference collects none).
            let mut seen = std::collections::HashSet::new();
            for p in self.graph.params() {
                if let (true, Some(r)) = (p.trainable, &p.regularizer) {
                    if seen.insert(p.id()) {
                        let w = ctx.tape.constant(p.value.clone());
                        loss = loss.add(&r.penalty(&w)?)?;
                    }
                }
            }
        }
        let loss_value = loss.value().item()?;
        if training {
            // Embedding tables get row-sparse gradients (same values; no dense zero fill).
            let mut grads = tape.backward_sparse(&loss)?;
            // Take the gradients out and drop every Var first: a live Var still shares the
            // weight's storage, which would force the optimizer to copy the weight (COW).
            let id_grads: Vec<(u64, kerust_autograd::Grad)> = ctx
                .trained_params()
                .iter()
                .filter_map(|(id, var)| grads.remove_grad(var).map(|g| (*id, g)))
                .collect();
            drop(grads);
            let updates = ctx.take_updates();
            drop(ctx);
            drop(tape);
            // Keras assigns moving statistics inside the train step; kerust after the backward.
            if !updates.is_empty() {
                let mut params = self.graph.params_mut();
                for (id, value) in updates {
                    if let Some(p) = params.iter_mut().find(|p| p.id() == id) {
                        p.value = value;
                    }
                }
            }
            let mut pairs = Vec::new();
            let mut params = self.graph.params_mut();
            for (id, g) in id_grads {
                if let Some(pos) = params.iter().position(|p| p.id() == id) {
                    pairs.push((params.swap_remove(pos), g));
                }
            }
            compiled.optimizer.apply_grads(pairs)?;
            self.publish_shared();
        }
        state.loss_sum += loss_value as f64 * batch as f64;
        state.seen += batch;
        state
            .logs
            .insert("loss", (state.loss_sum / state.seen.max(1) as f64) as f32);
        let weights = sw.map(|w| w.to_vec()).transpose()?;
        for (k, slot) in state.metric_names.iter().enumerate() {
            let (o, name) = (slot.output, &slot.name);
            let (yt, yp) = (&by[o], &preds[o]);
            if state.metrics[k].is_none() {
                state.metrics[k] = Some(
                    metric_from_name(name, yt.shape(), yp.shape())
                        .map_err(|e| LayerError::config("compile metrics", e.to_string()))?,
                );
            }
            let (td, pd) = (yt.to_vec()?, yp.to_vec()?);
            let Some(m) = state.metrics[k].as_mut() else {
                continue;
            };
            let bt = Batch::new(&td, yt.shape()).map_err(|e| LayerError::Data(e.to_string()))?;
            let bp = Batch::new(&pd, yp.shape()).map_err(|e| LayerError::Data(e.to_string()))?;
            match (slot.weighted, &weights, sw) {
                (true, Some(w), Some(t)) => m.update_state_weighted(
                    &bt,
                    &bp,
                    &Batch::new(w, t.shape()).map_err(|e| LayerError::Data(e.to_string()))?,
                ),
                // Without weights a weighted metric is the plain one, as in Keras.
                _ => m.update_state(&bt, &bp),
            }
            .map_err(|e| LayerError::Data(format!("metric '{name}': {e}")))?;
            state.logs.insert(&slot.key, m.result());
        }
        Ok(())
    }

    /// All weights in layer order (Keras `get_weights`), on the device they live on.
    pub fn get_weights(&self) -> Vec<Tensor> {
        self.graph
            .params()
            .iter()
            .map(|p| self.shared.current(p))
            .collect()
    }

    /// Take the current values of the weights this model shares with others (before a forward).
    pub(crate) fn pull_shared(&mut self) {
        if self.shared.is_linked() {
            self.shared.pull(self.graph.params_mut());
        }
    }

    /// Hand this model's values of the shared weights to the models linked to it.
    pub(crate) fn publish_shared(&self) {
        if self.shared.is_linked() {
            self.shared.publish(&self.graph.params());
        }
    }

    /// Replace all weights (Keras `set_weights`); count and shapes must match.
    pub fn set_weights(&mut self, weights: &[Tensor]) -> Result<()> {
        let params = self.graph.params_mut();
        if params.len() != weights.len() {
            return Err(LayerError::config(
                "set_weights",
                format!(
                    "the model has {} weights but {} were given",
                    params.len(),
                    weights.len()
                ),
            ));
        }
        for (p, w) in params.into_iter().zip(weights) {
            if p.value.shape() != w.shape() {
                return Err(LayerError::config(
                    "set_weights",
                    format!(
                        "weight '{}' has shape {:?}, got {:?}",
                        p.name,
                        p.value.shape(),
                        w.shape()
                    ),
                ));
            }
            p.value = w.clone();
        }
        self.publish_shared();
        Ok(())
    }

    /// Total number of scalars in the weights.
    pub fn count_params(&self) -> usize {
        self.graph.params().iter().map(|p| p.numel()).sum::<usize>()
            + self.pending.iter().map(|l| l.count_params()).sum::<usize>()
    }

    /// Scalars in the weights training may change (Keras's `trainable_weights`): a layer with
    /// `trainable(false)` contributes none, and a shared weight counts once.
    pub fn count_trainable_params(&self) -> usize {
        let mut seen = std::collections::HashSet::new();
        self.graph
            .layers
            .iter()
            .filter(|l| l.trainable())
            .flat_map(|l| l.params())
            .filter(|p| p.trainable && seen.insert(p.id()))
            .map(|p| p.numel())
            .sum()
    }

    /// Layers in order (the `Input` layers of a Sequential are not listed, as in Keras).
    pub fn layers(&self) -> Vec<&dyn Layer> {
        self.graph
            .layers
            .iter()
            .chain(self.pending.iter())
            .filter(|l| !(self.is_sequential && l.class_name() == "InputLayer"))
            .map(|l| l.as_ref())
            .collect()
    }

    /// The layer called `name`.
    pub fn get_layer(&self, name: &str) -> Option<&dyn Layer> {
        self.graph
            .layers
            .iter()
            .chain(self.pending.iter())
            .find(|l| l.name() == name)
            .map(|l| l.as_ref())
    }

    /// The layer called `name`, mutably (e.g. to freeze it: `set_trainable(false)`).
    pub fn get_layer_mut(&mut self, name: &str) -> Option<&mut Box<dyn Layer>> {
        self.graph
            .layers
            .iter_mut()
            .chain(self.pending.iter_mut())
            .find(|l| l.name() == name)
    }

    /// Kinds of data the inputs take (for loaders and the `predict` tool).
    pub fn input_kinds(&self) -> Vec<InputKind> {
        (0..self.graph.inputs.len())
            .filter_map(|i| self.graph.input_layer(i).map(|l| l.kind()))
            .collect()
    }
}

/// The outputs of one batch in inference mode, on a fresh tape with a copy of the generator
/// (inference draws nothing from it).
/// The outputs of one batch in inference mode, computed on `device` and returned on the host.
fn infer(graph: &Graph, rng: &Rng, device: Device, batch: &[Data]) -> Result<Vec<Tensor>> {
    let tape = Tape::new();
    let mut rng = rng.clone();
    let mut ctx = Ctx::new(&tape, false, &mut rng).on_device(device);
    graph
        .forward(batch, &mut ctx)?
        .iter()
        .map(|o| Ok(o.var("output")?.value().to(Device::Cpu)?))
        .collect()
}

impl ModelCore {
    /// The outputs of one batch in inference mode.
    pub(crate) fn infer_batch(&self, batch: &[Data]) -> Result<Vec<Tensor>> {
        infer(
            &self.graph,
            &self.rng,
            self.device.unwrap_or_default(),
            batch,
        )
    }
}

/// Number of samples shared by every array, or an error naming the mismatch.
fn check_same_length(d: &[Data], what: &str) -> Result<usize> {
    let n = d.first().map(Data::len).unwrap_or(0);
    if let Some((i, bad)) = d.iter().enumerate().find(|(_, a)| a.len() != n) {
        return Err(LayerError::Data(format!(
            "{what}[{i}] has {} samples but {what}[0] has {n}",
            bad.len()
        )));
    }
    Ok(n)
}
