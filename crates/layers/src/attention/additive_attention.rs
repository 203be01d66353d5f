//! `AdditiveAttention`: Keras's Bahdanau-style attention, scores `Σ scale · tanh(query + key)`.
use super::apply::{self, CallOptions};
use super::dot_product_attention::{check_rate, pairwise_sum};
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// Keras `AdditiveAttention(use_scale=True, dropout=0.0, seed=None)`.
///
/// Inputs are `[query, value]` or `[query, value, key]` with the same masks and call options as
/// [`Attention`](super::dot_product_attention::Attention).
#[derive(Debug, Clone)]
pub struct AdditiveAttention {
    /// Name, weights and build state shared by every layer.
    pub base: LayerBase,
    /// Learn a per-feature `scale` (glorot-uniform initialised) inside the score sum.
    pub use_scale: bool,
    /// Fraction of attention weights dropped while training.
    pub dropout: f32,
    /// Keras `seed` of the dropout generator (`None`: drawn from the model seed).
    pub seed: Option<u64>,
    /// Call argument: position `i` attends only to positions `j <= i`.
    pub use_causal_mask: bool,
    /// Call argument: also output the attention weights.
    pub return_attention_scores: bool,
    scale: Option<Param>,
}

impl Default for AdditiveAttention {
    fn default() -> Self {
        Self::new()
    }
}

impl AdditiveAttention {
    /// Additive attention with Keras defaults.
    pub fn new() -> Self {
        Self {
            base: LayerBase::new("AdditiveAttention"),
            use_scale: true,
            dropout: 0.0,
            seed: None,
            use_causal_mask: false,
            return_attention_scores: false,
            scale: None,
        }
    }
    /// Keras `use_scale`.
    pub fn use_scale(mut self, b: bool) -> Self {
        self.use_scale = b;
        self
    }
    /// Keras `dropout` rate on the attention weights; errors outside `[0, 1)`.
    pub fn dropout(mut self, rate: f32) -> Result<Self> {
        self.dropout = check_rate(rate)?;
        Ok(self)
    }
    /// Keras `seed` of the dropout generator.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    /// Keras call argument `use_causal_mask`: position i attends only to positions ≤ i.
    pub fn use_causal_mask(mut self, b: bool) -> Self {
        self.use_causal_mask = b;
        self
    }
    /// Keras call argument `return_attention_scores`: also output the attention weights.
    pub fn return_attention_scores(mut self, b: bool) -> Self {
        self.return_attention_scores = b;
        self
    }
    /// Keras `name`.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }

    /// Rebuild from a Keras config.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("AdditiveAttention", cfg);
        let mut a = AdditiveAttention::new();
        a.base = LayerBase::from_config(cfg);
        a.use_scale = c.bool_or("use_scale", true);
        a.dropout = check_rate(c.f32_or("dropout", 0.0))?;
        a.seed = c.get("seed").as_u64();
        Ok(a)
    }

    fn options(&self) -> CallOptions {
        CallOptions {
            dropout: self.dropout,
            use_causal_mask: self.use_causal_mask,
            return_attention_scores: self.return_attention_scores,
        }
    }
}

impl Layer for AdditiveAttention {
    crate::layer_boilerplate!("AdditiveAttention");

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        let dim = apply::check_shapes(self.base.name(), input_shapes)?;
        self.scale = if self.use_scale {
            Some(Param::new(
                "scale",
                Initializer::GlorotUniform.init(&[dim], rng)?,
            ))
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
        apply::output_shapes(self.base.name(), input_shapes, self.options())
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        if !self.base.built {
            return Err(LayerError::NotBuilt(format!(
                "layer '{}'",
                self.base.name()
            )));
        }
        let scale = self.scale.as_ref().map(|p| ctx.param(p)).transpose()?;
        apply::call(self.base.name(), inputs, ctx, self.options(), |q, k, _| {
            let mut t = pairwise_sum(q, k)?.tanh()?;
            if let Some(sc) = &scale {
                t = t.mul(sc)?;
            }
            Ok(t.sum_axis(-1, false)?)
        })
    }

    fn call_kwargs(&self) -> Json {
        super::options_to_kwargs(self.use_causal_mask, self.return_attention_scores)
    }
    fn set_call_kwargs(&mut self, kwargs: &Json) -> Result<()> {
        (self.use_causal_mask, self.return_attention_scores) =
            super::options_from_kwargs(self.base.name(), kwargs)?;
        Ok(())
    }

    fn params(&self) -> Vec<&Param> {
        self.scale.iter().collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.scale.iter_mut().collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("use_scale".into(), json!(self.use_scale));
        m.insert("dropout".into(), json!(self.dropout));
        m.insert("seed".into(), self.seed.map_or(Json::Null, |s| json!(s)));
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attention::gradcheck::check_attention_gradients;
    use crate::testing::check_config_round_trip;
    use kerust_tensor::Tensor;

    #[test]
    fn gradients_and_config() {
        let m = Tensor::from_vec(vec![1., 0., 1., 1., 1., 0.], &[2, 3]).unwrap();
        check_attention_gradients(
            AdditiveAttention::new(),
            &[&[2, 3, 4], &[2, 3, 4]],
            &[Some(m.clone()), Some(m)],
            0,
        );
        check_attention_gradients(
            AdditiveAttention::new()
                .use_scale(false)
                .use_causal_mask(true),
            &[&[2, 3, 4], &[2, 3, 2], &[2, 3, 4]],
            &[],
            0,
        );
        check_config_round_trip(
            AdditiveAttention::new()
                .use_scale(false)
                .dropout(0.1)
                .unwrap(),
            AdditiveAttention::from_config,
        );
    }

    #[test]
    fn query_and_key_sizes_must_match() {
        let mut a = AdditiveAttention::new();
        let e = a
            .build(
                &[vec![None, Some(2), Some(3)], vec![None, Some(2), Some(4)]],
                &mut Rng::seed(0),
            )
            .unwrap_err();
        assert!(e.to_string().contains("same known last dimension"), "{e}");
    }
}
