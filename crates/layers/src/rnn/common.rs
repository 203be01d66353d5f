//! What the recurrent layers share: sequence options, mask handling, dropout masks, initial
//! states, scalar gate activations and input checks.
use crate::activations::Activation;
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::layer::Shape;
use crate::param::Param;
use kerust_autograd::Var;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Map, Value as Json};

/// Keras `RNN` base options.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SequenceOptions {
    /// Return the output of every step (`[batch, time, units]`) instead of the last.
    pub return_sequences: bool,
    /// Also return the final state(s).
    pub return_state: bool,
    /// Process the sequence in reverse (outputs stay in reversed order, like Keras).
    pub go_backwards: bool,
    /// Output zeros (instead of the previous output) at masked steps; `Bidirectional` sets it.
    pub zero_output_for_mask: bool,
}

impl SequenceOptions {
    pub fn read(c: &Cfg) -> Self {
        Self {
            return_sequences: c.bool_or("return_sequences", false),
            return_state: c.bool_or("return_state", false),
            go_backwards: c.bool_or("go_backwards", false),
            zero_output_for_mask: c.bool_or("zero_output_for_mask", false),
        }
    }
    pub fn write(&self, m: &mut Map<String, Json>) {
        m.insert("return_sequences".into(), json!(self.return_sequences));
        m.insert("return_state".into(), json!(self.return_state));
        m.insert("go_backwards".into(), json!(self.go_backwards));
        m.insert("stateful".into(), json!(false));
        m.insert("unroll".into(), json!(false));
        m.insert(
            "zero_output_for_mask".into(),
            json!(self.zero_output_for_mask),
        );
    }
    /// Output shapes: the output, then `n_states` states of `[batch, units]`.
    pub fn output_shapes(&self, input: &Shape, units: usize, n_states: usize) -> Vec<Shape> {
        let out = if self.return_sequences {
            vec![input[0], input[1], Some(units)]
        } else {
            vec![input[0], Some(units)]
        };
        let mut v = vec![out];
        if self.return_state {
            v.extend((0..n_states).map(|_| vec![input[0], Some(units)]));
        }
        v
    }
    /// Reading order of the time steps (reversed for `go_backwards`).
    pub fn steps(&self, t: usize) -> Vec<usize> {
        if self.go_backwards {
            (0..t).rev().collect()
        } else {
            (0..t).collect()
        }
    }
}

/// Keras `dropout` / `recurrent_dropout` / `seed` of the recurrent layers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DropoutOptions {
    /// Fraction of the input features dropped (one mask per sequence, reused at every step).
    pub dropout: f32,
    /// Fraction of the recurrent state dropped before `h·U` (one mask per sequence).
    pub recurrent_dropout: f32,
    pub seed: Option<u64>,
}

impl DropoutOptions {
    pub fn read(c: &Cfg) -> Result<Self> {
        let d = Self {
            dropout: c.f32_or("dropout", 0.0),
            recurrent_dropout: c.f32_or("recurrent_dropout", 0.0),
            seed: c.opt_usize("seed")?.map(|s| s as u64),
        };
        d.check(c.class)?;
        Ok(d)
    }
    pub fn write(&self, m: &mut Map<String, Json>) {
        m.insert("dropout".into(), json!(self.dropout));
        m.insert("recurrent_dropout".into(), json!(self.recurrent_dropout));
        m.insert("seed".into(), json!(self.seed));
    }
    /// Rates must lie in `[0, 1)`.
    pub fn check(&self, layer: &str) -> Result<()> {
        for (k, v) in [
            ("dropout", self.dropout),
            ("recurrent_dropout", self.recurrent_dropout),
        ] {
            if !(0.0..1.0).contains(&v) {
                return Err(LayerError::config(
                    format!("{layer} {k}"),
                    format!("must be in [0, 1), got {v}"),
                ));
            }
        }
        Ok(())
    }
    /// The scaled keep masks `[b, d]` and `[b, u]` for one call (only while training).
    pub fn masks(
        &self,
        training: bool,
        b: usize,
        d: usize,
        u: usize,
        rng: &mut Rng,
    ) -> (Option<Vec<f32>>, Option<Vec<f32>>) {
        if !training {
            return (None, None);
        }
        let make = |rate: f32, n: usize, rng: &mut Rng| {
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
        };
        let dm = make(self.dropout, b * d, rng);
        let rm = make(self.recurrent_dropout, b * u, rng);
        (dm, rm)
    }
}

