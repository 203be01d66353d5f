//! `LayerNormalization`: normalise each sample over its last axis, then scale by `gamma` and shift
//! by `beta` (Keras 3 semantics, default `epsilon = 1e-3`).
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use crate::regularizers::Regularizer;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// Keras `LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True, ...)`.
#[derive(Debug, Clone)]
pub struct LayerNormalization {
    /// Name, weights and build state shared by every layer.
    pub base: LayerBase,
    /// Normalised axis; kerust supports the feature axis (`-1`, or its positive index).
    pub axis: isize,
    /// Added to the variance before the square root.
    pub epsilon: f32,
    /// Whether to add the learned offset `beta`.
    pub center: bool,
    /// Whether to multiply by the learned scale `gamma`.
    pub scale: bool,
    /// Keras `beta_initializer` (default `"zeros"`).
    pub beta_initializer: Initializer,
    /// Keras `gamma_initializer` (default `"ones"`).
    pub gamma_initializer: Initializer,
    /// Keras `beta_regularizer` (default `None`).
    pub beta_regularizer: Option<Regularizer>,
    /// Keras `gamma_regularizer` (default `None`).
    pub gamma_regularizer: Option<Regularizer>,
    /// Input shape without batch, when this is the first layer of a `Sequential`.
    pub input_shape: Option<Shape>,
    /// Keras writes `axis` as a list once built (`[-1]`); kept so configs round-trip verbatim.
    axis_list: bool,
    gamma: Option<Param>,
    beta: Option<Param>,
}

impl Default for LayerNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl LayerNormalization {
    /// A layer normalisation over the last axis with Keras defaults.
    pub fn new() -> Self {
        Self {
            base: LayerBase::new("LayerNormalization"),
            axis: -1,
            epsilon: 1e-3,
            center: true,
            scale: true,
            beta_initializer: Initializer::Zeros,
            gamma_initializer: Initializer::Ones,
            beta_regularizer: None,
            gamma_regularizer: None,
            input_shape: None,
            axis_list: false,
            gamma: None,
            beta: None,
        }
    }
    /// Keras `axis` (default -1; only the last axis is supported).
    pub fn axis(mut self, axis: isize) -> Self {
        self.axis = axis;
        self
    }
    /// Keras `epsilon` added to the variance (default 1e-3).
    pub fn epsilon(mut self, e: f32) -> Self {
        self.epsilon = e;
        self
    }
    /// Keras `center`: learn the offset `beta` (default `True`).
    pub fn center(mut self, c: bool) -> Self {
        self.center = c;
        self
    }
    /// Keras `scale`: learn the factor `gamma` (default `True`).
    pub fn scale(mut self, s: bool) -> Self {
        self.scale = s;
        self
    }
    /// Keras `beta_initializer`.
    pub fn beta_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.beta_initializer = i.into();
        self
    }
    /// Keras `gamma_initializer`.
    pub fn gamma_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.gamma_initializer = i.into();
        self
    }
    /// Keras `beta_regularizer`.
    pub fn beta_regularizer(mut self, r: Regularizer) -> Self {
        self.beta_regularizer = Some(r);
        self
    }
    /// Keras `gamma_regularizer`.
    pub fn gamma_regularizer(mut self, r: Regularizer) -> Self {
        self.gamma_regularizer = Some(r);
        self
    }
    /// Keras `name`.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Keras `input_shape` (without the batch axis), for the first layer of a `Sequential`.
    pub fn input_shape(mut self, shape: &[usize]) -> Self {
        self.input_shape = Some(shape.iter().map(|&d| Some(d)).collect());
        self
    }

    /// Rebuild from a Keras config (`axis` as an integer or a one-element list).
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("LayerNormalization", cfg);
        let mut l = LayerNormalization::new();
        l.base = LayerBase::from_config(cfg);
        l.axis = match c.get("axis") {
            Json::Null => -1,
            Json::Array(a) if a.len() == 1 && a[0].is_i64() => {
                l.axis_list = true;
                a[0].as_i64().unwrap_or(-1) as isize
            }
            v => v.as_i64().map(|x| x as isize).ok_or_else(|| {
                LayerError::config(
                    "LayerNormalization config",
                    format!(
                        "field 'axis' must be one integer (kerust normalises one axis), got {v}"
                    ),
                )
            })?,
        };
        l.epsilon = c.f32_or("epsilon", 1e-3);
        l.center = c.bool_or("center", true);
        l.scale = c.bool_or("scale", true);
        if c.bool_or("rms_scaling", false) {
            return Err(LayerError::config(
                "LayerNormalization config",
                "rms_scaling=True is deprecated in Keras and not supported; use center/scale",
            ));
        }
        if !c.get("beta_initializer").is_null() {
            l.beta_initializer = Initializer::from_config(c.get("beta_initializer"))?;
        }
        if !c.get("gamma_initializer").is_null() {
            l.gamma_initializer = Initializer::from_config(c.get("gamma_initializer"))?;
        }
        l.beta_regularizer = Regularizer::from_config(c.get("beta_regularizer"))?;
        l.gamma_regularizer = Regularizer::from_config(c.get("gamma_regularizer"))?;
        l.input_shape = c.declared_input_shape();
        Ok(l)
    }

    /// The feature size of the normalised axis; only the last axis is supported.
    fn features(&self, s: &Shape) -> Result<usize> {
        let rank = s.len() as isize;
        let last_axis = self.axis == -1 || self.axis == rank - 1;
        match (last_axis && rank >= 2, s.last().copied().flatten()) {
            (true, Some(f)) => Ok(f),
            _ => Err(LayerError::input(
                self.base.name(),
                format!(
                    "an input of rank >= 2 with a known last dimension normalised on axis -1 (axis={} is not supported)",
                    self.axis
                ),
                s,
            )),
        }
    }
}

