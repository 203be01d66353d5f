//! `Dense`: `activation(x · kernel + bias)` on the last axis, one GEMM for any rank.
use crate::activations::Activation;
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use crate::regularizers::Regularizer;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// Keras `Dense(units, activation=None, use_bias=True, ...)`.
#[derive(Debug, Clone)]
pub struct Dense {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// Output size.
    pub units: usize,
    /// Applied after the affine map (default `linear`).
    pub activation: Activation,
    /// Whether to add a bias vector.
    pub use_bias: bool,
    /// Initializer of the kernel (default `glorot_uniform`).
    pub kernel_initializer: Initializer,
    /// Initializer of the bias (default `zeros`).
    pub bias_initializer: Initializer,
    /// Penalty on the kernel added to the loss (default none).
    pub kernel_regularizer: Option<Regularizer>,
    /// Penalty on the bias added to the loss (default none).
    pub bias_regularizer: Option<Regularizer>,
    /// Input shape without batch, when this is the first layer of a `Sequential`.
    pub input_shape: Option<Shape>,
    kernel: Option<Param>,
    bias: Option<Param>,
}

impl Dense {
    /// A dense layer with `units` outputs and Keras defaults.
    pub fn new(units: usize) -> Self {
        Self {
            base: LayerBase::new("Dense"),
            units,
            activation: Activation::Linear,
            use_bias: true,
            kernel_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            bias_regularizer: None,
            input_shape: None,
            kernel: None,
            bias: None,
        }
    }
    /// Keras `activation=`: activation applied to the output (Keras default `None`, i.e. linear).
    pub fn activation(mut self, a: impl Into<Activation>) -> Self {
        self.activation = a.into();
        self
    }
    /// Keras `use_bias=`: whether the layer adds a bias vector (default `True`).
    pub fn use_bias(mut self, b: bool) -> Self {
        self.use_bias = b;
        self
    }
    /// Keras `kernel_initializer=`: initializer of the kernel (default `glorot_uniform`).
    pub fn kernel_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.kernel_initializer = i.into();
        self
    }
    /// Keras `bias_initializer=`: initializer of the bias (default `zeros`).
    pub fn bias_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.bias_initializer = i.into();
        self
    }
    /// Keras `kernel_regularizer=`: penalty on the kernel added to the loss (default none).
    pub fn kernel_regularizer(mut self, r: Regularizer) -> Self {
        self.kernel_regularizer = Some(r);
        self
    }
    /// Keras `bias_regularizer=`: penalty on the bias added to the loss (default none).
    pub fn bias_regularizer(mut self, r: Regularizer) -> Self {
        self.bias_regularizer = Some(r);
        self
    }
    /// Keras `name=`: the layer's name (default: a unique name from the class, e.g. `dense_1`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Keras `input_shape=`: shape of one sample (without the batch axis); builds the model when it
    /// is the first layer.
    pub fn input_shape(mut self, shape: &[usize]) -> Self {
        self.input_shape = Some(shape.iter().map(|&d| Some(d)).collect());
        self
    }

    /// Rebuild from a Keras config.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("Dense", cfg);
        let mut d = Dense::new(c.usize("units")?);
        d.base = LayerBase::from_config(cfg);
        d.activation = Activation::from_name(c.str_or("activation", "linear"))?;
        d.use_bias = c.bool_or("use_bias", true);
        if !c.get("kernel_initializer").is_null() {
            d.kernel_initializer = Initializer::from_config(c.get("kernel_initializer"))?;
        }
        if !c.get("bias_initializer").is_null() {
            d.bias_initializer = Initializer::from_config(c.get("bias_initializer"))?;
        }
        d.kernel_regularizer = Regularizer::from_config(c.get("kernel_regularizer"))?;
        d.bias_regularizer = Regularizer::from_config(c.get("bias_regularizer"))?;
        d.input_shape = c.declared_input_shape();
        Ok(d)
    }
}

