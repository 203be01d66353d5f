//! Attention layers — `Attention`, `AdditiveAttention`, `MultiHeadAttention` — and the keras-hub
//! blocks built on them: `PositionEmbedding`, `TokenAndPositionEmbedding`, `TransformerEncoder`.
pub mod additive_attention;
pub mod apply;
pub mod dot_product_attention;
#[cfg(test)]
mod gradcheck;
pub mod multi_head_attention;
pub mod position_embedding;
pub mod scores;
pub mod token_and_position_embedding;
pub mod transformer_encoder;

use crate::error::Result;
use crate::layer::Layer;
use serde_json::Value as Json;

/// The registry entry of this module's layers: Keras class name + config → boxed layer.
pub(crate) fn from_config(class: &str, config: &Json) -> Result<Box<dyn Layer>> {
    Ok(match class {
        "PositionEmbedding" => {
            Box::new(position_embedding::PositionEmbedding::from_config(config)?)
        }
        "TokenAndPositionEmbedding" => {
            Box::new(token_and_position_embedding::TokenAndPositionEmbedding::from_config(config)?)
        }
        "TransformerEncoder" => Box::new(transformer_encoder::TransformerEncoder::from_config(
            config,
        )?),
        "Attention" => Box::new(dot_product_attention::Attention::from_config(config)?),
        "AdditiveAttention" => {
            Box::new(additive_attention::AdditiveAttention::from_config(config)?)
        }
        _ => Box::new(multi_head_attention::MultiHeadAttention::from_config(
            config,
        )?),
    })
}

/// keras-hub classes: Keras 3 needs their `module` and `registered_name` to deserialize them.
pub const KERAS_HUB: &[(&str, &str)] = &[
    (
        "PositionEmbedding",
        "keras_hub.src.layers.modeling.position_embedding",
    ),
    (
        "TokenAndPositionEmbedding",
        "keras_hub.src.layers.modeling.token_and_position_embedding",
    ),
    (
        "TransformerEncoder",
        "keras_hub.src.layers.modeling.transformer_encoder",
    ),
];

/// Node `kwargs` of an attention call: the call options that differ from Keras's defaults.
pub(crate) fn options_to_kwargs(use_causal_mask: bool, return_attention_scores: bool) -> Json {
    let mut m = serde_json::Map::new();
    if use_causal_mask {
        m.insert("use_causal_mask".into(), Json::Bool(true));
    }
    if return_attention_scores {
        m.insert("return_attention_scores".into(), Json::Bool(true));
    }
    Json::Object(m)
}

/// `(use_causal_mask, return_attention_scores)` from a node's `kwargs` (absent → `false`).
pub(crate) fn options_from_kwargs(layer: &str, kwargs: &Json) -> Result<(bool, bool)> {
    let flag = |key: &str| match kwargs.get(key) {
        None | Some(Json::Null) => Ok(false),
        Some(Json::Bool(b)) => Ok(*b),
        Some(v) => Err(crate::error::LayerError::config(
            format!("call of layer '{layer}'"),
            format!("{key} must be true or false, got {v}"),
        )),
    };
    Ok((flag("use_causal_mask")?, flag("return_attention_scores")?))
}
