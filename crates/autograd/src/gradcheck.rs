//! Finite-difference gradient checking: compares the tape's gradients with central differences.
//!
//! Tensors are f32, so the op itself runs in f32; everything the checker computes is f64: the
//! weighted sum of the outputs, the step actually taken (`f32(x+h) - f32(x-h)`, exact in f64), the
//! Richardson-extrapolated difference quotient and the errors. The error is relative to the
//! gradient's own size, so a 1 % error fails even when every gradient is small (the old
//! `max(1, |a|, |n|)` denominator made it an absolute 1e-2 check). The one allowance is the
//! resolution of finite differences over an f32 forward pass: the rounding noise of the weighted
//! output sum divided by the step, estimated from the outputs themselves and reported as `noise`.
use crate::tape::{Tape, Var};
use kerust_tensor::{Result, Rng, Tensor};

/// The largest relative error [`GradCheck::assert_ok`] accepts. A uniform 1 % error gives
/// ≈ 1e-2 on every element, twice this.
pub const REL_TOL: f64 = 5e-3;

/// Entries smaller than this fraction of their input's largest gradient are judged against that
/// fraction.
pub const SCALE_FLOOR: f64 = 1e-3;

/// Gradients below this are zero for the check.
pub const ABS_FLOOR: f64 = 1e-9;

/// f32 roundings of the weighted output sum allowed in a finite difference (see `noise`). Deep
/// forward passes compound roundings: an LSTM over 5 steps showed differences up to ~3.5 single
/// output roundings at eps = 1e-2 that shrank as eps grew (noise, not gradient error).
const NOISE_ROUNDINGS: f64 = 10.0;

/// Outcome of a gradient check: the worst relative error over all inputs and elements.
#[derive(Debug, Clone)]
pub struct GradCheck {
    /// max over elements of `max(0, |a - n| - noise) / max(|a|, |n|, SCALE_FLOOR·max|n_input|,
    /// ABS_FLOOR)`.
    pub max_rel_error: f64,
    pub max_abs_error: f64,
    /// Input index and flat element index of the worst entry.
    pub worst: (usize, usize),
    /// Tape (analytic) and finite-difference (numeric) gradient at the worst entry.
    pub analytic: f64,
    pub numeric: f64,
    /// Absolute resolution of the finite differences: `NOISE_ROUNDINGS · ε_f32 · ‖w ∘ y‖₂ / eps`
    /// (each output rounds by about ε_f32 of its size, compounded through the forward pass).
    pub noise: f64,
}

impl GradCheck {
    /// Whether the worst relative error is within [`REL_TOL`].
    pub fn ok(&self) -> bool {
        self.max_rel_error <= REL_TOL
    }

    /// Panic with the worst entry when the check failed; `what` names the op or layer.
    #[track_caller]
    pub fn assert_ok(&self, what: &str) {
        assert!(
            self.ok(),
            "gradient check of {what} failed: relative error {:.3e} > {REL_TOL:e} at input {} \
             element {} (tape {:.9e}, finite differences {:.9e}, noise {:.1e}); {self:?}",
            self.max_rel_error,
            self.worst.0,
            self.worst.1,
            self.analytic,
            self.numeric,
            self.noise
        );
    }
}

/// `Σ y·w` in f64 from an f32 output.
fn weighted_sum(y: &Tensor, w: &[f64]) -> Result<f64> {
    Ok(y.to_vec()?.iter().zip(w).map(|(&a, &b)| a as f64 * b).sum())
}

