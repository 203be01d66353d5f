//! Issue 19 item 1: `class_weight` / `sample_weight` in `fit` and `evaluate` against Keras 3
//! fixtures (tools/keras_reference/sample_weights_reference.py): same initial weights, shuffle off,
//! the weights after training and the logged losses agree to 1e-5.
use kerust_layers::*;
use kerust_tensor::Tensor;
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sample_weights.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn data(f: &Value) -> (Tensor, Tensor, Tensor) {
    let x = Tensor::from_vec(floats(&f["x"]), &[10, 4]).unwrap();
    let y = Tensor::from_vec(floats(&f["labels"]), &[10]).unwrap();
    let w = Tensor::from_vec(floats(&f["sample_weight"]), &[10]).unwrap();
    (x, y, w)
}

/// Dense(3, tanh) → Dense(units, activation) with Keras's initial weights.
fn model(case: &Value, units: usize, activation: &str) -> Sequential {
    let mut m = Sequential::new();
    m.add(Dense::new(3).activation("tanh").input_shape(&[4]))
        .unwrap();
    m.add(Dense::new(units).activation(activation)).unwrap();
    let shapes: Vec<Vec<usize>> = m.get_weights().iter().map(|w| w.shape().to_vec()).collect();
    let init: Vec<Tensor> = case["initial"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&shapes)
        .map(|(w, s)| Tensor::from_vec(floats(w), s).unwrap())
        .collect();
    m.set_weights(&init).unwrap();
    m
}

fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-5, "{what}[{i}]: kerust {g}, keras {w}");
    }
}

fn check_weights(m: &Sequential, case: &Value) {
    for (i, (w, want)) in m
        .get_weights()
        .iter()
        .zip(case["after"].as_array().unwrap())
        .enumerate()
    {
        assert_close(&format!("weight {i}"), &w.to_vec().unwrap(), &floats(want));
    }
}

fn check_history(h: &History, case: &Value) {
    for (k, want) in case["history"].as_object().unwrap() {
        assert_close(k, h.get(k).unwrap(), &floats(want));
    }
}

fn class_weights(case: &Value) -> Vec<(usize, f32)> {
    case["class_weight"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_u64().unwrap() as usize,
                p[1].as_f64().unwrap() as f32,
            )
        })
        .collect()
}

