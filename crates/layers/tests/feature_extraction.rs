//! Keras's feature-extraction idiom, `Model(model.inputs, model.get_layer(NAME).output)`, for
//! Sequential and functional models: the extractor computes the model's intermediate values and
//! shares its weights (training the model afterwards changes the extractor's outputs).
use kerust_layers::*;
use kerust_tensor::{IntTensor, Rng, Tensor};

fn data(n: usize, d: usize, seed: u64) -> (Tensor, Tensor) {
    let mut rng = Rng::seed(seed);
    let x: Vec<f32> = (0..n * d).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let y: Vec<f32> = (0..n)
        .map(|i| (x[i * d] + 0.5 * x[i * d + 1] > 0.0) as i32 as f32)
        .collect();
    (
        Tensor::from_vec(x, &[n, d]).unwrap(),
        Tensor::from_vec(y, &[n, 1]).unwrap(),
    )
}

/// relu(x·W + b) computed by hand from the named layer's current weights.
fn hidden_by_hand(model: &ModelCore, name: &str, x: &Tensor) -> Vec<f32> {
    let w = model.get_layer(name).unwrap().get_weights();
    let (k, b) = (w[0].to_vec().unwrap(), w[1].to_vec().unwrap());
    let (din, units) = (w[0].shape()[0], w[0].shape()[1]);
    let xv = x.to_vec().unwrap();
    let n = x.shape()[0];
    let mut out = vec![0f32; n * units];
    for i in 0..n {
        for u in 0..units {
            let mut s = b[u];
            for j in 0..din {
                s += xv[i * din + j] * k[j * units + u];
            }
            out[i * units + u] = s.max(0.0);
        }
    }
    out
}

fn close(a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-5, "{x} vs {y}");
    }
}

fn extractor(model: &ModelCore, name: &str) -> Model {
    let ins = model.inputs().unwrap();
    let ins: Vec<&KerasTensor> = ins.iter().collect();
    let out = model.get_layer_handle(name).unwrap().output().unwrap();
    Model::new(&ins, &[&out]).unwrap()
}

fn check_shares_weights(model: &mut ModelCore) {
    let (x, y) = data(64, 3, 1);
    let mut ext = extractor(model, "hidden");
    let before = ext.predict(x.clone()).unwrap();
    assert_eq!(before.shape(), &[64, 4]);
    close(
        &before.to_vec().unwrap(),
        &hidden_by_hand(model, "hidden", &x),
    );
    model.compile("adam", "binary_crossentropy", &[]).unwrap();
    model
        .fit(
            x.clone(),
            y,
            FitArgs::new().epochs(2).batch_size(16).verbose(0),
        )
        .unwrap();
    let after = ext.predict(x.clone()).unwrap();
    assert_ne!(
        before.to_vec().unwrap(),
        after.to_vec().unwrap(),
        "training the model must change what its extractor computes"
    );
    close(
        &after.to_vec().unwrap(),
        &hidden_by_hand(model, "hidden", &x),
    );
    // The extractor's weights are the model's, not a copy taken when it was built.
    let theirs = model.get_layer("hidden").unwrap().get_weights();
    let ext_w = ext.get_weights();
    assert_eq!(theirs[0].to_vec().unwrap(), ext_w[0].to_vec().unwrap());
}

#[test]
fn sequential_extractor_shares_the_trained_weights() {
    set_random_seed(3);
    let mut m = Sequential::new();
    m.add(Input::new(&[3])).unwrap();
    m.add(Dense::new(4).activation("relu").name("hidden"))
        .unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    check_shares_weights(&mut m);
}

#[test]
fn functional_extractor_shares_the_trained_weights() {
    set_random_seed(4);
    let x = Input::new(&[3]).tensor();
    let h = Dense::new(4)
        .activation("relu")
        .name("hidden")
        .apply(&x)
        .unwrap();
    let o = Dense::new(1).activation("sigmoid").apply(&h).unwrap();
    let mut m = Model::new(&[&x], &[&o]).unwrap();
    check_shares_weights(&mut m);
}

#[test]
fn training_the_extractor_changes_the_model() {
    set_random_seed(5);
    let mut m = Sequential::new();
    m.add(Input::new(&[3])).unwrap();
    m.add(Dense::new(4).activation("relu").name("hidden"))
        .unwrap();
    m.add(Dense::new(1)).unwrap();
    let (x, _) = data(32, 3, 2);
    let before = m.predict(x.clone()).unwrap().to_vec().unwrap();
    let mut ext = extractor(&m, "hidden");
    ext.compile("sgd", "mse", &[]).unwrap();
    let target = Tensor::from_vec(vec![1.0; 32 * 4], &[32, 4]).unwrap();
    ext.fit(x.clone(), target, FitArgs::new().epochs(1).verbose(0))
        .unwrap();
    let after = m.predict(x).unwrap().to_vec().unwrap();
    assert_ne!(before, after);
}

