//! Normalization layers: `LayerNormalization` (per sample, what Transformer blocks use) and
//! `BatchNormalization` (per batch in training, moving statistics at inference).
pub mod batch_normalization;
pub mod layer_normalization;

use crate::error::Result;
use crate::layer::Layer;
use serde_json::Value as Json;

/// The registry entry of this module's layers: Keras class name + config → boxed layer.
pub(crate) fn from_config(class: &str, config: &Json) -> Result<Box<dyn Layer>> {
    Ok(match class {
        "BatchNormalization" => Box::new(batch_normalization::BatchNormalization::from_config(
            config,
        )?),
        _ => Box::new(layer_normalization::LayerNormalization::from_config(
            config,
        )?),
    })
}