#[test]
fn class_weight_matches_keras_after_one_epoch() {
    let f = fixture();
    let case = &f["cases"]["class_weight_sparse"];
    let (x, y, _) = data(&f);
    let mut m = model(case, 3, "softmax");
    m.compile(
        SGD::new().learning_rate(0.1),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let args = FitArgs::new()
        .batch_size(4)
        .shuffle(false)
        .verbose(0)
        .class_weight(class_weights(case));
    let h = m.fit(&x, &y, args).unwrap();
    check_weights(&m, case);
    check_history(&h, case);
}

#[test]
fn binary_class_weight_with_adam_matches_keras() {
    let f = fixture();
    let case = &f["cases"]["class_weight_binary"];
    let (x, _, _) = data(&f);
    let y = Tensor::from_vec(floats(&case["y"]), &[10, 1]).unwrap();
    let mut m = model(case, 1, "sigmoid");
    m.compile(
        Adam::new().learning_rate(0.01),
        "binary_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let args = FitArgs::new()
        .batch_size(4)
        .shuffle(false)
        .verbose(0)
        .class_weight(class_weights(case));
    let h = m.fit(&x, &y, args).unwrap();
    check_weights(&m, case);
    check_history(&h, case);
}

#[test]
fn sample_weight_is_sliced_by_validation_split_like_keras() {
    let f = fixture();
    let case = &f["cases"]["sample_weight_split"];
    let (x, y, w) = data(&f);
    let mut m = model(case, 3, "softmax");
    m.compile(
        SGD::new().learning_rate(0.1),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let args = FitArgs::new()
        .epochs(2)
        .batch_size(4)
        .shuffle(false)
        .verbose(0)
        .sample_weight(w)
        .validation_split(0.2);
    let h = m.fit(&x, &y, args).unwrap();
    check_weights(&m, case);
    check_history(&h, case);
}

#[test]
fn evaluate_weights_the_loss_but_not_the_metrics() {
    let f = fixture();
    let case = &f["cases"]["evaluate_weighted"];
    let (x, y, w) = data(&f);
    let mut m = model(case, 3, "softmax");
    m.compile(
        SGD::new().learning_rate(0.1),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let logs = m
        .evaluate_with(&x, &y, EvaluateArgs::new().batch_size(4).sample_weight(w))
        .unwrap();
    for (k, want) in case["logs"].as_object().unwrap() {
        let got = logs.get(k).unwrap();
        assert!(
            (got - want.as_f64().unwrap() as f32).abs() <= 1e-5,
            "{k}: {got} vs {want}"
        );
    }
}

#[test]
fn temporal_sample_weight_on_a_sequence_output_matches_keras() {
    let f = fixture();
    let case = &f["cases"]["temporal_sample_weight"];
    let x = Tensor::from_vec(floats(&case["x"]), &[10, 3, 4]).unwrap();
    let y = Tensor::from_vec(floats(&case["y"]), &[10, 3]).unwrap();
    let w = Tensor::from_vec(floats(&case["sample_weight"]), &[10, 3]).unwrap();
    let mut m = Sequential::new();
    m.add(Input::new(&[3, 4])).unwrap();
    m.add(TimeDistributed::new(Dense::new(3).activation("softmax")))
        .unwrap();
    let init: Vec<Tensor> = case["initial"]
        .as_array()
        .unwrap()
        .iter()
        .zip([vec![4, 3], vec![3]])
        .map(|(v, s)| Tensor::from_vec(floats(v), &s).unwrap())
        .collect();
    m.set_weights(&init).unwrap();
    m.compile(
        SGD::new().learning_rate(0.1),
        "sparse_categorical_crossentropy",
        &[],
    )
    .unwrap();
    let args = FitArgs::new()
        .batch_size(4)
        .shuffle(false)
        .verbose(0)
        .sample_weight(w);
    let h = m.fit(&x, &y, args).unwrap();
    check_weights(&m, case);
    check_history(&h, case);
    // Weights of shape [n, 2] fit neither [n] nor [n, time]: a typed error.
    let bad = Tensor::from_vec(vec![1.0; 20], &[10, 2]).unwrap();
    let err = m
        .fit(&x, &y, FitArgs::new().verbose(0).sample_weight(bad))
        .unwrap_err();
    assert!(matches!(err, LayerError::SampleWeightShape { .. }), "{err}");
}

#[test]
fn bad_weights_are_typed_errors() {
    let f = fixture();
    let case = &f["cases"]["class_weight_sparse"];
    let (x, y, w) = data(&f);
    let mut m = model(case, 3, "softmax");
    m.compile(SGD::new(), "sparse_categorical_crossentropy", &[])
        .unwrap();
    let short = Tensor::from_vec(vec![1.0; 7], &[7]).unwrap();
    let err = m
        .fit(
            &x,
            &y,
            FitArgs::new().verbose(0).sample_weight(short.clone()),
        )
        .unwrap_err();
    assert!(
        matches!(&err, LayerError::SampleWeightShape { got, .. } if got == &vec![7]),
        "{err}"
    );
    let err = m
        .evaluate_with(&x, &y, EvaluateArgs::new().sample_weight(short))
        .unwrap_err();
    assert!(matches!(err, LayerError::SampleWeightShape { .. }), "{err}");
    // Label 2 occurs in y but has no class weight: the error names it.
    let err = m
        .fit(
            &x,
            &y,
            FitArgs::new().verbose(0).class_weight([(0, 1.0), (1, 2.0)]),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            LayerError::ClassWeightMissing {
                label: 2,
                sample: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("label 2"), "{err}");
    let both =
        FitArgs::new()
            .verbose(0)
            .sample_weight(w)
            .class_weight([(0, 1.0), (1, 1.0), (2, 1.0)]);
    assert!(matches!(
        m.fit(&x, &y, both).unwrap_err(),
        LayerError::Config { .. }
    ));
    // A split that leaves no validation sample is refused, as in Keras.
    let err = m
        .fit(&x, &y, FitArgs::new().verbose(0).validation_split(0.95))
        .unwrap_err();
    assert!(err.to_string().contains("validation_split"), "{err}");
}

/// The logged keys equal Keras's, and every value agrees.
fn check_history_keys(h: &History, case: &Value) {
    let mut want: Vec<&String> = case["history"].as_object().unwrap().keys().collect();
    let mut got: Vec<String> = h.keys().iter().map(|k| k.to_string()).collect();
    want.sort();
    got.sort();
    assert_eq!(got.iter().collect::<Vec<_>>(), want);
    check_history(h, case);
}

#[test]
fn weighted_metrics_under_sample_weight_match_keras() {
    let f = fixture();
    let case = &f["cases"]["weighted_metrics_sample_weight"];
    let (x, y, w) = data(&f);
    let mut m = model(case, 3, "softmax");
    m.compile_weighted(
        SGD::new().learning_rate(0.1),
        "sparse_categorical_crossentropy",
        &["accuracy"],
        &["accuracy"],
    )
    .unwrap();
    let args = FitArgs::new()
        .epochs(2)
        .batch_size(4)
        .shuffle(false)
        .verbose(0)
        .sample_weight(w.clone())
        .validation_split(0.2);
    let h = m.fit(&x, &y, args).unwrap();
    check_weights(&m, case);
    check_history_keys(&h, case);
    let logs = m
        .evaluate_with(&x, &y, EvaluateArgs::new().batch_size(4).sample_weight(w))
        .unwrap();
    for (k, want) in case["evaluate"].as_object().unwrap() {
        let got = logs.get(k).unwrap();
        assert!(
            (got - want.as_f64().unwrap() as f32).abs() <= 1e-5,
            "{k}: {got} vs {want}"
        );
    }
    // The compile config keeps them (Keras's compile_config key).
    assert_eq!(
        m.compile_config().unwrap()["weighted_metrics"],
        serde_json::json!(["accuracy"])
    );
}

#[test]
fn weighted_metrics_under_class_weight_match_keras() {
    let f = fixture();
    let case = &f["cases"]["weighted_metrics_class_weight"];
    let (x, _, _) = data(&f);
    let y = Tensor::from_vec(floats(&case["y"]), &[10, 1]).unwrap();
    let mut m = model(case, 1, "sigmoid");
    m.compile_weighted(
        Adam::new().learning_rate(0.01),
        "binary_crossentropy",
        &[],
        &["accuracy", "mse"],
    )
    .unwrap();
    let args = FitArgs::new()
        .batch_size(4)
        .shuffle(false)
        .verbose(0)
        .class_weight(class_weights(case));
    let h = m.fit(&x, &y, args).unwrap();
    check_weights(&m, case);
    check_history_keys(&h, case);
}