/// Embedding → LSTM(return_sequences) → LSTM(1), the lecture's neuron-probe model: the first
/// LSTM's per-token outputs, fed through the second LSTM alone, give the model's prediction.
#[test]
fn lstm_sequences_from_the_extractor_are_the_models_intermediate_values() {
    set_random_seed(6);
    let mut m = Sequential::new();
    m.add(Input::with_shape(vec![None]).dtype("int32")).unwrap();
    m.add(Embedding::new(20, 5)).unwrap();
    m.add(LSTM::new(3).return_sequences(true).name("lstm_probe"))
        .unwrap();
    m.add(LSTM::new(1).name("lstm_out")).unwrap();
    let ids: Vec<i64> = (0..4 * 7).map(|i| (i * 7 % 19 + 1) as i64).collect();
    let x = IntTensor::from_vec(ids, &[4, 7]).unwrap();
    let want = m.predict(x.clone()).unwrap();
    let mut ext = extractor(&m, "lstm_probe");
    let seq = ext.predict(x).unwrap();
    assert_eq!(seq.shape(), &[4, 7, 3]);
    let mut tail = Sequential::new();
    tail.add(Input::new(&[7, 3])).unwrap();
    tail.add(LSTM::new(1)).unwrap();
    tail.set_weights(&m.get_layer("lstm_out").unwrap().get_weights())
        .unwrap();
    close(
        &tail.predict(seq).unwrap().to_vec().unwrap(),
        &want.to_vec().unwrap(),
    );
}

#[test]
fn bad_requests_are_typed_errors() {
    let m = Sequential::new();
    assert!(matches!(m.inputs(), Err(LayerError::NotBuilt(_))));
    let mut m = Sequential::new();
    m.add(Input::new(&[2])).unwrap();
    m.add(Dense::new(1).name("d")).unwrap();
    let err = m.get_layer_handle("nope").err().unwrap().to_string();
    assert!(
        err.contains("no layer named 'nope'") && err.contains("\"d\""),
        "{err}"
    );
    // A layer called twice has no single output.
    let shared = Dense::new(2).shared();
    let a = Input::new(&[2]).tensor();
    shared.call(&a).unwrap();
    shared.call(&a).unwrap();
    assert!(shared.output().is_err());
    let never = Dense::new(2).shared();
    assert!(matches!(never.output(), Err(LayerError::NotBuilt(_))));
}

#[test]
fn a_rust_clone_is_an_independent_copy() {
    set_random_seed(7);
    let mut m = Sequential::new();
    m.add(Input::new(&[3])).unwrap();
    m.add(Dense::new(4).activation("relu").name("hidden"))
        .unwrap();
    m.add(Dense::new(1)).unwrap();
    let mut ext = extractor(&m, "hidden");
    let (x, y) = data(32, 3, 3);
    let before = ext.predict(x.clone()).unwrap().to_vec().unwrap();
    let mut copy = m.clone();
    copy.compile("sgd", "mse", &[]).unwrap();
    copy.fit(x.clone(), y, FitArgs::new().epochs(1).verbose(0))
        .unwrap();
    assert_eq!(before, ext.predict(x).unwrap().to_vec().unwrap());
}

/// Weights set through `get_layer_mut` after an extractor exists are the model's new weights:
/// the next pass publishes them rather than reverting them to the shared copy.
#[test]
fn weights_changed_in_place_are_kept_and_shared() {
    set_random_seed(8);
    let mut m = Sequential::new();
    m.add(Input::new(&[3])).unwrap();
    m.add(Dense::new(4).activation("relu").name("hidden"))
        .unwrap();
    m.add(Dense::new(1)).unwrap();
    let mut ext = extractor(&m, "hidden");
    let (x, _) = data(16, 3, 4);
    let ones = vec![
        Tensor::from_vec(vec![0.5; 12], &[3, 4]).unwrap(),
        Tensor::from_vec(vec![0.25; 4], &[4]).unwrap(),
    ];
    m.get_layer_mut("hidden")
        .unwrap()
        .set_weights(&ones)
        .unwrap();
    assert_eq!(
        m.get_weights()[0].to_vec().unwrap(),
        vec![0.5; 12],
        "get_weights must show the weights just set"
    );
    m.predict(x.clone()).unwrap();
    assert_eq!(
        m.get_layer("hidden").unwrap().get_weights()[0]
            .to_vec()
            .unwrap(),
        vec![0.5; 12],
        "a forward pass must not revert weights set in place"
    );
    close(
        &ext.predict(x.clone()).unwrap().to_vec().unwrap(),
        &hidden_by_hand(&m, "hidden", &x),
    );
}

/// Keras 3's own extractor on the same weights and ids
/// (tools/keras_reference/feature_extraction_reference.py).
#[test]
fn matches_the_keras_extractor_on_its_weights() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/feature_extraction.json"
    ))
    .unwrap();
    let fx: serde_json::Value = serde_json::from_str(&text).unwrap();
    let floats = |v: &serde_json::Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    let weights: Vec<Tensor> = fx["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let shape: Vec<usize> = w["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap() as usize)
                .collect();
            Tensor::from_vec(floats(&w["values"]), &shape).unwrap()
        })
        .collect();
    let mut m = Sequential::new();
    m.add(Input::with_shape(vec![None]).dtype("int32")).unwrap();
    m.add(Embedding::new(20, 5)).unwrap();
    m.add(LSTM::new(3).return_sequences(true).name("probe"))
        .unwrap();
    m.add(LSTM::new(1).activation("sigmoid")).unwrap();
    m.set_weights(&weights).unwrap();
    let ids: Vec<i64> = fx["ids"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()))
        .collect();
    let x = IntTensor::from_vec(ids, &[3, 6]).unwrap();
    let mut ext = extractor(&m, "probe");
    let got = ext.predict(x.clone()).unwrap();
    assert_eq!(got.shape(), &[3, 6, 3]);
    close(&got.to_vec().unwrap(), &floats(&fx["probe"]));
    close(
        &m.predict(x).unwrap().to_vec().unwrap(),
        &floats(&fx["prediction"]),
    );
}
