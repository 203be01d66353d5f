//! `Dropout`: zero a fraction `rate` of activations while training and scale the rest by 1/(1-rate).
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `Dropout(rate, seed=None)`. Identity at inference.
#[derive(Debug, Clone)]
pub struct Dropout {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// Fraction of inputs to drop, in `[0, 1)`.
    pub rate: f32,
    /// Seed of the dropout mask (default: drawn from the global seed).
    pub seed: Option<u64>,
}

impl Dropout {
    /// Keras `Dropout(rate)`: zero a fraction `rate` of the inputs in training, scaling the rest by
    /// `1 / (1 - rate)`.
    pub fn new(rate: f32) -> Self {
        Self {
            base: LayerBase::new("Dropout"),
            rate,
            seed: None,
        }
    }
    /// Keras `seed=`: seed of the dropout mask (default: drawn from the global seed).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    /// Keras `name=`: the layer's name (default: a unique name from the class, e.g. `dense_1`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Keras `from_config`: the layer from its `get_config` dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("Dropout", cfg);
        let mut d = Dropout::new(c.f32_or("rate", 0.5));
        d.base = LayerBase::from_config(cfg);
        d.seed = c.opt_usize("seed")?.map(|s| s as u64);
        Ok(d)
    }
}

/// A keep-mask scaled by `1/(1-rate)`, drawn from the step's RNG.
pub fn dropout_mask(shape: &[usize], rate: f32, rng: &mut Rng) -> Result<Tensor> {
    let n: usize = shape.iter().product();
    let scale = 1.0 / (1.0 - rate);
    let data = (0..n)
        .map(|_| {
            if rng.uniform(0.0, 1.0) < rate {
                0.0
            } else {
                scale
            }
        })
        .collect();
    Ok(Tensor::from_vec(data, shape)?)
}

impl Layer for Dropout {
    crate::layer_boilerplate!("Dropout");

    fn build(&mut self, _s: &[Shape], _rng: &mut Rng) -> Result<()> {
        if !(0.0..1.0).contains(&self.rate) {
            return Err(LayerError::config(
                format!("Dropout '{}'", self.base.name()),
                format!("rate must be in [0, 1), got {}", self.rate),
            ));
        }
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, s: &[Shape]) -> Result<Vec<Shape>> {
        Ok(vec![s[0].clone()])
    }
    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        if !ctx.training || self.rate == 0.0 {
            return Ok(vec![inputs[0].clone()]);
        }
        let mask = dropout_mask(x.shape(), self.rate, ctx.rng)?;
        Ok(vec![Flow {
            value: Value::Float(x.mul_const(&mask)?),
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
        m.insert("rate".into(), json!(self.rate));
        m.insert("seed".into(), self.seed.map_or(Json::Null, |s| json!(s)));
        m.insert("noise_shape".into(), Json::Null);
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kerust_autograd::Tape;

    #[test]
    fn drops_about_rate_and_keeps_expectation() {
        let d = Dropout::new(0.25);
        let tape = Tape::new();
        let mut rng = Rng::seed(5);
        let mut ctx = Ctx::new(&tape, true, &mut rng);
        let x = tape.constant(Tensor::ones(&[100, 100]).unwrap());
        let y = d.call(&[Flow::float(x)], &mut ctx).unwrap()[0]
            .var("d")
            .unwrap()
            .value()
            .to_vec()
            .unwrap();
        let zeros = y.iter().filter(|v| **v == 0.0).count() as f32 / 1e4;
        assert!((zeros - 0.25).abs() < 0.02, "{zeros}");
        let mean = y.iter().sum::<f32>() / 1e4;
        assert!((mean - 1.0).abs() < 0.03, "{mean}");
        crate::testing::check_config_round_trip(Dropout::new(0.3).seed(4), Dropout::from_config);
    }
}
