//! Models saved by real Keras 3 (`.keras`, legacy `.h5`, `.weights.h5`) and tf.keras 2 (`.h5`,
//! weights-only `.h5`) load in kerust and predict what Keras predicted (1e-5).
mod common;
use common::*;
use kerust_io::{load_model, load_weights, read_npy, NpyData};

const MODELS: &[(&str, usize, usize)] = &[
    ("seq_rnn", 1, 1),
    ("seq_dense", 1, 1),
    ("func_shared", 2, 2),
    // Embedding(mask_zero) → LSTM → GRU(reset_after=false) → GRU(reset_after=true) → Dense.
    ("seq_lstm_gru", 1, 1),
    // Bidirectional LSTM (concat) / GRU (sum), Conv1D, MaxPooling1D, GlobalMaxPooling1D.
    ("seq_bi_conv", 1, 1),
    // Reshape → Conv2D → MaxPooling2D → Flatten → Dense.
    ("seq_conv2d", 1, 1),
    // Quora-shaped: shared Embedding + shared LSTM on two inputs, Dot, Concatenate.
    ("func_siamese", 2, 1),
];

/// Keras's predictions: every `{model}.y_{tag}{i}.npy` fixture, which must be `outputs` files.
fn expected(model: &str, tag: &str, outputs: usize) -> Vec<Vec<f32>> {
    let on_disk = (0..)
        .take_while(|i| fixture(&format!("{model}.y_{tag}{i}.npy")).exists())
        .count();
    assert_eq!(
        on_disk, outputs,
        "{model}: Keras fixtures hold {on_disk} outputs"
    );
    (0..outputs)
        .map(|i| {
            match read_npy(fixture(&format!("{model}.y_{tag}{i}.npy")))
                .unwrap()
                .data
            {
                NpyData::Float(v) => v,
                NpyData::Int(_) => panic!("predictions are floats"),
            }
        })
        .collect()
}

fn check(model: &str, file: &str, tag: &str, n_in: usize, n_out: usize) {
    let mut m = load_model(fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let got = predict(&mut m, &inputs(model, n_in));
    compare_outputs(&got, &expected(model, tag, n_out), file);
}

/// Every output of kerust against Keras's, and the same number of outputs (a zip alone would
/// pass a model that dropped one).
fn compare_outputs(got: &[Vec<f32>], want: &[Vec<f32>], what: &str) {
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: kerust predicted {} outputs, Keras {}",
        got.len(),
        want.len()
    );
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_close(g, w, 1e-5, &format!("{what} output {i}"));
    }
}

#[test]
fn keras3_dot_keras_files_predict_like_keras() {
    for &(m, i, o) in MODELS {
        check(m, &format!("{m}.keras"), "k3", i, o);
    }
}

#[test]
fn keras3_legacy_h5_files_predict_like_keras() {
    for &(m, i, o) in MODELS {
        check(m, &format!("{m}.k3.h5"), "k3", i, o);
    }
}

#[test]
fn tf_keras2_h5_files_predict_like_keras() {
    for &(m, i, o) in MODELS {
        check(m, &format!("{m}.tf2.h5"), "tf2", i, o);
    }
}

#[test]
fn keras_compile_config_is_restored() {
    let m = load_model(fixture("seq_rnn.keras")).unwrap();
    let c = m.compile_config().expect("compiled");
    assert_eq!(c["loss"], "sparse_categorical_crossentropy");
    assert_eq!(c["optimizer"]["class_name"], "Adam");
    let m = load_model(fixture("seq_dense.tf2.h5")).unwrap();
    let c = m.compile_config().expect("compiled from training_config");
    assert_eq!(c["optimizer"]["class_name"], "RMSprop");
    assert!((c["optimizer"]["config"]["learning_rate"].as_f64().unwrap() - 0.01).abs() < 1e-6);
}

#[test]
fn weights_only_files_load_into_a_model() {
    for &(m, i, o) in MODELS {
        for (arch, weights, tag) in [
            (format!("{m}.keras"), format!("{m}.k3.weights.h5"), "k3"),
            (
                format!("{m}.tf2.h5"),
                format!("{m}.tf2.weights_only.h5"),
                "tf2",
            ),
        ] {
            let mut model = load_model(fixture(&arch)).unwrap();
            let zeros: Vec<_> = model
                .get_weights()
                .iter()
                .map(|w| kerust_tensor::Tensor::zeros(w.shape()).unwrap())
                .collect();
            model.set_weights(&zeros).unwrap();
            load_weights(&mut model, fixture(&weights))
                .unwrap_or_else(|e| panic!("{weights}: {e}"));
            let got = predict(&mut model, &inputs(m, i));
            compare_outputs(&got, &expected(m, tag, o), &weights);
        }
    }
}

#[test]
fn weights_only_file_is_not_a_model() {
    let e = load_model(fixture("seq_dense.tf2.weights_only.h5"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("model_config") && e.contains("load_weights"),
        "{e}"
    );
}

#[test]
fn shape_mismatch_names_layer_and_both_shapes() {
    // seq_dense's weights into seq_rnn's architecture: counts differ.
    let mut m = load_model(fixture("seq_dense.keras")).unwrap();
    let e = load_weights(&mut m, fixture("seq_rnn.k3.weights.h5"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("seq_rnn.k3.weights.h5"), "{e}");
    // Same layer names, different shapes.
    use kerust_layers::{Dense, Input, Sequential};
    let mut s = Sequential::new();
    s.add(Input::new(&[5])).unwrap();
    s.add(Dense::new(8).name("dense")).unwrap();
    let dir = scratch("mismatch");
    let p = dir.join("w.weights.h5");
    kerust_io::save_weights(&s, &p).unwrap();
    let mut t = Sequential::new();
    t.add(Input::new(&[4])).unwrap();
    t.add(Dense::new(8).name("dense")).unwrap();
    let e = kerust_io::load_weights(&mut t, &p)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("'dense'") && e.contains("[4, 8]") && e.contains("[5, 8]"),
        "{e}"
    );
}