/// Multiply every `[d]` row of a `[b, t, d]` buffer by the sample's `[b, d]` dropout mask.
pub fn apply_sequence_mask(x: &mut [f32], mask: &[f32], b: usize, t: usize, d: usize) {
    for bi in 0..b {
        let m = &mask[bi * d..(bi + 1) * d];
        for ti in 0..t {
            x[(bi * t + ti) * d..(bi * t + ti + 1) * d]
                .iter_mut()
                .zip(m)
                .for_each(|(v, k)| *v *= k);
        }
    }
}

/// The recurrent layer's input with its per-sample `[b, d]` dropout mask applied to every step
/// (the input itself when no mask is drawn, i.e. at inference or with `dropout=0`).
pub fn dropped_input(
    x: &Tensor,
    mask: Option<&[f32]>,
    b: usize,
    t: usize,
    d: usize,
) -> kerust_tensor::Result<Tensor> {
    match mask {
        None => Ok(x.clone()),
        Some(m) => {
            let mut v = x.to_vec()?;
            apply_sequence_mask(&mut v, m, b, t, d);
            Tensor::from_vec(v, &[b, t, d])
        }
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

/// Per-step keep flags `[batch, time]` from an optional mask (all ones without one).
pub fn step_mask(mask: Option<&Tensor>, b: usize, t: usize) -> Result<Option<Vec<f32>>> {
    match mask {
        None => Ok(None),
        Some(m) if m.numel() == b * t => Ok(Some(m.to_vec()?)),
        Some(m) => Err(LayerError::Data(format!(
            "mask of shape {:?} does not match a [{b}, {t}] sequence",
            m.shape()
        ))),
    }
}

/// The `[b, t, d]` input of a recurrent call, checked against the kernel's `d`.
pub fn sequence_input<'a>(
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
pub fn initial_states<'a>(
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

/// What every fused recurrent call starts from: the checked input, initial states, weight `Var`s,
/// per-step mask, step order, dropout masks and the dropped-out input.
pub struct RecurrentCall<'a> {
    pub x: &'a Var,
    pub b: usize,
    pub t: usize,
    /// Input features (rows of the kernel).
    pub d: usize,
    pub init: Vec<&'a Var>,
    pub w: Var,
    pub rk: Var,
    pub bias: Option<Var>,
    pub mask: Option<Vec<f32>>,
    pub steps: Vec<usize>,
    pub dmask: Option<Vec<f32>>,
    pub rmask: Option<Vec<f32>>,
    /// `x` with the input dropout mask applied.
    pub xd: Tensor,
}

/// The shared start of a SimpleRNN / LSTM / GRU call. `weights` are kernel, recurrent kernel and
/// bias; `states` is how many initial state tensors the layer takes. The weight `Var`s are made in
/// Keras order and the dropout masks drawn last, so the tape and the RNG see the same sequence
/// for every layer.
pub fn recurrent_call<'a>(
    layer: &str,
    inputs: &'a [Flow],
    ctx: &mut Ctx,
    weights: [Option<&Param>; 3],
    units: usize,
    states: usize,
    (seq, drop): (&SequenceOptions, &DropoutOptions),
) -> Result<RecurrentCall<'a>> {
    let not_built = || LayerError::NotBuilt(format!("layer '{layer}'"));
    let [kernel, recurrent_kernel, bias] = weights;
    let kp = kernel.ok_or_else(not_built)?;
    let up = recurrent_kernel.ok_or_else(not_built)?;
    let d = kp.value.shape()[0];
    let (x, b, t) = sequence_input(layer, inputs, d)?;
    let init = initial_states(layer, inputs, states, b, units)?;
    let w = ctx.param(kp)?;
    let rk = ctx.param(up)?;
    let bias = match bias {
        Some(p) => Some(ctx.param(p)?),
        None => None,
    };
    let mask = step_mask(inputs[0].mask.as_ref(), b, t)?;
    let steps = seq.steps(t);
    let (dmask, rmask) = drop.masks(ctx.training, b, d, units, ctx.rng);
    let xd = dropped_input(x.value(), dmask.as_deref(), b, t, d)?;
    Ok(RecurrentCall {
        x,
        b,
        t,
        d,
        init,
        w,
        rk,
        bias,
        mask,
        steps,
        dmask,
        rmask,
        xd,
    })
}

