//! The `Layer` trait every Keras layer implements, and the name/trainable state they share.
use crate::ctx::Ctx;
use crate::error::Result;
use crate::flow::Flow;
use crate::param::Param;
use kerust_tensor::Rng;
use serde_json::Value as Json;
use std::any::Any;
use std::collections::HashMap;
use std::sync::Mutex;

/// A shape with an unknown batch (and possibly other unknown) dimensions, like Keras's `(None, 15)`.
pub type Shape = Vec<Option<usize>>;

/// Format a shape the way Keras prints it: `(None, 15, 64)`.
pub fn fmt_shape(s: &[Option<usize>]) -> String {
    let parts: Vec<String> = s
        .iter()
        .map(|d| d.map_or("None".to_string(), |v| v.to_string()))
        .collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

/// The data type a layer expects at its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// Float features.
    Float,
    /// Integer ids.
    Int,
    /// Raw strings.
    Text,
}

/// A Keras layer. Weights are created in `build`, used in `call`, and listed in Keras order by
/// `params` so `get_weights`/`set_weights` and `.h5` files line up.
pub trait Layer: Send + Sync {
    /// Instance name (`dense_1`).
    fn name(&self) -> &str;
    /// Rename (used when the name is assigned automatically).
    fn set_name(&mut self, name: String);
    /// Keras class name (`Dense`).
    fn class_name(&self) -> &'static str;
    /// Create the weights for these input shapes (batch dimension `None`).
    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()>;
    /// Whether `build` has run.
    fn built(&self) -> bool;
    /// Output shapes for these input shapes (one per output).
    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>>;
    /// Forward pass.
    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>>;
    /// Weights in Keras order (trainable and non-trainable).
    fn params(&self) -> Vec<&Param>;
    /// Mutable weights in Keras order.
    fn params_mut(&mut self) -> Vec<&mut Param>;
    /// The Keras `get_config()` dictionary.
    fn get_config(&self) -> Json;
    /// Keras `trainable` flag of the layer.
    fn trainable(&self) -> bool;
    /// Freeze or unfreeze every weight of the layer.
    fn set_trainable(&mut self, trainable: bool);
    /// What the layer takes as input.
    fn input_kind(&self) -> InputKind {
        InputKind::Float
    }
    /// Input shape (without batch) declared on the layer itself, e.g. `Dense::new(4).input_shape(&[8])`,
    /// so a `Sequential` that starts with it is built right away.
    fn declared_input_shape(&self) -> Option<Shape> {
        None
    }
    /// The recurrent-op view of `SimpleRNN`, `LSTM` and `GRU` (what `Bidirectional` runs);
    /// `None` for every other layer.
    fn as_sequence_layer(&self) -> Option<&dyn crate::rnn::SequenceLayer> {
        None
    }
    /// Keras `stateful`: whether the layer carries state from one batch to the next (a stateful
    /// `SimpleRNN`/`LSTM`/`GRU`, or a `Bidirectional` of one). A model runs the batches of such a
    /// layer in order, one after the other.
    fn is_stateful(&self) -> bool {
        false
    }
    /// Keras `reset_states()`: zero the states a stateful layer carries between batches. A
    /// no-op for layers without states (`Bidirectional` of a non-stateful layer is an error, as
    /// in Keras).
    fn reset_states(&mut self) -> Result<()> {
        Ok(())
    }
    /// Keras call arguments this layer keeps as options (`{"use_causal_mask": true}`), written
    /// into a functional config's node `kwargs`.
    fn call_kwargs(&self) -> Json {
        Json::Object(serde_json::Map::new())
    }
    /// Take the call arguments of a functional config's node `kwargs` (tensor arguments such as
    /// `mask` are handled by the graph and ignored here).
    fn set_call_kwargs(&mut self, _kwargs: &Json) -> Result<()> {
        Ok(())
    }
    /// For downcasting in `get_layer`.
    fn as_any(&self) -> &dyn Any;
    /// For downcasting in `get_layer_mut`.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// A copy of the layer (same config and weights).
    fn clone_box(&self) -> Box<dyn Layer>;
    /// Number of scalars in all weights.
    fn count_params(&self) -> usize {
        self.params().iter().map(|p| p.numel()).sum()
    }
    /// Tensor values of the weights (Keras `get_weights`).
    fn get_weights(&self) -> Vec<kerust_tensor::Tensor> {
        self.params().iter().map(|p| p.value.clone()).collect()
    }
    /// Replace weight values; shapes must match (Keras `set_weights`).
    fn set_weights(&mut self, weights: &[kerust_tensor::Tensor]) -> Result<()> {
        let name = self.name().to_string();
        let mut params = self.params_mut();
        if params.len() != weights.len() {
            return Err(crate::error::LayerError::config(
                format!("set_weights on layer '{name}'"),
                format!(
                    "the layer has {} weights but {} were given",
                    params.len(),
                    weights.len()
                ),
            ));
        }
        for (p, w) in params.iter_mut().zip(weights) {
            if p.value.shape() != w.shape() {
                return Err(crate::error::LayerError::config(
                    format!("set_weights on layer '{name}'"),
                    format!(
                        "weight '{}' has shape {:?} but the new value has shape {:?}",
                        p.name,
                        p.value.shape(),
                        w.shape()
                    ),
                ));
            }
            p.value = w.clone();
        }
        Ok(())
    }
}

