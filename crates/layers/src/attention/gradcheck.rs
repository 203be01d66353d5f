//! Test helper: finite-difference gradients of a multi-input attention layer with respect to
//! every input and every weight, with Keras masks on the inputs.
use crate::ctx::Ctx;
use crate::flow::{Flow, Value};
use crate::layer::Layer;
use kerust_autograd::{gradcheck, Var};
use kerust_tensor::{Rng, Tensor};

/// Build `layer` for inputs of `shapes` (batch included), attach `masks[i]` to input `i`, and
/// check the gradients of output `out` (relative error < 2e-2).
#[track_caller]
pub fn check_attention_gradients(
    mut layer: impl Layer,
    shapes: &[&[usize]],
    masks: &[Option<Tensor>],
    out: usize,
) {
    let mut rng = Rng::seed(7);
    let sym: Vec<Vec<Option<usize>>> = shapes
        .iter()
        .map(|s| {
            std::iter::once(None)
                .chain(s[1..].iter().map(|&d| Some(d)))
                .collect()
        })
        .collect();
    layer.build(&sym, &mut rng).expect("layer builds");
    let ids: Vec<u64> = layer.params().iter().map(|p| p.id()).collect();
    let mut xs: Vec<Tensor> = shapes
        .iter()
        .map(|s| Tensor::rand_uniform(s, -1.0, 1.0, &mut rng).expect("input"))
        .collect();
    xs.extend(layer.params().iter().map(|p| p.value.clone()));
    let n = shapes.len();
    let f = |vars: &[Var]| -> kerust_tensor::Result<Var> {
        let mut r = Rng::seed(0);
        let mut ctx = Ctx::new(vars[0].tape(), false, &mut r);
        for (id, v) in ids.iter().zip(&vars[n..]) {
            ctx.bind(*id, v.clone());
        }
        let flows: Vec<Flow> = vars[..n]
            .iter()
            .enumerate()
            .map(|(i, v)| Flow {
                value: Value::Float(v.clone()),
                mask: masks.get(i).cloned().flatten(),
            })
            .collect();
        let outs = layer.call(&flows, &mut ctx).map_err(|e| {
            kerust_tensor::TensorError::InvalidArgument {
                op: "layer call",
                message: e.to_string(),
            }
        })?;
        match &outs[out].value {
            Value::Float(v) => Ok(v.clone()),
            _ => Err(kerust_tensor::TensorError::InvalidArgument {
                op: "layer call",
                message: "non-float output".into(),
            }),
        }
    };
    let r = gradcheck(f, &xs, 1e-2).expect("gradcheck runs");
    assert!(
        r.max_rel_error < 2e-2,
        "gradient check of {} failed: {r:?}",
        layer.class_name()
    );
}
