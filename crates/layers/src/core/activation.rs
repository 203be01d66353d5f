//! The `Activation(name)` layer.
use crate::activations::Activation as Act;
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::flow::{Flow, Value};
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// Keras `Activation("relu")`.
#[derive(Debug, Clone)]
pub struct Activation {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// The activation applied.
    pub activation: Act,
}

impl Activation {
    /// Keras `Activation(name)`; an unknown name is an error.
    pub fn new(name: &str) -> Result<Self> {
        Ok(Self {
            base: LayerBase::new("Activation"),
            activation: Act::from_name(name)?,
        })
    }
    /// Keras `from_config`: the layer from its `get_config` dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("Activation", cfg);
        Ok(Self {
            base: LayerBase::from_config(cfg),
            activation: Act::from_name(c.str_or("activation", "linear"))?,
        })
    }
}

impl Layer for Activation {
    crate::layer_boilerplate!("Activation");
    fn build(&mut self, _s: &[Shape], _rng: &mut Rng) -> Result<()> {
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, s: &[Shape]) -> Result<Vec<Shape>> {
        Ok(vec![s[0].clone()])
    }
    fn call(&self, inputs: &[Flow], _ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let y = self.activation.apply(inputs[0].var(self.base.name())?)?;
        Ok(vec![Flow {
            value: Value::Float(y),
            mask: inputs[0].mask.clone(),
        }])
    }
    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
    }
    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("activation".into(), json!(self.activation.name()));
        Json::Object(m)
    }
}
