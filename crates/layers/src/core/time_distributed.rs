//! `TimeDistributed(layer)`: applies one layer to every time step of a sequence with the same
//! weights, by folding the time axis into the batch (`[B, T, ...]` → `[B*T, ...]`) for one call.
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// Keras `TimeDistributed(layer)`. Its weights are the wrapped layer's.
#[derive(Clone)]
pub struct TimeDistributed {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// The layer applied at each time step.
    pub layer: Box<dyn Layer>,
    /// Input shape without batch when first in a `Sequential`.
    pub input_shape: Option<Shape>,
}

impl TimeDistributed {
    /// Wrap `layer` (a `Dense`, `Dropout`, `Conv1D`, ...).
    pub fn new(layer: impl Layer + 'static) -> Self {
        Self {
            base: LayerBase::new("TimeDistributed"),
            layer: Box::new(layer),
            input_shape: None,
        }
    }
    /// Keras `input_shape=`: `[time, features...]` when the layer starts a `Sequential`.
    pub fn input_shape(mut self, shape: &[usize]) -> Self {
        self.input_shape = Some(
            std::iter::once(None)
                .chain(shape.iter().map(|&d| Some(d)))
                .collect(),
        );
        self
    }
    /// Keras `from_config`: `{"layer": {"class_name", "config"}, ...}`.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("TimeDistributed", cfg);
        let inner = c.get("layer");
        let class = inner
            .get("class_name")
            .and_then(Json::as_str)
            .ok_or_else(|| {
                LayerError::config(
                    "TimeDistributed config",
                    "field 'layer' must hold the wrapped layer's {class_name, config}",
                )
            })?;
        let layer =
            crate::registry::layer_from_config(class, inner.get("config").unwrap_or(&Json::Null))?;
        Ok(Self {
            base: LayerBase::from_config(cfg),
            layer,
            input_shape: None,
        })
    }
    /// The per-step shape `[batch, rest...]` the wrapped layer sees.
    fn inner_shape(&self, s: &Shape) -> Result<Shape> {
        if s.len() < 3 {
            return Err(LayerError::input(
                self.base.name(),
                "input of rank 3 or more [batch, time, ...]; TimeDistributed applies its layer to each time step",
                s,
            ));
        }
        Ok(std::iter::once(None)
            .chain(s[2..].iter().copied())
            .collect())
    }
}

impl Layer for TimeDistributed {
    crate::layer_boilerplate!("TimeDistributed");
    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape.clone()
    }
    fn build(&mut self, s: &[Shape], rng: &mut Rng) -> Result<()> {
        let inner = self.inner_shape(&s[0])?;
        if !self.layer.built() {
            self.layer.build(&[inner], rng)?;
        }
        if !self.base.trainable {
            self.layer.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, s: &[Shape]) -> Result<Vec<Shape>> {
        let inner = self.inner_shape(&s[0])?;
        let out = self.layer.compute_output_shape(&[inner])?;
        let first = out.into_iter().next().unwrap_or_default();
        let mut shape = vec![s[0][0], s[0][1]];
        shape.extend(first.into_iter().skip(1));
        Ok(vec![shape])
    }
    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        let shape = x.shape().to_vec();
        let given: Shape = shape.iter().map(|&d| Some(d)).collect();
        self.inner_shape(&given)?;
        let (b, t) = (shape[0], shape[1]);
        let mut folded = vec![b * t];
        folded.extend(&shape[2..]);
        let y = self
            .layer
            .call(&[Flow::float(x.reshape(&folded)?)], ctx)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                LayerError::input(self.base.name(), "a wrapped layer with an output", "none")
            })?;
        let y = y.var(self.layer.name())?;
        let mut unfolded = vec![b, t];
        unfolded.extend(&y.shape()[1..]);
        // The input's time mask still describes the output's time steps (Keras passes it on).
        Ok(vec![Flow {
            mask: inputs[0].mask.clone(),
            ..Flow::float(y.reshape(&unfolded)?)
        }])
    }
    fn params(&self) -> Vec<&Param> {
        self.layer.params()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.layer.params_mut()
    }
    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert(
            "layer".into(),
            json!({
                "module": "keras.layers",
                "class_name": self.layer.class_name(),
                "config": self.layer.get_config(),
                "registered_name": null,
            }),
        );
        Json::Object(m)
    }
}