/// [`recurrent_call`] with the weights, `units`, sequence and dropout options of `$layer` (the
/// fields SimpleRNN, LSTM and GRU all have) and `$states` initial states.
macro_rules! start_recurrent_call {
    ($layer:expr, $inputs:expr, $ctx:expr, $states:expr) => {
        $crate::rnn::common::recurrent_call(
            $layer.base.name(),
            $inputs,
            $ctx,
            [
                $layer.kernel.as_ref(),
                $layer.recurrent_kernel.as_ref(),
                $layer.bias.as_ref(),
            ],
            $layer.units,
            $states,
            (&$layer.seq, &$layer.drop),
        )
    };
}
pub(crate) use start_recurrent_call;

/// The start of every recurrent `build`: checks the input is `[batch, time, features]`, `units`
/// is at least 1 and the dropout rates, then creates `kernel [features, gates·units]` and
/// `recurrent_kernel [units, gates·units]` (in that order of RNG draws) with the layer's
/// initializers and regularizers. Evaluates to `units`; returns early with the error.
macro_rules! build_recurrent_kernels {
    ($layer:expr, $input_shapes:expr, $rng:expr, $gates:expr) => {{
        let name = $layer.base.name();
        let d = $crate::rnn::common::input_features(name, &$input_shapes[0])?;
        if $layer.units == 0 {
            return Err($crate::error::LayerError::config(
                format!("{} '{name}'", $layer.class_name()),
                "units must be at least 1",
            ));
        }
        $layer.drop.check(name)?;
        let (u, g) = ($layer.units, $gates * $layer.units);
        $layer.kernel = Some(
            $crate::param::Param::new("kernel", $layer.kernel_initializer.init(&[d, g], $rng)?)
                .with_regularizer($layer.kernel_regularizer),
        );
        $layer.recurrent_kernel = Some(
            $crate::param::Param::new(
                "recurrent_kernel",
                $layer.recurrent_initializer.init(&[u, g], $rng)?,
            )
            .with_regularizer($layer.recurrent_regularizer),
        );
        u
    }};
}
pub(crate) use build_recurrent_kernels;

/// An activation or its derivative on one scalar.
pub type ScalarFn = fn(f32) -> f32;

/// `(f(x), f'(x) written in terms of y = f(x))` for the activations a fused recurrent loop supports.
pub fn scalar_activation(layer: &str, a: Activation) -> Result<(ScalarFn, ScalarFn)> {
    Ok(match a {
        Activation::Tanh => (f32::tanh, |y| 1.0 - y * y),
        Activation::Relu => (|x| x.max(0.0), |y| if y > 0.0 { 1.0 } else { 0.0 }),
        Activation::Sigmoid => (kerust_tensor::sigmoid, |y| y * (1.0 - y)),
        Activation::HardSigmoid => (
            |x| (x / 6.0 + 0.5).clamp(0.0, 1.0),
            |y| if y > 0.0 && y < 1.0 { 1.0 / 6.0 } else { 0.0 },
        ),
        Activation::Linear => (|x| x, |_| 1.0),
        other => {
            return Err(LayerError::config(
                format!("recurrent layer '{layer}'"),
                format!(
                    "activation '{}' is not supported in recurrent layers; use tanh, sigmoid, hard_sigmoid, relu or linear",
                    other.name()
                ),
            ))
        }
    })
}

/// Flows a recurrent layer returns: the output (keeping the input mask when it returns
/// sequences, like Keras `compute_mask`), then the states when `return_state`.
pub fn result_flows(seq: &SequenceOptions, input_mask: Option<&Tensor>, outs: &[Var]) -> Vec<Flow> {
    let mut result = vec![Flow {
        value: Value::Float(outs[0].clone()),
        mask: if seq.return_sequences {
            input_mask.cloned()
        } else {
            None
        },
    }];
    if seq.return_state {
        result.extend(outs[1..].iter().cloned().map(Flow::float));
    }
    result
}

