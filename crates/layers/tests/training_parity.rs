//! Training against Keras: the weights after several optimizer steps, for every optimizer and
//! every loss, and after one epoch of a tweets-shaped LSTM classifier and of the fortune500
//! stacked SimpleRNN, equal Keras's from the same initial weights and batch order.
//! Fixtures: tools/keras_reference/training_reference.py (no Python needed here).
use kerust_layers::*;
use kerust_tensor::{IntTensor, Tensor};
use serde_json::Value as Json;
use std::path::PathBuf;

fn fixture(name: &str) -> Json {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/training")
        .join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn shape(v: &Json) -> Vec<usize> {
    v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect()
}

fn tensor(v: &Json) -> Tensor {
    let data = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    Tensor::from_vec(data, &shape(v)).unwrap()
}

fn ints(v: &Json) -> IntTensor {
    let data = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    IntTensor::from_vec(data, &shape(v)).unwrap()
}

/// Integer targets (sparse labels) as the float class ids kerust's losses take.
fn targets(v: &Json) -> Tensor {
    let data = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    Tensor::from_vec(data, &shape(v)).unwrap()
}

fn weights(v: &Json) -> Vec<Tensor> {
    v.as_array().unwrap().iter().map(tensor).collect()
}

/// Same number of weights, same shapes, every element within `tol · max(1, |Keras|)` (f32 keeps
/// about 7 digits, so weights that grew large are compared relatively).
fn assert_weights(what: &str, got: &[Tensor], want: &[Tensor], tol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: weight count");
    let mut worst = Vec::new();
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.shape(), w.shape(), "{what}: weight {k} shape");
        let (g, w) = (g.to_vec().unwrap(), w.to_vec().unwrap());
        let (i, err) = g
            .iter()
            .zip(&w)
            .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
            .enumerate()
            .fold((0, 0f32), |m, (i, e)| if e > m.1 { (i, e) } else { m });
        worst.push((k, i, g[i], w[i], err));
    }
    assert!(
        worst.iter().all(|w| w.4 <= tol),
        "{what}: weights differ from Keras by more than {tol:e}; per weight (index, worst element, \
         kerust, Keras, scaled diff): {worst:?}"
    );
}

/// The optimizer a fixture case names, built with kerust's builder methods.
fn optimizer(cfg: &Json) -> Box<dyn Optimizer> {
    let f = |k: &str| cfg.get(k).and_then(Json::as_f64).map(|v| v as f32);
    let b = |k: &str| cfg.get(k).and_then(Json::as_bool).unwrap_or(false);
    let lr = f("learning_rate").unwrap();
    match cfg["class"].as_str().unwrap() {
        "SGD" => Box::new(
            SGD::new()
                .learning_rate(lr)
                .momentum(f("momentum").unwrap_or(0.0))
                .nesterov(b("nesterov")),
        ),
        "RMSprop" => Box::new(
            RMSprop::new()
                .learning_rate(lr)
                .momentum(f("momentum").unwrap_or(0.0))
                .centered(b("centered")),
        ),
        "Adam" => Box::new(Adam::new().learning_rate(lr).amsgrad(b("amsgrad"))),
        "Adagrad" => Box::new(Adagrad::new().learning_rate(lr)),
        other => panic!("fixture names an unknown optimizer {other}"),
    }
}

