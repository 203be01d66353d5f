//! `Attention`: Keras's dot-product (Luong-style) attention over `[query, value(, key)]`, with
//! the optional learned `scale` and the `"concat"` score mode.
use super::apply::{self, CallOptions};
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_autograd::Var;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// How `Attention` scores a query against a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreMode {
    /// `query · keyᵀ`.
    Dot,
    /// `Σ tanh(query + key)` over features.
    Concat,
}

impl ScoreMode {
    /// Keras's name.
    pub fn name(self) -> &'static str {
        match self {
            ScoreMode::Dot => "dot",
            ScoreMode::Concat => "concat",
        }
    }
    /// From Keras's name.
    pub fn from_name(s: &str) -> Result<Self> {
        match s {
            "dot" => Ok(ScoreMode::Dot),
            "concat" => Ok(ScoreMode::Concat),
            other => Err(LayerError::config(
                "Attention",
                format!("score_mode must be \"dot\" or \"concat\", got \"{other}\""),
            )),
        }
    }
}

/// Keras `Attention(use_scale=False, score_mode="dot", dropout=0.0, seed=None)`.
///
/// Inputs are `[query, value]` or `[query, value, key]`; their Keras masks are used as query and
/// value masks. The call arguments `use_causal_mask` and `return_attention_scores` are builder
/// options here (the second adds the `[batch, Tq, Tv]` attention weights as a second output).
#[derive(Debug, Clone)]
pub struct Attention {
    /// Name, weights and build state shared by every layer.
    pub base: LayerBase,
    /// Learn a scalar that multiplies the scores.
    pub use_scale: bool,
    /// Keras `score_mode` (default `"dot"`; `"concat"` is the additive form).
    pub score_mode: ScoreMode,
    /// Fraction of attention weights dropped while training.
    pub dropout: f32,
    /// Keras `seed` of the dropout generator (`None`: drawn from the model seed).
    pub seed: Option<u64>,
    /// Call argument: position `i` attends only to positions `j <= i`.
    pub use_causal_mask: bool,
    /// Call argument: also output the attention weights.
    pub return_attention_scores: bool,
    scale: Option<Param>,
    concat_score_weight: Option<Param>,
}

impl Default for Attention {
    fn default() -> Self {
        Self::new()
    }
}

