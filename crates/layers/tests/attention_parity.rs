//! Keras parity of the attention layers: replays the fixtures written by
//! tools/keras_reference/attention_reference.py (Keras 3 configs rebuilt through the registry,
//! masks on the inputs, causal masks, attention scores) and checks outputs to 1e-5 and the
//! gradients of sum(output · r) w.r.t. every input and weight to 1e-4.
use kerust_autograd::{Tape, Var};
use kerust_layers::{
    layer_from_config, AdditiveAttention, Attention, Ctx, Flow, Layer, MultiHeadAttention, Shape,
    Value,
};
use kerust_tensor::{Rng, Tensor};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::Path;

fn tensor(v: &Json) -> Tensor {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    let data: Vec<f32> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    Tensor::from_vec(data, &shape).unwrap()
}

#[track_caller]
fn assert_close(what: &str, got: &Tensor, want: &Tensor, tol: f32) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let diff = got.max_abs_diff(want).unwrap();
    assert!(diff <= tol, "{what}: max abs diff {diff} > {tol}");
}

/// Keras call arguments become the layers' builder options.
fn set_call_options(layer: &mut dyn Layer, call: &Json) {
    let causal = call["use_causal_mask"].as_bool().unwrap_or(false);
    let scores = call["return_attention_scores"].as_bool().unwrap_or(false);
    let any = layer.as_any_mut();
    if let Some(l) = any.downcast_mut::<Attention>() {
        l.use_causal_mask = causal;
        l.return_attention_scores = scores;
    } else if let Some(l) = any.downcast_mut::<AdditiveAttention>() {
        l.use_causal_mask = causal;
        l.return_attention_scores = scores;
    } else if let Some(l) = any.downcast_mut::<MultiHeadAttention>() {
        l.use_causal_mask = causal;
        l.return_attention_scores = scores;
    } else {
        assert!(!causal && !scores, "call options on {}", layer.class_name());
    }
}

fn run_case(path: &Path) {
    let case: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let mut layer = layer_from_config(case["class"].as_str().unwrap(), &case["config"]).unwrap();
    set_call_options(layer.as_mut(), &case["call"]);
    let xs: Vec<Tensor> = case["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(tensor)
        .collect();
    let masks: Vec<Option<Tensor>> = case["masks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (!m.is_null()).then(|| tensor(m)))
        .collect();
    // Self-attention calls the layer on one tensor twice: query and value.
    let slots: Vec<usize> = if case["self_attention"] == true {
        vec![0, 0]
    } else {
        (0..xs.len()).collect()
    };
    let shapes: Vec<Shape> = slots
        .iter()
        .map(|&i| {
            std::iter::once(None)
                .chain(xs[i].shape()[1..].iter().map(|&d| Some(d)))
                .collect()
        })
        .collect();
    layer.build(&shapes, &mut Rng::seed(0)).unwrap();
    let weights: Vec<Tensor> = case["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(tensor)
        .collect();
    layer.set_weights(&weights).unwrap();
    // The built layer writes the same config Keras wrote.
    assert_eq!(
        layer.get_config()["name"],
        case["config"]["name"],
        "{name}: config name"
    );

    let tape = Tape::new();
    let mut r = Rng::seed(0);
    let mut ctx = Ctx::new(&tape, true, &mut r);
    let vars: Vec<Var> = xs.iter().map(|x| tape.param(x.clone())).collect();
    let flows: Vec<Flow> = slots
        .iter()
        .enumerate()
        .map(|(k, &i)| Flow {
            value: Value::Float(vars[i].clone()),
            mask: masks.get(k).cloned().flatten(),
        })
        .collect();
    let outs = layer.call(&flows, &mut ctx).unwrap();
    let want: Vec<Tensor> = case["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(tensor)
        .collect();
    assert_eq!(outs.len(), want.len(), "{name}: number of outputs");
    for (k, (f, w)) in outs.iter().zip(&want).enumerate() {
        assert_close(
            &format!("{name} output {k}"),
            f.var("out").unwrap().value(),
            w,
            1e-5,
        );
    }
    let out0 = outs[0].var("out").unwrap();
    let loss = out0
        .mul_const(&tensor(&case["r"]))
        .unwrap()
        .sum_all()
        .unwrap();
    let by_id: HashMap<u64, Var> = ctx.trained_params().iter().cloned().collect();
    let grads = tape.backward(&loss).unwrap();
    for (k, (v, w)) in vars
        .iter()
        .zip(case["grad_inputs"].as_array().unwrap())
        .enumerate()
    {
        assert_close(
            &format!("{name} d/dinput {k}"),
            grads.get(v).unwrap(),
            &tensor(w),
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
fn attention_layers_match_keras() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/attention");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "fixtures missing in {}", dir.display());
    for p in &paths {
        run_case(p);
    }
}