#[test]
fn every_optimizer_and_loss_trains_like_keras() {
    let f = fixture("optimizers.json");
    let x = tensor(&f["x"]);
    let d = x.shape()[1];
    let hidden = f["hidden"].as_u64().unwrap() as usize;
    let batch = f["batch_size"].as_u64().unwrap() as usize;
    let epochs = f["epochs"].as_u64().unwrap() as usize;
    let cases = f["cases"].as_array().unwrap();
    // 7 optimizer settings × 7 losses.
    assert_eq!(cases.len(), 49, "fixture case count");
    for case in cases {
        let (loss, opt) = (
            case["loss"].as_str().unwrap(),
            case["optimizer"].as_str().unwrap(),
        );
        let what = format!("{opt} × {loss}");
        let mut m = Sequential::new();
        m.add(Dense::new(hidden).activation("tanh").input_shape(&[d]))
            .unwrap();
        m.add(
            Dense::new(case["units"].as_u64().unwrap() as usize)
                .activation(case["activation"].as_str().unwrap()),
        )
        .unwrap();
        m.set_weights(&weights(&case["initial_weights"])).unwrap();
        m.compile(optimizer(&case["optimizer_config"]), loss, &[])
            .unwrap();
        let y = targets(&case["y"]);
        m.fit(
            &x,
            &y,
            FitArgs::new()
                .batch_size(batch)
                .epochs(epochs)
                .shuffle(false)
                .verbose(0),
        )
        .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_weights(&what, &m.get_weights(), &weights(&case["weights"]), 1e-6);
    }
}

#[test]
fn one_epoch_of_a_tweets_lstm_classifier_matches_keras() {
    let f = fixture("lstm_text.json");
    let ids = ints(&f["ids"]);
    let t = ids.shape()[1];
    let mut m = Sequential::new();
    m.add(Input::new(&[t]).dtype("int32")).unwrap();
    m.add(
        Embedding::new(
            f["vocab"].as_u64().unwrap() as usize,
            f["embedding_dim"].as_u64().unwrap() as usize,
        )
        .mask_zero(true),
    )
    .unwrap();
    m.add(LSTM::new(f["units"].as_u64().unwrap() as usize))
        .unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    m.set_weights(&weights(&f["initial_weights"])).unwrap();
    let lr = f["learning_rate"].as_f64().unwrap() as f32;
    m.compile(Adam::new().learning_rate(lr), "binary_crossentropy", &[])
        .unwrap();
    let h = m
        .fit(
            &ids,
            tensor(&f["y"]),
            FitArgs::new()
                .batch_size(f["batch_size"].as_u64().unwrap() as usize)
                .epochs(1)
                .shuffle(false)
                .verbose(0),
        )
        .unwrap();
    assert_weights(
        "tweets LSTM",
        &m.get_weights(),
        &weights(&f["weights"]),
        1e-5,
    );
    let loss = h.get("loss").expect("loss logged")[0] as f64;
    let want = f["loss"].as_f64().unwrap();
    assert!(
        (loss - want).abs() < 1e-5,
        "epoch loss {loss} vs Keras {want}"
    );
}

#[test]
fn one_epoch_of_the_fortune500_stacked_simple_rnn_matches_keras() {
    let f = fixture("stacked_rnn.json");
    let mut m = Sequential::new();
    m.add(
        SimpleRNN::new(10)
            .return_sequences(true)
            .input_shape(&[None, Some(1)]),
    )
    .unwrap();
    m.add(SimpleRNN::new(5).return_sequences(true)).unwrap();
    m.add(SimpleRNN::new(1)).unwrap();
    m.set_weights(&weights(&f["initial_weights"])).unwrap();
    let lr = f["learning_rate"].as_f64().unwrap() as f32;
    m.compile(Adam::new().learning_rate(lr), "mse", &[])
        .unwrap();
    let h = m
        .fit(
            tensor(&f["x"]),
            tensor(&f["y"]),
            FitArgs::new()
                .batch_size(f["batch_size"].as_u64().unwrap() as usize)
                .epochs(1)
                .shuffle(false)
                .verbose(0),
        )
        .unwrap();
    assert_weights(
        "stacked SimpleRNN",
        &m.get_weights(),
        &weights(&f["weights"]),
        1e-5,
    );
    let loss = h.get("loss").expect("loss logged")[0] as f64;
    let want = f["loss"].as_f64().unwrap();
    assert!(
        (loss - want).abs() < 1e-5,
        "epoch loss {loss} vs Keras {want}"
    );
}
