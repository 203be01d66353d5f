//! Gradients against Keras (tf.GradientTape): every autograd op with a Keras counterpart, every
//! loss (and its from_logits form), Dense with several activations, and Embedding with and
//! without `mask_zero` feeding a mask-reading GlobalAveragePooling1D.
//! Fixture: tools/keras_reference/gradient_reference.py (no Python needed here).
use kerust_autograd::{Tape, Var};
use kerust_layers::*;
use kerust_tensor::{IntTensor, Rng, Tensor};
use serde_json::Value as Json;
use std::path::PathBuf;

fn fixture() -> Json {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gradients.json");
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).expect("fixture is JSON")
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

/// Same shape and every element within `tol · max(1, |Keras|)`.
#[track_caller]
fn assert_close(what: &str, got: &Tensor, want: &Tensor, tol: f32) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let (g, w) = (got.to_vec().unwrap(), want.to_vec().unwrap());
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        assert!(
            (a - b).abs() <= tol * b.abs().max(1.0),
            "{what}: element {i}: kerust {a}, Keras {b}"
        );
    }
}

/// The kerust op a fixture names.
fn op(name: &str, x: &[Var]) -> kerust_tensor::Result<Var> {
    Ok(match name {
        "exp" => x[0].exp()?,
        "log" => x[0].log()?,
        "sqrt" => x[0].sqrt()?,
        "square" => x[0].square()?,
        "abs" => x[0].abs()?,
        "tanh" => x[0].tanh()?,
        "sigmoid" => x[0].sigmoid()?,
        "relu" => x[0].relu()?,
        "leaky_relu" => x[0].leaky_relu(0.2)?,
        "elu" => x[0].elu(1.0)?,
        "selu" => x[0].selu()?,
        "softplus" => x[0].softplus()?,
        "softsign" => x[0].softsign()?,
        "silu" => x[0].silu()?,
        "gelu" => x[0].gelu()?,
        "hard_sigmoid" => x[0].hard_sigmoid()?,
        "clip" => x[0].clip(-0.5, 0.7)?,
        "softmax" => x[0].softmax(-1)?,
        "log_softmax" => x[0].log_softmax(-1)?,
        "sum_axis1" => x[0].sum_axis(1, false)?,
        "mean_axis1" => x[0].mean_axis(1, false)?,
        "max_axis1" => x[0].max_axis(1, false)?,
        "transpose" => x[0].transpose(&[1, 0])?,
        "add_broadcast" => x[0].add(&x[1])?,
        "sub" => x[0].sub(&x[1])?,
        "mul_broadcast" => x[0].mul(&x[1])?,
        "div" => x[0].div(&x[1])?,
        "matmul" => x[0].matmul(&x[1])?,
        other => panic!("fixture names an op kerust lacks: {other}"),
    })
}

