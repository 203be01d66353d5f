//! Keras 3 parity of the convolution, pooling and merge layers: each fixture (written by
//! tools/keras_reference/conv_reference.py) holds a Keras config, inputs, weights, outputs and the
//! gradients of sum(output); the layer rebuilt from the Keras config must match them
//! (forward to 1e-5, gradients to 1e-4).
use kerust_autograd::Tape;
use kerust_layers::*;
use kerust_tensor::{Rng, Tensor};
use serde_json::Value as Json;
use std::path::PathBuf;

fn tensor(v: &Json) -> Tensor {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let data: Vec<f32> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_f64().unwrap() as f32)
        .collect();
    Tensor::from_vec(data, &shape).unwrap()
}

fn layer_from(class: &str, cfg: &Json) -> Box<dyn Layer> {
    match class {
        "Conv1D" => Box::new(Conv1D::from_config(cfg).unwrap()),
        "Conv2D" => Box::new(Conv2D::from_config(cfg).unwrap()),
        "MaxPooling1D" => Box::new(MaxPooling1D::from_config(cfg).unwrap()),
        "MaxPooling2D" => Box::new(MaxPooling2D::from_config(cfg).unwrap()),
        "AveragePooling1D" => Box::new(AveragePooling1D::from_config(cfg).unwrap()),
        "AveragePooling2D" => Box::new(AveragePooling2D::from_config(cfg).unwrap()),
        "GlobalMaxPooling1D" => Box::new(GlobalMaxPooling1D::from_config(cfg).unwrap()),
        "GlobalAveragePooling1D" => Box::new(GlobalAveragePooling1D::from_config(cfg).unwrap()),
        "Concatenate" => Box::new(Concatenate::from_config(cfg).unwrap()),
        "Add" => Box::new(Add::from_config(cfg).unwrap()),
        "Multiply" => Box::new(Multiply::from_config(cfg).unwrap()),
        "Dot" => Box::new(Dot::from_config(cfg).unwrap()),
        other => panic!("fixture for unknown class {other}"),
    }
}

#[track_caller]
fn assert_close(what: &str, got: &Tensor, want: &Tensor, tol: f32) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let diff = got.max_abs_diff(want).unwrap();
    assert!(diff <= tol, "{what}: max abs diff {diff} > {tol}");
}

fn check_fixture(path: &PathBuf) {
    let f: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let name = f["name"].as_str().unwrap();
    let mut layer = layer_from(f["class_name"].as_str().unwrap(), &f["config"]);
    let xs: Vec<Tensor> = f["inputs"].as_array().unwrap().iter().map(tensor).collect();
    let shapes: Vec<Shape> = xs
        .iter()
        .map(|x| {
            std::iter::once(None)
                .chain(x.shape()[1..].iter().map(|&d| Some(d)))
                .collect()
        })
        .collect();
    layer.build(&shapes, &mut Rng::seed(0)).unwrap();
    let weights: Vec<Tensor> = f["weights"]
        .as_array()
        .unwrap()
        .iter()
        .map(tensor)
        .collect();
    layer.set_weights(&weights).unwrap();
    let mask = (!f["mask"].is_null()).then(|| tensor(&f["mask"]));

    let tape = Tape::new();
    let mut rng = Rng::seed(0);
    let mut ctx = Ctx::new(&tape, true, &mut rng);
    let x_vars: Vec<_> = xs.iter().map(|x| tape.param(x.clone())).collect();
    let flows: Vec<Flow> = x_vars
        .iter()
        .map(|v| Flow {
            value: Value::Float(v.clone()),
            mask: mask.clone(),
        })
        .collect();
    let out = layer.call(&flows, &mut ctx).unwrap();
    let y = out[0].var(name).unwrap().clone();
    assert_close(
        &format!("{name} output"),
        y.value(),
        &tensor(&f["output"]),
        1e-5,
    );

    let grads = tape.backward(&y.sum_all().unwrap()).unwrap();
    let want_x = f["grad_inputs"].as_array().unwrap();
    assert_eq!(x_vars.len(), want_x.len(), "{name}: input gradient count");
    for (i, (v, want)) in x_vars.iter().zip(want_x).enumerate() {
        // A missing gradient is a bug (the output depends on every input), not zeros.
        let got = grads
            .get(v)
            .unwrap_or_else(|| panic!("{name}: no gradient reached input {i}"));
        assert_close(&format!("{name} d/dinput{i}"), got, &tensor(want), 1e-4);
    }
    let by_id: std::collections::HashMap<u64, _> = ctx.trained_params().iter().cloned().collect();
    let want_w = f["grad_weights"].as_array().unwrap();
    assert_eq!(layer.params().len(), want_w.len(), "{name}: weight count");
    for (p, want) in layer.params().iter().zip(want_w) {
        let v = &by_id[&p.id()];
        let got = grads.get(v).expect("weight gradient");
        assert_close(&format!("{name} d/d{}", p.name), got, &tensor(want), 1e-4);
    }
}

#[test]
fn keras_parity_of_every_fixture() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conv");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 20,
        "expected the committed fixtures in {dir:?}"
    );
    for p in &paths {
        check_fixture(p);
    }
}

#[test]
fn keras_configs_rebuild_with_their_options() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conv");
    let read = |n: &str| -> Json {
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{n}.json"))).unwrap())
            .unwrap()
    };
    let c = Conv1D::from_config(&read("conv1d_causal_dilated_tanh")["config"]).unwrap();
    assert_eq!(
        (c.filters, c.kernel_size, c.dilation_rate, c.padding.name()),
        (2, 3, 2, "causal")
    );
    let d = Dot::from_config(&read("dot_axes_1_2_normalize")["config"]).unwrap();
    assert_eq!((d.axes, d.normalize), ((1, 2), true));
}

#[test]
fn keras2_configs_are_read() {
    // Configs as Keras 2 (tf-keras) writes them into .h5 files.
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conv/keras2/configs.json");
    let all: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for (class, cfg) in all.as_object().unwrap() {
        let layer = layer_from(class, cfg);
        assert_eq!(layer.class_name(), class.as_str());
    }
    let c = Conv1D::from_config(&all["Conv1D"]).unwrap();
    assert_eq!(
        (c.filters, c.kernel_size, c.dilation_rate, c.padding.name()),
        (32, 5, 2, "causal")
    );
    assert_eq!(c.activation.name(), "relu");
    assert!(c.kernel_regularizer.is_some());
    let c = Conv2D::from_config(&all["Conv2D"]).unwrap();
    assert_eq!(
        (c.kernel_size, c.strides, c.padding.name()),
        ((3, 3), (2, 2), "same")
    );
    let p = MaxPooling1D::from_config(&all["MaxPooling1D"]).unwrap();
    assert_eq!(
        (p.pool_size.clone(), p.strides.clone()),
        (vec![3], Some(vec![3]))
    );
    let p = AveragePooling1D::from_config(&all["AveragePooling1D"]).unwrap();
    assert_eq!(p.padding.name(), "same");
    assert_eq!(
        Concatenate::from_config(&all["Concatenate"]).unwrap().axis,
        1
    );
    let d = Dot::from_config(&all["Dot"]).unwrap();
    assert_eq!((d.axes, d.normalize), ((1, 2), true));
}