impl Attention {
    /// Dot-product attention with Keras defaults.
    pub fn new() -> Self {
        Self {
            base: LayerBase::new("Attention"),
            use_scale: false,
            score_mode: ScoreMode::Dot,
            dropout: 0.0,
            seed: None,
            use_causal_mask: false,
            return_attention_scores: false,
            scale: None,
            concat_score_weight: None,
        }
    }
    /// Keras `use_scale`.
    pub fn use_scale(mut self, b: bool) -> Self {
        self.use_scale = b;
        self
    }
    /// `"dot"` or `"concat"`.
    pub fn score_mode(mut self, mode: &str) -> Result<Self> {
        self.score_mode = ScoreMode::from_name(mode)?;
        Ok(self)
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
        let c = Cfg::new("Attention", cfg);
        let mut a = Attention::new();
        a.base = LayerBase::from_config(cfg);
        a.use_scale = c.bool_or("use_scale", false);
        a.score_mode = ScoreMode::from_name(c.str_or("score_mode", "dot"))?;
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

/// A dropout rate in `[0, 1)`.
pub(crate) fn check_rate(rate: f32) -> Result<f32> {
    if (0.0..1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(LayerError::config(
            "attention dropout",
            format!("dropout must be in [0, 1), got {rate}"),
        ))
    }
}

/// `[b, tq, d]` + `[b, tv, d]` → `[b, tq, tv, d]` (the broadcast sum both concat scores use).
pub(crate) fn pairwise_sum(q: &Var, k: &Var) -> Result<Var> {
    let (b, tq, d) = (q.shape()[0], q.shape()[1], q.shape()[2]);
    let tv = k.shape()[1];
    Ok(q.reshape(&[b, tq, 1, d])?
        .add(&k.reshape(&[b, 1, tv, d])?)?)
}

impl Layer for Attention {
    crate::layer_boilerplate!("Attention");

    fn build(&mut self, input_shapes: &[Shape], _rng: &mut Rng) -> Result<()> {
        apply::check_shapes(self.base.name(), input_shapes)?;
        self.scale = self
            .use_scale
            .then(|| Param::new("scale", Tensor::scalar(1.0)));
        self.concat_score_weight = (self.score_mode == ScoreMode::Concat)
            .then(|| Param::new("concat_score_weight", Tensor::scalar(1.0)));
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
        let weight = self
            .concat_score_weight
            .as_ref()
            .map(|p| ctx.param(p))
            .transpose()?;
        let mode = self.score_mode;
        apply::call(self.base.name(), inputs, ctx, self.options(), |q, k, _| {
            Ok(match mode {
                ScoreMode::Dot => {
                    let s = q.bmm(&k.transpose(&[0, 2, 1])?)?;
                    match &scale {
                        Some(sc) => s.mul(sc)?,
                        None => s,
                    }
                }
                ScoreMode::Concat => {
                    let mut sum = pairwise_sum(q, k)?;
                    if let Some(sc) = &scale {
                        sum = sum.mul(sc)?;
                    }
                    let s = sum.tanh()?.sum_axis(-1, false)?;
                    match &weight {
                        Some(w) => s.mul(w)?,
                        None => s,
                    }
                }
            })
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
        self.scale
            .iter()
            .chain(self.concat_score_weight.iter())
            .collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.scale
            .iter_mut()
            .chain(self.concat_score_weight.iter_mut())
            .collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("use_scale".into(), json!(self.use_scale));
        m.insert("score_mode".into(), json!(self.score_mode.name()));
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
    use kerust_autograd::Tape;

    fn run(layer: &Attention, xs: Vec<Tensor>, masks: Vec<Option<Tensor>>) -> Vec<Vec<f32>> {
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, false, &mut rng);
        let flows: Vec<Flow> = xs
            .into_iter()
            .zip(masks)
            .map(|(x, mask)| Flow {
                value: crate::flow::Value::Float(tape.constant(x)),
                mask,
            })
            .collect();
        let out = layer.call(&flows, &mut ctx).unwrap();
        out.iter()
            .map(|f| f.var("t").unwrap().value().to_vec().unwrap())
            .collect()
    }

    #[test]
    fn hand_computed_forward_with_masks() {
        let mut a = Attention::new().return_attention_scores(true);
        a.build(&vec![vec![None, Some(2), Some(2)]; 2], &mut Rng::seed(0))
            .unwrap();
        let q = Tensor::from_vec(vec![1., 0., 0., 2.], &[1, 2, 2]).unwrap();
        let v = Tensor::from_vec(vec![1., 0., 0., 1.], &[1, 2, 2]).unwrap();
        let out = run(&a, vec![q.clone(), v.clone()], vec![None, None]);
        let e = std::f32::consts::E;
        let w0 = [e / (e + 1.0), 1.0 / (e + 1.0)];
        assert!((out[1][0] - w0[0]).abs() < 1e-6 && (out[1][1] - w0[1]).abs() < 1e-6);
        assert!((out[0][0] - w0[0]).abs() < 1e-6, "{:?}", out[0]);
        // Value mask hides step 1; query mask zeroes query step 0.
        let vm = Tensor::from_vec(vec![1., 0.], &[1, 2]).unwrap();
        let qm = Tensor::from_vec(vec![0., 1.], &[1, 2]).unwrap();
        let out = run(&a, vec![q, v], vec![Some(qm), Some(vm)]);
        assert_eq!(out[0], vec![0., 0., 1., 0.]);
        assert_eq!(out[1], vec![1., 0., 1., 0.]);
    }

    #[test]
    fn causal_mask_hides_the_future() {
        let mut a = Attention::new()
            .use_causal_mask(true)
            .return_attention_scores(true);
        a.build(&vec![vec![None, Some(3), Some(2)]; 2], &mut Rng::seed(0))
            .unwrap();
        let x = Tensor::rand_uniform(&[1, 3, 2], -1.0, 1.0, &mut Rng::seed(3)).unwrap();
        let w = &run(&a, vec![x.clone(), x], vec![None, None])[1];
        assert_eq!(&w[..3], &[1., 0., 0.]);
        assert_eq!(w[5], 0.0);
        assert!(w[3] > 0.0 && w[4] > 0.0);
    }

    #[test]
    fn gradients_and_config() {
        let m = Tensor::from_vec(vec![1., 1., 0., 1., 1., 1., 1., 0.], &[2, 4]).unwrap();
        check_attention_gradients(
            Attention::new().use_scale(true),
            &[&[2, 3, 4], &[2, 4, 5], &[2, 4, 4]],
            &[None, Some(m.clone())],
            0,
        );
        check_attention_gradients(
            Attention::new()
                .use_scale(true)
                .score_mode("concat")
                .unwrap(),
            &[&[2, 3, 4], &[2, 4, 4]],
            &[None, Some(m)],
            0,
        );
        check_attention_gradients(
            Attention::new()
                .use_causal_mask(true)
                .return_attention_scores(true),
            &[&[2, 3, 4], &[2, 3, 4]],
            &[],
            1,
        );
        check_config_round_trip(
            Attention::new()
                .use_scale(true)
                .score_mode("concat")
                .unwrap()
                .dropout(0.2)
                .unwrap()
                .seed(3),
            Attention::from_config,
        );
        assert!(Attention::new().score_mode("general").is_err());
        assert!(Attention::new().dropout(1.0).is_err());
    }
}
