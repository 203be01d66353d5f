//! Issue 19 item 3: stateful `SimpleRNN` / `LSTM` / `GRU` / `Bidirectional` against Keras 3
//! (tools/keras_reference/stateful_reference.py). The same chunks fed in the same order give what
//! Keras predicts (1e-5), `reset_states` starts over, one `fit` epoch with shuffle off leaves the
//! same weights; a stateful model refuses another batch size, and a stateful layer without a
//! fixed batch size, with typed errors.
use kerust_layers::*;
use kerust_tensor::Tensor;
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/stateful.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-5, "{what}[{i}]: kerust {g}, keras {w}");
    }
}

const B: usize = 3;
const T: usize = 4;
const F: usize = 2;

/// The layers of each fixture case, as `stateful_reference.py` builds them.
fn layers(name: &str) -> Vec<Box<dyn Layer>> {
    match name {
        "lstm" => vec![
            Box::new(LSTM::new(4).stateful(true)),
            Box::new(Dense::new(2)),
        ],
        "gru_seq" => vec![Box::new(GRU::new(3).stateful(true).return_sequences(true))],
        "gru_before" => vec![Box::new(GRU::new(3).stateful(true).reset_after(false))],
        "simple_rnn" => vec![Box::new(
            SimpleRNN::new(3).stateful(true).go_backwards(true),
        )],
        "bi_lstm" => vec![Box::new(
            Bidirectional::new(LSTM::new(3).stateful(true).return_sequences(true)).unwrap(),
        )],
        "bi_gru_sum" => vec![Box::new(
            Bidirectional::new(GRU::new(2).stateful(true))
                .unwrap()
                .merge_mode("sum"),
        )],
        "masked_lstm" => vec![
            Box::new(Masking::new()),
            Box::new(LSTM::new(3).stateful(true).return_sequences(true)),
        ],
        "stacked" => vec![
            Box::new(GRU::new(3).stateful(true).return_sequences(true)),
            Box::new(SimpleRNN::new(2).stateful(true)),
        ],
        other => panic!("unknown case {other}"),
    }
}

fn weights(case: &Value) -> Vec<Tensor> {
    case["initial"]
        .as_array()
        .unwrap()
        .iter()
        .zip(case["shapes"].as_array().unwrap())
        .map(|(w, s)| {
            let shape: Vec<usize> = s
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap() as usize)
                .collect();
            Tensor::from_vec(floats(w), &shape).unwrap()
        })
        .collect()
}

fn model(layers: Vec<Box<dyn Layer>>, case: &Value) -> Sequential {
    let mut m = Sequential::new();
    m.add(Input::new(&[T, F]).batch_size(B)).unwrap();
    for l in layers {
        m.add_boxed(l).unwrap();
    }
    m.set_weights(&weights(case)).unwrap();
    m
}

fn chunks(case: &Value, which: &Value) -> Tensor {
    let mut v = Vec::new();
    let idx = which.as_array().unwrap();
    for i in idx {
        v.extend(floats(&case["chunks"][i.as_u64().unwrap() as usize]));
    }
    Tensor::from_vec(v, &[idx.len() * B, T, F]).unwrap()
}

#[test]
fn chunks_in_order_predict_what_keras_predicts() {
    let f = fixture();
    for case in f["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let mut m = model(layers(name), case);
        for (k, call) in case["calls"].as_array().unwrap().iter().enumerate() {
            let what = format!("{name} call {k} ({})", call["op"]);
            let got = match call["op"].as_str().unwrap() {
                "reset_states" => {
                    m.reset_states().unwrap();
                    continue;
                }
                "predict" => m.predict_batch_size(chunks(case, &call["x"]), B).unwrap(),
                "predict_on_batch" => m.predict_on_batch(chunks(case, &call["x"])).unwrap(),
                other => panic!("{other}"),
            };
            assert_close(&what, &got.to_vec().unwrap(), &floats(&call["y"]));
        }
    }
}

#[test]
fn layer_reset_states_and_a_clone_carry_on_independently() {
    let f = fixture();
    let case = &f["cases"][0];
    assert_eq!(case["name"], "lstm");
    let calls = case["calls"].as_array().unwrap();
    let mut m = model(layers("lstm"), case);
    let x0 = chunks(case, &serde_json::json!([0]));
    let x1 = chunks(case, &serde_json::json!([1]));
    m.predict_batch_size(x0.clone(), B).unwrap();
    // A copy taken now continues from the same states without disturbing the original.
    let mut copy = m.clone();
    let a = copy.predict_batch_size(x1.clone(), B).unwrap();
    assert_close("clone", &a.to_vec().unwrap(), &floats(&calls[1]["y"]));
    let b = m.predict_batch_size(x1, B).unwrap();
    assert_close("original", &b.to_vec().unwrap(), &floats(&calls[1]["y"]));
    // `layer.reset_states()` on the LSTM alone (the Keras per-layer call).
    let name = m.layers()[0].name().to_string();
    let lstm = m.get_layer_mut(&name).unwrap();
    assert!(lstm.is_stateful());
    let states = lstm
        .as_any()
        .downcast_ref::<LSTM>()
        .unwrap()
        .states()
        .unwrap();
    assert_eq!(states.len(), 2);
    assert_eq!(states[0].shape(), &[B, 4]);
    assert!(states[0].to_vec().unwrap().iter().any(|&v| v != 0.0));
    lstm.reset_states().unwrap();
    let c = m.predict_batch_size(x0, B).unwrap();
    assert_close(
        "after layer reset",
        &c.to_vec().unwrap(),
        &floats(&calls[0]["y"]),
    );
}

