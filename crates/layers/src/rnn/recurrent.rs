//! `Recurrent<C>`: the one layer type behind `SimpleRNN`, `LSTM` and `GRU` — Keras config,
//! weights, build and call. The call checks its inputs, draws the dropout masks and runs
//! `kerust_tensor::recurrent::rnn` as one tape node; the math lives in `kerust-tensor`.
use super::config::{recurrent_activation, RecurrentConfig};
use super::states::{needs_batch_size, wrong_batch_size, RnnStates};
use crate::activations::Activation;
use crate::config::{insert_input_shape, Cfg};
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use crate::regularizers::Regularizer;
use kerust_autograd::Var;
use kerust_tensor::recurrent::{rnn, Cell, SequenceBackward, SequenceInputs};
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Map, Value as Json};
use std::fmt::Debug;
use std::marker::PhantomData;

/// What tells `SimpleRNN`, `LSTM` and `GRU` apart: the cell the op runs, the bias Keras
/// creates, and the config keys of the class.
pub trait CellKind: Debug + Clone + Send + Sync + 'static {
    /// The Keras class name.
    const CLASS: &'static str;
    /// The op's cell for these options (a typed error for an unsupported activation).
    fn cell(layer: &str, c: &RecurrentConfig) -> Result<Cell>;
    /// The initial bias value (Keras's `unit_forget_bias` for LSTM).
    fn initial_bias(c: &RecurrentConfig, shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
        c.bias_initializer.init(shape, rng)
    }
    /// The config keys of this class beyond the shared ones.
    fn write_own_config(c: &RecurrentConfig, m: &mut Map<String, Json>);
}

/// A Keras recurrent layer running cell `C` over a sequence: `SimpleRNN`, `LSTM` or `GRU`.
/// Weights `kernel [features, gates·units]`, `recurrent_kernel [units, gates·units]` and `bias`.
#[derive(Debug, Clone)]
pub struct Recurrent<C: CellKind> {
    /// Name, trainability and built flag.
    pub base: LayerBase,
    /// The Keras arguments, with their defaults documented on [`RecurrentConfig`].
    pub config: RecurrentConfig,
    /// Input shape without batch when first in a `Sequential` (`input_shape=(None, 1)`).
    pub input_shape: Option<Shape>,
    kernel: Option<Param>,
    recurrent_kernel: Option<Param>,
    bias: Option<Param>,
    /// The carried states when `stateful` (empty otherwise); not among the weights, as in Keras.
    states: RnnStates,
    kind: PhantomData<C>,
}

/// One prepared call: the tape variables the node reads (in the order of the op's gradients)
/// and a `Send` job that runs the op. `Bidirectional` prepares both directions on the tape, in
/// order, then runs the two jobs at once.
pub struct SequenceJob {
    cell: Cell,
    options: kerust_tensor::recurrent::SequenceOptions,
    x: Tensor,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Option<Tensor>,
    initial_states: Vec<Tensor>,
    mask: Option<Tensor>,
    dropout_mask: Option<Tensor>,
    recurrent_dropout_mask: Option<Tensor>,
}

impl SequenceJob {
    /// Run the op: `[output, states...]` and the backward half.
    pub fn run(&self) -> kerust_tensor::Result<(Vec<Tensor>, SequenceBackward)> {
        let inputs = SequenceInputs {
            x: &self.x,
            kernel: &self.kernel,
            recurrent_kernel: &self.recurrent_kernel,
            bias: self.bias.as_ref(),
            initial_states: &self.initial_states,
            mask: self.mask.as_ref(),
            dropout_mask: self.dropout_mask.as_ref(),
            recurrent_dropout_mask: self.recurrent_dropout_mask.as_ref(),
        };
        rnn(self.cell, &inputs, self.options)
    }
}