#[test]
fn autograd_ops_match_keras_gradients() {
    let f = fixture();
    let cases = f["ops"].as_array().unwrap();
    assert_eq!(cases.len(), 28, "op case count");
    for c in cases {
        let name = c["op"].as_str().unwrap();
        let tape = Tape::new();
        let xs: Vec<Var> = c["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| tape.param(tensor(x)))
            .collect();
        let y = op(name, &xs).unwrap();
        assert_close(&format!("{name} value"), y.value(), &tensor(&c["y"]), 1e-5);
        let s = y
            .mul(&tape.constant(tensor(&c["w"])))
            .unwrap()
            .sum_all()
            .unwrap();
        let g = tape.backward(&s).unwrap();
        let want = c["grads"].as_array().unwrap();
        assert_eq!(want.len(), xs.len(), "{name}: gradient count");
        for (i, (x, w)) in xs.iter().zip(want).enumerate() {
            let got = g
                .get(x)
                .unwrap_or_else(|| panic!("{name}: no gradient for input {i}"));
            assert_close(&format!("{name} d/dx{i}"), got, &tensor(w), 1e-5);
        }
    }
}

#[test]
fn losses_match_keras_values_and_gradients() {
    let f = fixture();
    let cases = f["losses"].as_array().unwrap();
    assert_eq!(cases.len(), 10, "loss case count");
    for c in cases {
        let name = c["loss"].as_str().unwrap();
        let logits = c["from_logits"].as_bool().unwrap();
        let loss = match (Loss::from_name(name).unwrap(), logits) {
            (Loss::BinaryCrossentropy { .. }, true) => {
                Loss::BinaryCrossentropy { from_logits: true }
            }
            (Loss::CategoricalCrossentropy { .. }, true) => {
                Loss::CategoricalCrossentropy { from_logits: true }
            }
            (Loss::SparseCategoricalCrossentropy { .. }, true) => {
                Loss::SparseCategoricalCrossentropy { from_logits: true }
            }
            (l, false) => l,
            (l, true) => panic!("{l:?} has no from_logits form"),
        };
        let what = format!("{name} (from_logits={logits})");
        let tape = Tape::new();
        let p = tape.param(tensor(&c["y_pred"]));
        let value = loss.compute(&p, &tensor(&c["y_true"])).unwrap();
        let (got, want) = (
            value.value().item().unwrap(),
            c["value"].as_f64().unwrap() as f32,
        );
        assert!(
            (got - want).abs() <= 1e-5 * want.abs().max(1.0),
            "{what}: value {got} vs Keras {want}"
        );
        let g = tape.backward(&value).unwrap();
        let grad = g.get(&p).unwrap_or_else(|| panic!("{what}: no gradient"));
        assert_close(
            &format!("{what} d/dy_pred"),
            grad,
            &tensor(&c["grad"]),
            1e-5,
        );
    }
}

#[test]
fn dense_matches_keras_gradients() {
    let f = fixture();
    let cases = f["dense"].as_array().unwrap();
    assert_eq!(cases.len(), 5, "dense case count");
    for c in cases {
        let act = c["activation"].as_str().unwrap();
        let what = format!("Dense({act})");
        let x = tensor(&c["x"]);
        let units = shape(&c["y"])[1];
        let mut layer = Dense::new(units)
            .activation(act)
            .use_bias(c["use_bias"].as_bool().unwrap());
        layer
            .build(&[vec![None, Some(x.shape()[1])]], &mut Rng::seed(0))
            .unwrap();
        let weights: Vec<Tensor> = c["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(tensor)
            .collect();
        layer.set_weights(&weights).unwrap();
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, true, &mut rng);
        let xv = tape.param(x);
        let out = layer.call(&[Flow::float(xv.clone())], &mut ctx).unwrap();
        assert_eq!(out.len(), 1, "{what}: output count");
        let y = out[0].var("dense").unwrap().clone();
        assert_close(&format!("{what} output"), y.value(), &tensor(&c["y"]), 1e-5);
        let s = y
            .mul(&tape.constant(tensor(&c["w"])))
            .unwrap()
            .sum_all()
            .unwrap();
        let g = tape.backward(&s).unwrap();
        assert_close(
            &format!("{what} d/dx"),
            g.get(&xv).expect("input gradient"),
            &tensor(&c["grad_x"]),
            1e-5,
        );
        let by_id: std::collections::HashMap<u64, Var> =
            ctx.trained_params().iter().cloned().collect();
        let want = c["grad_weights"].as_array().unwrap();
        assert_eq!(layer.params().len(), want.len(), "{what}: weight count");
        for (p, w) in layer.params().iter().zip(want) {
            let got = g.get(&by_id[&p.id()]).expect("weight gradient");
            assert_close(&format!("{what} d/d{}", p.name), got, &tensor(w), 1e-5);
        }
    }
}

#[test]
fn embedding_with_and_without_mask_matches_keras_gradients() {
    let f = fixture();
    let cases = f["embedding"].as_array().unwrap();
    assert_eq!(cases.len(), 2, "embedding case count");
    for c in cases {
        let mask_zero = c["mask_zero"].as_bool().unwrap();
        let what = format!("Embedding(mask_zero={mask_zero}) → GlobalAveragePooling1D");
        let ids_shape = shape(&c["ids"]);
        let ids: Vec<i64> = c["ids"]["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect();
        let ids = IntTensor::from_vec(ids, &ids_shape).unwrap();
        let table = tensor(&c["table"]);
        let mut emb = Embedding::new(table.shape()[0], table.shape()[1]).mask_zero(mask_zero);
        emb.build(&[vec![None, Some(ids_shape[1])]], &mut Rng::seed(0))
            .unwrap();
        emb.set_weights(&[table]).unwrap();
        let mut pool = GlobalAveragePooling1D::new();
        pool.build(
            &[vec![None, Some(ids_shape[1]), Some(shape(&c["table"])[1])]],
            &mut Rng::seed(0),
        )
        .unwrap();
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, true, &mut rng);
        let input = Flow {
            value: Value::Int(ids),
            mask: None,
        };
        let e = emb.call(&[input], &mut ctx).unwrap();
        assert_eq!(e.len(), 1, "{what}: embedding output count");
        assert_eq!(e[0].mask.is_some(), mask_zero, "{what}: mask presence");
        let out = pool.call(&e, &mut ctx).unwrap();
        let y = out[0].var("pool").unwrap().clone();
        assert_close(&format!("{what} output"), y.value(), &tensor(&c["y"]), 1e-5);
        let s = y
            .mul(&tape.constant(tensor(&c["w"])))
            .unwrap()
            .sum_all()
            .unwrap();
        let g = tape.backward(&s).unwrap();
        let by_id: std::collections::HashMap<u64, Var> =
            ctx.trained_params().iter().cloned().collect();
        let table_var = &by_id[&emb.params()[0].id()];
        let got = g.get(table_var).expect("table gradient");
        assert_close(
            &format!("{what} d/dtable"),
            got,
            &tensor(&c["grad_table"]),
            1e-5,
        );
    }
}
