//! `Flatten`: `[batch, d1, d2, ...]` → `[batch, d1·d2·...]`.
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// Keras `Flatten()`.
#[derive(Debug, Clone)]
pub struct Flatten {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
}

impl Default for Flatten {
    fn default() -> Self {
        Self::new()
    }
}

impl Flatten {
    /// `Flatten()`: `[batch, ...]` to `[batch, product]`.
    pub fn new() -> Self {
        Self {
            base: LayerBase::new("Flatten"),
        }
    }
    /// Keras `from_config`: the layer from its `get_config` dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        Ok(Self {
            base: LayerBase::from_config(cfg),
        })
    }
}

impl Layer for Flatten {
    crate::layer_boilerplate!("Flatten");
    fn build(&mut self, _s: &[Shape], _rng: &mut Rng) -> Result<()> {
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, s: &[Shape]) -> Result<Vec<Shape>> {
        let rest: Option<usize> = s[0][1..].iter().try_fold(1usize, |a, d| d.map(|d| a * d));
        Ok(vec![vec![s[0][0], rest]])
    }
    fn call(&self, inputs: &[Flow], _ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        let b = *x
            .shape()
            .first()
            .ok_or_else(|| LayerError::input(self.base.name(), "a batched input", x.shape()))?;
        let rest = x.value().numel() / b.max(1);
        Ok(vec![Flow::float(x.reshape(&[b, rest])?)])
    }
    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
    }
    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("data_format".into(), json!("channels_last"));
        Json::Object(m)
    }
}
