//! What the recurrent layers share: sequence options, mask handling, and input checks.
use crate::config::Cfg;
use crate::error::{LayerError, Result};
use crate::layer::Shape;
use kerust_tensor::Tensor;
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
}

impl SequenceOptions {
    pub fn read(c: &Cfg) -> Self {
        Self {
            return_sequences: c.bool_or("return_sequences", false),
            return_state: c.bool_or("return_state", false),
            go_backwards: c.bool_or("go_backwards", false),
        }
    }
    pub fn write(&self, m: &mut Map<String, Json>) {
        m.insert("return_sequences".into(), json!(self.return_sequences));
        m.insert("return_state".into(), json!(self.return_state));
        m.insert("go_backwards".into(), json!(self.go_backwards));
        m.insert("stateful".into(), json!(false));
        m.insert("unroll".into(), json!(false));
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
