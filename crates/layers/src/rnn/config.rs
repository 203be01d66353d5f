//! The Keras options of `SimpleRNN`, `LSTM` and `GRU` in one documented struct, each field with
//! its Keras default, read from and written to Keras configs.
use crate::activations::Activation;
use crate::config::{insert_weight_options, Cfg};
use crate::error::{LayerError, Result};
use crate::initializers::Initializer;
use crate::regularizers::Regularizer;
use kerust_tensor::recurrent::{RecurrentActivation, SequenceOptions};
use serde_json::{json, Map, Value as Json};

/// The Keras arguments of a recurrent layer. `SimpleRNN` ignores `recurrent_activation`,
/// `unit_forget_bias` and `reset_after`; `LSTM` ignores `reset_after`; `GRU` ignores
/// `unit_forget_bias`. Set them with the layers' builder methods of the same names.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrentConfig {
    /// `units`: size of the output and of each state. Required, at least 1.
    pub units: usize,
    /// `activation`: the cell/candidate/output activation. Default `tanh`.
    pub activation: Activation,
    /// `recurrent_activation`: the gates' activation (LSTM, GRU). Default `sigmoid`.
    pub recurrent_activation: Activation,
    /// `use_bias`. Default `true`.
    pub use_bias: bool,
    /// `kernel_initializer`. Default `glorot_uniform`.
    pub kernel_initializer: Initializer,
    /// `recurrent_initializer`. Default `orthogonal` (gain 1).
    pub recurrent_initializer: Initializer,
    /// `bias_initializer`. Default `zeros`.
    pub bias_initializer: Initializer,
    /// `kernel_regularizer`. Default none.
    pub kernel_regularizer: Option<Regularizer>,
    /// `recurrent_regularizer`. Default none.
    pub recurrent_regularizer: Option<Regularizer>,
    /// `bias_regularizer`. Default none.
    pub bias_regularizer: Option<Regularizer>,
    /// `dropout`: fraction of the input features dropped while training (one mask per
    /// sequence, reused at every step). Default 0, must be in `[0, 1)`.
    pub dropout: f32,
    /// `recurrent_dropout`: fraction of the state dropped before `h·U` while training. Default
    /// 0, must be in `[0, 1)`.
    pub recurrent_dropout: f32,
    /// `seed` of the dropout masks. Default none (the model's generator).
    pub seed: Option<u64>,
    /// `return_sequences`: every step's output `[batch, time, units]`. Default `false`.
    pub return_sequences: bool,
    /// `return_state`: also return the final state(s). Default `false`.
    pub return_state: bool,
    /// `go_backwards`: read the sequence last to first (outputs stay in processing order).
    /// Default `false`.
    pub go_backwards: bool,
    /// `stateful`: the final states of each batch are the initial states of the next (sample
    /// `i` of a batch continues sample `i` of the previous one). Needs a fixed batch size
    /// (`Input::new(..).batch_size(n)`); `reset_states` zeroes them. Default `false`.
    pub stateful: bool,
    /// `zero_output_for_mask`: masked steps output zeros instead of the previous output.
    /// Default `false` (`Bidirectional` sets it to `return_sequences`, as Keras does).
    pub zero_output_for_mask: bool,
    /// `unit_forget_bias` (LSTM): start the forget gate's bias at 1. Default `true`.
    pub unit_forget_bias: bool,
    /// `reset_after` (GRU): apply the reset gate after the recurrent product (the cuDNN form,
    /// bias `[2, 3·units]`). Default `true`.
    pub reset_after: bool,
}

impl RecurrentConfig {
    /// Keras's defaults for `units`.
    pub fn new(units: usize) -> Self {
        Self {
            units,
            activation: Activation::Tanh,
            recurrent_activation: Activation::Sigmoid,
            use_bias: true,
            kernel_initializer: Initializer::GlorotUniform,
            recurrent_initializer: Initializer::Orthogonal { gain: 1.0 },
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            recurrent_regularizer: None,
            bias_regularizer: None,
            dropout: 0.0,
            recurrent_dropout: 0.0,
            seed: None,
            return_sequences: false,
            return_state: false,
            go_backwards: false,
            stateful: false,
            zero_output_for_mask: false,
            unit_forget_bias: true,
            reset_after: true,
        }
    }