/// Check `f`'s gradients at `inputs`. The scalar checked is `sum(f(x) * w)` with fixed random
/// weights `w`, so every output element contributes with a different weight. Numeric gradients
/// are central differences with steps `eps` and `eps/2` combined by Richardson extrapolation
/// (error O(eps⁴) instead of O(eps²)).
pub fn gradcheck(
    f: impl Fn(&[Var]) -> Result<Var>,
    inputs: &[Tensor],
    eps: f32,
) -> Result<GradCheck> {
    let mut rng = Rng::seed(7);
    // One pass to learn the output shape, then draw the weights.
    let y0 = {
        let tape = Tape::new();
        let vars: Vec<Var> = inputs.iter().map(|x| tape.param(x.clone())).collect();
        f(&vars)?.value().clone()
    };
    let w_t = Tensor::rand_uniform(y0.shape(), -1.0, 1.0, &mut rng)?;
    let w: Vec<f64> = w_t.to_vec()?.iter().map(|&v| v as f64).collect();
    let weighted_norm = y0
        .to_vec()?
        .iter()
        .zip(&w)
        .map(|(&y, &w)| (y as f64 * w).powi(2))
        .sum::<f64>()
        .sqrt();
    let noise = NOISE_ROUNDINGS * f32::EPSILON as f64 * weighted_norm / eps as f64;
    let grads = {
        let tape = Tape::new();
        let vars: Vec<Var> = inputs.iter().map(|x| tape.param(x.clone())).collect();
        let y = f(&vars)?;
        let loss = y.mul(&tape.constant(w_t.clone()))?.sum_all()?;
        let g = tape.backward(&loss)?;
        vars.iter().map(|v| g.get(v).cloned()).collect::<Vec<_>>()
    };
    let value = |xs: &[Tensor]| -> Result<f64> {
        let tape = Tape::new();
        let vars: Vec<Var> = xs.iter().map(|x| tape.param(x.clone())).collect();
        weighted_sum(f(&vars)?.value(), &w)
    };
    // Central difference with step `h`, divided by the step actually taken in f32.
    let quotient = |i: usize, e: usize, h: f32| -> Result<f64> {
        let mut xp = inputs.to_vec();
        let mut xm = inputs.to_vec();
        let x = inputs[i].to_vec()?[e];
        let (up, down) = (x + h, x - h);
        xp[i].as_mut_slice()?[e] = up;
        xm[i].as_mut_slice()?[e] = down;
        Ok((value(&xp)? - value(&xm)?) / (up as f64 - down as f64))
    };
    let mut report = GradCheck {
        max_rel_error: 0.0,
        max_abs_error: 0.0,
        worst: (0, 0),
        analytic: 0.0,
        numeric: 0.0,
        noise,
    };
    for (i, x) in inputs.iter().enumerate() {
        let analytic: Vec<f64> = match &grads[i] {
            Some(g) => g.to_vec()?.iter().map(|&v| v as f64).collect(),
            None => vec![0.0; x.numel()],
        };
        let mut numeric = Vec::with_capacity(x.numel());
        for e in 0..x.numel() {
            let (d1, d2) = (quotient(i, e, eps)?, quotient(i, e, eps / 2.0)?);
            numeric.push(d2 + (d2 - d1) / 3.0);
        }
        let scale = numeric.iter().fold(0f64, |m, v| m.max(v.abs()));
        let floor = (SCALE_FLOOR * scale).max(ABS_FLOOR);
        for (e, (&a, &n)) in analytic.iter().zip(&numeric).enumerate() {
            let abs = (a - n).abs();
            let rel = (abs - noise).max(0.0) / a.abs().max(n.abs()).max(floor);
            if rel > report.max_rel_error {
                report.max_rel_error = rel;
                report.worst = (i, e);
                report.analytic = a;
                report.numeric = n;
            }
            report.max_abs_error = report.max_abs_error.max(abs);
        }
    }
    Ok(report)
}

/// Test helper: draw inputs of the given shapes (seeded, in [-1, 1]) and assert `f`'s gradients
/// agree with finite differences to [`REL_TOL`].
#[track_caller]
pub fn check_op(shapes: &[&[usize]], f: impl Fn(&[Var]) -> Result<Var>) {
    let mut rng = Rng::seed(42);
    let inputs: Vec<Tensor> = shapes
        .iter()
        .map(|s| Tensor::rand_uniform(s, -1.0, 1.0, &mut rng).expect("valid test shape"))
        .collect();
    gradcheck(f, &inputs, 1e-2)
        .expect("op runs on the test inputs")
        .assert_ok("op");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `x * c` whose backward is off by `factor` (1.0 = correct).
    fn scaled(x: &Var, c: f32, factor: f32) -> Result<Var> {
        let y = x.value().mul_scalar(c)?;
        let tape = x.tape().clone();
        let g = c * factor;
        tape.record1(&[x], y, move |grad| Ok(vec![Some(grad.mul_scalar(g)?)]))
    }

    #[test]
    fn a_correct_gradient_passes_and_a_one_percent_error_fails_even_when_small() {
        let x = Tensor::rand_uniform(&[3, 4], -1.0, 1.0, &mut Rng::seed(1)).unwrap();
        // Gradients of size ~1e-3: far below the old absolute 1e-2 floor.
        for c in [1e-3f32, 1.0, 50.0] {
            let good =
                gradcheck(|v| scaled(&v[0], c, 1.0), std::slice::from_ref(&x), 1e-2).unwrap();
            assert!(good.ok(), "c={c}: {good:?}");
            let bad =
                gradcheck(|v| scaled(&v[0], c, 1.01), std::slice::from_ref(&x), 1e-2).unwrap();
            assert!(!bad.ok(), "c={c}: a 1 % error passed: {bad:?}");
        }
    }

    #[test]
    fn a_one_percent_error_in_a_nonlinear_op_fails() {
        let x = Tensor::rand_uniform(&[2, 5], -1.0, 1.0, &mut Rng::seed(2)).unwrap();
        let f = |v: &[Var], factor: f32| -> Result<Var> {
            let t = v[0].tanh()?.mul_scalar(1e-3)?;
            scaled(&t, 1.0, factor)
        };
        assert!(gradcheck(|v| f(v, 1.0), std::slice::from_ref(&x), 1e-2)
            .unwrap()
            .ok());
        assert!(!gradcheck(|v| f(v, 0.99), &[x], 1e-2).unwrap().ok());
    }
}