/// A layer that runs one recurrent op per call (what `Bidirectional` wraps).
pub trait SequenceLayer {
    /// The tape- and RNG-touching half of `call`: the node's input variables and the job.
    fn prepare(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<(Vec<Var>, SequenceJob)>;
    /// The flows `call` returns for the recorded outputs of the node.
    fn flows(&self, inputs: &[Flow], outs: &[Var]) -> Vec<Flow>;
    /// After the op ran: a stateful layer keeps the final states (`outs[1..]`) as the initial
    /// states of its next call (Keras assigns them to its state variables); others do nothing.
    fn remember_states(&self, outs: &[Var]);
}

impl<C: CellKind> Recurrent<C> {
    /// A layer of `units` with Keras's defaults.
    pub fn with_units(units: usize) -> Self {
        Self {
            base: LayerBase::new(C::CLASS),
            config: RecurrentConfig::new(units),
            input_shape: None,
            kernel: None,
            recurrent_kernel: None,
            bias: None,
            states: RnnStates::default(),
            kind: PhantomData,
        }
    }
    /// Build from a Keras config dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new(C::CLASS, cfg);
        let mut l = Self::with_units(c.usize("units")?);
        l.config = RecurrentConfig::read(&c)?;
        l.base = LayerBase::from_config(cfg);
        l.input_shape = c.declared_input_shape();
        Ok(l)
    }

    /// Keras `activation`.
    pub fn activation(mut self, a: impl Into<Activation>) -> Self {
        self.config.activation = a.into();
        self
    }
    /// Keras `use_bias`.
    pub fn use_bias(mut self, b: bool) -> Self {
        self.config.use_bias = b;
        self
    }
    /// Keras `return_sequences`.
    pub fn return_sequences(mut self, r: bool) -> Self {
        self.config.return_sequences = r;
        self
    }
    /// Keras `return_state`.
    pub fn return_state(mut self, r: bool) -> Self {
        self.config.return_state = r;
        self
    }
    /// Keras `go_backwards`.
    pub fn go_backwards(mut self, g: bool) -> Self {
        self.config.go_backwards = g;
        self
    }
    /// Keras `stateful`: carry each batch's final states into the next batch (sample `i` of a
    /// batch continues sample `i` of the previous one). The model needs a fixed batch size
    /// (`Input::new(..).batch_size(n)`); [`Layer::reset_states`] zeroes the states.
    pub fn stateful(mut self, s: bool) -> Self {
        self.config.stateful = s;
        self
    }
    /// The carried states (`[batch, units]` each: `h`, and `c` for LSTM) of a built stateful
    /// layer; `None` otherwise.
    pub fn states(&self) -> Option<Vec<Tensor>> {
        self.states.get()
    }
    /// Keras 3 `reset_state()`: the same as [`Layer::reset_states`].
    pub fn reset_state(&mut self) -> Result<()> {
        Layer::reset_states(self)
    }
    /// Keras `zero_output_for_mask`.
    pub fn zero_output_for_mask(mut self, z: bool) -> Self {
        self.config.zero_output_for_mask = z;
        self
    }
    /// Keras `dropout`.
    pub fn dropout(mut self, rate: f32) -> Self {
        self.config.dropout = rate;
        self
    }
    /// Keras `recurrent_dropout`.
    pub fn recurrent_dropout(mut self, rate: f32) -> Self {
        self.config.recurrent_dropout = rate;
        self
    }
    /// Keras `seed` (of the dropout masks).
    pub fn seed(mut self, seed: u64) -> Self {
        self.config.seed = Some(seed);
        self
    }
    /// Keras `kernel_initializer`.
    pub fn kernel_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.config.kernel_initializer = i.into();
        self
    }
    /// Keras `recurrent_initializer`.
    pub fn recurrent_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.config.recurrent_initializer = i.into();
        self
    }
    /// Keras `bias_initializer`.
    pub fn bias_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.config.bias_initializer = i.into();
        self
    }
    /// Keras `kernel_regularizer`.
    pub fn kernel_regularizer(mut self, r: Regularizer) -> Self {
        self.config.kernel_regularizer = Some(r);
        self
    }
    /// Keras `recurrent_regularizer`.
    pub fn recurrent_regularizer(mut self, r: Regularizer) -> Self {
        self.config.recurrent_regularizer = Some(r);
        self
    }
    /// Keras `bias_regularizer`.
    pub fn bias_regularizer(mut self, r: Regularizer) -> Self {
        self.config.bias_regularizer = Some(r);
        self
    }
    /// The layer's name (Keras `name=`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Per-sample input shape (`input_shape=(None, 1)` in Keras).
    pub fn input_shape(mut self, shape: &[Option<usize>]) -> Self {
        self.input_shape = Some(shape.to_vec());
        self
    }

    fn cell(&self) -> Result<Cell> {
        C::cell(self.base.name(), &self.config)
    }
}