impl Layer for Dense {
    crate::layer_boilerplate!("Dense");

    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape.clone()
    }

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        let s = &input_shapes[0];
        let fan_in = s
            .last()
            .copied()
            .flatten()
            .filter(|_| s.len() >= 2)
            .ok_or_else(|| {
                LayerError::input(
                    self.base.name(),
                    "an input of rank >= 2 with a known last dimension, like (None, features)",
                    s,
                )
            })?;
        crate::param::checked_weight_numel(self.base.name(), "kernel", &[fan_in, self.units])?;
        let kernel = self.kernel_initializer.init(&[fan_in, self.units], rng)?;
        self.kernel = Some(Param::new("kernel", kernel).with_regularizer(self.kernel_regularizer));
        if self.use_bias {
            let bias = self.bias_initializer.init(&[self.units], rng)?;
            self.bias = Some(Param::new("bias", bias).with_regularizer(self.bias_regularizer));
        }
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let mut s = input_shapes[0].clone();
        if s.len() < 2 {
            return Err(LayerError::input(
                self.base.name(),
                "an input of rank >= 2",
                &s,
            ));
        }
        let last = s.len() - 1;
        s[last] = Some(self.units);
        Ok(vec![s])
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        let kernel = self
            .kernel
            .as_ref()
            .ok_or_else(|| LayerError::NotBuilt(format!("layer '{}'", self.base.name())))?;
        let expect = kernel.value.shape()[0];
        if x.shape().last() != Some(&expect) {
            return Err(LayerError::input(
                self.base.name(),
                format!("last dimension {expect}"),
                x.shape(),
            ));
        }
        let mut y = x.linear(&ctx.param(kernel)?)?;
        if let Some(b) = &self.bias {
            y = y.add(&ctx.param(b)?)?;
        }
        let y = self.activation.apply(&y)?;
        // Dense keeps the mask of a time-distributed input.
        Ok(vec![Flow {
            value: crate::flow::Value::Float(y),
            mask: inputs[0].mask.clone(),
        }])
    }

    fn params(&self) -> Vec<&Param> {
        self.kernel.iter().chain(self.bias.iter()).collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.kernel.iter_mut().chain(self.bias.iter_mut()).collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("units".into(), json!(self.units));
        m.insert("activation".into(), json!(self.activation.name()));
        m.insert("use_bias".into(), json!(self.use_bias));
        crate::config::insert_weight_options(
            &mut m,
            "kernel",
            &self.kernel_initializer,
            self.kernel_regularizer,
        );
        crate::config::insert_weight_options(
            &mut m,
            "bias",
            &self.bias_initializer,
            self.bias_regularizer,
        );
        m.insert("activity_regularizer".into(), Json::Null);
        crate::config::insert_input_shape(&mut m, &self.input_shape);
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_config_round_trip, check_layer_gradients};
    use kerust_tensor::Tensor;

    #[test]
    fn hand_computed_forward() {
        let mut d = Dense::new(2).activation("relu");
        d.build(&[vec![None, Some(3)]], &mut Rng::seed(0)).unwrap();
        d.set_weights(&[
            Tensor::from_vec(vec![1., 0., 0., 1., 1., -1.], &[3, 2]).unwrap(),
            Tensor::from_vec(vec![0.5, 0.0], &[2]).unwrap(),
        ])
        .unwrap();
        let y = crate::testing::forward(&d, Tensor::from_vec(vec![1., 2., 3.], &[1, 3]).unwrap())
            .unwrap();
        // [1+3+0.5, 2-3] -> relu -> [4.5, 0]
        assert_eq!(y.to_vec().unwrap(), vec![4.5, 0.0]);
        assert_eq!(d.count_params(), 8);
    }

    #[test]
    fn gradients_and_config() {
        check_layer_gradients(Dense::new(3).activation("tanh"), &[2, 4]);
        check_layer_gradients(Dense::new(2), &[2, 3, 4]);
        check_config_round_trip(
            Dense::new(5)
                .activation("sigmoid")
                .use_bias(false)
                .kernel_regularizer(crate::regularizers::l2(0.01)),
            Dense::from_config,
        );
    }
}
