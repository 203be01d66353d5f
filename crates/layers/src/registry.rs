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
    "RepeatVector",
    "TimeDistributed",
    "Activation",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "Bidirectional",
    "Masking",
    "Conv1D",
    "Conv2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalAveragePooling1D",
    "Add",
    "Concatenate",
    "Dot",
    "Multiply",
    "TextVectorization",
    "LayerNormalization",
    "BatchNormalization",
    "Attention",
    "AdditiveAttention",
    "MultiHeadAttention",
    "PositionEmbedding",
    "TokenAndPositionEmbedding",
    "TransformerEncoder",
];

/// Keras class-name aliases (`keras.layers.MaxPool1D is MaxPooling1D`, Keras 1 `Convolution1D`,
/// ...) mapped to the canonical name Keras itself writes when it serializes.
fn canonical(class: &str) -> &str {
    match class {
        "Convolution1D" => "Conv1D",
        "Convolution2D" => "Conv2D",
        "MaxPool1D" => "MaxPooling1D",
        "MaxPool2D" => "MaxPooling2D",
        "AvgPool1D" => "AveragePooling1D",
        "AvgPool2D" => "AveragePooling2D",
        "GlobalMaxPool1D" => "GlobalMaxPooling1D",
        "GlobalAvgPool1D" => "GlobalAveragePooling1D",
        other => other,
    }
}

