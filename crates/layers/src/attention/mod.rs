//! Attention layers and the normalisation Transformer blocks use: `LayerNormalization`,
//! `Attention`, `AdditiveAttention`, `MultiHeadAttention`.
pub mod additive_attention;
pub mod apply;
pub mod dot_product_attention;
#[cfg(test)]
mod gradcheck;
pub mod layer_normalization;
pub mod multi_head_attention;
pub mod scores;

use crate::error::Result;
use crate::layer::Layer;
use serde_json::Value as Json;

/// The registry entry of this module's layers: Keras class name + config → boxed layer.
pub(crate) fn from_config(class: &str, config: &Json) -> Result<Box<dyn Layer>> {
    Ok(match class {
        "LayerNormalization" => Box::new(layer_normalization::LayerNormalization::from_config(
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
