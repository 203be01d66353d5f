//! Keras losses by name: each reduces to the mean over samples (`sum_over_batch_size`), with
//! optional per-sample weights scaling each sample's loss before the sum (Keras 3
//! `reduce_weighted_values`: weighted sum divided by the number of per-sample loss values).
use crate::error::{LayerError, Result};
use kerust_autograd::{LogitsOf, Var};
use kerust_tensor::{Device, Tensor};

/// Keras clips probabilities to `[eps, 1-eps]` before taking logs.
const EPS: f32 = 1e-7;

/// A Keras loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Loss {
    /// `mean_squared_error` (`mse`).
    MeanSquaredError,
    /// `mean_absolute_error` (`mae`).
    MeanAbsoluteError,
    /// `mean_absolute_percentage_error` (`mape`).
    MeanAbsolutePercentageError,
    /// `huber`: squared error below `delta`, linear above.
    Huber {
        /// Where the loss turns from quadratic to linear (default 1).
        delta: f32,
    },
    /// `binary_crossentropy` of 0/1 targets.
    BinaryCrossentropy {
        /// Predictions are logits rather than probabilities (default `false`).
        from_logits: bool,
    },
    /// `categorical_crossentropy` of one-hot targets.
    CategoricalCrossentropy {
        /// Predictions are logits rather than probabilities (default `false`).
        from_logits: bool,
    },
    /// `sparse_categorical_crossentropy` of integer class targets.
    SparseCategoricalCrossentropy {
        /// Predictions are logits rather than probabilities (default `false`).
        from_logits: bool,
    },
}