/// What a recurrent forward time loop needs of the sequence, the same for every batch chunk.
#[derive(Debug, Clone, Copy)]
pub struct SeqLoop<'a> {
    /// Time steps.
    pub t: usize,
    /// Per-step keep flags `[b, t]` (none: every step kept).
    pub mask: Option<&'a [f32]>,
    /// Recurrent dropout keep mask `[b, u]` applied to the state before `h·U`.
    pub rmask: Option<&'a [f32]>,
    /// Reading order of the steps.
    pub steps: &'a [usize],
    pub return_sequences: bool,
    /// Masked steps output zeros instead of repeating the previous output.
    pub zero_output: bool,
}

impl<'a> SeqLoop<'a> {
    pub fn new(
        t: usize,
        (mask, rmask): (Option<&'a [f32]>, Option<&'a [f32]>),
        steps: &'a [usize],
        return_sequences: bool,
        zero_output: bool,
    ) -> Self {
        Self {
            t,
            mask,
            rmask,
            steps,
            return_sequences,
            zero_output,
        }
    }
    /// Whether batch row `row` is kept at time `step`.
    #[inline]
    pub fn kept(&self, row: usize, step: usize) -> bool {
        kept(self.mask, row, self.t, step)
    }
    /// `hp` = the state `h` of the rows from `lo` (each `u` wide), after recurrent dropout.
    #[inline]
    pub fn dropped_state(&self, hp: &mut [f32], h: &[f32], lo: usize, u: usize) {
        hp.copy_from_slice(h);
        if let Some(rm) = self.rmask {
            hp.iter_mut().zip(&rm[lo * u..]).for_each(|(v, m)| *v *= m);
        }
    }
    /// Row `bi`'s output at loop position `k`, given its new state `h`: its previous output (row
    /// `bi` of the chunk's `prev_out`) becomes `h` when the step is kept, zeros when masked with
    /// `zero_output` (else it is repeated), and with `return_sequences` it is written at position
    /// `k` of the chunk's `[rows][t][u]` `seq_out`.
    #[inline]
    pub fn emit(
        &self,
        keep: bool,
        h: &[f32],
        prev_out: &mut [f32],
        seq_out: &mut [f32],
        bi: usize,
        k: usize,
    ) {
        let u = h.len();
        let po = &mut prev_out[bi * u..(bi + 1) * u];
        if keep {
            po.copy_from_slice(h);
        } else if self.zero_output {
            po.fill(0.0);
        }
        if self.return_sequences {
            seq_out[(bi * self.t + k) * u..(bi * self.t + k + 1) * u].copy_from_slice(po);
        }
    }
}

/// The gradients arriving at a recurrent node `[output, state_1..state_N]`, as buffers: the
/// output's (if any); one `[b·u]` buffer per state, zeros where none arrived; and the
/// accumulator of the gradient reaching the "previous output" that a masked step repeats, which
/// starts as the output gradient when only the last output is returned.
#[allow(clippy::type_complexity)]
pub fn incoming_grads<const N: usize>(
    g: &[Option<Tensor>],
    bu: usize,
    return_sequences: bool,
) -> kerust_tensor::Result<(Option<Vec<f32>>, [Vec<f32>; N], Vec<f32>)> {
    let as_vec = |i: usize| {
        g.get(i)
            .and_then(Option::as_ref)
            .map(Tensor::to_vec)
            .transpose()
    };
    let g_out = as_vec(0)?;
    let mut states: [Vec<f32>; N] = std::array::from_fn(|_| vec![0.0f32; bu]);
    for (i, st) in states.iter_mut().enumerate() {
        if let Some(gs) = as_vec(i + 1)? {
            st.iter_mut().zip(&gs).for_each(|(a, v)| *a += v);
        }
    }
    let dout = match (&g_out, return_sequences) {
        (Some(go), false) => go.clone(),
        _ => vec![0.0f32; bu],
    };
    Ok((g_out, states, dout))
}

/// Whether sample `bi` is kept at time `step`.
#[inline]
pub fn kept(mask: Option<&[f32]>, bi: usize, t: usize, step: usize) -> bool {
    mask.is_none_or(|m| m[bi * t + step] != 0.0)
}

