//! Elementwise functions and Keras activations, each with its derivative. On the host each is one
//! fused closure pass; on a device the common ones (what a text model's step needs) run as the
//! device's tensor ops, and the rest run their closures on a host copy (a correct fallback).
use crate::tape::Var;
use kerust_tensor::{sigmoid, takes_device_path, Device, Result, Tensor};

/// `erf` to 1.5e-7 (Abramowitz & Stegun 7.1.26), for exact GELU.
fn erf(x: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.3275911 * x.abs() as f64);
    let y = 1.0
        - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
            + 0.254829592)
            * t
            * (-(x as f64) * (x as f64)).exp();
    (if x >= 0.0 { y } else { -y }) as f32
}

const SELU_ALPHA: f32 = 1.673_263_2;
const SELU_SCALE: f32 = 1.050_701;

impl Var {
    /// Record `y = f(x)` whose derivative is `df(x, y)`. Data on a device is copied to the host
    /// for the closures and the results copied back.
    pub fn unary(
        &self,
        f: impl Fn(f32) -> f32 + Sync + Send,
        df: impl Fn(f32, f32) -> f32 + Sync + Send + 'static,
    ) -> Result<Var> {
        let device = self.value.device();
        let x = self.value.to(Device::Cpu)?;
        let y = x.map("unary", f)?;
        let yc = y.clone();
        self.tape.record1(&[self], y.to(device)?, move |g| {
            let d = x.zip_map(&yc, "unary backward", &df)?.to(device)?;
            Ok(vec![Some(g.mul(&d)?)])
        })
    }

    /// Record `y = f(x)` with `grad(x, y, g)` the input gradient, both written as tensor ops so
    /// they run where the data lives (the device path of the ops below).
    fn unary_tensor_ops(
        &self,
        f: impl FnOnce(&Tensor) -> Result<Tensor>,
        grad: impl Fn(&Tensor, &Tensor, &Tensor) -> Result<Tensor> + 'static,
    ) -> Result<Var> {
        let x = self.value.clone();
        let y = f(&x)?;
        let yc = y.clone();
        self.tape
            .record1(&[self], y, move |g| Ok(vec![Some(grad(&x, &yc, g)?)]))
    }

    /// Whether this op takes its device path (see [`kerust_tensor::with_device_paths`]).
    fn on_device_path(&self) -> bool {
        takes_device_path(self.value.device())
    }

