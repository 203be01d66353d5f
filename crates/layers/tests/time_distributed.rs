//! Issue 19 item 6: `RepeatVector` and `TimeDistributed` against Keras 3
//! (tools/keras_reference/time_distributed_reference.py): predictions, gradients (one SGD step
//! with learning rate 1 leaves `w - grad`) and a seq2seq model's weights after one epoch, to 1e-5.
use kerust_layers::*;
use kerust_tensor::Tensor;
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/time_distributed.json"
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

fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol, "{what}[{i}]: kerust {g}, keras {w}");
    }
}

fn set_initial(m: &mut Sequential, case: &Value) {
    let shapes: Vec<Vec<usize>> = m.get_weights().iter().map(|w| w.shape().to_vec()).collect();
    let init: Vec<Tensor> = case["initial"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&shapes)
        .map(|(w, s)| Tensor::from_vec(floats(w), s).unwrap())
        .collect();
    assert_eq!(init.len(), shapes.len(), "weight count");
    m.set_weights(&init).unwrap();
}

fn check_after(m: &Sequential, case: &Value) {
    for (i, (w, want)) in m
        .get_weights()
        .iter()
        .zip(case["after"].as_array().unwrap())
        .enumerate()
    {
        assert_close(
            &format!("weight {i}"),
            &w.to_vec().unwrap(),
            &floats(want),
            1e-5,
        );
    }
}

#[test]
fn repeat_vector_and_time_distributed_forward_and_gradients_match_keras() {
    let f = fixture();
    let case = &f["grads"];
    let mut m = Sequential::new();
    m.add(Dense::new(4).activation("tanh").input_shape(&[5]))
        .unwrap();
    m.add(RepeatVector::new(3)).unwrap();
    m.add(TimeDistributed::new(Dense::new(2))).unwrap();
    set_initial(&mut m, case);
    let x = Tensor::from_vec(floats(&case["x"]), &[2, 5]).unwrap();
    let y = Tensor::from_vec(floats(&case["y"]), &[2, 3, 2]).unwrap();
    let p = m.predict_on_batch(&x).unwrap();
    assert_eq!(p.shape(), &[2, 3, 2]);
    assert_close(
        "predict",
        &p.to_vec().unwrap(),
        &floats(&case["predict"]),
        1e-5,
    );
    m.compile(SGD::new().learning_rate(1.0), "mse", &[])
        .unwrap();
    let logs = m.train_on_batch(&x, &y).unwrap();
    assert_close(
        "loss",
        &[logs.get("loss").unwrap()],
        &[case["loss"].as_f64().unwrap() as f32],
        1e-5,
    );
    check_after(&m, case);
}

#[test]
fn seq2seq_with_repeat_vector_and_time_distributed_trains_like_keras() {
    let f = fixture();
    let case = &f["seq2seq"];
    let dims: Vec<usize> = case["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let (n, t, v) = (dims[0], dims[1], dims[2]);
    let mut m = Sequential::new();
    m.add(LSTM::new(6).input_shape(&[Some(t), Some(v)]))
        .unwrap();
    m.add(RepeatVector::new(t)).unwrap();
    m.add(LSTM::new(5).return_sequences(true)).unwrap();
    m.add(TimeDistributed::new(Dense::new(v).activation("softmax")))
        .unwrap();
    set_initial(&mut m, case);
    let x = Tensor::from_vec(floats(&case["x"]), &[n, t, v]).unwrap();
    let y = Tensor::from_vec(floats(&case["y"]), &[n, t]).unwrap();
    m.compile(
        Adam::new().learning_rate(0.01),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let h = m
        .fit(
            &x,
            &y,
            FitArgs::new().batch_size(4).shuffle(false).verbose(0),
        )
        .unwrap();
    check_after(&m, case);
    for (k, want) in case["history"].as_object().unwrap() {
        assert_close(k, h.get(k).unwrap(), &floats(want), 1e-5);
    }
    let p = m.predict(&x).unwrap();
    assert_close(
        "predict",
        &p.to_vec().unwrap(),
        &floats(&case["predict"]),
        1e-5,
    );
}

#[test]
fn wrappers_round_trip_their_config_and_reject_bad_ranks() {
    let td = TimeDistributed::new(Dense::new(3).activation("relu"));
    let cfg = td.get_config();
    assert_eq!(cfg["layer"]["class_name"], "Dense");
    let back = layer_from_config("TimeDistributed", &cfg).unwrap();
    assert_eq!(back.get_config(), cfg);
    let rv = layer_from_config("RepeatVector", &RepeatVector::new(4).get_config()).unwrap();
    assert_eq!(rv.get_config()["n"], 4);
    // RepeatVector needs [batch, features]; TimeDistributed needs a time axis.
    let mut m = Sequential::new();
    m.add(Dense::new(2).input_shape(&[3])).unwrap();
    assert!(matches!(
        m.add(TimeDistributed::new(Dense::new(2))).unwrap_err(),
        LayerError::Input { .. }
    ));
    let mut m = Sequential::new();
    m.add(
        LSTM::new(2)
            .return_sequences(true)
            .input_shape(&[Some(4), Some(3)]),
    )
    .unwrap();
    assert!(matches!(
        m.add(RepeatVector::new(2)).unwrap_err(),
        LayerError::Input { .. }
    ));
}
