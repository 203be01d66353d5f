//! Weight penalties (`l1`, `l2`, `l1_l2`) added to the training loss.
use crate::error::{LayerError, Result};
use kerust_autograd::Var;
use serde_json::{json, Value as Json};

/// A Keras regularizer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regularizer {
    /// Factor of the sum of absolute weights.
    pub l1: f32,
    /// Factor of the sum of squared weights.
    pub l2: f32,
}

/// `keras.regularizers.l1(l1)`.
pub fn l1(l1: f32) -> Regularizer {
    Regularizer { l1, l2: 0.0 }
}
/// `keras.regularizers.l2(l2)`.
pub fn l2(l2: f32) -> Regularizer {
    Regularizer { l1: 0.0, l2 }
}
/// `keras.regularizers.l1_l2(l1, l2)`.
pub fn l1_l2(l1: f32, l2: f32) -> Regularizer {
    Regularizer { l1, l2 }
}

impl Regularizer {
    /// `l1 * sum|w| + l2 * sum w²`, one fused tape node.
    pub fn penalty(&self, w: &Var) -> kerust_tensor::Result<Var> {
        w.l1_l2_penalty(self.l1, self.l2)
    }

    /// Keras 3 config.
    pub fn to_config(&self) -> Json {
        let (class, config) = match (self.l1 != 0.0, self.l2 != 0.0) {
            (true, false) => ("L1", json!({"l1": self.l1})),
            (false, _) => ("L2", json!({"l2": self.l2})),
            (true, true) => ("L1L2", json!({"l1": self.l1, "l2": self.l2})),
        };
        json!({"module": "keras.regularizers", "class_name": class, "config": config, "registered_name": null})
    }

    /// Parse Keras config (`null` → none).
    pub fn from_config(v: &Json) -> Result<Option<Self>> {
        if v.is_null() {
            return Ok(None);
        }
        let cfg = v.get("config").unwrap_or(v);
        let f = |k: &str| cfg.get(k).and_then(Json::as_f64).unwrap_or(0.0) as f32;
        match v.get("class_name").and_then(Json::as_str).or(v.as_str()) {
            Some("L1") | Some("l1") => Ok(Some(l1(f("l1")))),
            Some("L2") | Some("l2") => Ok(Some(l2(f("l2")))),
            Some("L1L2") | Some("l1_l2") => Ok(Some(l1_l2(f("l1"), f("l2")))),
            _ => Err(LayerError::config(
                "regularizer",
                format!("cannot read {v}"),
            )),
        }
    }
}