/// Builder setters shared by the recurrent layers (Keras kwarg names), for a struct with the
/// fields `base`, `activation`, `use_bias`, the three initializers and regularizers, `seq`,
/// `drop` and `input_shape`.
macro_rules! recurrent_setters {
    () => {
        pub fn activation(mut self, a: impl Into<$crate::activations::Activation>) -> Self {
            self.activation = a.into();
            self
        }
        pub fn use_bias(mut self, b: bool) -> Self {
            self.use_bias = b;
            self
        }
        pub fn return_sequences(mut self, r: bool) -> Self {
            self.seq.return_sequences = r;
            self
        }
        pub fn return_state(mut self, r: bool) -> Self {
            self.seq.return_state = r;
            self
        }
        pub fn go_backwards(mut self, g: bool) -> Self {
            self.seq.go_backwards = g;
            self
        }
        pub fn zero_output_for_mask(mut self, z: bool) -> Self {
            self.seq.zero_output_for_mask = z;
            self
        }
        pub fn dropout(mut self, rate: f32) -> Self {
            self.drop.dropout = rate;
            self
        }
        pub fn recurrent_dropout(mut self, rate: f32) -> Self {
            self.drop.recurrent_dropout = rate;
            self
        }
        pub fn seed(mut self, seed: u64) -> Self {
            self.drop.seed = Some(seed);
            self
        }
        pub fn kernel_initializer(
            mut self,
            i: impl Into<$crate::initializers::Initializer>,
        ) -> Self {
            self.kernel_initializer = i.into();
            self
        }
        pub fn recurrent_initializer(
            mut self,
            i: impl Into<$crate::initializers::Initializer>,
        ) -> Self {
            self.recurrent_initializer = i.into();
            self
        }
        pub fn bias_initializer(mut self, i: impl Into<$crate::initializers::Initializer>) -> Self {
            self.bias_initializer = i.into();
            self
        }
        pub fn kernel_regularizer(mut self, r: $crate::regularizers::Regularizer) -> Self {
            self.kernel_regularizer = Some(r);
            self
        }
        pub fn recurrent_regularizer(mut self, r: $crate::regularizers::Regularizer) -> Self {
            self.recurrent_regularizer = Some(r);
            self
        }
        pub fn bias_regularizer(mut self, r: $crate::regularizers::Regularizer) -> Self {
            self.bias_regularizer = Some(r);
            self
        }
        pub fn name(mut self, name: &str) -> Self {
            self.base.name = Some(name.to_string());
            self
        }
        /// Per-sample input shape (`input_shape=(None, 1)` in Keras).
        pub fn input_shape(mut self, shape: &[Option<usize>]) -> Self {
            self.input_shape = Some(shape.to_vec());
            self
        }
    };
}
pub(crate) use recurrent_setters;

/// A recurrent layer with Keras's defaults (tanh, bias, Glorot-uniform kernel, orthogonal
/// recurrent kernel, zero bias, no regularizers, dropout or sequence options, unbuilt) and the
/// layer's own `$extra` fields.
macro_rules! recurrent_new {
    ($class:literal, $units:expr, { $($extra:tt)* }) => {
        Self {
            base: $crate::layer::LayerBase::new($class),
            units: $units,
            activation: $crate::activations::Activation::Tanh,
            use_bias: true,
            kernel_initializer: $crate::initializers::Initializer::GlorotUniform,
            recurrent_initializer: $crate::initializers::Initializer::Orthogonal { gain: 1.0 },
            bias_initializer: $crate::initializers::Initializer::Zeros,
            kernel_regularizer: None,
            recurrent_regularizer: None,
            bias_regularizer: None,
            drop: $crate::rnn::common::DropoutOptions::default(),
            seq: $crate::rnn::common::SequenceOptions::default(),
            input_shape: None,
            kernel: None,
            recurrent_kernel: None,
            bias: None,
            $($extra)*
        }
    };
}
pub(crate) use recurrent_new;

/// Read the config keys every recurrent layer has (name and trainability, `activation`,
/// `use_bias`, initializers and regularizers, dropout, sequence options, input shape) into `$l`.
macro_rules! read_recurrent_config {
    ($l:expr, $c:expr, $cfg:expr) => {
        $l.base = $crate::layer::LayerBase::from_config($cfg);
        $l.activation =
            $crate::activations::Activation::from_name($c.str_or("activation", "tanh"))?;
        $l.use_bias = $c.bool_or("use_bias", true);
        $crate::rnn::common::weight_options!($l).read(&$c)?;
        $l.drop = $crate::rnn::common::DropoutOptions::read(&$c)?;
        $l.seq = $crate::rnn::common::SequenceOptions::read(&$c);
        $l.input_shape = $c.declared_input_shape();
    };
}
pub(crate) use read_recurrent_config;