#[test]
fn one_fit_epoch_without_shuffle_matches_keras() {
    let f = fixture();
    let fit = &f["fit"];
    let mut m = Sequential::new();
    m.add(Input::new(&[T, F]).batch_size(B)).unwrap();
    m.add(LSTM::new(4).stateful(true)).unwrap();
    m.add(Dense::new(1)).unwrap();
    m.set_weights(&weights(fit)).unwrap();
    m.compile(SGD::new().learning_rate(0.1), "mse", &[])
        .unwrap();
    let x = Tensor::from_vec(floats(&fit["x"]), &[3 * B, T, F]).unwrap();
    let y = Tensor::from_vec(floats(&fit["y"]), &[3 * B, 1]).unwrap();
    let h = m
        .fit(
            x.clone(),
            y,
            FitArgs::new()
                .batch_size(B)
                .epochs(1)
                .shuffle(false)
                .verbose(0),
        )
        .unwrap();
    let loss = h.get("loss").unwrap()[0];
    assert!(
        (loss - fit["loss"].as_f64().unwrap() as f32).abs() <= 1e-5,
        "loss {loss}"
    );
    for (i, (g, w)) in m
        .get_weights()
        .iter()
        .zip(fit["after"].as_array().unwrap())
        .enumerate()
    {
        assert_close(&format!("weight {i}"), &g.to_vec().unwrap(), &floats(w));
    }
    // The states left by the last training batch carry into predict.
    let first = x.select_rows(&(0..B).collect::<Vec<_>>()).unwrap();
    let p = m.predict_batch_size(first.clone(), B).unwrap();
    assert_close(
        "predict after fit",
        &p.to_vec().unwrap(),
        &floats(&fit["predict_after"]),
    );
    // Batch-level calls carry them on: a training step, an evaluation step, predict_on_batch.
    let rows = |a: usize| x.select_rows(&(a..a + B).collect::<Vec<_>>()).unwrap();
    let yt = Tensor::from_vec(floats(&fit["y"]), &[3 * B, 1]).unwrap();
    let yrows = |a: usize| yt.select_rows(&(a..a + B).collect::<Vec<_>>()).unwrap();
    let tob = m.train_on_batch(rows(B), yrows(B)).unwrap();
    let teb = m.test_on_batch(rows(2 * B), yrows(2 * B)).unwrap();
    for (got, key) in [
        (tob.get("loss"), "train_on_batch"),
        (teb.get("loss"), "test_on_batch"),
    ] {
        let (got, want) = (got.unwrap(), fit[key].as_f64().unwrap() as f32);
        assert!(
            (got - want).abs() <= 1e-5,
            "{key}: kerust {got}, keras {want}"
        );
    }
    for (i, (g, w)) in m
        .get_weights()
        .iter()
        .zip(fit["after_on_batch"].as_array().unwrap())
        .enumerate()
    {
        assert_close(
            &format!("weight {i} after train_on_batch"),
            &g.to_vec().unwrap(),
            &floats(w),
        );
    }
    let p = m.predict_on_batch(first).unwrap();
    assert_close(
        "predict_on_batch after",
        &p.to_vec().unwrap(),
        &floats(&fit["predict_on_batch_after"]),
    );
}