/// Check a recurrent input is `[batch, time, features]` with `features` known; returns features.
pub fn input_features(layer: &str, shape: &Shape) -> Result<usize> {
    match shape.as_slice() {
        [_, _, Some(f)] => Ok(*f),
        _ => Err(LayerError::input(
            layer,
            "input of rank 3 [batch, time, features]; add an Embedding or Reshape before a recurrent layer",
            shape,
        )),
    }
}

/// The `[b, t, d]` input of a recurrent call, checked against the kernel's `d`.
fn sequence_input<'a>(
    layer: &str,
    inputs: &'a [Flow],
    d: usize,
) -> Result<(&'a Var, usize, usize)> {
    let x = inputs
        .first()
        .ok_or_else(|| LayerError::input(layer, "a sequence input", "no inputs"))?
        .var(layer)?;
    match *x.shape() {
        [b, t, dd] if dd == d && t > 0 => Ok((x, b, t)),
        _ => Err(LayerError::input(
            layer,
            format!("input of shape [batch, time >= 1, {d}]"),
            x.shape(),
        )),
    }
}

/// Initial states passed as extra inputs (`layer.call([x, h0, c0])`): either none or exactly
/// `n`, each `[b, units]`.
fn initial_states<'a>(
    layer: &str,
    inputs: &'a [Flow],
    n: usize,
    b: usize,
    units: usize,
) -> Result<Vec<&'a Var>> {
    let extra = &inputs[1.min(inputs.len())..];
    if extra.is_empty() {
        return Ok(Vec::new());
    }
    if extra.len() != n {
        return Err(LayerError::input(
            layer,
            format!("{n} initial state tensor(s) after the sequence"),
            format!("{} extra inputs", extra.len()),
        ));
    }
    extra
        .iter()
        .map(|f| {
            let v = f.var(layer)?;
            if v.shape() != [b, units] {
                return Err(LayerError::input(
                    layer,
                    format!("initial state of shape [{b}, {units}]"),
                    v.shape(),
                ));
            }
            Ok(v)
        })
        .collect()
}

/// A scaled keep mask of `n` values (`1 / (1 − rate)` kept, 0 dropped), one uniform draw each.
fn keep_mask(rate: f32, n: usize, rng: &mut Rng) -> Option<Vec<f32>> {
    (rate > 0.0).then(|| {
        let keep = 1.0 / (1.0 - rate);
        (0..n)
            .map(|_| {
                if rng.uniform(0.0, 1.0) < rate {
                    0.0
                } else {
                    keep
                }
            })
            .collect()
    })
}

/// The flows a recurrent layer returns: the output (keeping the input mask when it returns
/// sequences, like Keras `compute_mask`), then the states when `return_state`.
pub fn result_flows(c: &RecurrentConfig, input_mask: Option<&Tensor>, outs: &[Var]) -> Vec<Flow> {
    let mut result = vec![Flow {
        value: Value::Float(outs[0].clone()),
        mask: if c.return_sequences {
            input_mask.cloned()
        } else {
            None
        },
    }];
    if c.return_state {
        result.extend(outs[1..].iter().cloned().map(Flow::float));
    }
    result
}

