//! What `Attention`, `AdditiveAttention` and `MultiHeadAttention` share: Keras's boolean score
//! masks (value/key padding, query padding, causal) as 0/1 tensors, masking the scores before the
//! softmax the way each Keras layer does, and dropout of the attention weights.
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use kerust_autograd::Var;
use kerust_tensor::Tensor;

/// Keras's stand-in for −∞ in float32 attention masks.
pub const LARGE_NEGATIVE: f32 = 1e9;

/// The values of a `[batch, time]` Keras mask, checked against the expected sizes.
fn mask_values(layer: &str, what: &str, m: &Tensor, batch: usize, t: usize) -> Result<Vec<f32>> {
    if m.shape() != [batch, t] {
        return Err(LayerError::input(
            layer,
            format!("a {what} mask of shape [{batch}, {t}] (batch, time)"),
            m.shape(),
        ));
    }
    Ok(m.to_vec()?)
}

/// `keep[b, i, j]` (1 = attend, 0 = masked) for `[batch, tq, tv]` scores: the query mask on `i`,
/// every key/value mask on `j`, and with `causal` only `j <= i` (Keras's
/// `cumsum(rows) >= cumsum(cols)`). `None` when nothing is masked.
pub fn score_mask(
    layer: &str,
    (batch, tq, tv): (usize, usize, usize),
    query_mask: Option<&Tensor>,
    kv_masks: &[Option<&Tensor>],
    causal: bool,
) -> Result<Option<Tensor>> {
    if query_mask.is_none() && kv_masks.iter().all(Option::is_none) && !causal {
        return Ok(None);
    }
    let q = query_mask
        .map(|m| mask_values(layer, "query", m, batch, tq))
        .transpose()?;
    let kv = kv_masks
        .iter()
        .flatten()
        .map(|m| mask_values(layer, "value/key", m, batch, tv))
        .collect::<Result<Vec<_>>>()?;
    let mut keep = vec![0f32; batch * tq * tv];
    for b in 0..batch {
        for i in 0..tq {
            let qi = q.as_ref().is_none_or(|q| q[b * tq + i] > 0.5);
            for j in 0..tv {
                let ok = qi && (!causal || j <= i) && kv.iter().all(|m| m[b * tv + j] > 0.5);
                keep[(b * tq + i) * tv + j] = if ok { 1.0 } else { 0.0 };
            }
        }
    }
    Ok(Some(Tensor::from_vec(keep, &[batch, tq, tv])?))
}

/// `keep − 1` scaled to `0` / `−1e9`: the additive part of both masking rules.
fn offsets(keep: &Tensor) -> Result<Tensor> {
    Ok(keep.add_scalar(-1.0)?.mul_scalar(LARGE_NEGATIVE)?)
}

/// Keras `Attention._apply_scores`: `where(keep, scores, scores − 1e9)`.
pub fn subtract_masked(scores: &Var, keep: &Tensor) -> Result<Var> {
    Ok(scores.add(&scores.constant_like(offsets(keep)?))?)
}

/// Keras `Softmax(mask=keep)` (used by `MultiHeadAttention`): `where(keep, scores, −1e9)`.
pub fn replace_masked(scores: &Var, keep: &Tensor) -> Result<Var> {
    Ok(scores
        .mul_const(keep)?
        .add(&scores.constant_like(offsets(keep)?))?)
}

/// Dropout of the attention weights while training (Keras drops the weights, not the output).
pub fn attention_dropout(weights: &Var, rate: f32, ctx: &mut Ctx) -> Result<Var> {
    if !ctx.training || rate <= 0.0 {
        return Ok(weights.clone());
    }
    let mask = crate::core::dropout::dropout_mask(weights.shape(), rate, ctx.rng)?;
    Ok(weights.mul_const(&mask)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causal_and_padding_masks_compose() {
        let v = Tensor::from_vec(vec![1., 1., 0.], &[1, 3]).unwrap();
        let keep = score_mask("t", (1, 3, 3), None, &[Some(&v)], true)
            .unwrap()
            .unwrap();
        assert_eq!(
            keep.to_vec().unwrap(),
            vec![1., 0., 0., 1., 1., 0., 1., 1., 0.]
        );
        let q = Tensor::from_vec(vec![0., 1.], &[1, 2]).unwrap();
        let keep = score_mask("t", (1, 2, 3), Some(&q), &[], false)
            .unwrap()
            .unwrap();
        assert_eq!(keep.to_vec().unwrap(), vec![0., 0., 0., 1., 1., 1.]);
        assert!(score_mask("t", (1, 2, 3), None, &[None], false)
            .unwrap()
            .is_none());
        let e = score_mask("t", (2, 2, 3), None, &[Some(&v)], false).unwrap_err();
        assert!(e.to_string().contains("[2, 3]"), "{e}");
    }
}
