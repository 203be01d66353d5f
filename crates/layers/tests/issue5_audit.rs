//! Issue 5 items the other test files left open: regularization penalties in `evaluate`/`val_loss`
//! (Keras adds them in `test_step` too), automatic names unique across threads, `evaluate` and
//! `predict` with a list of inputs, a cyclic model config, ReduceLROnPlateau on a missing monitor
//! key, and the Keras in-training metrics `AUC` / `Precision` / `Recall` named as given.
use kerust_layers::*;
use kerust_tensor::{IntTensor, Rng, Tensor};
use serde_json::json;

/// Keras 3.15 (tools: `Dense(1, kernel_regularizer=l2(10), kernel_initializer="ones")` on zeros,
/// SGD, mse): `evaluate` → 30.0; one epoch of `fit` with `validation_data` → loss 30.0,
/// val_loss 19.2 (the kernel moved 1 → 0.8 in the one step); frozen layer → evaluate 0.0.
fn penalised(frozen: bool) -> Sequential {
    let mut m = Sequential::new();
    m.add(
        Dense::new(1)
            .kernel_regularizer(l2(10.0))
            .kernel_initializer("ones")
            .input_shape(&[3]),
    )
    .unwrap();
    if frozen {
        let name = m.layers()[0].name().to_string();
        m.get_layer_mut(&name).unwrap().set_trainable(false);
    }
    m.compile(SGD::new().learning_rate(0.01), "mse", &[])
        .unwrap();
    m
}

#[test]
fn regularization_penalty_counts_in_evaluate_and_val_loss() {
    let x = Tensor::zeros(&[4, 3]).unwrap();
    let y = Tensor::zeros(&[4, 1]).unwrap();
    let mut m = penalised(false);
    let logs = m.evaluate(&x, &y, 32).unwrap();
    assert!((logs.get("loss").unwrap() - 30.0).abs() < 1e-4, "{logs:?}");
    let h = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(1)
                .batch_size(4)
                .verbose(0)
                .validation_data(&x, &y),
        )
        .unwrap();
    assert!((h.get("loss").unwrap()[0] - 30.0).abs() < 1e-4);
    assert!(
        (h.get("val_loss").unwrap()[0] - 19.2).abs() < 1e-4,
        "{:?}",
        h.get("val_loss")
    );
    // Only trainable weights are penalised (Keras collects regularizers of trainable weights).
    let mut frozen = penalised(true);
    let logs = frozen.evaluate(&x, &y, 32).unwrap();
    assert_eq!(logs.get("loss").unwrap(), 0.0);
    // predict is unaffected by the penalty.
    assert_eq!(m.predict(&x).unwrap().to_vec().unwrap(), vec![0.0; 4]);
}

#[test]
fn automatic_names_are_unique_per_process() {
    // A base no other test uses: exactly Keras's sequence.
    let base = "issue5_probe_layer";
    let names: Vec<String> = (0..3).map(|_| layer::unique_name(base)).collect();
    assert_eq!(
        names,
        vec![base.to_string(), format!("{base}_1"), format!("{base}_2")]
    );
    // Layers made on many threads at once never share a name, and follow `lstm`, `lstm_<n>`.
    let handles: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(|| {
                (0..25)
                    .map(|_| LSTM::new(2).shared().name())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let all: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let distinct: std::collections::HashSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), all.len(), "duplicate automatic names");
    for n in &all {
        let suffix = n.strip_prefix("lstm").expect("lstm prefix");
        assert!(
            suffix.is_empty() || suffix[1..].parse::<usize>().is_ok() && suffix.starts_with('_'),
            "{n}"
        );
    }
}

fn ids(n: usize, seed: u64) -> IntTensor {
    let mut rng = Rng::seed(seed);
    let v: Vec<i64> = (0..n * 4)
        .map(|_| (rng.next_u64() % 9) as i64 + 1)
        .collect();
    IntTensor::from_vec(v, &[n, 4]).unwrap()
}

/// Two id inputs → shared Embedding + Flatten → Dot → sigmoid Dense: the Quora wiring in small.
fn two_input_model(metrics: &[&str]) -> Model {
    let a = Input::new(&[4]).dtype("int32").tensor();
    let b = Input::new(&[4]).dtype("int32").tensor();
    let emb = Embedding::new(10, 3).shared();
    let fl = Flatten::new().shared();
    let va = fl.call(&emb.call(&a).unwrap()).unwrap();
    let vb = fl.call(&emb.call(&b).unwrap()).unwrap();
    let d = Dot::new(1).apply_multi(&[&va, &vb]).unwrap().remove(0);
    let out = Dense::new(1).activation("sigmoid").apply(&d).unwrap();
    let mut m = Model::new(&[&a, &b], &[&out]).unwrap();
    m.compile(
        Adam::new().learning_rate(0.05),
        "binary_crossentropy",
        metrics,
    )
    .unwrap();
    m
}