impl<C: CellKind> SequenceLayer for Recurrent<C> {
    fn prepare(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<(Vec<Var>, SequenceJob)> {
        let layer = self.base.name();
        let not_built = || LayerError::NotBuilt(format!("layer '{layer}'"));
        let cell = self.cell()?;
        let u = self.config.units;
        let kp = self.kernel.as_ref().ok_or_else(not_built)?;
        let up = self.recurrent_kernel.as_ref().ok_or_else(not_built)?;
        let d = kp.value.shape()[0];
        let (x, b, t) = sequence_input(layer, inputs, d)?;
        let given = initial_states(layer, inputs, cell.n_states(), b, u)?;
        if self.config.stateful {
            let expected = self.states.batch_size().ok_or_else(not_built)?;
            if expected != b {
                return Err(wrong_batch_size(layer, expected, b));
            }
        }
        // Weight variables in Keras order, then the dropout masks: the tape and the RNG see the
        // same sequence for every layer.
        let w = ctx.param(kp)?;
        let rk = ctx.param(up)?;
        let bias = self.bias.as_ref().map(|p| ctx.param(p)).transpose()?;
        // A stateful layer starts from its carried states unless states are passed explicitly
        // (Keras: `initial_state=None` → `self.states`); they are constants of this pass.
        let carried: Vec<Var> = match self.states.get() {
            Some(states) if self.config.stateful && given.is_empty() => {
                let device = x.value().device();
                states
                    .into_iter()
                    .map(|t| {
                        let t = if t.device() == device {
                            t
                        } else {
                            t.to(device)?
                        };
                        Ok(ctx.tape.constant(t))
                    })
                    .collect::<Result<_>>()?
            }
            _ => Vec::new(),
        };
        let init: Vec<&Var> = if given.is_empty() {
            carried.iter().collect()
        } else {
            given
        };
        let mask = match &inputs[0].mask {
            Some(m) if m.numel() != b * t => {
                return Err(LayerError::Data(format!(
                    "mask of shape {:?} does not match a [{b}, {t}] sequence",
                    m.shape()
                )))
            }
            m => m.clone(),
        };
        let (dmask, rmask) = if ctx.training {
            let dm = keep_mask(self.config.dropout, b * d, ctx.rng);
            let rm = keep_mask(self.config.recurrent_dropout, b * u, ctx.rng);
            (dm, rm)
        } else {
            (None, None)
        };
        let as_tensor =
            |m: Option<Vec<f32>>, w: usize| m.map(|v| Tensor::from_vec(v, &[b, w])).transpose();
        let job = SequenceJob {
            cell,
            options: self.config.sequence_options(),
            x: x.value().clone(),
            kernel: w.value().clone(),
            recurrent_kernel: rk.value().clone(),
            bias: bias.as_ref().map(|v| v.value().clone()),
            initial_states: init.iter().map(|v| v.value().clone()).collect(),
            mask,
            dropout_mask: as_tensor(dmask, d)?,
            recurrent_dropout_mask: as_tensor(rmask, u)?,
        };
        let mut vars = vec![x.clone(), w, rk];
        vars.extend(bias);
        vars.extend(init.into_iter().cloned());
        Ok((vars, job))
    }

    fn flows(&self, inputs: &[Flow], outs: &[Var]) -> Vec<Flow> {
        result_flows(&self.config, inputs[0].mask.as_ref(), outs)
    }

    fn remember_states(&self, outs: &[Var]) {
        if self.config.stateful {
            self.states
                .set(outs[1..].iter().map(|v| v.value().clone()).collect());
        }
    }
}

impl<C: CellKind> Layer for Recurrent<C> {
    crate::layer_boilerplate!(C::CLASS);

    fn as_sequence_layer(&self) -> Option<&dyn SequenceLayer> {
        Some(self)
    }

    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape.clone()
    }