/// Keras `deserialize(layer_config)`: the layer of Keras class `class_name` built from `config`
/// (Keras 2 and Keras 3 field names). The layer is not built; its weights appear on first build.
pub fn layer_from_config(class_name: &str, config: &Json) -> Result<Box<dyn Layer>> {
    // Keras 2 prefixes some classes with their module path in older files.
    let class = class_name.rsplit('>').next().unwrap_or(class_name);
    let class = canonical(class.rsplit('.').next().unwrap_or(class));
    Ok(match class {
        "InputLayer" => Box::new(crate::core::input::Input::from_config(config)?),
        "Dense" => Box::new(crate::core::dense::Dense::from_config(config)?),
        "Embedding" => Box::new(crate::core::embedding::Embedding::from_config(config)?),
        "Dropout" => Box::new(crate::core::dropout::Dropout::from_config(config)?),
        "Flatten" => Box::new(crate::core::flatten::Flatten::from_config(config)?),
        "Reshape" => Box::new(crate::core::reshape::Reshape::from_config(config)?),
        "RepeatVector" => Box::new(crate::core::repeat_vector::RepeatVector::from_config(
            config,
        )?),
        "TimeDistributed" => Box::new(crate::core::time_distributed::TimeDistributed::from_config(
            config,
        )?),
        "Activation" => Box::new(crate::core::activation::Activation::from_config(config)?),
        "SimpleRNN" => Box::new(crate::rnn::simple_rnn::SimpleRNN::from_config(config)?),
        "LSTM" => Box::new(crate::rnn::lstm::LSTM::from_config(config)?),
        "GRU" => Box::new(crate::rnn::gru::GRU::from_config(config)?),
        "Bidirectional" => Box::new(crate::rnn::bidirectional::Bidirectional::from_config(
            config,
        )?),
        "Masking" => Box::new(crate::rnn::masking::Masking::from_config(config)?),
        "Conv1D" => Box::new(crate::conv::conv1d::Conv1D::from_config(config)?),
        "Conv2D" => Box::new(crate::conv::conv2d::Conv2D::from_config(config)?),
        "MaxPooling1D" => Box::new(crate::conv::pooling::MaxPooling1D::from_config(config)?),
        "MaxPooling2D" => Box::new(crate::conv::pooling::MaxPooling2D::from_config(config)?),
        "AveragePooling1D" => {
            Box::new(crate::conv::pooling::AveragePooling1D::from_config(config)?)
        }
        "AveragePooling2D" => {
            Box::new(crate::conv::pooling::AveragePooling2D::from_config(config)?)
        }
        "GlobalMaxPooling1D" => {
            Box::new(crate::conv::global_max_pooling1d::GlobalMaxPooling1D::from_config(config)?)
        }
        "GlobalAveragePooling1D" => Box::new(
            crate::conv::global_average_pooling1d::GlobalAveragePooling1D::from_config(config)?,
        ),
        "Add" => Box::new(crate::merge::add::Add::from_config(config)?),
        "Concatenate" => Box::new(crate::merge::concatenate::Concatenate::from_config(config)?),
        "Dot" => Box::new(crate::merge::dot::Dot::from_config(config)?),
        "Multiply" => Box::new(crate::merge::multiply::Multiply::from_config(config)?),
        "TextVectorization" => Box::new(
            crate::preprocessing::text_vectorization::TextVectorization::from_config(config)?,
        ),
        "LayerNormalization" | "BatchNormalization" => {
            crate::normalization::from_config(class, config)?
        }
        "Attention"
        | "AdditiveAttention"
        | "MultiHeadAttention"
        | "PositionEmbedding"
        | "TokenAndPositionEmbedding"
        | "TransformerEncoder" => crate::attention::from_config(class, config)?,
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

/// Upper estimate of how many weights `class` with `config` creates for these input shapes,
/// computed before `build` allocates them, so a loader can refuse a file whose config claims
/// far more weights than it stores. `None` for classes without a known formula.
pub fn estimate_params(
    class: &str,
    config: &Json,
    input_shapes: &[crate::layer::Shape],
) -> Option<u64> {
    let int = |k: &str| config.get(k).and_then(Json::as_u64).unwrap_or(0);
    let last = input_shapes
        .first()
        .and_then(|s| s.last().copied().flatten())
        .unwrap_or(1) as u64;
    let rnn = |gates: u64, u: u64| {
        gates.saturating_mul(last.saturating_add(u).saturating_add(2).saturating_mul(u))
    };
    Some(
        match canonical(class.rsplit(['>', '.']).next().unwrap_or(class)) {
            "Dense" => last.saturating_add(1).saturating_mul(int("units")),
            "Embedding" => int("input_dim").saturating_mul(int("output_dim")),
            "SimpleRNN" => rnn(1, int("units")),
            "LSTM" => rnn(4, int("units")),
            "GRU" => rnn(3, int("units")),
            "Conv1D" | "Conv2D" | "Conv3D" => {
                let k: u64 = config
                    .get("kernel_size")
                    .and_then(Json::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|x| x.as_u64().unwrap_or(0))
                            .fold(1u64, u64::saturating_mul)
                    })
                    .unwrap_or_else(|| int("kernel_size"));
                k.saturating_mul(last)
                    .saturating_add(1)
                    .saturating_mul(int("filters"))
            }
            "LayerNormalization" => last.saturating_mul(2),
            // gamma, beta, moving_mean, moving_variance over the feature axis (at most the
            // largest known size of the input).
            "BatchNormalization" => input_shapes
                .first()
                .map(|s| s.iter().flatten().map(|&d| d as u64).max().unwrap_or(1))
                .unwrap_or(1)
                .saturating_mul(4),
            "Attention" => 2,
            "PositionEmbedding" => int("sequence_length").saturating_mul(last),
            "TokenAndPositionEmbedding" => int("vocabulary_size")
                .saturating_add(int("sequence_length"))
                .saturating_mul(int("embedding_dim")),
            "TransformerEncoder" => {
                // Four [hidden, hidden] projections with biases, two layer norms, and the
                // [hidden, intermediate] / [intermediate, hidden] feed-forward pair.
                let i = int("intermediate_dim");
                last.saturating_mul(last.saturating_add(1))
                    .saturating_mul(4)
                    .saturating_add(last.saturating_mul(4))
                    .saturating_add(last.saturating_mul(i).saturating_mul(2))
                    .saturating_add(i)
                    .saturating_add(last)
            }
            "AdditiveAttention" => last,
            "MultiHeadAttention" => {
                // Upper bound: every projection as wide as the widest of its sizes.
                let (h, k, v) = (
                    int("num_heads"),
                    int("key_dim"),
                    int("value_dim").max(int("key_dim")),
                );
                let o = config
                    .get("output_shape")
                    .and_then(|v| v.get(0).or(Some(v)))
                    .and_then(Json::as_u64)
                    .unwrap_or(0)
                    .max(last);
                let widest = last.max(o).saturating_add(1);
                h.saturating_mul(k.max(v))
                    .saturating_mul(widest)
                    .saturating_mul(4)
                    .saturating_add(o)
            }
            "TimeDistributed" => {
                let inner = config.get("layer")?;
                let c = inner.get("class_name").and_then(Json::as_str)?;
                let per_step: Vec<Vec<Option<usize>>> = input_shapes
                    .iter()
                    .map(|s| {
                        std::iter::once(None)
                            .chain(s.iter().skip(2).copied())
                            .collect()
                    })
                    .collect();
                estimate_params(c, inner.get("config")?, &per_step)?
            }
            "Bidirectional" => {
                let inner = config.get("layer")?;
                let c = inner.get("class_name").and_then(Json::as_str)?;
                estimate_params(c, inner.get("config")?, input_shapes)?.saturating_mul(2)
            }
            // Layers without weights: a config can never make them allocate any.
            "InputLayer"
            | "Dropout"
            | "Flatten"
            | "Reshape"
            | "RepeatVector"
            | "Activation"
            | "Masking"
            | "MaxPooling1D"
            | "MaxPooling2D"
            | "AveragePooling1D"
            | "AveragePooling2D"
            | "GlobalMaxPooling1D"
            | "GlobalAveragePooling1D"
            | "Add"
            | "Concatenate"
            | "Dot"
            | "Multiply"
            | "TextVectorization" => 0,
            _ => return None,
        },
    )
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
            "RepeatVector" => (json!({"n": 3}), f(&[4])),
            "TimeDistributed" => (
                json!({"layer": {"class_name": "Dense", "config": {"units": 2}}}),
                f(&[4, 3]),
            ),
            "Activation" => (json!({"activation": "tanh"}), f(&[3])),
            "SimpleRNN" => (json!({"units": 2}), f(&[4, 3])),
            "LSTM" => (json!({"units": 2, "return_sequences": true}), f(&[4, 3])),
            "GRU" => (json!({"units": 2, "reset_after": true}), f(&[4, 3])),
            "Bidirectional" => (
                json!({"layer": {"class_name": "LSTM", "config": {"units": 2}},
                       "merge_mode": "concat"}),
                f(&[4, 3]),
            ),
            "Masking" => (json!({"mask_value": 0.0}), f(&[4, 3])),
            "Conv1D" => (json!({"filters": 2, "kernel_size": [3]}), f(&[5, 3])),
            "Conv2D" => (json!({"filters": 2, "kernel_size": [2, 2]}), f(&[4, 4, 3])),
            "MaxPooling1D" | "AveragePooling1D" => (json!({"pool_size": [2]}), f(&[4, 3])),
            "MaxPooling2D" | "AveragePooling2D" => (json!({"pool_size": [2, 2]}), f(&[4, 4, 3])),
            "GlobalMaxPooling1D" | "GlobalAveragePooling1D" => (json!({}), f(&[4, 3])),
            "Add" | "Concatenate" | "Multiply" => (json!({}), f(&[3])),
            "Dot" => (json!({"axes": 1}), f(&[3])),
            "TextVectorization" => (
                json!({"max_tokens": 10, "output_sequence_length": 4,
                       "vocabulary": ["", "[UNK]", "a", "b"]}),
                vec![None, Some(1)],
            ),
            "LayerNormalization" => (json!({"epsilon": 1e-5}), f(&[4, 3])),
            "BatchNormalization" => (json!({"momentum": 0.9, "axis": 1}), f(&[4, 3])),
            "Attention" => (
                json!({"use_scale": true, "score_mode": "concat"}),
                f(&[4, 3]),
            ),
            "AdditiveAttention" => (json!({}), f(&[4, 3])),
            "MultiHeadAttention" => (
                json!({"num_heads": 2, "key_dim": 3, "output_shape": [5]}),
                f(&[4, 3]),
            ),
            "PositionEmbedding" => (json!({"sequence_length": 6}), f(&[4, 3])),
            "TokenAndPositionEmbedding" => (
                json!({"vocabulary_size": 10, "sequence_length": 6, "embedding_dim": 4,
                       "mask_zero": true}),
                f(&[5]),
            ),
            "TransformerEncoder" => (
                json!({"intermediate_dim": 8, "num_heads": 2, "normalize_first": true}),
                f(&[5, 4]),
            ),
            other => panic!("no sample for {other}"),
        }
    }

    /// Merge layers take two inputs of the sample shape; every other layer one.
    fn inputs(class: &str, shape: Shape) -> Vec<Shape> {
        if matches!(
            class,
            "Add"
                | "Concatenate"
                | "Dot"
                | "Multiply"
                | "Attention"
                | "AdditiveAttention"
                | "MultiHeadAttention"
        ) {
            vec![shape.clone(), shape]
        } else {
            vec![shape]
        }
    }

    #[test]
    fn every_registered_class_rebuilds_from_its_own_config() {
        for class in REGISTERED {
            let (cfg, shape) = sample(class);
            let mut layer = layer_from_config(class, &cfg).unwrap();
            assert_eq!(layer.class_name(), *class);
            let shapes = inputs(class, shape);
            layer.build(&shapes, &mut Rng::seed(1)).unwrap();
            let again = layer_from_config(class, &layer.get_config()).unwrap();
            assert_eq!(again.get_config(), layer.get_config(), "{class}");
        }
    }

    #[test]
    fn param_estimates_bound_what_build_creates() {
        for class in REGISTERED {
            let (cfg, shape) = sample(class);
            let mut layer = layer_from_config(class, &cfg).unwrap();
            let shapes = inputs(class, shape);
            layer.build(&shapes, &mut Rng::seed(1)).unwrap();
            if let Some(e) = estimate_params(class, &cfg, &shapes) {
                assert!(
                    e >= layer.count_params() as u64,
                    "{class}: {e} < {}",
                    layer.count_params()
                );
            }
        }
        let huge = json!({"input_dim": 1u64 << 40, "output_dim": 1u64 << 40});
        assert_eq!(estimate_params("Embedding", &huge, &[]), Some(u64::MAX));
        assert_eq!(estimate_params("GlobalMaxPool1D", &json!({}), &[]), Some(0));
        assert_eq!(estimate_params("MyCustomLayer", &json!({}), &[]), None);
    }

    #[test]
    fn keras_aliases_rebuild_the_canonical_class() {
        for (alias, class, cfg) in [
            ("MaxPool1D", "MaxPooling1D", json!({})),
            ("AvgPool2D", "AveragePooling2D", json!({})),
            ("GlobalAvgPool1D", "GlobalAveragePooling1D", json!({})),
            (
                "Convolution1D",
                "Conv1D",
                json!({"filters": 2, "kernel_size": 3}),
            ),
            ("keras.layers.LSTM", "LSTM", json!({"units": 2})),
        ] {
            let l = layer_from_config(alias, &cfg).unwrap();
            assert_eq!(l.class_name(), class, "{alias}");
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
