//! Layer registry: a Keras `{"class_name", "config"}` pair → a boxed kerust layer, for loaders.
use crate::error::{LayerError, Result};
use crate::layer::Layer;
use serde_json::Value as Json;

/// Every Keras class name this crate can rebuild from a config, in registry order.
pub const REGISTERED: &[&str] = &[
    "InputLayer",
    "Dense",
    "Embedding",
    "Dropout",
    "Flatten",
    "Reshape",
    "Activation",
    "SimpleRNN",
];

/// Keras `deserialize(layer_config)`: the layer of Keras class `class_name` built from `config`
/// (Keras 2 and Keras 3 field names). The layer is not built; its weights appear on first build.
pub fn layer_from_config(class_name: &str, config: &Json) -> Result<Box<dyn Layer>> {
    // Keras 2 prefixes some classes with their module path in older files.
    let class = class_name.rsplit('>').next().unwrap_or(class_name);
    let class = class.rsplit('.').next().unwrap_or(class);
    Ok(match class {
        "InputLayer" => Box::new(crate::core::input::Input::from_config(config)?),
        "Dense" => Box::new(crate::core::dense::Dense::from_config(config)?),
        "Embedding" => Box::new(crate::core::embedding::Embedding::from_config(config)?),
        "Dropout" => Box::new(crate::core::dropout::Dropout::from_config(config)?),
        "Flatten" => Box::new(crate::core::flatten::Flatten::from_config(config)?),
        "Reshape" => Box::new(crate::core::reshape::Reshape::from_config(config)?),
        "Activation" => Box::new(crate::core::activation::Activation::from_config(config)?),
        "SimpleRNN" => Box::new(crate::rnn::simple_rnn::SimpleRNN::from_config(config)?),
        other => {
            return Err(LayerError::config(
                "layer_from_config",
                format!(
                    "unknown layer class '{other}'; kerust knows {}",
                    REGISTERED.join(", ")
                ),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::Shape;
    use kerust_tensor::Rng;
    use serde_json::json;

    /// A small valid config for each registered class.
    fn sample(class: &str) -> (Json, Shape) {
        let f = |d: &[usize]| -> Shape {
            std::iter::once(None)
                .chain(d.iter().map(|&x| Some(x)))
                .collect()
        };
        match class {
            "InputLayer" => (json!({"batch_shape": [null, 3], "name": "in"}), f(&[3])),
            "Dense" => (json!({"units": 2, "activation": "relu"}), f(&[3])),
            "Embedding" => (json!({"input_dim": 5, "output_dim": 2}), f(&[4])),
            "Dropout" => (json!({"rate": 0.5}), f(&[3])),
            "Flatten" => (json!({}), f(&[2, 3])),
            "Reshape" => (json!({"target_shape": [3, 2]}), f(&[6])),
            "Activation" => (json!({"activation": "tanh"}), f(&[3])),
            "SimpleRNN" => (json!({"units": 2}), f(&[4, 3])),
            other => panic!("no sample for {other}"),
        }
    }

    #[test]
    fn every_registered_class_rebuilds_from_its_own_config() {
        for class in REGISTERED {
            let (cfg, shape) = sample(class);
            let mut layer = layer_from_config(class, &cfg).unwrap();
            assert_eq!(layer.class_name(), *class);
            layer.build(&[shape.clone()], &mut Rng::seed(1)).unwrap();
            let again = layer_from_config(class, &layer.get_config()).unwrap();
            assert_eq!(again.get_config(), layer.get_config(), "{class}");
        }
    }

    #[test]
    fn unknown_class_is_a_typed_error_listing_known_ones() {
        let e = layer_from_config("Transformer", &json!({}))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("Transformer") && e.contains("Dense"), "{e}");
        assert!(layer_from_config("Dense", &json!({"units": -1})).is_err());
    }
}