    /// The options from a Keras config (`units` and every key the three layers share or own;
    /// missing keys take Keras's defaults).
    pub fn read(c: &Cfg) -> Result<Self> {
        let mut r = Self::new(c.usize("units")?);
        r.activation = Activation::from_name(c.str_or("activation", "tanh"))?;
        r.recurrent_activation =
            Activation::from_name(c.str_or("recurrent_activation", "sigmoid"))?;
        r.use_bias = c.bool_or("use_bias", true);
        for (key, slot) in [
            ("kernel_initializer", &mut r.kernel_initializer),
            ("recurrent_initializer", &mut r.recurrent_initializer),
            ("bias_initializer", &mut r.bias_initializer),
        ] {
            if !c.get(key).is_null() {
                *slot = Initializer::from_config(c.get(key))?;
            }
        }
        r.kernel_regularizer = Regularizer::from_config(c.get("kernel_regularizer"))?;
        r.recurrent_regularizer = Regularizer::from_config(c.get("recurrent_regularizer"))?;
        r.bias_regularizer = Regularizer::from_config(c.get("bias_regularizer"))?;
        r.dropout = c.f32_or("dropout", 0.0);
        r.recurrent_dropout = c.f32_or("recurrent_dropout", 0.0);
        r.seed = c.opt_usize("seed")?.map(|s| s as u64);
        r.return_sequences = c.bool_or("return_sequences", false);
        r.return_state = c.bool_or("return_state", false);
        r.go_backwards = c.bool_or("go_backwards", false);
        r.stateful = c.bool_or("stateful", false);
        r.zero_output_for_mask = c.bool_or("zero_output_for_mask", false);
        r.unit_forget_bias = c.bool_or("unit_forget_bias", true);
        r.reset_after = c.bool_or("reset_after", true);
        r.check_dropout(c.class)?;
        Ok(r)
    }

    /// Write the keys every recurrent layer has (after `name`/`trainable`, which the layer
    /// writes); the layer adds its own (`recurrent_activation`, `unit_forget_bias`, ...).
    pub fn write(&self, m: &mut Map<String, Json>) {
        m.insert("units".into(), json!(self.units));
        m.insert("activation".into(), json!(self.activation.name()));
        m.insert("use_bias".into(), json!(self.use_bias));
        for (name, init, reg) in [
            ("kernel", &self.kernel_initializer, self.kernel_regularizer),
            (
                "recurrent",
                &self.recurrent_initializer,
                self.recurrent_regularizer,
            ),
            ("bias", &self.bias_initializer, self.bias_regularizer),
        ] {
            insert_weight_options(m, name, init, reg);
        }
        m.insert("activity_regularizer".into(), Json::Null);
        m.insert("dropout".into(), json!(self.dropout));
        m.insert("recurrent_dropout".into(), json!(self.recurrent_dropout));
        m.insert("seed".into(), json!(self.seed));
        m.insert("return_sequences".into(), json!(self.return_sequences));
        m.insert("return_state".into(), json!(self.return_state));
        m.insert("go_backwards".into(), json!(self.go_backwards));
        m.insert("stateful".into(), json!(self.stateful));
        m.insert("unroll".into(), json!(false));
        m.insert(
            "zero_output_for_mask".into(),
            json!(self.zero_output_for_mask),
        );
    }

    /// Dropout rates must lie in `[0, 1)`.
    pub fn check_dropout(&self, layer: &str) -> Result<()> {
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

    /// The options the sequence op takes.
    pub fn sequence_options(&self) -> SequenceOptions {
        SequenceOptions {
            return_sequences: self.return_sequences,
            go_backwards: self.go_backwards,
            zero_output_for_mask: self.zero_output_for_mask,
        }
    }
}

/// The op's form of a Keras activation, or a typed error for one a fused recurrent loop does
/// not support.
pub fn recurrent_activation(layer: &str, a: Activation) -> Result<RecurrentActivation> {
    Ok(match a {
        Activation::Tanh => RecurrentActivation::Tanh,
        Activation::Sigmoid => RecurrentActivation::Sigmoid,
        Activation::HardSigmoid => RecurrentActivation::HardSigmoid,
        Activation::Relu => RecurrentActivation::Relu,
        Activation::Linear => RecurrentActivation::Linear,
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