    pub fn exp(&self) -> Result<Var> {
        if self.on_device_path() {
            return self.unary_tensor_ops(Tensor::exp, |_, y, g| g.mul(y));
        }
        self.unary(f32::exp, |_, y| y)
    }
    pub fn log(&self) -> Result<Var> {
        if self.on_device_path() {
            return self.unary_tensor_ops(Tensor::log, |x, _, g| g.div(x));
        }
        self.unary(f32::ln, |x, _| 1.0 / x)
    }
    pub fn sqrt(&self) -> Result<Var> {
        if self.on_device_path() {
            return self.unary_tensor_ops(Tensor::sqrt, |_, y, g| g.mul_scalar(0.5)?.div(y));
        }
        self.unary(f32::sqrt, |_, y| 0.5 / y)
    }
    pub fn square(&self) -> Result<Var> {
        if self.on_device_path() {
            return self.unary_tensor_ops(Tensor::square, |x, _, g| g.mul(&x.mul_scalar(2.0)?));
        }
        self.unary(|x| x * x, |x, _| 2.0 * x)
    }
    pub fn abs(&self) -> Result<Var> {
        if self.on_device_path() {
            return self.unary_tensor_ops(Tensor::abs, |x, _, g| g.mul(&x.sign()?));
        }
        self.unary(f32::abs, |x, _| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        })
    }
    pub fn powf(&self, p: f32) -> Result<Var> {
        if self.on_device_path() {
            return self.unary_tensor_ops(
                |x| x.powf(p),
                move |x, _, g| g.mul(&x.powf(p - 1.0)?.mul_scalar(p)?),
            );
        }
        self.unary(move |x| x.powf(p), move |x, _| p * x.powf(p - 1.0))
    }
    /// Clamp to `[lo, hi]`; the gradient passes only inside the range.
    pub fn clip(&self, lo: f32, hi: f32) -> Result<Var> {
        if self.on_device_path() {
            // Inside the range clip(x) - x is exactly 0, so 1 - sign|clip(x) - x| is the 0/1 mask.
            return self.unary_tensor_ops(
                |x| x.clip(lo, hi),
                |x, y, g| g.mul(&y.sub(x)?.abs()?.sign()?.neg()?.add_scalar(1.0)?),
            );
        }
        self.unary(
            move |x| x.clamp(lo, hi),
            move |x, _| if x >= lo && x <= hi { 1.0 } else { 0.0 },
        )
    }
    pub fn tanh(&self) -> Result<Var> {
        if self.on_device_path() {
            return self.unary_tensor_ops(Tensor::tanh, |_, y, g| {
                g.mul(&y.mul(y)?.neg()?.add_scalar(1.0)?)
            });
        }
        self.unary(f32::tanh, |_, y| 1.0 - y * y)
    }
    pub fn sigmoid(&self) -> Result<Var> {
        let y = if self.on_device_path() {
            self.unary_tensor_ops(Tensor::sigmoid, |_, y, g| {
                g.mul(&y.mul(&y.neg()?.add_scalar(1.0)?)?)
            })?
        } else {
            self.unary(sigmoid, |_, y| y * (1.0 - y))?
        };
        self.tape.mark_logits(&y, crate::LogitsOf::Sigmoid, self);
        Ok(y)
    }
    pub fn relu(&self) -> Result<Var> {
        if self.on_device_path() {
            // sign(relu(x)) is 1 where x > 0 and 0 elsewhere: the derivative.
            return self.unary_tensor_ops(Tensor::relu, |_, y, g| g.mul(&y.sign()?));
        }
        self.unary(|x| x.max(0.0), |x, _| if x > 0.0 { 1.0 } else { 0.0 })
    }
    pub fn leaky_relu(&self, alpha: f32) -> Result<Var> {
        self.unary(
            move |x| if x > 0.0 { x } else { alpha * x },
            move |x, _| if x > 0.0 { 1.0 } else { alpha },
        )
    }
    pub fn elu(&self, alpha: f32) -> Result<Var> {
        self.unary(
            move |x| if x > 0.0 { x } else { alpha * (x.exp() - 1.0) },
            move |x, y| if x > 0.0 { 1.0 } else { y + alpha },
        )
    }
    pub fn selu(&self) -> Result<Var> {
        self.unary(
            |x| {
                SELU_SCALE
                    * if x > 0.0 {
                        x
                    } else {
                        SELU_ALPHA * (x.exp() - 1.0)
                    }
            },
            |x, _| SELU_SCALE * if x > 0.0 { 1.0 } else { SELU_ALPHA * x.exp() },
        )
    }
    /// `log(1 + e^x)`, computed without overflow.
    pub fn softplus(&self) -> Result<Var> {
        self.unary(|x| x.max(0.0) + (-x.abs()).exp().ln_1p(), |x, _| sigmoid(x))
    }
    pub fn softsign(&self) -> Result<Var> {
        self.unary(
            |x| x / (1.0 + x.abs()),
            |x, _| 1.0 / ((1.0 + x.abs()) * (1.0 + x.abs())),
        )
    }
    /// `x · sigmoid(x)` (Keras `swish` / `silu`).
    pub fn silu(&self) -> Result<Var> {
        self.unary(
            |x| x * sigmoid(x),
            |x, _| {
                let s = sigmoid(x);
                s * (1.0 + x * (1.0 - s))
            },
        )
    }
    /// Exact GELU, `x · Φ(x)` (Keras default `approximate=False`).
    pub fn gelu(&self) -> Result<Var> {
        const INV_SQRT2: f32 = std::f32::consts::FRAC_1_SQRT_2;
        self.unary(
            |x| 0.5 * x * (1.0 + erf(x * INV_SQRT2)),
            |x, _| 0.5 * (1.0 + erf(x * INV_SQRT2)) + x * (-0.5 * x * x).exp() * 0.398_942_3,
        )
    }
    /// Keras 3 `hard_sigmoid`: `relu6(x + 3) / 6`.
    pub fn hard_sigmoid(&self) -> Result<Var> {
        self.unary(
            |x| ((x + 3.0) / 6.0).clamp(0.0, 1.0),
            |x, _| if x > -3.0 && x < 3.0 { 1.0 / 6.0 } else { 0.0 },
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::gradcheck::check_op;

    #[test]
    fn activations_gradcheck() {
        check_op(&[&[3, 4]], |v| v[0].tanh());
        check_op(&[&[3, 4]], |v| v[0].sigmoid());
        check_op(&[&[3, 4]], |v| v[0].relu());
        check_op(&[&[3, 4]], |v| v[0].leaky_relu(0.3));
        check_op(&[&[3, 4]], |v| v[0].elu(1.0));
        check_op(&[&[3, 4]], |v| v[0].selu());
        check_op(&[&[3, 4]], |v| v[0].softplus());
        check_op(&[&[3, 4]], |v| v[0].softsign());
        check_op(&[&[3, 4]], |v| v[0].silu());
        check_op(&[&[3, 4]], |v| v[0].gelu());
        check_op(&[&[3, 4]], |v| v[0].mul_scalar(2.0)?.hard_sigmoid());
        check_op(&[&[3, 4]], |v| v[0].exp());
        check_op(&[&[3, 4]], |v| v[0].square());
        check_op(&[&[3, 4]], |v| v[0].abs());
        check_op(&[&[3, 4]], |v| v[0].clip(-0.3, 0.7));
        // log / sqrt / powf need positive inputs.
        check_op(&[&[3, 4]], |v| v[0].square()?.add_scalar(0.5)?.log());
        check_op(&[&[3, 4]], |v| v[0].square()?.add_scalar(0.5)?.sqrt());
        check_op(&[&[3, 4]], |v| v[0].square()?.add_scalar(0.5)?.powf(1.5));
    }

    #[test]
    fn erf_matches_known_values() {
        assert!((super::erf(0.5) - 0.520_499_9).abs() < 1e-6);
        assert!((super::erf(-1.0) + 0.842_700_8).abs() < 1e-6);
    }
}
