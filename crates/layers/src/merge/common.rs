//! What the merge layers share: input checks, Keras's elementwise shape rule, and mask merging.
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::layer::Shape;
use kerust_autograd::Var;
use kerust_tensor::Tensor;

/// Require at least `min` inputs, all with the same known-or-unknown batch size.
pub fn check_count(layer: &str, shapes: &[Shape], min: usize, exact: bool) -> Result<()> {
    if shapes.len() < min || (exact && shapes.len() != min) {
        return Err(LayerError::input(
            layer,
            format!(
                "a list of {}{min} inputs",
                if exact { "exactly " } else { "at least " }
            ),
            shapes,
        ));
    }
    let batches: Vec<usize> = shapes
        .iter()
        .filter_map(|s| s.first().copied().flatten())
        .collect();
    if batches.windows(2).any(|w| w[0] != w[1]) {
        return Err(LayerError::input(
            layer,
            "inputs with the same batch size",
            shapes,
        ));
    }
    Ok(())
}

/// Keras `_compute_elemwise_op_output_shape` over all inputs (batch excluded, then prepended):
/// shapes are right-aligned; a 1 broadcasts; other sizes must agree.
pub fn elementwise_shape(layer: &str, shapes: &[Shape]) -> Result<Shape> {
    let mismatch = || {
        LayerError::input(
            layer,
            "inputs of the same shape (a size of 1 broadcasts); reshape them to match",
            shapes,
        )
    };
    let mut out: Vec<Option<usize>> = shapes[0][1..].to_vec();
    for s in &shapes[1..] {
        let s = &s[1..];
        let (long, short) = if out.len() >= s.len() {
            (out.clone(), s.to_vec())
        } else {
            (s.to_vec(), out.clone())
        };
        let lead = long.len() - short.len();
        let mut merged = long[..lead].to_vec();
        for (i, j) in long[lead..].iter().zip(&short) {
            merged.push(match (i, j) {
                (None, _) | (_, None) => None,
                (Some(1), Some(b)) => Some(*b),
                (Some(a), Some(1)) => Some(*a),
                (Some(a), Some(b)) if a == b => Some(*a),
                _ => return Err(mismatch()),
            });
        }
        out = merged;
    }
    let mut full = vec![shapes.iter().find_map(|s| s[0])];
    full.extend(out);
    Ok(full)
}

/// Float values of all inputs.
pub fn vars<'a>(layer: &str, inputs: &'a [Flow]) -> Result<Vec<&'a Var>> {
    inputs.iter().map(|f| f.var(layer)).collect()
}

/// Concrete shapes of the inputs (with batch) as `Shape`s, for validating a call.
pub fn runtime_shapes(vars: &[&Var]) -> Vec<Shape> {
    vars.iter()
        .map(|v| v.shape().iter().map(|&d| Some(d)).collect())
        .collect()
}

/// Keras inserts axes at position 1 so inputs of lower rank broadcast against the highest rank;
/// then every input is expanded to the common shape, so the elementwise ops see equal shapes.
pub fn align_ranks(vars: &[&Var]) -> Result<Vec<Var>> {
    let rank = vars.iter().map(|v| v.shape().len()).max().unwrap_or(0);
    let lifted: Vec<Var> = vars
        .iter()
        .map(|v| {
            let s = v.shape();
            if s.len() == rank {
                return Ok((*v).clone());
            }
            let mut shape = vec![s[0]];
            shape.extend(std::iter::repeat_n(1, rank - s.len()));
            shape.extend(&s[1..]);
            Ok(v.reshape(&shape)?)
        })
        .collect::<Result<_>>()?;
    let mut out = vec![0usize; rank];
    for v in &lifted {
        for (o, &d) in out.iter_mut().zip(v.shape()) {
            *o = (*o).max(d);
        }
    }
    lifted
        .into_iter()
        .map(|v| {
            if v.shape() == out.as_slice() {
                Ok(v)
            } else {
                // Broadcast explicitly (x + zeros): the small operand on the left keeps the
                // tensor crate on its general broadcasting path.
                Ok(v.add(&v.constant_like(Tensor::zeros(&out)?))?)
            }
        })
        .collect()
}