/// Initializers and regularizers of a recurrent layer, as read from or written to a config.
pub struct WeightOptions<'a> {
    pub kernel_initializer: &'a mut crate::initializers::Initializer,
    pub recurrent_initializer: &'a mut crate::initializers::Initializer,
    pub bias_initializer: &'a mut crate::initializers::Initializer,
    pub kernel_regularizer: &'a mut Option<crate::regularizers::Regularizer>,
    pub recurrent_regularizer: &'a mut Option<crate::regularizers::Regularizer>,
    pub bias_regularizer: &'a mut Option<crate::regularizers::Regularizer>,
}

impl WeightOptions<'_> {
    pub fn read(self, c: &Cfg) -> Result<()> {
        use crate::initializers::Initializer;
        use crate::regularizers::Regularizer;
        for (key, slot) in [
            ("kernel_initializer", self.kernel_initializer),
            ("recurrent_initializer", self.recurrent_initializer),
            ("bias_initializer", self.bias_initializer),
        ] {
            if !c.get(key).is_null() {
                *slot = Initializer::from_config(c.get(key))?;
            }
        }
        *self.kernel_regularizer = Regularizer::from_config(c.get("kernel_regularizer"))?;
        *self.recurrent_regularizer = Regularizer::from_config(c.get("recurrent_regularizer"))?;
        *self.bias_regularizer = Regularizer::from_config(c.get("bias_regularizer"))?;
        Ok(())
    }
}

/// `WeightOptions` borrowing the same-named fields of `$s`.
macro_rules! weight_options {
    ($s:expr) => {
        $crate::rnn::common::WeightOptions {
            kernel_initializer: &mut $s.kernel_initializer,
            recurrent_initializer: &mut $s.recurrent_initializer,
            bias_initializer: &mut $s.bias_initializer,
            kernel_regularizer: &mut $s.kernel_regularizer,
            recurrent_regularizer: &mut $s.recurrent_regularizer,
            bias_regularizer: &mut $s.bias_regularizer,
        }
    };
}
pub(crate) use weight_options;

/// Write the initializers and regularizers of `$s` (and the constraints Keras lists) into `$m`.
macro_rules! write_weight_options {
    ($m:expr, $s:expr) => {{
        for (name, init, reg) in [
            ("kernel", &$s.kernel_initializer, $s.kernel_regularizer),
            (
                "recurrent",
                &$s.recurrent_initializer,
                $s.recurrent_regularizer,
            ),
            ("bias", &$s.bias_initializer, $s.bias_regularizer),
        ] {
            $crate::config::insert_weight_options(&mut $m, name, init, reg);
        }
        $m.insert("activity_regularizer".into(), serde_json::Value::Null);
    }};
}
pub(crate) use write_weight_options;