impl Loss {
    /// Parse a Keras loss name (`"mse"`, `"binary_crossentropy"`, ...).
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "mse" | "mean_squared_error" | "MeanSquaredError" => Loss::MeanSquaredError,
            "mae" | "mean_absolute_error" | "MeanAbsoluteError" => Loss::MeanAbsoluteError,
            "mape" | "mean_absolute_percentage_error" => Loss::MeanAbsolutePercentageError,
            "huber" | "huber_loss" | "Huber" => Loss::Huber { delta: 1.0 },
            "binary_crossentropy" | "BinaryCrossentropy" => Loss::BinaryCrossentropy { from_logits: false },
            "categorical_crossentropy" | "CategoricalCrossentropy" => Loss::CategoricalCrossentropy { from_logits: false },
            "sparse_categorical_crossentropy" | "SparseCategoricalCrossentropy" => {
                Loss::SparseCategoricalCrossentropy { from_logits: false }
            }
            other => {
                return Err(LayerError::config(
                    "loss",
                    format!("unknown loss '{other}'; use mse, mae, mape, huber, binary_crossentropy, categorical_crossentropy or sparse_categorical_crossentropy"),
                ))
            }
        })
    }

    /// Keras function name (used in configs and logs).
    pub fn name(&self) -> &'static str {
        match self {
            Loss::MeanSquaredError => "mean_squared_error",
            Loss::MeanAbsoluteError => "mean_absolute_error",
            Loss::MeanAbsolutePercentageError => "mean_absolute_percentage_error",
            Loss::Huber { .. } => "huber",
            Loss::BinaryCrossentropy { .. } => "binary_crossentropy",
            Loss::CategoricalCrossentropy { .. } => "categorical_crossentropy",
            Loss::SparseCategoricalCrossentropy { .. } => "sparse_categorical_crossentropy",
        }
    }

    /// Keras `loss_fn(y_true, y_pred)`: the mean loss (`sum_over_batch_size`), recorded on
    /// `y_pred`'s tape so a [`GradientTape`](crate::GradientTape) can differentiate it.
    pub fn call(&self, y_true: &Tensor, y_pred: &Var) -> Result<Var> {
        self.compute_weighted(y_pred, y_true, None)
    }

    /// Mean loss of predictions `y_pred` against targets `y_true` (per-sample losses averaged).
    pub fn compute(&self, y_pred: &Var, y_true: &Tensor) -> Result<Var> {
        self.compute_weighted(y_pred, y_true, None)
    }

    /// Keras `loss(y_true, y_pred, sample_weight)`: each per-sample loss is scaled by its weight and
    /// the sum is divided by the number of per-sample losses (`sum_over_batch_size`, not by the
    /// sum of the weights). `sample_weight` has shape `[batch]` (or `[batch, time]` for sequence
    /// outputs, Keras's temporal weights); trailing axes of size 1 are ignored as Keras squeezes them.
    pub fn compute_weighted(
        &self,
        y_pred: &Var,
        y_true: &Tensor,
        sample_weight: Option<&Tensor>,
    ) -> Result<Var> {
        let tape = y_pred.tape();
        let pshape = y_pred.shape().to_vec();
        // Targets of shape [B] against predictions [B, 1] are broadcast like Keras squeezes them.
        let y_true = if let Loss::SparseCategoricalCrossentropy { .. } = self {
            y_true.clone()
        } else if y_true.numel() == y_pred.value().numel() && y_true.shape() != pshape.as_slice() {
            y_true.reshape(&pshape)?
        } else if y_true.shape() != pshape.as_slice() {
            return Err(LayerError::Data(format!(
                "loss {}: targets of shape {:?} do not match predictions of shape {:?}",
                self.name(),
                y_true.shape(),
                pshape
            )));
        } else {
            y_true.clone()
        };
        // Targets and weights arrive on the host; the loss runs where the predictions live.
        let device = y_pred.value().device();
        let y_true = y_true.to(device)?;
        let t = tape.constant(y_true.clone());
        // Per-element weights: each sample's weight repeated over the axes its loss averages, so
        // mean_all(elementwise * w) = sum_i w_i * loss_i / n_losses, Keras's weighted reduction.
        let weights = match sample_weight {
            Some(w) => Some(tape.constant(expand_weights(self.name(), w, &pshape)?.to(device)?)),
            None => None,
        };
        let weigh = |v: Var| -> Result<Var> {
            Ok(match &weights {
                Some(w) => v.mul(w)?,
                None => v,
            })
        };
        // Like Keras: probabilities straight out of a sigmoid / last-axis softmax are scored from
        // their logits (`output._keras_logits`), which stays exact where the probabilities
        // saturate (e.g. raw 0-255 pixels into a softmax) instead of clipping to 1e-7.
        let logits = |want: LogitsOf| match y_pred.keras_logits() {
            Some((kind, z)) if kind == want => Some(z),
            _ => None,
        };
        let out = match *self {
            Loss::MeanSquaredError => weigh(y_pred.sub(&t)?.square()?)?.mean_all()?,
            Loss::MeanAbsoluteError => weigh(y_pred.sub(&t)?.abs()?)?.mean_all()?,
            Loss::MeanAbsolutePercentageError => {
                let denom = y_true
                    .to(Device::Cpu)?
                    .abs()?
                    .map("mape", |v| v.max(EPS))?
                    .to(device)?;
                weigh(y_pred.sub(&t)?.abs()?.div(&tape.constant(denom))?)?
                    .mean_all()?
                    .mul_scalar(100.0)?
            }
            Loss::Huber { delta } => {
                let e = y_pred.sub(&t)?;
                let a = e.abs()?;
                let quad = a.clip(0.0, delta)?;
                let lin = a.sub(&quad)?;
                weigh(
                    quad.square()?
                        .mul_scalar(0.5)?
                        .add(&lin.mul_scalar(delta)?)?,
                )?
                .mean_all()?
            }
            Loss::BinaryCrossentropy { from_logits } => {
                let cached = if from_logits {
                    None
                } else {
                    logits(LogitsOf::Sigmoid)
                };
                if from_logits || cached.is_some() {
                    // max(x,0) - x*y + log(1 + e^-|x|)
                    let x = cached.as_ref().unwrap_or(y_pred);
                    weigh(
                        x.relu()?
                            .sub(&x.mul(&t)?)?
                            .add(&x.abs()?.neg()?.exp()?.add_scalar(1.0)?.log()?)?,
                    )?
                    .mean_all()?
                } else {
                    let p = y_pred.clip(EPS, 1.0 - EPS)?;
                    let one_minus_t = tape.constant(y_true.mul_scalar(-1.0)?.add_scalar(1.0)?);
                    let pos = t.mul(&p.log()?)?;
                    let neg = one_minus_t.mul(&p.rsub_scalar(1.0)?.log()?)?;
                    weigh(pos.add(&neg)?)?.mean_all()?.neg()?
                }
            }
            Loss::CategoricalCrossentropy { from_logits } => {
                let cached = if from_logits {
                    None
                } else {
                    logits(LogitsOf::Softmax)
                };
                let logp = if from_logits {
                    y_pred.log_softmax(-1)?
                } else if let Some(z) = cached {
                    z.log_softmax(-1)?
                } else {
                    // Keras renormalises the probabilities, then clips.
                    y_pred
                        .div(&y_pred.sum_axis(-1, true)?)?
                        .clip(EPS, 1.0 - EPS)?
                        .log()?
                };
                let rows =
                    (y_pred.value().numel() / pshape.last().copied().unwrap_or(1).max(1)) as f32;
                weigh(t.mul(&logp)?)?.sum_all()?.mul_scalar(-1.0 / rows)?
            }
            Loss::SparseCategoricalCrossentropy { from_logits } => {
                let classes = *pshape.last().unwrap_or(&1);
                let labels = y_true.to_vec()?;
                let rows = y_pred.value().numel() / classes.max(1);
                if labels.len() != rows {
                    return Err(LayerError::Data(format!(
                        "sparse_categorical_crossentropy: {} labels for {rows} predictions of {classes} classes",
                        labels.len()
                    )));
                }
                let mut onehot = vec![0.0f32; rows * classes];
                for (r, &l) in labels.iter().enumerate() {
                    if l < 0.0 || l as usize >= classes || l.fract() != 0.0 {
                        return Err(LayerError::Data(format!(
                            "sparse_categorical_crossentropy: label {l} in row {r} is not a class index in 0..{classes}"
                        )));
                    }
                    onehot[r * classes + l as usize] = 1.0;
                }
                let onehot = Tensor::from_vec(onehot, &pshape)?;
                return Loss::CategoricalCrossentropy { from_logits }.compute_weighted(
                    y_pred,
                    &onehot,
                    sample_weight,
                );
            }
        };
        Ok(out)
    }
}

