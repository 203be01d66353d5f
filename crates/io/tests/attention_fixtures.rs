//! A Transformer-style block saved by real Keras 3 (tools/keras_reference/attention_io_fixtures.py):
//! Embedding(mask_zero) → MultiHeadAttention → Add → LayerNormalization → Attention →
//! AdditiveAttention → GlobalAveragePooling1D → Dense, as `.keras`, legacy `.h5` and
//! `.weights.h5`, loads in kerust and predicts what Keras predicted (1e-5).
mod common;
use common::*;
use kerust_io::{load_model, load_weights, read_npy, NpyData};

const NAME: &str = "attn_block";

fn expected() -> Vec<f32> {
    match read_npy(fixture(&format!("{NAME}.y_k30.npy")))
        .unwrap()
        .data
    {
        NpyData::Float(v) => v,
        NpyData::Int(_) => panic!("predictions are floats"),
    }
}

#[test]
fn keras3_attention_block_files_predict_like_keras() {
    for file in [format!("{NAME}.keras"), format!("{NAME}.k3.h5")] {
        let mut m = load_model(fixture(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let got = predict(&mut m, &inputs(NAME, 1));
        assert_close(&got[0], &expected(), 1e-5, &file);
    }
}

#[test]
fn keras3_attention_weights_file_loads_into_the_architecture() {
    let mut m = load_model(fixture(&format!("{NAME}.keras"))).unwrap();
    let zeros: Vec<_> = m
        .get_weights()
        .iter()
        .map(|w| kerust_tensor::Tensor::zeros(w.shape()).unwrap())
        .collect();
    m.set_weights(&zeros).unwrap();
    load_weights(&mut m, fixture(&format!("{NAME}.k3.weights.h5"))).unwrap();
    let got = predict(&mut m, &inputs(NAME, 1));
    assert_close(&got[0], &expected(), 1e-5, "weights.h5");
}

/// Embedding(mask_zero) → Dense → BatchNormalization → GlobalAveragePooling1D → Dense, saved by
/// Keras 3 (`.keras`, `.h5`, `.weights.h5`) and by tf.keras 2 (`.h5`), with moving statistics far
/// from their initial values: kerust reads them and predicts what Keras predicted (1e-5).
#[test]
fn batch_normalization_files_from_keras3_and_tf_keras2_predict_like_keras() {
    let want = |tag: &str| match read_npy(fixture(&format!("bn_block.y_{tag}.npy")))
        .unwrap()
        .data
    {
        NpyData::Float(v) => v,
        NpyData::Int(_) => panic!("predictions are floats"),
    };
    for (file, tag) in [
        ("bn_block.keras", "k30"),
        ("bn_block.k3.h5", "k30"),
        ("bn_block.tf2.h5", "tf20"),
    ] {
        let mut m = load_model(fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let got = predict(&mut m, &inputs("bn_block", 1));
        assert_close(&got[0], &want(tag), 1e-5, file);
    }
    let mut m = load_model(fixture("bn_block.keras")).unwrap();
    let zeros: Vec<_> = m
        .get_weights()
        .iter()
        .map(|w| kerust_tensor::Tensor::zeros(w.shape()).unwrap())
        .collect();
    m.set_weights(&zeros).unwrap();
    load_weights(&mut m, fixture("bn_block.k3.weights.h5")).unwrap();
    let got = predict(&mut m, &inputs("bn_block", 1));
    assert_close(&got[0], &want("k30"), 1e-5, "bn_block.k3.weights.h5");
}

/// keras-hub TokenAndPositionEmbedding(mask_zero) → TransformerEncoder (post-LN) →
/// TransformerEncoder (pre-LN, dropout) → GlobalAveragePooling1D → Dense saved by Keras 3 with
/// keras-hub 0.32 as `.keras`, `.h5` and `.weights.h5`: kerust predicts what Keras predicted.
#[test]
fn keras_hub_transformer_files_predict_like_keras() {
    let want = match read_npy(fixture("hub_block.y_k30.npy")).unwrap().data {
        NpyData::Float(v) => v,
        NpyData::Int(_) => panic!("predictions are floats"),
    };
    for file in ["hub_block.keras", "hub_block.k3.h5"] {
        let mut m = load_model(fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let got = predict(&mut m, &inputs("hub_block", 1));
        assert_close(&got[0], &want, 1e-5, file);
    }
    let mut m = load_model(fixture("hub_block.keras")).unwrap();
    let zeros: Vec<_> = m
        .get_weights()
        .iter()
        .map(|w| kerust_tensor::Tensor::zeros(w.shape()).unwrap())
        .collect();
    m.set_weights(&zeros).unwrap();
    load_weights(&mut m, fixture("hub_block.k3.weights.h5")).unwrap();
    let got = predict(&mut m, &inputs("hub_block", 1));
    assert_close(&got[0], &want, 1e-5, "hub_block.k3.weights.h5");
}
