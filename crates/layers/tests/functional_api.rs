//! Functional API: Keras 2 summaries (with "Connected to"), clone_model, get_layer/layers,
//! per-layer freezing, shared-layer gradient accumulation, and bad graphs/inputs as typed errors.
use kerust_layers::*;
use kerust_tensor::{IntTensor, Rng, Tensor};
use serde_json::Value as Json;

fn summaries() -> Json {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/functional_summary.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn named<L: Layer>(mut l: L, name: &str) -> L {
    l.set_name(name.to_string());
    l
}

/// The fixture's two-input model: q1, q2 → shared Embedding → shared Flatten → shared Dense.
fn siamese(third_output: bool) -> Model {
    let a = Input::new(&[5]).dtype("int32").name("q1").tensor();
    let b = Input::new(&[5]).dtype("int32").name("q2").tensor();
    let emb = Embedding::new(10, 4).name("embedding").shared();
    let fl = named(Flatten::new(), "flatten").shared();
    let d = Dense::new(1).activation("sigmoid").name("dense").shared();
    let o1 = d.call(&fl.call(&emb.call(&a).unwrap()).unwrap()).unwrap();
    let o2 = d.call(&fl.call(&emb.call(&b).unwrap()).unwrap()).unwrap();
    if third_output {
        let o3 = Dense::new(2)
            .name("dense_1")
            .apply(&fl.call(&emb.call(&a).unwrap()).unwrap())
            .unwrap();
        Model::new(&[&a, &b], &[&o1, &o2, &o3])
            .unwrap()
            .name("siamese3")
    } else {
        Model::new(&[&a, &b], &[&o1, &o2]).unwrap().name("siamese")
    }
}

#[test]
fn summaries_match_keras_2_text() {
    let fx = summaries();
    assert_eq!(
        siamese(false).summary_string(),
        fx["siamese"].as_str().unwrap()
    );
    assert_eq!(
        siamese(true).summary_string(),
        fx["siamese3"].as_str().unwrap()
    );
    let x = Input::new(&[5]).name("x").tensor();
    let y = Dense::new(2).name("d").apply(&x).unwrap();
    let chain = Model::new(&[&x], &[&y]).unwrap().name("chain");
    assert_eq!(chain.summary_string(), fx["chain"].as_str().unwrap());
    let mut s = Sequential::new().name("seq");
    s.add(Input::with_shape(vec![None]).dtype("int32")).unwrap();
    s.add(Embedding::new(11, 3).name("emb")).unwrap();
    s.add(Dense::new(2).name("dense_2")).unwrap();
    assert_eq!(s.summary_string(), fx["sequential"].as_str().unwrap());
}

fn ids(n: usize, seed: u64) -> IntTensor {
    let mut rng = Rng::seed(seed);
    IntTensor::from_vec(
        (0..n * 5).map(|_| (rng.next_u64() % 10) as i64).collect(),
        &[n, 5],
    )
    .unwrap()
}

fn labels(n: usize, seed: u64) -> Tensor {
    let mut rng = Rng::seed(seed);
    Tensor::from_vec(
        (0..n).map(|_| (rng.next_u64() % 2) as f32).collect(),
        &[n, 1],
    )
    .unwrap()
}

fn inputs(n: usize) -> Vec<Data> {
    vec![Data::from(ids(n, 1)), Data::from(ids(n, 2))]
}

fn targets(n: usize) -> Vec<Data> {
    vec![Data::from(labels(n, 3)), Data::from(labels(n, 4))]
}

#[test]
fn get_layer_and_layers_list_each_layer_once() {
    let m = siamese(true);
    let names: Vec<&str> = m.layers().iter().map(|l| l.name()).collect();
    assert_eq!(
        names,
        vec!["q1", "q2", "embedding", "flatten", "dense", "dense_1"]
    );
    let emb = m.get_layer("embedding").unwrap();
    assert_eq!(emb.class_name(), "Embedding");
    assert_eq!(emb.get_weights()[0].shape(), &[10, 4]);
    assert!(m.get_layer("nope").is_none());
    // 40 + 21 + 42, the shared layers counted once.
    assert_eq!(m.count_params(), 103);
}

#[test]
fn clone_model_has_same_architecture_and_fresh_weights() {
    let mut m = siamese(false);
    let mut c = clone_model(&m).unwrap();
    assert_eq!(
        c.summary_string(),
        m.summary_string(),
        "same layers, names, shapes and wiring"
    );
    assert!(
        c.compiled.is_none(),
        "clone_model returns an uncompiled model"
    );
    let (wm, wc) = (m.get_weights(), c.get_weights());
    assert_eq!(wm.len(), wc.len());
    for (a, b) in wm.iter().zip(&wc) {
        assert_eq!(a.shape(), b.shape());
    }
    assert!(
        wm[0].max_abs_diff(&wc[0]).unwrap() > 0.0,
        "fresh embedding weights"
    );
    let id_m: Vec<u64> = m.graph.params().iter().map(|p| p.id()).collect();
    let id_c: Vec<u64> = c.graph.params().iter().map(|p| p.id()).collect();
    assert!(id_m.iter().all(|i| !id_c.contains(i)), "new param ids");
    // Training the clone leaves the original untouched, and sharing survives cloning.
    c.compile(Adam::new().learning_rate(0.1), "binary_crossentropy", &[])
        .unwrap();
    c.fit(inputs(16), targets(16), FitArgs::new().epochs(1).verbose(0))
        .unwrap();
    assert_eq!(
        m.get_weights()[0].to_vec().unwrap(),
        wm[0].to_vec().unwrap()
    );
    assert!(c.get_weights()[0].max_abs_diff(&wc[0]).unwrap() > 0.0);
    assert_eq!(c.count_params(), 61);
    // Same weights in → same predictions out.
    c.set_weights(&wm).unwrap();
    let pm = m.predict_multi(inputs(4), 32).unwrap();
    let pc = c.predict_multi(inputs(4), 32).unwrap();
    assert_eq!(pm[0].to_vec().unwrap(), pc[0].to_vec().unwrap());
    // Sequential models clone too.
    let mut s = Sequential::new();
    s.add(Dense::new(3).input_shape(&[2])).unwrap();
    let sc = clone_model(&s).unwrap();
    assert_eq!(sc.get_weights()[0].shape(), &[2, 3]);
    assert!(
        sc.get_weights()[0]
            .max_abs_diff(&s.get_weights()[0])
            .unwrap()
            > 0.0
    );
    let _ = &mut m;
}

#[test]
fn frozen_embedding_does_not_change_in_fit() {
    let a = Input::new(&[5]).dtype("int32").name("qa").tensor();
    let b = Input::new(&[5]).dtype("int32").name("qb").tensor();
    let emb = Embedding::new(10, 4)
        .trainable(false)
        .name("frozen_emb")
        .shared();
    let fl = Flatten::new().shared();
    let d = Dense::new(1).activation("sigmoid").shared();
    let o1 = d.call(&fl.call(&emb.call(&a).unwrap()).unwrap()).unwrap();
    let o2 = d.call(&fl.call(&emb.call(&b).unwrap()).unwrap()).unwrap();
    let mut m = Model::new(&[&a, &b], &[&o1, &o2]).unwrap();
    let summary = m.summary_string();
    assert!(summary.contains("Trainable params: 21\n"), "{summary}");
    assert!(summary.contains("Non-trainable params: 40\n"), "{summary}");
    m.compile(
        Adam::new().learning_rate(0.1),
        "binary_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let before = m.get_weights();
    m.fit(
        inputs(32),
        targets(32),
        FitArgs::new().epochs(2).batch_size(8).verbose(0),
    )
    .unwrap();
    let after = m.get_weights();
    assert_eq!(
        before[0].to_vec().unwrap(),
        after[0].to_vec().unwrap(),
        "embedding frozen"
    );
    assert!(
        before[1].max_abs_diff(&after[1]).unwrap() > 0.0,
        "dense trained"
    );
    // Unfreezing through get_layer_mut makes it train again.
    m.get_layer_mut("frozen_emb").unwrap().set_trainable(true);
    m.fit(
        inputs(32),
        targets(32),
        FitArgs::new().epochs(1).batch_size(8).verbose(0),
    )
    .unwrap();
    assert!(after[0].max_abs_diff(&m.get_weights()[0]).unwrap() > 0.0);
}

#[test]
fn shared_layer_accumulates_gradients_from_both_uses() {
    // out_a = xa·w, out_b = xb·w with one shared kernel w; loss = mse(out_a, ya) + mse(out_b, yb).
    // dL/dw = 2/n Σ (xa_i·w − ya_i) xa_i + 2/n Σ (xb_i·w − yb_i) xb_i, one SGD step with lr 0.1.
    let n = 6;
    let mut rng = Rng::seed(11);
    let xa = Tensor::rand_uniform(&[n, 3], -1.0, 1.0, &mut rng).unwrap();
    let xb = Tensor::rand_uniform(&[n, 3], -1.0, 1.0, &mut rng).unwrap();
    let ya = Tensor::rand_uniform(&[n, 1], -1.0, 1.0, &mut rng).unwrap();
    let yb = Tensor::rand_uniform(&[n, 1], -1.0, 1.0, &mut rng).unwrap();
    let a = Input::new(&[3]).tensor();
    let b = Input::new(&[3]).tensor();
    let shared = Dense::new(1).use_bias(false).name("w").shared();
    let oa = shared.call(&a).unwrap();
    let ob = shared.call(&b).unwrap();
    let mut m = Model::new(&[&a, &b], &[&oa, &ob]).unwrap();
    m.compile(SGD::new().learning_rate(0.1), "mse", &[])
        .unwrap();
    let w0 = m.get_weights()[0].to_vec().unwrap();
    let grad = |x: &Tensor, y: &Tensor| -> Vec<f64> {
        let (x, y) = (x.to_vec().unwrap(), y.to_vec().unwrap());
        let mut g = vec![0.0f64; 3];
        for i in 0..n {
            let pred: f64 = (0..3).map(|j| x[i * 3 + j] as f64 * w0[j] as f64).sum();
            for j in 0..3 {
                g[j] += 2.0 / n as f64 * (pred - y[i] as f64) * x[i * 3 + j] as f64;
            }
        }
        g
    };
    let (ga, gb) = (grad(&xa, &ya), grad(&xb, &yb));
    m.fit(
        vec![Data::from(&xa), Data::from(&xb)],
        vec![Data::from(&ya), Data::from(&yb)],
        FitArgs::new()
            .epochs(1)
            .batch_size(n)
            .shuffle(false)
            .verbose(0),
    )
    .unwrap();
    let w1 = m.get_weights()[0].to_vec().unwrap();
    for j in 0..3 {
        let want = w0[j] as f64 - 0.1 * (ga[j] + gb[j]);
        assert!(
            (w1[j] as f64 - want).abs() < 1e-5,
            "w[{j}] = {} want {want}",
            w1[j]
        );
        // Either branch alone would give a different step.
        let only_a = w0[j] as f64 - 0.1 * ga[j];
        assert!((w1[j] as f64 - only_a).abs() > 1e-4 || gb[j].abs() < 1e-3);
    }
}

#[test]
fn bad_graphs_and_inputs_are_typed_errors() {
    // An output that depends on an Input missing from `inputs` (a dangling symbolic tensor).
    let a = Input::new(&[3]).name("in_a").tensor();
    let b = Input::new(&[3]).name("in_b").tensor();
    let h = Dense::new(2).apply(&b).unwrap();
    let err = Model::new(&[&a], &[&h]).err().unwrap();
    assert!(matches!(err, LayerError::Config { .. }), "{err}");
    assert!(err.to_string().contains("in_b"), "{err}");
    // A model input that is not an Input tensor.
    let err = Model::new(&[&h], &[&h]).err().unwrap();
    assert!(err.to_string().contains("Input(...)"), "{err}");
    // Wrong number of input arrays for fit, evaluate and predict.
    let mut m = siamese(false);
    m.compile("adam", "binary_crossentropy", &[]).unwrap();
    let one = vec![Data::from(ids(4, 1))];
    let err = m
        .fit(one.clone(), targets(4), FitArgs::new().verbose(0))
        .unwrap_err();
    assert!(
        err.to_string().contains("2 input(s) but 1 array(s)"),
        "{err}"
    );
    assert!(m.evaluate(one.clone(), targets(4), 32).is_err());
    assert!(m.predict_multi(one, 32).is_err());
    // Wrong number of targets.
    let err = m
        .fit(
            inputs(4),
            vec![Data::from(labels(4, 1))],
            FitArgs::new().verbose(0),
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("2 output(s) but 1 target"),
        "{err}"
    );
    // Inputs of different lengths.
    let err = m
        .fit(
            vec![Data::from(ids(4, 1)), Data::from(ids(3, 2))],
            targets(4),
            FitArgs::new().verbose(0),
        )
        .unwrap_err();
    assert!(err.to_string().contains("x[1] has 3 samples"), "{err}");
}
