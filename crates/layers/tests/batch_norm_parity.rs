//! Keras parity of BatchNormalization: replays tools/keras_reference/batch_norm_reference.py.
//! Layer cases: outputs in training (batch statistics) and inference (moving statistics), with
//! and without masks, on axis -1 and axis 1, to 1e-5; gradients of sum(output · r) w.r.t. the
//! input, gamma and beta to 1e-4; the moving statistics a training call assigns, to 1e-6. Fit
//! cases: a Dense→BatchNormalization MLP and an Embedding(mask_zero)→BatchNormalization sequence
//! model trained two epochs with SGD end with Keras's weights (moving statistics included),
//! losses, evaluate() loss and predictions.
use kerust_autograd::Tape;
use kerust_layers::*;
use kerust_tensor::{IntTensor, Rng, Tensor};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/batch_norm")
}

fn load(name: &str) -> Json {
    let p = dir().join(name);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn shape(v: &Json) -> Vec<usize> {
    v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect()
}

fn floats(v: &Json) -> Vec<f32> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn tensor(v: &Json) -> Tensor {
    Tensor::from_vec(floats(v), &shape(v)).unwrap()
}

fn tensors(v: &Json) -> Vec<Tensor> {
    v.as_array().unwrap().iter().map(tensor).collect()
}

#[track_caller]
fn assert_close(what: &str, got: &Tensor, want: &Tensor, tol: f32) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let diff = got.max_abs_diff(want).unwrap();
    assert!(diff <= tol, "{what}: max abs diff {diff} > {tol}");
}

fn run_layer_case(name: &str) {
    let case = load(&format!("layer_{name}.json"));
    let mut layer = layer_from_config("BatchNormalization", &case["config"]).unwrap();
    let x = tensor(&case["input"]);
    let sym: Shape = std::iter::once(None)
        .chain(x.shape()[1..].iter().map(|&d| Some(d)))
        .collect();
    layer.build(&[sym], &mut Rng::seed(0)).unwrap();
    layer.set_weights(&tensors(&case["weights"])).unwrap();
    // The config Keras wrote comes back (Keras 3 writes `dtype` as a DTypePolicy object).
    let (mut got, mut want) = (layer.get_config(), case["config"].clone());
    got.as_object_mut().unwrap().remove("dtype");
    want.as_object_mut().unwrap().remove("dtype");
    assert_eq!(got, want, "{name}: config");
    let training = case["training"].as_bool().unwrap();
    let tape = Tape::new();
    let mut rng = Rng::seed(0);
    let mut ctx = Ctx::new(&tape, training, &mut rng);
    let xv = tape.param(x);
    let mask = (!case["mask"].is_null()).then(|| tensor(&case["mask"]));
    let out = layer
        .call(
            &[Flow {
                value: Value::Float(xv.clone()),
                mask,
            }],
            &mut ctx,
        )
        .unwrap();
    let y = out[0].var("out").unwrap().clone();
    assert_close(
        &format!("{name} output"),
        y.value(),
        &tensor(&case["output"]),
        1e-5,
    );
    let loss = y.mul_const(&tensor(&case["r"])).unwrap().sum_all().unwrap();
    let by_id: HashMap<u64, kerust_autograd::Var> = ctx.trained_params().iter().cloned().collect();
    let grads = tape.backward(&loss).unwrap();
    assert_close(
        &format!("{name} d/dinput"),
        grads.get(&xv).unwrap(),
        &tensor(&case["grad_input"]),
        1e-4,
    );
    let trainable: Vec<u64> = layer
        .params()
        .iter()
        .filter(|p| p.trainable)
        .map(|p| p.id())
        .collect();
    let want = tensors(&case["grad_weights"]);
    assert_eq!(trainable.len(), want.len(), "{name}: trainable weights");
    if training {
        for (k, (id, w)) in trainable.iter().zip(&want).enumerate() {
            let g = grads.get(&by_id[id]).unwrap();
            assert_close(&format!("{name} d/dweight{k}"), g, w, 1e-4);
        }
    }
    // The moving statistics a training call assigns (inference leaves them alone).
    let updates: HashMap<u64, Tensor> = ctx.take_updates().into_iter().collect();
    assert_eq!(updates.is_empty(), !training, "{name}: assignments");
    let after: Vec<Tensor> = layer
        .params()
        .iter()
        .map(|p| updates.get(&p.id()).unwrap_or(&p.value).clone())
        .collect();
    for (k, (g, w)) in after
        .iter()
        .zip(tensors(&case["weights_after"]))
        .enumerate()
    {
        assert_close(&format!("{name} weight {k} after the call"), g, &w, 1e-6);
    }
}

#[test]
fn layer_forward_gradients_and_moving_statistics_match_keras() {
    for name in [
        "train_2d",
        "infer_2d",
        "train_masked_3d",
        "infer_masked_3d",
        "train_axis1_4d",
        "train_noscale_3d",
    ] {
        run_layer_case(name);
    }
}

fn run_fit_case(name: &str) {
    let case = load(&format!("fit_{name}.json"));
    let mut m = model_from_config(&case["model"]).unwrap();
    m.set_weights(&tensors(&case["initial_weights"])).unwrap();
    let lr = case["lr"].as_f64().unwrap() as f32;
    m.compile(
        SGD::new().learning_rate(lr),
        case["loss"].as_str().unwrap(),
        &[],
    )
    .unwrap();
    let x: Data = if case["x_int"].as_bool().unwrap() {
        let v = floats(&case["x"]).iter().map(|&f| f as i64).collect();
        Data::Int(IntTensor::from_vec(v, &shape(&case["x"])).unwrap())
    } else {
        Data::Float(tensor(&case["x"]))
    };
    let y = tensor(&case["y"]);
    let bs = case["batch_size"].as_u64().unwrap() as usize;
    let args = FitArgs::new()
        .epochs(case["epochs"].as_u64().unwrap() as usize)
        .batch_size(bs)
        .shuffle(false)
        .verbose(0);
    let h = m.fit(x.clone(), y.clone(), args).unwrap();
    let want = tensors(&case["final_weights"]);
    let got = m.get_weights();
    assert_eq!(got.len(), want.len(), "{name}: weight count");
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        let path = case["weight_paths"][k].as_str().unwrap();
        assert_close(&format!("{name} final {path}"), g, w, 1e-5);
    }
    for (e, (g, w)) in h
        .get("loss")
        .unwrap()
        .iter()
        .zip(case["history_loss"].as_array().unwrap())
        .enumerate()
    {
        let w = w.as_f64().unwrap() as f32;
        assert!((g - w).abs() <= 1e-5, "{name} epoch {e} loss {g} vs {w}");
    }
    let ev = m.evaluate(x.clone(), y, bs).unwrap().get("loss").unwrap();
    let want_ev = case["evaluate_loss"].as_f64().unwrap() as f32;
    assert!(
        (ev - want_ev).abs() <= 1e-5,
        "{name}: evaluate {ev} vs {want_ev}"
    );
    let p = m.predict_batch_size(x, bs).unwrap();
    assert_close(
        &format!("{name} predict"),
        &p,
        &tensor(&case["predict"]),
        1e-5,
    );
}

#[test]
fn fit_updates_moving_statistics_like_keras() {
    run_fit_case("mlp");
}

#[test]
fn fit_with_masked_sequences_matches_keras() {
    run_fit_case("masked_seq");
}
