//! Test helper: finite-difference gradient check of a multi-input layer (the merge layers).
use crate::ctx::Ctx;
use crate::flow::{Flow, Value};
use crate::layer::Layer;
use kerust_autograd::{gradcheck, Var};
use kerust_tensor::{Rng, Tensor};

/// Build `layer` for inputs of these shapes (batch included) and check the gradient of its output
/// with respect to every input against central differences (strict relative tolerance,
/// `kerust_autograd::gradcheck::REL_TOL`).
#[track_caller]
pub fn check_merge_gradients(mut layer: impl Layer, shapes: &[&[usize]]) {
    let mut rng = Rng::seed(5);
    let sym: Vec<Vec<Option<usize>>> = shapes
        .iter()
        .map(|s| {
            std::iter::once(None)
                .chain(s[1..].iter().map(|&d| Some(d)))
                .collect()
        })
        .collect();
    layer.build(&sym, &mut rng).expect("layer builds");
    let xs: Vec<Tensor> = shapes
        .iter()
        .map(|s| Tensor::rand_uniform(s, -1.0, 1.0, &mut rng).expect("input"))
        .collect();
    let f = |vars: &[Var]| -> kerust_tensor::Result<Var> {
        let mut r = Rng::seed(0);
        let mut ctx = Ctx::new(vars[0].tape(), false, &mut r);
        let flows: Vec<Flow> = vars.iter().map(|v| Flow::float(v.clone())).collect();
        let out = layer.call(&flows, &mut ctx).map_err(|e| {
            kerust_tensor::TensorError::InvalidArgument {
                op: "layer call",
                message: e.to_string(),
            }
        })?;
        match &out[0].value {
            Value::Float(v) => Ok(v.clone()),
            _ => Err(kerust_tensor::TensorError::InvalidArgument {
                op: "layer call",
                message: "non-float output".into(),
            }),
        }
    };
    gradcheck(f, &xs, 1e-2)
        .expect("gradcheck runs")
        .assert_ok(layer.class_name());
}
