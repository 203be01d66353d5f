//! Keras activations by name, applied to a `Var`.
use crate::error::{LayerError, Result};
use kerust_autograd::Var;

/// A Keras activation function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Activation {
    /// `linear`: the identity.
    Linear,
    /// `relu`: `max(x, 0)`.
    Relu,
    /// `sigmoid`: `1 / (1 + exp(-x))`.
    Sigmoid,
    /// `tanh`.
    Tanh,
    /// `softmax` over the last axis.
    Softmax,
    /// `softplus`: `ln(1 + exp(x))`.
    Softplus,
    /// `softsign`: `x / (1 + |x|)`.
    Softsign,
    /// `elu` with `alpha = 1`.
    Elu,
    /// `selu`: ELU scaled by Keras's self-normalising constants.
    Selu,
    /// `gelu`: Gaussian error linear unit.
    Gelu,
    /// `silu` (also `swish`): `x · sigmoid(x)`.
    Silu,
    /// `hard_sigmoid`: a piecewise-linear sigmoid.
    HardSigmoid,
    /// `exponential`: `exp(x)`.
    Exponential,
    /// `leaky_relu` with Keras's negative slope 0.2.
    LeakyRelu,
}

impl Activation {
    /// Parse a Keras activation name (`"relu"`, `"linear"`, `"swish"`, ...).
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "linear" | "None" | "" => Activation::Linear,
            "relu" => Activation::Relu,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "softmax" => Activation::Softmax,
            "softplus" => Activation::Softplus,
            "softsign" => Activation::Softsign,
            "elu" => Activation::Elu,
            "selu" => Activation::Selu,
            "gelu" => Activation::Gelu,
            "silu" | "swish" => Activation::Silu,
            "hard_sigmoid" => Activation::HardSigmoid,
            "exponential" => Activation::Exponential,
            "leaky_relu" => Activation::LeakyRelu,
            other => {
                return Err(LayerError::config(
                    "activation",
                    format!("unknown activation '{other}'; use linear, relu, sigmoid, tanh, softmax, softplus, softsign, elu, selu, gelu, silu, hard_sigmoid, exponential or leaky_relu"),
                ))
            }
        })
    }

    /// Keras name.
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softmax => "softmax",
            Activation::Softplus => "softplus",
            Activation::Softsign => "softsign",
            Activation::Elu => "elu",
            Activation::Selu => "selu",
            Activation::Gelu => "gelu",
            Activation::Silu => "silu",
            Activation::HardSigmoid => "hard_sigmoid",
            Activation::Exponential => "exponential",
            Activation::LeakyRelu => "leaky_relu",
        }
    }

    /// Apply to `x` (softmax over the last axis, as Keras does).
    pub fn apply(&self, x: &Var) -> Result<Var> {
        Ok(match self {
            Activation::Linear => x.clone(),
            Activation::Relu => x.relu()?,
            Activation::Sigmoid => x.sigmoid()?,
            Activation::Tanh => x.tanh()?,
            Activation::Softmax => x.softmax(-1)?,
            Activation::Softplus => x.softplus()?,
            Activation::Softsign => x.softsign()?,
            Activation::Elu => x.elu(1.0)?,
            Activation::Selu => x.selu()?,
            Activation::Gelu => x.gelu()?,
            Activation::Silu => x.silu()?,
            Activation::HardSigmoid => x.hard_sigmoid()?,
            Activation::Exponential => x.exp()?,
            Activation::LeakyRelu => x.leaky_relu(0.2)?,
        })
    }
}

impl From<&str> for Activation {
    /// Keras names; an unknown name becomes `linear` — use [`Activation::from_name`] to get an error.
    fn from(s: &str) -> Self {
        Activation::from_name(s).unwrap_or(Activation::Linear)
    }
}
