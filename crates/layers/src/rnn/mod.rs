//! Recurrent layers. Each runs a whole sequence as one fused tape node: one GEMM for `X·W` over
//! all steps, then one `h·U` GEMM per step into reused buffers, with a hand-written backward.
pub mod bidirectional;
pub(crate) mod chunks;
pub mod common;
pub mod gru;
pub mod lstm;
pub mod masking;
pub mod simple_rnn;
#[cfg(test)]
pub(crate) mod test_util;

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