    /// Checks the input is `[batch, time, features]`, `units` at least 1, the activations and
    /// dropout rates, then creates `kernel`, `recurrent_kernel` and `bias` (in that order of RNG
    /// draws) with the configured initializers and regularizers.
    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        let name = self.base.name().to_string();
        let cell = self.cell()?;
        let d = input_features(&name, &input_shapes[0])?;
        let c = &self.config;
        if c.units == 0 {
            return Err(LayerError::config(
                format!("{} '{name}'", C::CLASS),
                "units must be at least 1",
            ));
        }
        c.check_dropout(&name)?;
        let u = c.units;
        // Sizes come from user or file configs: refuse absurd ones before any allocation.
        let g = cell.gates().checked_mul(u).ok_or_else(|| {
            LayerError::config(
                format!("{} '{name}'", C::CLASS),
                format!("units={u} overflows the kernel size; use a smaller units"),
            )
        })?;
        crate::param::checked_weight_numel(&name, "kernel", &[d, g])?;
        crate::param::checked_weight_numel(&name, "recurrent_kernel", &[u, g])?;
        self.kernel = Some(
            Param::new("kernel", c.kernel_initializer.init(&[d, g], rng)?)
                .with_regularizer(c.kernel_regularizer),
        );
        self.recurrent_kernel = Some(
            Param::new(
                "recurrent_kernel",
                c.recurrent_initializer.init(&[u, g], rng)?,
            )
            .with_regularizer(c.recurrent_regularizer),
        );
        if c.use_bias {
            let value = C::initial_bias(c, &cell.bias_shape(u), rng)?;
            self.bias = Some(Param::new("bias", value).with_regularizer(c.bias_regularizer));
        }
        if c.stateful {
            // Keras `_create_state_variables(batch_size)`: zeros for the static batch size.
            let batch =
                input_shapes[0][0].ok_or_else(|| needs_batch_size(&name, &input_shapes[0]))?;
            self.states
                .set(RnnStates::zeros(&name, batch, u, cell.n_states())?);
        }
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let input = &input_shapes[0];
        input_features(self.base.name(), input)?;
        let units = Some(self.config.units);
        let out = if self.config.return_sequences {
            vec![input[0], input[1], units]
        } else {
            vec![input[0], units]
        };
        let mut v = vec![out];
        if self.config.return_state {
            let n = self.cell()?.n_states();
            v.extend((0..n).map(|_| vec![input[0], units]));
        }
        Ok(v)
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let (vars, job) = self.prepare(inputs, ctx)?;
        let (outs, back) = job.run()?;
        let refs: Vec<&Var> = vars.iter().collect();
        let outs = ctx.tape.record(
            &refs,
            outs,
            Box::new(move |g: &[Option<Tensor>]| back.backward(g)),
        )?;
        self.remember_states(&outs);
        Ok(self.flows(inputs, &outs))
    }

    fn is_stateful(&self) -> bool {
        self.config.stateful
    }

    /// Zero the carried states (Keras `reset_states`); a no-op for a layer that is not stateful
    /// or not built yet, as in Keras.
    fn reset_states(&mut self) -> Result<()> {
        if let Some(states) = self.states.get() {
            let zeros = states
                .iter()
                .map(|t| Ok(Tensor::zeros(t.shape())?))
                .collect::<Result<_>>()?;
            self.states.set(zeros);
        }
        Ok(())
    }

    fn params(&self) -> Vec<&Param> {
        self.kernel
            .iter()
            .chain(self.recurrent_kernel.iter())
            .chain(self.bias.iter())
            .collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.kernel
            .iter_mut()
            .chain(self.recurrent_kernel.iter_mut())
            .chain(self.bias.iter_mut())
            .collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        self.config.write(&mut m);
        C::write_own_config(&self.config, &mut m);
        insert_input_shape(&mut m, &self.input_shape);
        Json::Object(m)
    }
}

/// `recurrent_activation` as the op takes it.
pub(super) fn gate_activation(
    layer: &str,
    c: &RecurrentConfig,
) -> Result<kerust_tensor::recurrent::RecurrentActivation> {
    recurrent_activation(layer, c.recurrent_activation)
}

/// `activation` as the op takes it.
pub(super) fn main_activation(
    layer: &str,
    c: &RecurrentConfig,
) -> Result<kerust_tensor::recurrent::RecurrentActivation> {
    recurrent_activation(layer, c.activation)
}

/// `recurrent_activation` and its own key, written by LSTM and GRU.
pub(super) fn write_gate_activation(c: &RecurrentConfig, m: &mut Map<String, Json>) {
    m.insert(
        "recurrent_activation".into(),
        json!(c.recurrent_activation.name()),
    );
}
