//! Test helpers shared by every layer's unit tests: forward on a plain tensor, finite-difference
//! gradient checks over inputs and weights, and config round trips.
use crate::ctx::Ctx;
use crate::error::Result;
use crate::flow::{Flow, Value};
use crate::layer::Layer;
use kerust_autograd::{gradcheck, Tape, Var};
use kerust_tensor::{Rng, Tensor};
use serde_json::Value as Json;

/// Inference forward of a single-input, single-output layer.
pub fn forward(layer: &dyn Layer, x: Tensor) -> Result<Tensor> {
    let tape = Tape::new();
    let mut rng = Rng::seed(0);
    let mut ctx = Ctx::new(&tape, false, &mut rng);
    let out = layer.call(&[Flow::float(tape.constant(x))], &mut ctx)?;
    Ok(out[0].var(layer.name())?.value().clone())
}

/// Build `layer` for `[batch, ...]` = `input_shape` and check the gradients of its output with
/// respect to the input and every weight against central differences (strict relative tolerance,
/// `kerust_autograd::gradcheck::REL_TOL`).
#[track_caller]
pub fn check_layer_gradients(mut layer: impl Layer, input_shape: &[usize]) {
    let mut rng = Rng::seed(11);
    let shape: Vec<Option<usize>> = std::iter::once(None)
        .chain(input_shape[1..].iter().map(|&d| Some(d)))
        .collect();
    layer.build(&[shape], &mut rng).expect("layer builds");
    let x = Tensor::rand_uniform(input_shape, -1.0, 1.0, &mut rng).expect("input");
    let ids: Vec<u64> = layer.params().iter().map(|p| p.id()).collect();
    let mut inputs = vec![x];
    inputs.extend(layer.params().iter().map(|p| p.value.clone()));
    let f = |vars: &[Var]| -> kerust_tensor::Result<Var> {
        let tape = vars[0].tape().clone();
        let mut r = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, false, &mut r);
        for (id, v) in ids.iter().zip(&vars[1..]) {
            ctx.bind(*id, v.clone());
        }
        let out = layer
            .call(&[Flow::float(vars[0].clone())], &mut ctx)
            .map_err(|e| kerust_tensor::TensorError::InvalidArgument {
                op: "layer call",
                message: e.to_string(),
            })?;
        match &out[0].value {
            Value::Float(v) => Ok(v.clone()),
            _ => Err(kerust_tensor::TensorError::InvalidArgument {
                op: "layer call",
                message: "non-float output".into(),
            }),
        }
    };
    gradcheck(f, &inputs, 1e-2)
        .expect("gradcheck runs")
        .assert_ok(layer.class_name());
}

/// `from_config(get_config())` must give back the same config.
#[track_caller]
pub fn check_config_round_trip<L: Layer>(layer: L, from_config: impl Fn(&Json) -> Result<L>) {
    let cfg = layer.get_config();
    let again = from_config(&cfg).expect("from_config accepts get_config output");
    assert_eq!(
        again.get_config(),
        cfg,
        "config round trip of {}",
        layer.class_name()
    );
}
