//! `RepeatVector(n)`: `[batch, features]` → `[batch, n, features]`, the bridge from an encoder's
//! final state to a decoder that reads it at every step.
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_autograd::Var;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// Keras `RepeatVector(n)`.
#[derive(Debug, Clone)]
pub struct RepeatVector {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// How many times the input is repeated along the new time axis.
    pub n: usize,
}

impl RepeatVector {
    /// Keras `RepeatVector(n)`.
    pub fn new(n: usize) -> Self {
        Self {
            base: LayerBase::new("RepeatVector"),
            n,
        }
    }
    /// Keras `from_config`: the layer from its `get_config` dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("RepeatVector", cfg);
        let n = c.get("n").as_u64().ok_or_else(|| {
            LayerError::config(
                "RepeatVector config",
                "field 'n' must be a positive integer",
            )
        })?;
        Ok(Self {
            base: LayerBase::from_config(cfg),
            n: n as usize,
        })
    }
    fn check(&self, shape: &Shape) -> Result<()> {
        if shape.len() != 2 || self.n == 0 {
            return Err(LayerError::input(
                self.base.name(),
                format!(
                    "input of rank 2 [batch, features] and n >= 1 (n = {}); flatten or pool a sequence first",
                    self.n
                ),
                shape,
            ));
        }
        Ok(())
    }
}

impl Layer for RepeatVector {
    crate::layer_boilerplate!("RepeatVector");
    fn build(&mut self, s: &[Shape], _rng: &mut Rng) -> Result<()> {
        self.check(&s[0])?;
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, s: &[Shape]) -> Result<Vec<Shape>> {
        self.check(&s[0])?;
        Ok(vec![vec![s[0][0], Some(self.n), s[0][1]]])
    }
    fn call(&self, inputs: &[Flow], _ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        let shape: Shape = x.shape().iter().map(|&d| Some(d)).collect();
        self.check(&shape)?;
        let (b, f) = (x.shape()[0], x.shape()[1]);
        // n copies of [B, 1, F] joined on the time axis: concat's backward sums the copies' grads.
        let one = x.reshape(&[b, 1, f])?;
        let parts: Vec<&Var> = std::iter::repeat_n(&one, self.n).collect();
        Ok(vec![Flow::float(Var::concat(&parts, 1)?)])
    }
    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
    }
    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("n".into(), json!(self.n));
        Json::Object(m)
    }
}