/// Repeat each sample weight over the axes its sample's loss averages, giving a tensor of the
/// predictions' shape; a weight tensor that is not a leading part of that shape is an error.
fn expand_weights(loss: &str, w: &Tensor, pshape: &[usize]) -> Result<Tensor> {
    let mut ws: Vec<usize> = w.shape().to_vec();
    while ws.len() > 1 && ws.last() == Some(&1) {
        ws.pop();
    }
    // The per-sample losses have the predictions' shape less the last axis (at least [batch]).
    let loss_rank = pshape.len().saturating_sub(1).max(1);
    if ws.is_empty() || ws.len() > loss_rank || ws[..] != pshape[..ws.len()] {
        return Err(LayerError::SampleWeightShape {
            what: format!("loss {loss}"),
            expected: format!(
                "[{}] (one weight per sample){}",
                pshape.first().copied().unwrap_or(0),
                if loss_rank > 1 {
                    format!(" or {:?} (one per time step)", &pshape[..loss_rank])
                } else {
                    String::new()
                }
            ),
            got: w.shape().to_vec(),
        });
    }
    let inner: usize = pshape[ws.len()..].iter().product();
    let vals = w.to_vec()?;
    let mut out = Vec::with_capacity(vals.len() * inner);
    for v in vals {
        out.extend(std::iter::repeat_n(v, inner));
    }
    Ok(Tensor::from_vec(out, pshape)?)
}