impl Layer for LayerNormalization {
    crate::layer_boilerplate!("LayerNormalization");

    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape.clone()
    }

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        let f = self.features(&input_shapes[0])?;
        self.gamma = if self.scale {
            let g = self.gamma_initializer.init(&[f], rng)?;
            Some(Param::new("gamma", g).with_regularizer(self.gamma_regularizer))
        } else {
            None
        };
        self.beta = if self.center {
            let b = self.beta_initializer.init(&[f], rng)?;
            Some(Param::new("beta", b).with_regularizer(self.beta_regularizer))
        } else {
            None
        };
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        self.features(&input_shapes[0])?;
        Ok(vec![input_shapes[0].clone()])
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        let shape: Shape = x.shape().iter().map(|&d| Some(d)).collect();
        self.features(&shape)?;
        if !self.base.built {
            return Err(LayerError::NotBuilt(format!(
                "layer '{}'",
                self.base.name()
            )));
        }
        // Keras: moments over the axis, inv = rsqrt(var + eps) · gamma, out = x·inv + (beta − mean·inv).
        let mean = x.mean_axis(-1, true)?;
        let centered = x.sub(&mean)?;
        let var = centered.square()?.mean_axis(-1, true)?;
        let mut inv = var.add_scalar(self.epsilon)?.powf(-0.5)?;
        if let Some(g) = &self.gamma {
            inv = inv.mul(&ctx.param(g)?)?;
        }
        let mut y = centered.mul(&inv)?;
        if let Some(b) = &self.beta {
            y = y.add(&ctx.param(b)?)?;
        }
        Ok(vec![Flow {
            value: Value::Float(y),
            mask: inputs[0].mask.clone(),
        }])
    }

    fn params(&self) -> Vec<&Param> {
        self.gamma.iter().chain(self.beta.iter()).collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.gamma.iter_mut().chain(self.beta.iter_mut()).collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        // Keras turns `axis` into a list when the layer is built.
        let axis = if self.base.built || self.axis_list {
            json!([self.axis])
        } else {
            json!(self.axis)
        };
        m.insert("axis".into(), axis);
        m.insert("epsilon".into(), json!(self.epsilon));
        m.insert("center".into(), json!(self.center));
        m.insert("scale".into(), json!(self.scale));
        m.insert("rms_scaling".into(), json!(false));
        m.insert("beta_initializer".into(), self.beta_initializer.to_config());
        m.insert(
            "gamma_initializer".into(),
            self.gamma_initializer.to_config(),
        );
        for (k, r) in [
            ("beta_regularizer", self.beta_regularizer),
            ("gamma_regularizer", self.gamma_regularizer),
        ] {
            m.insert(k.into(), r.map_or(Json::Null, |r| r.to_config()));
        }
        m.insert("beta_constraint".into(), Json::Null);
        m.insert("gamma_constraint".into(), Json::Null);
        crate::config::insert_input_shape(&mut m, &self.input_shape);
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_config_round_trip, check_layer_gradients, forward};
    use kerust_tensor::Tensor;

    #[test]
    fn hand_computed_forward() {
        let mut l = LayerNormalization::new().epsilon(0.0);
        l.build(&[vec![None, Some(4)]], &mut Rng::seed(0)).unwrap();
        l.set_weights(&[
            Tensor::from_vec(vec![1., 2., 1., 1.], &[4]).unwrap(),
            Tensor::from_vec(vec![0., 0., 0., 0.5], &[4]).unwrap(),
        ])
        .unwrap();
        // x = [1,2,3,4]: mean 2.5, var 1.25 → (x − 2.5)/√1.25.
        let y = forward(&l, Tensor::from_vec(vec![1., 2., 3., 4.], &[1, 4]).unwrap()).unwrap();
        let s = 1.25f32.sqrt();
        let want = [-1.5 / s, 2.0 * -0.5 / s, 0.5 / s, 1.5 / s + 0.5];
        for (a, b) in y.to_vec().unwrap().iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn gradients_and_config() {
        check_layer_gradients(LayerNormalization::new(), &[2, 3, 5]);
        check_layer_gradients(LayerNormalization::new().center(false), &[3, 4]);
        check_config_round_trip(
            LayerNormalization::new().epsilon(1e-5).scale(false),
            LayerNormalization::from_config,
        );
        let mut built = LayerNormalization::new();
        built
            .build(&[vec![None, Some(3)]], &mut Rng::seed(0))
            .unwrap();
        assert_eq!(built.get_config()["axis"], json!([-1]));
        check_config_round_trip(built, LayerNormalization::from_config);
    }

    #[test]
    fn other_axes_are_a_typed_error() {
        let mut l = LayerNormalization::new().axis(1);
        let e = l
            .build(&[vec![None, Some(3), Some(4)]], &mut Rng::seed(0))
            .unwrap_err();
        assert!(e.to_string().contains("axis=1"), "{e}");
    }
}