/// A `[batch, time]` mask widened to `shape` (`[batch, time, ...]`) as 0/1 floats.
pub fn widen_mask(layer: &str, mask: &Tensor, shape: &[usize]) -> Result<Tensor> {
    let ms = mask.shape();
    if shape.len() <= ms.len() || shape[..ms.len()] != *ms {
        return Err(LayerError::input(
            layer,
            format!("a mask matching the leading axes of the input {shape:?}"),
            ms,
        ));
    }
    let mut keep = ms.to_vec();
    keep.extend(std::iter::repeat_n(1, shape.len() - ms.len()));
    let bin = mask.map("mask", |v| if v != 0.0 { 1.0 } else { 0.0 })?;
    Ok(bin.reshape(&keep)?.broadcast_to(shape)?)
}

/// Keras `Merge.compute_mask`: the OR of the input masks when every input has one, else none.
pub fn or_masks(inputs: &[Flow]) -> Result<Option<Tensor>> {
    let mut out: Option<Tensor> = None;
    for f in inputs {
        let Some(m) = &f.mask else { return Ok(None) };
        out = Some(match out {
            None => m.map("mask", |v| if v != 0.0 { 1.0 } else { 0.0 })?,
            Some(o) => o.zip_map(
                m,
                "mask_or",
                |a, b| if a != 0.0 || b != 0.0 { 1.0 } else { 0.0 },
            )?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_elementwise_shapes() {
        let s = |v: &[Option<usize>]| v.to_vec();
        assert_eq!(
            elementwise_shape("add", &[s(&[None, Some(3)]), s(&[None, Some(3)])]).unwrap(),
            s(&[None, Some(3)])
        );
        assert_eq!(
            elementwise_shape(
                "add",
                &[s(&[None, Some(4), Some(3)]), s(&[None, Some(1), Some(3)])]
            )
            .unwrap(),
            s(&[None, Some(4), Some(3)])
        );
        let e = elementwise_shape("add", &[s(&[None, Some(3)]), s(&[None, Some(4)])]).unwrap_err();
        assert!(
            e.to_string().contains("layer 'add'") && e.to_string().contains("Some(4)"),
            "{e}"
        );
        assert!(check_count("dot", &[s(&[None, Some(3)])], 2, true).is_err());
        assert!(check_count(
            "add",
            &[s(&[Some(2), Some(3)]), s(&[Some(4), Some(3)])],
            1,
            false
        )
        .is_err());
    }

    #[test]
    fn masks_or_and_widen() {
        let m1 = Tensor::from_vec(vec![1., 0., 0.], &[1, 3]).unwrap();
        let m2 = Tensor::from_vec(vec![0., 0., 1.], &[1, 3]).unwrap();
        let tape = kerust_autograd::Tape::new();
        let x = tape.constant(Tensor::zeros(&[1, 3, 2]).unwrap());
        let f = |m: Option<Tensor>| Flow {
            value: crate::flow::Value::Float(x.clone()),
            mask: m,
        };
        let o = or_masks(&[f(Some(m1.clone())), f(Some(m2))])
            .unwrap()
            .unwrap();
        assert_eq!(o.to_vec().unwrap(), vec![1., 0., 1.]);
        assert!(or_masks(&[f(Some(m1.clone())), f(None)]).unwrap().is_none());
        let w = widen_mask("m", &m1, &[1, 3, 2]).unwrap();
        assert_eq!(w.to_vec().unwrap(), vec![1., 1., 0., 0., 0., 0.]);
        assert!(widen_mask("m", &m1, &[1, 4, 2]).is_err());
    }
}