impl Clone for Box<dyn Layer> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

static NAME_COUNTS: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);

/// Keras automatic names: the first `dense`, then `dense_1`, `dense_2`, ... unique per process.
pub fn unique_name(base: &str) -> String {
    let mut guard = NAME_COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    let counts = guard.get_or_insert_with(HashMap::new);
    let n = counts.entry(base.to_string()).or_insert(0);
    let name = if *n == 0 {
        base.to_string()
    } else {
        format!("{base}_{n}")
    };
    *n += 1;
    name
}

/// Keras snake_case of a class name (`SimpleRNN` → `simple_rnn`, `Conv1D` → `conv1d`).
pub fn snake_case(class: &str) -> String {
    let chars: Vec<char> = class.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0
                && (prev_lower || (next_lower && chars[i - 1].is_uppercase()))
                && !chars[i - 1].is_ascii_digit()
            {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Name, trainable flag and built flag: the state every layer carries.
#[derive(Debug, Clone)]
pub struct LayerBase {
    /// The layer's name.
    pub name: Option<String>,
    /// Whether the optimizer updates its weights.
    pub trainable: bool,
    /// Whether `build` has created its weights.
    pub built: bool,
}

impl LayerBase {
    /// State for a new layer of Keras class `class`, with its automatic name (`dense_1`).
    pub fn new(class: &str) -> Self {
        Self {
            name: Some(unique_name(&snake_case(class))),
            trainable: true,
            built: false,
        }
    }
    /// The name.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }
    /// The common part of `get_config`.
    pub fn config(&self) -> serde_json::Map<String, Json> {
        let mut m = serde_json::Map::new();
        m.insert("name".into(), Json::String(self.name().to_string()));
        m.insert("trainable".into(), Json::Bool(self.trainable));
        m.insert("dtype".into(), Json::String("float32".into()));
        m
    }
    /// Read `name` and `trainable` from a config.
    pub fn from_config(cfg: &Json) -> Self {
        Self {
            name: cfg.get("name").and_then(Json::as_str).map(str::to_string),
            trainable: cfg.get("trainable").and_then(Json::as_bool).unwrap_or(true),
            built: false,
        }
    }
}

/// Implements the boilerplate `Layer` methods (`name`, `set_name`, `class_name`, `built`,
/// `trainable`, `set_trainable`, `as_any`, `clone_box`) for a type with a `base: LayerBase` field.
#[macro_export]
macro_rules! layer_boilerplate {
    ($class:expr) => {
        fn name(&self) -> &str {
            self.base.name()
        }
        fn set_name(&mut self, name: String) {
            self.base.name = Some(name);
        }
        fn class_name(&self) -> &'static str {
            $class
        }
        fn built(&self) -> bool {
            self.base.built
        }
        fn trainable(&self) -> bool {
            self.base.trainable
        }
        fn set_trainable(&mut self, trainable: bool) {
            self.base.trainable = trainable;
            for p in self.params_mut() {
                p.trainable = trainable;
            }
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
        fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
            self
        }
        fn clone_box(&self) -> Box<dyn $crate::layer::Layer> {
            Box::new(self.clone())
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_snake_case_names() {
        assert_eq!(snake_case("SimpleRNN"), "simple_rnn");
        assert_eq!(snake_case("Dense"), "dense");
        assert_eq!(snake_case("Conv1D"), "conv1d");
        assert_eq!(snake_case("GlobalMaxPooling1D"), "global_max_pooling1d");
        assert_eq!(snake_case("TextVectorization"), "text_vectorization");
        assert_eq!(snake_case("LSTM"), "lstm");
        assert_eq!(snake_case("GRU"), "gru");
    }

    #[test]
    fn shapes_print_like_keras() {
        assert_eq!(fmt_shape(&[None, Some(15), Some(64)]), "(None, 15, 64)");
        assert_eq!(fmt_shape(&[None]), "(None,)");
    }
}
