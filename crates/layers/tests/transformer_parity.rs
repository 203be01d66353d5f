//! keras-hub parity of TokenAndPositionEmbedding, PositionEmbedding and TransformerEncoder:
//! replays tools/keras_reference/transformer_reference.py (keras-hub 0.32 on Keras 3.15). Each
//! keras-hub config is rebuilt through the registry, must come back from `get_config` unchanged,
//! and the layer, given Keras's weights and the input's Keras mask, must give Keras's output
//! (1e-5) and output mask, and the gradients of sum(output · r) w.r.t. the input and every weight
//! (1e-4); weight names follow Keras's weight paths.
use kerust_autograd::{Tape, Var};
use kerust_layers::{layer_from_config, Ctx, Flow, Shape, Value};
use kerust_tensor::{IntTensor, Rng, Tensor};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::Path;

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

#[track_caller]
fn assert_close(what: &str, got: &Tensor, want: &Tensor, tol: f32) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let diff = got.max_abs_diff(want).unwrap();
    assert!(diff <= tol, "{what}: max abs diff {diff} > {tol}");
}

/// Floats as the f32 Rust keeps them (kerust writes initializer bounds from f32).
fn as_f32(v: &mut Json) {
    match v {
        Json::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap() as f32;
            *v = serde_json::json!(f.to_string().parse::<f64>().unwrap());
        }
        Json::Object(o) => o.values_mut().for_each(as_f32),
        Json::Array(a) => a.iter_mut().for_each(as_f32),
        _ => {}
    }
}

/// The config without `dtype` (Keras 3 writes a DTypePolicy object) and without the null
/// `input_axes`/`output_axes` Keras 3.15 added to its Glorot initializer configs.
fn without_dtype(mut c: Json) -> Json {
    let o = c.as_object_mut().unwrap();
    o.remove("dtype");
    for v in o.values_mut() {
        if let Some(ic) = v.get_mut("config").and_then(Json::as_object_mut) {
            ic.retain(|k, v| !(matches!(k.as_str(), "input_axes" | "output_axes") && v.is_null()));
        }
    }
    as_f32(&mut c);
    c
}

fn run_case(path: &Path) {
    let case: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let mut layer = layer_from_config(case["class"].as_str().unwrap(), &case["config"]).unwrap();
    let xs = shape(&case["input"]);
    let sym: Shape = std::iter::once(None)
        .chain(xs[1..].iter().map(|&d| Some(d)))
        .collect();
    layer.build(&[sym], &mut Rng::seed(0)).unwrap();
    let weights: Vec<Tensor> = case["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(tensor)
        .collect();
    layer.set_weights(&weights).unwrap();
    assert_eq!(
        without_dtype(layer.get_config()),
        without_dtype(case["config"].clone()),
        "{name}: config"
    );
    // Weight names are Keras's weight paths without the layer's own name.
    for (p, path) in layer
        .params()
        .iter()
        .zip(case["weight_paths"].as_array().unwrap())
    {
        let path = path.as_str().unwrap();
        assert_eq!(
            path.split_once('/').unwrap().1,
            p.name,
            "{name}: weight path"
        );
    }

    let tape = Tape::new();
    let mut r = Rng::seed(0);
    let mut ctx = Ctx::new(&tape, false, &mut r);
    let int_input = case["input_int"].as_bool().unwrap();
    let x_var: Option<Var> = (!int_input).then(|| tape.param(tensor(&case["input"])));
    let value = match &x_var {
        Some(v) => Value::Float(v.clone()),
        None => Value::Int(
            IntTensor::from_vec(
                floats(&case["input"]).iter().map(|&f| f as i64).collect(),
                &xs,
            )
            .unwrap(),
        ),
    };
    let mask = (!case["mask"].is_null()).then(|| tensor(&case["mask"]));
    // Every weight as a variable, so its gradient can be read (inference mode: no dropout).
    for p in layer.params() {
        let v = tape.param(p.value.clone());
        ctx.bind(p.id(), v);
    }
    let out = layer.call(&[Flow { value, mask }], &mut ctx).unwrap();
    let y = out[0].var("out").unwrap().clone();
    assert_close(
        &format!("{name} output"),
        y.value(),
        &tensor(&case["output"]),
        1e-5,
    );
    match (&out[0].mask, case["output_mask"].is_null()) {
        (None, true) => {}
        (Some(m), false) => assert_eq!(
            m.to_vec().unwrap(),
            floats(&case["output_mask"]),
            "{name}: output mask"
        ),
        (got, _) => panic!("{name}: output mask {got:?}, Keras {}", case["output_mask"]),
    }
    let loss = y.mul_const(&tensor(&case["r"])).unwrap().sum_all().unwrap();
    let by_id: HashMap<u64, Var> = ctx.trained_params().iter().cloned().collect();
    let grads = tape.backward(&loss).unwrap();
    if let Some(v) = &x_var {
        let g = grads
            .get(v)
            .cloned()
            .unwrap_or_else(|| Tensor::zeros(v.shape()).unwrap());
        assert_close(
            &format!("{name} d/dinput"),
            &g,
            &tensor(&case["grad_input"]),
            1e-4,
        );
    }
    let gw = case["grad_weights"].as_array().unwrap();
    assert_eq!(gw.len(), layer.params().len(), "{name}: weight count");
    for (p, w) in layer.params().iter().zip(gw) {
        let g = grads.get(&by_id[&p.id()]).unwrap();
        assert_close(&format!("{name} d/d{}", p.name), g, &tensor(w), 1e-4);
    }
}

#[test]
fn keras_hub_layers_match_keras_hub() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/transformer");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 7, "fixtures missing in {}", dir.display());
    for p in &paths {
        run_case(p);
    }
}
