//! `Reshape(target_shape)`: same data, new per-sample shape (one `-1` allowed).
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// Keras `Reshape(target_shape)`.
#[derive(Debug, Clone)]
pub struct Reshape {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// Shape per sample; `-1` means "whatever is left".
    pub target_shape: Vec<i64>,
}

impl Reshape {
    /// Keras `Reshape(target_shape)` (per sample; one entry may be -1).
    pub fn new(target_shape: &[i64]) -> Self {
        Self {
            base: LayerBase::new("Reshape"),
            target_shape: target_shape.to_vec(),
        }
    }
    /// Keras `from_config`: the layer from its `get_config` dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("Reshape", cfg);
        let t: Vec<i64> = match c.get("target_shape") {
            Json::Array(a) => a.iter().map(|v| v.as_i64().unwrap_or(-1)).collect(),
            _ => {
                return Err(LayerError::config(
                    "Reshape config",
                    "field 'target_shape' must be a list",
                ))
            }
        };
        Ok(Self {
            base: LayerBase::from_config(cfg),
            target_shape: t,
        })
    }
    fn resolve(&self, per_sample: usize) -> Result<Vec<usize>> {
        let known: i64 = self.target_shape.iter().filter(|&&d| d != -1).product();
        let unknown = self.target_shape.iter().filter(|&&d| d == -1).count();
        let bad = || {
            LayerError::input(
                self.base.name(),
                format!(
                    "{per_sample} values per sample to fit target_shape {:?}",
                    self.target_shape
                ),
                per_sample,
            )
        };
        if known <= 0 || unknown > 1 || self.target_shape.iter().any(|&d| d < -1 || d == 0) {
            return Err(bad());
        }
        let fill = per_sample as i64 / known;
        if fill * known != per_sample as i64 || (unknown == 0 && fill != 1) {
            return Err(bad());
        }
        Ok(self
            .target_shape
            .iter()
            .map(|&d| if d == -1 { fill as usize } else { d as usize })
            .collect())
    }
}

impl Layer for Reshape {
    crate::layer_boilerplate!("Reshape");
    fn build(&mut self, _s: &[Shape], _rng: &mut Rng) -> Result<()> {
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, s: &[Shape]) -> Result<Vec<Shape>> {
        let per: Option<usize> = s[0][1..].iter().try_fold(1usize, |a, d| d.map(|d| a * d));
        let mut out = vec![s[0][0]];
        match per {
            Some(p) => out.extend(self.resolve(p)?.into_iter().map(Some)),
            None => out.extend(self.target_shape.iter().map(|&d| {
                if d < 0 {
                    None
                } else {
                    Some(d as usize)
                }
            })),
        }
        Ok(vec![out])
    }
    fn call(&self, inputs: &[Flow], _ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        let b = x.shape()[0];
        let mut shape = vec![b];
        shape.extend(self.resolve(x.value().numel() / b.max(1))?);
        Ok(vec![Flow::float(x.reshape(&shape)?)])
    }
    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
    }
    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("target_shape".into(), json!(self.target_shape));
        Json::Object(m)
    }
}