#[test]
fn evaluate_and_predict_take_a_list_of_inputs() {
    let n = 24;
    let x = vec![Data::from(ids(n, 1)), Data::from(ids(n, 2))];
    let labels: Vec<f32> = (0..n).map(|i| (i % 3 == 0) as u8 as f32).collect();
    let y = Tensor::from_vec(labels.clone(), &[n, 1]).unwrap();
    let mut m = two_input_model(&["accuracy"]);
    m.fit(
        x.clone(),
        &y,
        FitArgs::new().epochs(2).batch_size(8).verbose(0),
    )
    .unwrap();
    let p = m.predict(x.clone()).unwrap().to_vec().unwrap();
    assert_eq!(p.len(), n);
    // evaluate's loss and accuracy are those of predict's probabilities.
    let eps = 1e-7f64;
    let bce: f64 = p
        .iter()
        .zip(&labels)
        .map(|(&q, &t)| {
            let q = (q as f64).clamp(eps, 1.0 - eps);
            -(t as f64 * q.ln() + (1.0 - t as f64) * (1.0 - q).ln())
        })
        .sum::<f64>()
        / n as f64;
    let acc = p
        .iter()
        .zip(&labels)
        .filter(|(&q, &t)| ((q > 0.5) as u8 as f32) == t)
        .count() as f64
        / n as f64;
    let logs = m.evaluate(x, &y, 5).unwrap();
    assert!(
        (logs.get("loss").unwrap() as f64 - bce).abs() < 1e-4,
        "{logs:?} vs {bce}"
    );
    assert!((logs.get("accuracy").unwrap() as f64 - acc).abs() < 1e-6);
}

#[test]
fn a_cyclic_model_config_is_a_typed_error() {
    // Symbolic tensors are immutable, so the functional API cannot build a cycle; a config can.
    let cfg = json!({"class_name": "Functional", "config": {"name": "cyclic", "layers": [
        {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [null, 2], "dtype": "float32", "name": "x"}, "inbound_nodes": []},
        {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 2}, "inbound_nodes": [[["b", 0, 0, {}]]]},
        {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 2}, "inbound_nodes": [[["a", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["b", 0, 0]]}});
    let err = model_from_config(&cfg)
        .err()
        .expect("a cycle must not load");
    assert!(err.to_string().contains("cycle"), "{err}");
}

#[test]
fn reduce_lr_on_plateau_warns_on_a_missing_key_and_keeps_the_rate() {
    let mut m = Sequential::new();
    m.add(Dense::new(1).input_shape(&[1])).unwrap();
    m.compile(SGD::new().learning_rate(0.1), "mse", &[])
        .unwrap();
    let x = Tensor::from_vec((0..8).map(|i| i as f32 / 8.0).collect(), &[8, 1]).unwrap();
    let rlr = std::rc::Rc::new(std::cell::RefCell::new(
        ReduceLROnPlateau::new().patience(0).factor(0.5),
    ));
    // No validation data: `val_loss` (the default monitor) is never logged.
    let h = m
        .fit(
            &x,
            &x,
            FitArgs::new().epochs(3).verbose(0).callback(rlr.clone()),
        )
        .unwrap();
    assert_eq!(h.get("loss").unwrap().len(), 3);
    let w = rlr
        .borrow()
        .last_warning()
        .map(str::to_string)
        .expect("a warning");
    assert!(
        w.contains("`val_loss` which is not available. Available metrics are: loss"),
        "{w}"
    );
    assert_eq!(m.optimizer().unwrap().learning_rate(), 0.1);
}

#[test]
fn keras_in_training_metrics_are_logged_under_their_given_names() {
    let n = 30;
    let x = vec![Data::from(ids(n, 5)), Data::from(ids(n, 6))];
    let labels: Vec<f32> = (0..n).map(|i| (i % 2) as f32).collect();
    let y = Tensor::from_vec(labels.clone(), &[n, 1]).unwrap();
    let mut m = two_input_model(&["AUC", "Precision", "recall"]);
    let h = m
        .fit(
            x.clone(),
            &y,
            FitArgs::new()
                .epochs(2)
                .batch_size(10)
                .verbose(0)
                .validation_data(x.clone(), &y),
        )
        .unwrap();
    // Keras 3 logs `metrics=["AUC", "Precision", "recall"]` as AUC, Precision, recall (+ val_).
    for k in [
        "AUC",
        "Precision",
        "recall",
        "val_AUC",
        "val_Precision",
        "val_recall",
    ] {
        let v = h
            .get(k)
            .unwrap_or_else(|| panic!("{k} not in {:?}", h.keys()));
        assert!(v.iter().all(|x| (0.0..=1.0).contains(x)), "{k} {v:?}");
    }
    // Precision and Recall (threshold 0.5) of the final weights, from predict.
    let p = m.predict(x.clone()).unwrap().to_vec().unwrap();
    let (mut tp, mut fp, mut fneg) = (0.0f32, 0.0f32, 0.0f32);
    for (&q, &t) in p.iter().zip(&labels) {
        match (q > 0.5, t == 1.0) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fneg += 1.0,
            _ => {}
        }
    }
    let logs = m.evaluate(x, &y, 7).unwrap();
    let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    assert!((logs.get("Precision").unwrap() - precision).abs() < 1e-6);
    assert!((logs.get("recall").unwrap() - tp / (tp + fneg)).abs() < 1e-6);
}

#[test]
fn trainable_params_skip_frozen_layers_and_count_shared_weights_once() {
    let a = Input::new(&[3]).dtype("int32").tensor();
    let b = Input::new(&[3]).dtype("int32").tensor();
    let emb = Embedding::new(10, 4).trainable(false).shared();
    let (ea, eb) = (emb.call(&a).unwrap(), emb.call(&b).unwrap());
    let dense = Dense::new(2).shared();
    let (da, db) = (dense.call(&ea).unwrap(), dense.call(&eb).unwrap());
    let out = Add::new().apply_multi(&[&da, &db]).unwrap().remove(0);
    let m = Model::new(&[&a, &b], &[&out]).unwrap();
    // Embedding 10·4 = 40 frozen; Dense 4·2 + 2 = 10 trainable, shared by both branches.
    assert_eq!(m.count_params(), 50);
    assert_eq!(m.count_trainable_params(), 10);
}
