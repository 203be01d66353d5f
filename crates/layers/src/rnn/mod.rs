//! Recurrent layers: `SimpleRNN`, `LSTM` and `GRU` (one type, [`Recurrent`], over three cells),
//! `Bidirectional` and `Masking`. The layers hold Keras config and weights; each call runs the
//! fused sequence op of `kerust_tensor::recurrent` (CPU or CUDA) as one tape node.
pub mod bidirectional;
pub mod config;
pub mod gru;
pub mod lstm;
pub mod masking;
pub mod recurrent;
pub mod simple_rnn;
pub mod states;
#[cfg(test)]
pub(crate) mod test_util;

pub use config::RecurrentConfig;
pub use recurrent::{CellKind, Recurrent, SequenceJob, SequenceLayer};
pub use states::RnnStates;

use crate::error::{LayerError, Result};
use crate::layer::Layer;
use serde_json::Value as Json;

/// Build a recurrent layer from a Keras `{"class_name": ..., "config": ...}` dictionary (the
/// form `Bidirectional` nests its layers in): `SimpleRNN`, `LSTM` or `GRU`.
pub fn from_class_config(v: &Json) -> Result<Box<dyn Layer>> {
    let class = v.get("class_name").and_then(Json::as_str).unwrap_or("");
    let cfg = v.get("config").unwrap_or(&Json::Null);
    Ok(match class {
        "SimpleRNN" => Box::new(simple_rnn::SimpleRNN::from_config(cfg)?),
        "LSTM" => Box::new(lstm::LSTM::from_config(cfg)?),
        "GRU" => Box::new(gru::GRU::from_config(cfg)?),
        other => {
            return Err(LayerError::config(
                "recurrent layer config",
                format!(
                    "class_name '{other}' is not a recurrent layer; expected SimpleRNN, LSTM or GRU"
                ),
            ))
        }
    })
}
