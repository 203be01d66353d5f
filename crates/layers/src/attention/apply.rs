//! The call `Attention` and `AdditiveAttention` share around their score function (Keras
//! `Attention.call`): value mask (and causal mask) on the scores, softmax, dropout, weights ·
//! value, query mask zeroing the output, and the optional attention-scores output.
use super::scores::{attention_dropout, score_mask, subtract_masked};
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::layer::Shape;
use kerust_autograd::Var;

/// The call-time options of the Luong/Bahdanau attention layers.
#[derive(Debug, Clone, Copy)]
pub struct CallOptions {
    /// Keras `dropout` rate on the attention weights (default 0).
    pub dropout: f32,
    /// Keras call argument `use_causal_mask` (default `False`).
    pub use_causal_mask: bool,
    /// Keras call argument `return_attention_scores` (default `False`).
    pub return_attention_scores: bool,
}

/// Check `[query, value(, key)]` shapes: rank 3, same batch, key and value of the same length,
/// query and key of the same feature size. Returns the query feature size.
pub fn check_shapes(layer: &str, shapes: &[Shape]) -> Result<usize> {
    if !(2..=3).contains(&shapes.len()) || shapes.iter().any(|s| s.len() != 3) {
        return Err(LayerError::input(
            layer,
            "a list [query, value] or [query, value, key] of rank-3 tensors (batch, time, features)",
            shapes,
        ));
    }
    let key = shapes.get(2).unwrap_or(&shapes[1]);
    if key[1].is_some() && shapes[1][1].is_some() && key[1] != shapes[1][1] {
        return Err(LayerError::input(
            layer,
            "key and value with the same number of timesteps",
            shapes,
        ));
    }
    match (shapes[0][2], key[2]) {
        (Some(q), Some(k)) if q == k => Ok(q),
        _ => Err(LayerError::input(
            layer,
            "query and key with the same known last dimension",
            shapes,
        )),
    }
}

/// Output shapes: `[batch, Tq, value_dim]`, plus `[batch, Tq, Tv]` scores when requested.
pub fn output_shapes(layer: &str, shapes: &[Shape], opts: CallOptions) -> Result<Vec<Shape>> {
    check_shapes(layer, shapes)?;
    let (q, v) = (&shapes[0], &shapes[1]);
    let mut out = vec![vec![q[0], q[1], v[2]]];
    if opts.return_attention_scores {
        out.push(vec![q[0], q[1], v[1]]);
    }
    Ok(out)
}

/// Run the attention with `score(query, key, ctx) -> [batch, Tq, Tv]`.
pub fn call(
    layer: &str,
    inputs: &[Flow],
    ctx: &mut Ctx,
    opts: CallOptions,
    score: impl FnOnce(&Var, &Var, &mut Ctx) -> Result<Var>,
) -> Result<Vec<Flow>> {
    let shapes: Vec<Shape> = inputs
        .iter()
        .map(|f| f.shape().into_iter().map(Some).collect())
        .collect();
    check_shapes(layer, &shapes)?;
    let q = inputs[0].var(layer)?;
    let v = inputs[1].var(layer)?;
    let k = match inputs.get(2) {
        Some(f) => f.var(layer)?,
        None => v,
    };
    let (batch, tq, tv) = (q.shape()[0], q.shape()[1], v.shape()[1]);
    let mut scores = score(q, k, ctx)?;
    // Keras reads only mask[0] (query) and mask[1] (value); a key mask is not used.
    let keep = score_mask(
        layer,
        (batch, tq, tv),
        None,
        &[inputs[1].mask.as_ref()],
        opts.use_causal_mask,
    )?;
    if let Some(keep) = &keep {
        scores = subtract_masked(&scores, keep)?;
    }
    let weights = scores.softmax(-1)?;
    let dropped = attention_dropout(&weights, opts.dropout, ctx)?;
    let mut out = dropped.bmm(v)?;
    let q_mask = inputs[0].mask.clone();
    if let Some(m) = &q_mask {
        if m.shape() != [batch, tq] {
            return Err(LayerError::input(
                layer,
                format!("a query mask of shape [{batch}, {tq}]"),
                m.shape(),
            ));
        }
        out = out.mul_const(&m.reshape(&[batch, tq, 1])?)?;
    }
    let mut flows = vec![Flow {
        value: Value::Float(out),
        mask: q_mask.clone(),
    }];
    if opts.return_attention_scores {
        flows.push(Flow {
            value: Value::Float(weights),
            mask: q_mask,
        });
    }
    Ok(flows)
}