impl From<&str> for Loss {
    /// Keras names; an unknown name becomes mse — use [`Loss::from_name`] to get an error.
    fn from(s: &str) -> Self {
        Loss::from_name(s).unwrap_or(Loss::MeanSquaredError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kerust_autograd::Tape;

    fn value(loss: Loss, p: &[f32], t: &[f32], shape: &[usize]) -> f32 {
        let tape = Tape::new();
        let yp = tape.constant(Tensor::from_vec(p.to_vec(), shape).unwrap());
        let yt = Tensor::from_vec(t.to_vec(), &[t.len()]).unwrap();
        loss.compute(&yp, &yt).unwrap().value().item().unwrap()
    }

    #[test]
    fn hand_computed_values() {
        assert!((value(Loss::MeanSquaredError, &[1., 2.], &[0., 0.], &[2, 1]) - 2.5).abs() < 1e-6);
        assert!(
            (value(Loss::MeanAbsoluteError, &[1., -2.], &[0., 0.], &[2, 1]) - 1.5).abs() < 1e-6
        );
        let bce = value(
            Loss::BinaryCrossentropy { from_logits: false },
            &[0.9, 0.2],
            &[1., 0.],
            &[2, 1],
        );
        assert!((bce - (-(0.9f32.ln()) - 0.8f32.ln()) / 2.0).abs() < 1e-6);
        let logits = value(
            Loss::BinaryCrossentropy { from_logits: true },
            &[2.0],
            &[1.0],
            &[1, 1],
        );
        assert!((logits - (1.0 + (-2.0f32).exp()).ln()).abs() < 1e-6);
        let scce = value(
            Loss::SparseCategoricalCrossentropy { from_logits: false },
            &[0.7, 0.2, 0.1],
            &[0.],
            &[1, 3],
        );
        assert!((scce + 0.7f32.ln()).abs() < 1e-6);
        assert!(
            (value(Loss::Huber { delta: 1.0 }, &[3.0, 0.5], &[0., 0.], &[2, 1])
                - (2.5 + 0.125) / 2.0)
                .abs()
                < 1e-6
        );
    }

    #[test]
    fn saturated_softmax_and_sigmoid_are_scored_from_their_logits_like_keras() {
        // Keras 3.15: Dense(3, softmax) with logits [500, 0, -500], label 1 → evaluate 500.0;
        // Dense(1, sigmoid) with logit 200, label 0 → 200.0 (clipping would give about 16).
        let tape = Tape::new();
        let z = tape.param(Tensor::from_vec(vec![500.0, 0.0, -500.0], &[1, 3]).unwrap());
        let label = Tensor::from_vec(vec![1.0], &[1]).unwrap();
        let l = Loss::SparseCategoricalCrossentropy { from_logits: false }
            .compute(&z.softmax(-1).unwrap(), &label)
            .unwrap();
        assert_eq!(l.value().item().unwrap(), 500.0);
        let g = tape.backward(&l).unwrap();
        // d/dz = softmax(z) - onehot: the gradient still flows where the probabilities saturate.
        assert_eq!(g.get(&z).unwrap().to_vec().unwrap(), vec![1.0, -1.0, 0.0]);
        let x = tape.param(Tensor::from_vec(vec![200.0], &[1, 1]).unwrap());
        let zero = Tensor::from_vec(vec![0.0], &[1]).unwrap();
        let l = Loss::BinaryCrossentropy { from_logits: false }
            .compute(&x.sigmoid().unwrap(), &zero)
            .unwrap();
        assert_eq!(l.value().item().unwrap(), 200.0);
        // Probabilities from elsewhere are still clipped.
        let p = tape.constant(Tensor::from_vec(vec![1.0], &[1, 1]).unwrap());
        let l = Loss::BinaryCrossentropy { from_logits: false }
            .compute(&p, &zero)
            .unwrap();
        // -ln(1 - (1 - 1e-7)) in f32, where 1 - 1e-7 rounds to 1 - 2^-23.
        assert!((l.value().item().unwrap() - 15.942_385).abs() < 1e-3);
    }

    #[test]
    fn bad_labels_and_shapes_are_errors() {
        let tape = Tape::new();
        let yp = tape.constant(Tensor::from_vec(vec![0.5, 0.5], &[1, 2]).unwrap());
        let bad = Tensor::from_vec(vec![2.0], &[1]).unwrap();
        assert!(Loss::SparseCategoricalCrossentropy { from_logits: false }
            .compute(&yp, &bad)
            .is_err());
        let wrong = Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3]).unwrap();
        assert!(Loss::MeanSquaredError.compute(&yp, &wrong).is_err());
        assert!(Loss::from_name("nope").is_err());
    }

    #[test]
    fn crossentropy_gradients() {
        kerust_autograd::gradcheck::check_op(&[&[3, 4]], |v| {
            let t = Tensor::from_vec(
                vec![0., 1., 0., 0., 1., 0., 0., 0., 0., 0., 0., 1.],
                &[3, 4],
            )
            .unwrap();
            Loss::CategoricalCrossentropy { from_logits: true }
                .compute(&v[0], &t)
                .map_err(|e| kerust_tensor::TensorError::InvalidArgument {
                    op: "loss",
                    message: e.to_string(),
                })
        });
        kerust_autograd::gradcheck::check_op(&[&[4, 1]], |v| {
            let t = Tensor::from_vec(vec![0., 1., 1., 0.], &[4]).unwrap();
            Loss::BinaryCrossentropy { from_logits: false }
                .compute(&v[0].sigmoid()?, &t)
                .map_err(|e| kerust_tensor::TensorError::InvalidArgument {
                    op: "loss",
                    message: e.to_string(),
                })
        });
    }
}
