//! Finite-difference gradient checking: compares the tape's gradients with central differences.
use crate::tape::{Tape, Var};
use kerust_tensor::{Result, Rng, Tensor};

/// Outcome of a gradient check: the worst relative error over all inputs and elements.
#[derive(Debug, Clone)]
pub struct GradCheck {
    pub max_rel_error: f32,
    pub max_abs_error: f32,
    /// Input index and flat element index of the worst entry.
    pub worst: (usize, usize),
}

/// Check `f`'s gradients at `inputs`. The scalar checked is `sum(f(x) * w)` with fixed random
/// weights `w`, so every output element contributes with a different weight. Central differences
/// with step `eps`; the error of an element is `|a - n| / max(1, |a|, |n|)`.
pub fn gradcheck(
    f: impl Fn(&[Var]) -> Result<Var>,
    inputs: &[Tensor],
    eps: f32,
) -> Result<GradCheck> {
    let mut rng = Rng::seed(7);
    let objective = |xs: &[Tensor],
                     w: Option<&Tensor>,
                     want_grads: bool|
     -> Result<(f32, Tensor, Vec<Option<Tensor>>)> {
        let tape = Tape::new();
        let vars: Vec<Var> = xs.iter().map(|x| tape.param(x.clone())).collect();
        let y = f(&vars)?;
        let w = match w {
            Some(w) => w.clone(),
            None => Tensor::zeros(y.shape())?,
        };
        let loss = y.mul(&tape.constant(w))?.sum_all()?;
        let grads = if want_grads {
            let g = tape.backward(&loss)?;
            vars.iter().map(|v| g.get(v).cloned()).collect()
        } else {
            Vec::new()
        };
        Ok((loss.value().item()?, y.value().clone(), grads))
    };
    // One pass to learn the output shape, then draw the weights.
    let (_, y, _) = objective(inputs, None, false)?;
    let w = Tensor::rand_uniform(y.shape(), -1.0, 1.0, &mut rng)?;
    let (_, _, grads) = objective(inputs, Some(&w), true)?;
    let mut report = GradCheck {
        max_rel_error: 0.0,
        max_abs_error: 0.0,
        worst: (0, 0),
    };
    for (i, x) in inputs.iter().enumerate() {
        let analytic = match &grads[i] {
            Some(g) => g.to_vec()?,
            None => vec![0.0; x.numel()],
        };
        for (e, &a) in analytic.iter().enumerate() {
            let mut xp = inputs.to_vec();
            let mut xm = inputs.to_vec();
            xp[i].as_mut_slice()?[e] += eps;
            xm[i].as_mut_slice()?[e] -= eps;
            let (lp, _, _) = objective(&xp, Some(&w), false)?;
            let (lm, _, _) = objective(&xm, Some(&w), false)?;
            let numeric = (lp - lm) / (2.0 * eps);
            let abs = (a - numeric).abs();
            let rel = abs / 1f32.max(a.abs()).max(numeric.abs());
            if rel > report.max_rel_error {
                report = GradCheck {
                    max_rel_error: rel,
                    max_abs_error: report.max_abs_error.max(abs),
                    worst: (i, e),
                };
            }
            report.max_abs_error = report.max_abs_error.max(abs);
        }
    }
    Ok(report)
}

/// Test helper: draw inputs of the given shapes (seeded, in [-1, 1]) and assert `f`'s gradients
/// agree with finite differences to 1e-2.
#[track_caller]
pub fn check_op(shapes: &[&[usize]], f: impl Fn(&[Var]) -> Result<Var>) {
    let mut rng = Rng::seed(42);
    let inputs: Vec<Tensor> = shapes
        .iter()
        .map(|s| Tensor::rand_uniform(s, -1.0, 1.0, &mut rng).expect("valid test shape"))
        .collect();
    let r = gradcheck(f, &inputs, 1e-2).expect("op runs on the test inputs");
    assert!(r.max_rel_error < 1e-2, "gradient check failed: {r:?}");
}