#[test]
fn another_batch_size_is_a_typed_error_naming_the_fix() {
    let mut m = Sequential::new();
    m.add(Input::new(&[T, F]).batch_size(B)).unwrap();
    m.add(GRU::new(2).stateful(true)).unwrap();
    let err = m.predict(Tensor::zeros(&[8, T, F]).unwrap()).unwrap_err();
    assert!(
        matches!(
            err,
            LayerError::StatefulBatchSize {
                expected: 3,
                got: 8,
                ..
            }
        ),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("built for batch size 3") && msg.contains("batch_size=3"),
        "{msg}"
    );
    // A last partial batch is refused the same way, before any batch has moved the states.
    let x: Vec<f32> = (0..4 * T * F).map(|i| (i as f32 * 0.7).sin()).collect();
    let x = Tensor::from_vec(x, &[4, T, F]).unwrap();
    let err = m.predict_batch_size(x.clone(), B).unwrap_err();
    assert!(
        matches!(err, LayerError::StatefulBatchSize { got: 1, .. }),
        "{err}"
    );
    let state = |m: &Sequential| {
        let gru = m.layers()[0].as_any().downcast_ref::<GRU>().unwrap();
        gru.states().unwrap()[0].to_vec().unwrap()
    };
    assert!(state(&m).iter().all(|&v| v == 0.0));
    m.predict_batch_size(x.select_rows(&[0, 1, 2]).unwrap(), B)
        .unwrap();
    assert!(state(&m).iter().any(|&v| v != 0.0));
    m.compile(SGD::new(), "mse", &[]).unwrap();
    let err = m
        .fit(
            Tensor::zeros(&[5, T, F]).unwrap(),
            Tensor::zeros(&[5, 2]).unwrap(),
            FitArgs::new().batch_size(B).shuffle(false).verbose(0),
        )
        .unwrap_err();
    assert!(
        matches!(err, LayerError::StatefulBatchSize { got: 2, .. }),
        "{err}"
    );
    let err = m
        .train_on_batch(
            Tensor::zeros(&[2, T, F]).unwrap(),
            Tensor::zeros(&[2, 2]).unwrap(),
        )
        .unwrap_err();
    assert!(
        matches!(err, LayerError::StatefulBatchSize { got: 2, .. }),
        "{err}"
    );
}

#[test]
fn stateful_without_a_fixed_batch_size_is_a_typed_error() {
    let mut m = Sequential::new();
    m.add(Input::new(&[T, F])).unwrap();
    let err = m.add(LSTM::new(2).stateful(true)).unwrap_err();
    assert!(
        matches!(err, LayerError::StatefulWithoutBatchSize { .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("batch_size") && msg.contains("(None, 4, 2)"),
        "{msg}"
    );
    // The functional API too.
    let x = Input::new(&[T, F]).tensor();
    let err = LSTM::new(2).stateful(true).apply(&x).unwrap_err();
    assert!(
        matches!(err, LayerError::StatefulWithoutBatchSize { .. }),
        "{err}"
    );
    // With a batch size it builds, and reports the fixed batch in its shapes as Keras does.
    let x = Input::new(&[T, F]).batch_size(5).tensor();
    let y = LSTM::new(2).stateful(true).apply(&x).unwrap();
    assert_eq!(y.shape(), &[Some(5), Some(2)]);
}

#[test]
fn stateful_key_and_batch_shape_round_trip_through_the_config() {
    let mut m = Sequential::new();
    m.add(Input::new(&[T, F]).batch_size(B)).unwrap();
    m.add(Bidirectional::new(GRU::new(2).stateful(true).return_sequences(true)).unwrap())
        .unwrap();
    m.add(LSTM::new(3).stateful(true)).unwrap();
    let cfg = m.to_config();
    let layers = cfg["config"]["layers"].as_array().unwrap();
    assert_eq!(
        layers[0]["config"]["batch_shape"],
        serde_json::json!([3, 4, 2])
    );
    assert_eq!(layers[1]["config"]["layer"]["config"]["stateful"], true);
    assert_eq!(layers[2]["config"]["stateful"], true);
    let mut back = model_from_config(&cfg).unwrap();
    assert_eq!(back.to_config(), cfg);
    back.set_weights(&m.get_weights()).unwrap();
    let x = Tensor::from_vec(
        (0..B * T * F).map(|i| (i as f32 * 0.3).sin()).collect(),
        &[B, T, F],
    )
    .unwrap();
    for _ in 0..2 {
        let (a, b) = (
            m.predict_batch_size(x.clone(), B).unwrap(),
            back.predict_batch_size(x.clone(), B).unwrap(),
        );
        assert_eq!(a.to_vec().unwrap(), b.to_vec().unwrap());
    }
    // tf.keras 2 declares the fixed batch on the first layer: `batch_input_shape`.
    let k2 = serde_json::json!({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "SimpleRNN", "config": {"name": "r", "units": 2, "stateful": true,
         "batch_input_shape": [3, 4, 2]}}]}});
    let mut k2 = model_from_config(&k2).unwrap();
    assert!(k2.is_stateful());
    let err = k2.predict(Tensor::zeros(&[6, T, F]).unwrap()).unwrap_err();
    assert!(
        matches!(err, LayerError::StatefulBatchSize { expected: 3, .. }),
        "{err}"
    );
}

#[test]
fn bidirectional_reset_states_needs_a_stateful_layer() {
    let mut bi = Bidirectional::new(LSTM::new(2)).unwrap();
    assert!(!bi.is_stateful());
    assert!(bi.reset_states().is_err());
    let mut m = Sequential::new();
    m.add(Input::new(&[T, F])).unwrap();
    m.add(LSTM::new(2)).unwrap();
    // A model without stateful layers resets nothing and stays parallel in predict.
    assert!(!m.is_stateful());
    m.reset_states().unwrap();
}
