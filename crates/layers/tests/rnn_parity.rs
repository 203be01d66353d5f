//! Numeric parity of the recurrent layers with Keras 3: replays the fixtures written by
//! `tools/keras_reference/rnn_reference.py` (layers rebuilt from the recorded Keras configs,
//! Keras weights loaded) and compares outputs to 1e-5 and gradients of `sum(outputs)` w.r.t.
//! the input, initial states and every weight to 1e-4.
use kerust_autograd::{Tape, Var};
use kerust_layers::{rnn, Bidirectional, Ctx, Embedding, Flow, Layer, Masking, Shape, Value};
use kerust_tensor::{IntTensor, Rng, Tensor};
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

fn layer_from(spec: &Json) -> Box<dyn Layer> {
    let cfg = &spec["config"];
    match spec["class_name"].as_str().unwrap() {
        "Embedding" => Box::new(Embedding::from_config(cfg).unwrap()),
        "Masking" => Box::new(Masking::from_config(cfg).unwrap()),
        "Bidirectional" => Box::new(Bidirectional::from_config(cfg).unwrap()),
        _ => rnn::from_class_config(spec).unwrap(),
    }
}

#[track_caller]
fn assert_close(what: &str, got: &Tensor, want: &Tensor, tol: f32) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let diff = got.max_abs_diff(want).unwrap();
    assert!(diff <= tol, "{what}: max abs diff {diff} > {tol}");
}

fn run_case(path: &Path) {
    let case: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let name = case["name"].as_str().unwrap().to_string();
    let mut chain: Vec<Box<dyn Layer>> = case["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(layer_from)
        .collect();
    let int_input = case["input_dtype"] == "int32";
    let x = tensor(&case["input"]);
    let mut shape: Shape = std::iter::once(None)
        .chain(x.shape()[1..].iter().map(|&d| Some(d)))
        .collect();
    let mut rng = Rng::seed(0);
    let weights: Vec<Tensor> = case["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(tensor)
        .collect();
    let mut offset = 0;
    for layer in chain.iter_mut() {
        layer.build(&[shape.clone()], &mut rng).unwrap();
        let n = layer.params().len();
        layer.set_weights(&weights[offset..offset + n]).unwrap();
        offset += n;
        shape = layer.compute_output_shape(&[shape]).unwrap().remove(0);
    }
    assert_eq!(offset, weights.len(), "{name}: weight count");

    let tape = Tape::new();
    let mut r = Rng::seed(0);
    let mut ctx = Ctx::new(&tape, true, &mut r);
    let x_var = (!int_input).then(|| tape.param(x.clone()));
    let mut flows = vec![match &x_var {
        Some(v) => Flow::float(v.clone()),
        None => Flow {
            value: Value::Int(
                IntTensor::from_vec(
                    x.to_vec().unwrap().iter().map(|&v| v as i64).collect(),
                    x.shape(),
                )
                .unwrap(),
            ),
            mask: None,
        },
    }];
    let states: Vec<Var> = case["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| tape.param(tensor(s)))
        .collect();
    let last = chain.len() - 1;
    for (i, layer) in chain.iter().enumerate() {
        if i == last {
            flows.extend(states.iter().cloned().map(Flow::float));
        }
        let out = layer.call(&flows, &mut ctx).unwrap();
        flows = if i == last { out } else { vec![out[0].clone()] };
    }
    let want_out: Vec<Tensor> = case["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(tensor)
        .collect();
    assert_eq!(flows.len(), want_out.len(), "{name}: number of outputs");
    let mut loss: Option<Var> = None;
    for (k, (f, w)) in flows.iter().zip(&want_out).enumerate() {
        let v = f.var("out").unwrap();
        assert_close(&format!("{name} output {k}"), v.value(), w, 1e-5);
        let s = v.sum_all().unwrap();
        loss = Some(match loss {
            Some(l) => l.add(&s).unwrap(),
            None => s,
        });
    }
    let by_id: HashMap<u64, Var> = ctx.trained_params().iter().cloned().collect();
    let grads = tape.backward(&loss.unwrap()).unwrap();
    if let Some(xv) = &x_var {
        assert_close(
            &format!("{name} d/dinput"),
            grads.get(xv).unwrap(),
            &tensor(&case["grad_input"]),
            1e-4,
        );
    }
    for (k, (s, w)) in states
        .iter()
        .zip(case["grad_states"].as_array().unwrap())
        .enumerate()
    {
        assert_close(
            &format!("{name} d/dstate {k}"),
            grads.get(s).unwrap(),
            &tensor(w),
            1e-4,
        );
    }
    let params: Vec<(u64, String)> = chain
        .iter()
        .flat_map(|l| l.params().into_iter().map(|p| (p.id(), p.name.clone())))
        .collect();
    for ((id, pname), w) in params.iter().zip(case["grad_weights"].as_array().unwrap()) {
        let g = grads.get(&by_id[id]).unwrap();
        assert_close(&format!("{name} d/d{pname}"), g, &tensor(w), 1e-4);
    }
}

#[test]
fn recurrent_layers_match_keras() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rnn");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "expected the Keras fixtures in {dir:?}");
    for f in &files {
        run_case(f);
    }
}