/// `params`, `params_mut` and `get_config` of a recurrent layer (fields `kernel`,
/// `recurrent_kernel`, `bias`, `units`, `activation`, the weight options, `drop`, `seq`,
/// `input_shape`). `$extra` maps the layer to its own config keys, written after `activation`
/// in Keras's order.
macro_rules! recurrent_weights_and_config {
    ($extra:expr) => {
        fn params(&self) -> Vec<&$crate::param::Param> {
            self.kernel
                .iter()
                .chain(self.recurrent_kernel.iter())
                .chain(self.bias.iter())
                .collect()
        }
        fn params_mut(&mut self) -> Vec<&mut $crate::param::Param> {
            self.kernel
                .iter_mut()
                .chain(self.recurrent_kernel.iter_mut())
                .chain(self.bias.iter_mut())
                .collect()
        }
        fn get_config(&self) -> serde_json::Value {
            let extra: fn(&Self) -> Vec<(&'static str, serde_json::Value)> = $extra;
            let mut m = self.base.config();
            m.insert("units".into(), serde_json::json!(self.units));
            m.insert(
                "activation".into(),
                serde_json::json!(self.activation.name()),
            );
            for (key, value) in extra(self) {
                m.insert(key.into(), value);
            }
            $crate::rnn::common::write_weight_options!(m, self);
            self.drop.write(&mut m);
            self.seq.write(&mut m);
            $crate::config::insert_input_shape(&mut m, &self.input_shape);
            serde_json::Value::Object(m)
        }
    };
}
pub(crate) use recurrent_weights_and_config;

/// `exp(x)` in f32 (Cephes polynomial, ~1 ulp), branch-free so gate loops vectorize; libm's
/// `expf`/`tanhf` calls were a sixth of an LSTM training step.
#[inline(always)]
pub fn fast_exp(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5·2²³: adding it rounds to the nearest integer
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + MAGIC;
    let n = shifted - MAGIC;
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_2e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    // n sits in the low mantissa bits of `shifted` (ulp 1 there), so 2ⁿ is an integer add and a
    // shift: no saturating float→int conversion in the vector loop.
    let n_bits = shifted.to_bits().wrapping_sub(MAGIC.to_bits());
    y * f32::from_bits(n_bits.wrapping_add(127) << 23)
}

/// `tanh(x) = 1 − 2 / (e^{2x} + 1)` on [`fast_exp`].
#[inline(always)]
pub fn fast_tanh(x: f32) -> f32 {
    1.0 - 2.0 / (fast_exp(2.0 * x) + 1.0)
}

/// `sigmoid(x) = 1 / (1 + e^{−x})` on [`fast_exp`].
#[inline(always)]
pub fn fast_sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + fast_exp(-x))
}

/// Apply activation `a` (scalar form `f`) to a slice in place, with vectorizable loops for the
/// common gate activations.
#[inline]
pub fn apply_act(a: Activation, f: ScalarFn, xs: &mut [f32]) {
    match a {
        Activation::Tanh => wide_map(xs, false),
        Activation::Sigmoid => wide_map(xs, true),
        Activation::Linear => {}
        _ => xs.iter_mut().for_each(|v| *v = f(*v)),
    }
}

#[inline(always)]
fn gate_map(xs: &mut [f32], sigmoid: bool) {
    if sigmoid {
        xs.iter_mut().for_each(|v| *v = fast_sigmoid(*v));
    } else {
        xs.iter_mut().for_each(|v| *v = fast_tanh(*v));
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn gate_map_avx512(xs: &mut [f32], sigmoid: bool) {
    gate_map(xs, sigmoid)
}

/// `fast_sigmoid` / `fast_tanh` over a slice with the widest vectors the CPU has. Same IEEE
/// operations in every lane and no FMA contraction, so the bits equal the scalar loop's.
fn wide_map(xs: &mut [f32], sigmoid: bool) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { gate_map_avx512(xs, sigmoid) };
        }
    }
    gate_map(xs, sigmoid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_gate_maps_equal_the_scalar_functions() {
        let xs: Vec<f32> = (-3000..3000).map(|i| i as f32 * 0.031 + 0.0007).collect();
        for sigmoid in [false, true] {
            let mut v = xs.clone();
            wide_map(&mut v, sigmoid);
            let f = if sigmoid { fast_sigmoid } else { fast_tanh };
            for (a, x) in v.iter().zip(&xs) {
                assert_eq!(a.to_bits(), f(*x).to_bits(), "x = {x}");
            }
        }
    }

    #[test]
    fn fast_activations_match_libm() {
        let mut worst = (0.0f32, 0.0f32, 0.0f32);
        for i in -20000..=20000 {
            let x = i as f32 * 1e-3;
            let e = (fast_exp(x) - x.exp()).abs() / x.exp();
            worst.0 = worst.0.max(e);
            worst.1 = worst.1.max((fast_tanh(x) - x.tanh()).abs());
            worst.2 = worst
                .2
                .max((fast_sigmoid(x) - kerust_tensor::sigmoid(x)).abs());
        }
        assert!(
            worst.0 < 1e-6 && worst.1 < 2e-7 && worst.2 < 2e-7,
            "{worst:?}"
        );
        assert_eq!(fast_tanh(100.0), 1.0);
        assert_eq!(fast_tanh(-100.0), -1.0);
        assert!(fast_sigmoid(-200.0) >= 0.0 && fast_sigmoid(200.0) == 1.0);
    }
}
