//! `MultiHeadAttention`: Keras 3's multi-head scaled dot-product attention for sequences
//! (`[batch, time, features]`), with Keras's weight layout (`query`, `key`, `value`,
//! `attention_output` projections as `[in, heads, dim]` kernels) and its masks.
use super::dot_product_attention::check_rate;
use super::scores::{attention_dropout, replace_masked, score_mask};
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use crate::regularizers::Regularizer;
use kerust_autograd::Var;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// The Keras sub-layer names of the four projections, in weight order.
pub const PROJECTIONS: [&str; 4] = ["query", "key", "value", "attention_output"];

/// Keras `MultiHeadAttention(num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
/// output_shape=None, attention_axes=None, ...)` for rank-3 inputs.
///
/// Inputs are `[query, value]` or `[query, value, key]`; their Keras masks become the query,
/// value and key masks. The call arguments `use_causal_mask` and `return_attention_scores` are
/// builder options (the second adds the `[batch, heads, Tq, Tv]` weights as a second output).
#[derive(Debug, Clone)]
pub struct MultiHeadAttention {
    /// Name, weights and build state shared by every layer.
    pub base: LayerBase,
    /// Keras `num_heads`: the number of attention heads.
    pub num_heads: usize,
    /// Size of each head for query and key.
    pub key_dim: usize,
    /// Size of each head for value (Keras: `key_dim` when not given).
    pub value_dim: usize,
    /// Fraction of attention weights dropped while training.
    pub dropout: f32,
    /// Keras `use_bias` (default `True`).
    pub use_bias: bool,
    /// Output feature size (Keras `output_shape`); the query's feature size when `None`.
    pub output_shape: Option<usize>,
    /// Keras `attention_axes`: only the time axis (`[1]` or `[-2]`) of rank-3 inputs is supported.
    pub attention_axes: Option<Vec<isize>>,
    /// Keras `kernel_initializer` (default `"glorot_uniform"`).
    pub kernel_initializer: Initializer,
    /// Keras `bias_initializer` (default `"zeros"`).
    pub bias_initializer: Initializer,
    /// Keras `kernel_regularizer` (default `None`).
    pub kernel_regularizer: Option<Regularizer>,
    /// Keras `bias_regularizer` (default `None`).
    pub bias_regularizer: Option<Regularizer>,
    /// Keras `seed` of the dropout generator (`None`: drawn from the model seed).
    pub seed: Option<u64>,
    /// Call argument: position `i` attends only to positions `j <= i`.
    pub use_causal_mask: bool,
    /// Call argument: also output the attention weights.
    pub return_attention_scores: bool,
    /// Kernel and bias of each projection in [`PROJECTIONS`] order.
    weights: Vec<Param>,
}

impl MultiHeadAttention {
    /// `num_heads` heads of size `key_dim`, Keras defaults otherwise.
    pub fn new(num_heads: usize, key_dim: usize) -> Self {
        Self {
            base: LayerBase::new("MultiHeadAttention"),
            num_heads,
            key_dim,
            value_dim: key_dim,
            dropout: 0.0,
            use_bias: true,
            output_shape: None,
            attention_axes: None,
            kernel_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            bias_regularizer: None,
            seed: None,
            use_causal_mask: false,
            return_attention_scores: false,
            weights: Vec::new(),
        }
    }
    /// Keras `value_dim` (default: `key_dim`).
    pub fn value_dim(mut self, d: usize) -> Self {
        self.value_dim = d;
        self
    }
    /// Keras `dropout` rate on the attention weights; errors outside `[0, 1)`.
    pub fn dropout(mut self, rate: f32) -> Result<Self> {
        self.dropout = check_rate(rate)?;
        Ok(self)
    }
    /// Keras `use_bias`.
    pub fn use_bias(mut self, b: bool) -> Self {
        self.use_bias = b;
        self
    }
    /// Keras `output_shape`: the last axis of the output (default: the query's).
    pub fn output_shape(mut self, units: usize) -> Self {
        self.output_shape = Some(units);
        self
    }
    /// Keras `attention_axes` (default `None`: the sequence axis).
    pub fn attention_axes(mut self, axes: &[isize]) -> Self {
        self.attention_axes = Some(axes.to_vec());
        self
    }
    /// Keras `kernel_initializer`.
    pub fn kernel_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.kernel_initializer = i.into();
        self
    }
    /// Keras `bias_initializer`.
    pub fn bias_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.bias_initializer = i.into();
        self
    }
    /// Keras `kernel_regularizer`.
    pub fn kernel_regularizer(mut self, r: Regularizer) -> Self {
        self.kernel_regularizer = Some(r);
        self
    }
    /// Keras `bias_regularizer`.
    pub fn bias_regularizer(mut self, r: Regularizer) -> Self {
        self.bias_regularizer = Some(r);
        self
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
        let c = Cfg::new("MultiHeadAttention", cfg);
        let bad = |m: String| LayerError::config("MultiHeadAttention config", m);
        let mut l = MultiHeadAttention::new(c.usize("num_heads")?, c.usize("key_dim")?);
        l.base = LayerBase::from_config(cfg);
        if let Some(v) = c.opt_usize("value_dim")? {
            l.value_dim = v;
        }
        l.dropout = check_rate(c.f32_or("dropout", 0.0))?;
        l.use_bias = c.bool_or("use_bias", true);
        l.output_shape = match c.get("output_shape") {
            Json::Null => None,
            Json::Array(a) if a.len() == 1 && a[0].is_u64() => a[0].as_u64().map(|x| x as usize),
            v if v.is_u64() => v.as_u64().map(|x| x as usize),
            v => {
                return Err(bad(format!(
                    "output_shape must be one integer for sequence inputs, got {v}"
                )))
            }
        };
        l.attention_axes = match c.get("attention_axes") {
            Json::Null => None,
            Json::Array(a) => Some(
                a.iter()
                    .map(|x| x.as_i64().map(|x| x as isize))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| bad("attention_axes must hold integers".into()))?,
            ),
            v => Some(vec![v.as_i64().ok_or_else(|| {
                bad(format!(
                    "attention_axes must be an integer or a list, got {v}"
                ))
            })? as isize]),
        };
        if c.bool_or("use_gate", false) {
            return Err(bad("use_gate=True is not supported by kerust yet".into()));
        }
        if !c.get("sliding_window").is_null() {
            return Err(bad("sliding_window is not supported by kerust yet".into()));
        }
        if !c.get("kernel_initializer").is_null() {
            l.kernel_initializer = Initializer::from_config(c.get("kernel_initializer"))?;
        }
        if !c.get("bias_initializer").is_null() {
            l.bias_initializer = Initializer::from_config(c.get("bias_initializer"))?;
        }
        l.kernel_regularizer = Regularizer::from_config(c.get("kernel_regularizer"))?;
        l.bias_regularizer = Regularizer::from_config(c.get("bias_regularizer"))?;
        l.seed = c.get("seed").as_u64();
        Ok(l)
    }

    /// Check `[query, value(, key)]` shapes; returns `(query, value, key)` feature sizes.
    fn check(&self, shapes: &[Shape]) -> Result<(usize, usize, usize)> {
        let name = self.base.name();
        if !(2..=3).contains(&shapes.len()) || shapes.iter().any(|s| s.len() != 3) {
            return Err(LayerError::input(
                name,
                "[query, value] or [query, value, key] of rank 3 (batch, time, features); other ranks are not supported yet",
                shapes,
            ));
        }
        if let Some(axes) = &self.attention_axes {
            if !(axes.len() == 1 && (axes[0] == 1 || axes[0] == -2)) {
                return Err(LayerError::config(
                    format!("MultiHeadAttention '{name}'"),
                    format!(
                        "attention_axes {axes:?} is not supported; for sequences use None or [1]"
                    ),
                ));
            }
        }
        let key = shapes.get(2).unwrap_or(&shapes[1]);
        if key[1].is_some() && shapes[1][1].is_some() && key[1] != shapes[1][1] {
            return Err(LayerError::input(
                name,
                "key and value with the same number of timesteps",
                shapes,
            ));
        }
        match (shapes[0][2], shapes[1][2], key[2]) {
            (Some(q), Some(v), Some(k)) => Ok((q, v, k)),
            _ => Err(LayerError::input(name, "known feature sizes", shapes)),
        }
    }

    /// `(kernel, bias)` of projection `i` in [`PROJECTIONS`] order.
    fn projection(&self, i: usize) -> Result<(&Param, Option<&Param>)> {
        let per = if self.use_bias { 2 } else { 1 };
        let k = self
            .weights
            .get(i * per)
            .ok_or_else(|| LayerError::NotBuilt(format!("layer '{}'", self.base.name())))?;
        Ok((
            k,
            self.use_bias
                .then(|| self.weights.get(i * per + 1))
                .flatten(),
        ))
    }

    /// `x [b, t, f] → [b·heads, t, dim]` through projection `i`.
    fn project_heads(&self, i: usize, x: &Var, dim: usize, ctx: &mut Ctx) -> Result<Var> {
        let (kernel, bias) = self.projection(i)?;
        let (b, t, f) = (x.shape()[0], x.shape()[1], x.shape()[2]);
        let h = self.num_heads;
        let mut y = x.linear(&ctx.param(kernel)?.reshape(&[f, h * dim])?)?;
        if let Some(bias) = bias {
            y = y.add(&ctx.param(bias)?.reshape(&[h * dim])?)?;
        }
        Ok(y.reshape(&[b, t, h, dim])?
            .transpose(&[0, 2, 1, 3])?
            .reshape(&[b * h, t, dim])?)
    }
}

impl Layer for MultiHeadAttention {
    crate::layer_boilerplate!("MultiHeadAttention");

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        if self.num_heads == 0 || self.key_dim == 0 || self.value_dim == 0 {
            return Err(LayerError::config(
                format!("MultiHeadAttention '{}'", self.base.name()),
                "num_heads, key_dim and value_dim must be positive",
            ));
        }
        let (q, v, k) = self.check(input_shapes)?;
        let (h, kd, vd) = (self.num_heads, self.key_dim, self.value_dim);
        let out = self.output_shape.unwrap_or(q);
        let shapes: [(Vec<usize>, Vec<usize>); 4] = [
            (vec![q, h, kd], vec![h, kd]),
            (vec![k, h, kd], vec![h, kd]),
            (vec![v, h, vd], vec![h, vd]),
            (vec![h, vd, out], vec![out]),
        ];
        self.weights.clear();
        for (name, (ks, bs)) in PROJECTIONS.iter().zip(shapes) {
            let kernel = self.kernel_initializer.init(&ks, rng)?;
            self.weights.push(
                Param::new(&format!("{name}/kernel"), kernel)
                    .with_regularizer(self.kernel_regularizer),
            );
            if self.use_bias {
                let bias = self.bias_initializer.init(&bs, rng)?;
                self.weights.push(
                    Param::new(&format!("{name}/bias"), bias)
                        .with_regularizer(self.bias_regularizer),
                );
            }
        }
        // Keras resolves the default to the time axis when it builds.
        self.attention_axes = Some(vec![1]);
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let (q, _, _) = self.check(input_shapes)?;
        let (qs, vs) = (&input_shapes[0], &input_shapes[1]);
        let mut out = vec![vec![qs[0], qs[1], Some(self.output_shape.unwrap_or(q))]];
        if self.return_attention_scores {
            out.push(vec![qs[0], Some(self.num_heads), qs[1], vs[1]]);
        }
        Ok(out)
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let name = self.base.name();
        let shapes: Vec<Shape> = inputs
            .iter()
            .map(|f| f.shape().into_iter().map(Some).collect())
            .collect();
        self.check(&shapes)?;
        let query = inputs[0].var(name)?;
        let value = inputs[1].var(name)?;
        let key = match inputs.get(2) {
            Some(f) => f.var(name)?,
            None => value,
        };
        let (b, tq, tv) = (query.shape()[0], query.shape()[1], value.shape()[1]);
        let (h, kd, vd) = (self.num_heads, self.key_dim, self.value_dim);
        // Keras scales the projected query before the dot product.
        let q = self
            .project_heads(0, query, kd, ctx)?
            .mul_scalar(1.0 / (kd as f32).sqrt())?;
        let k = self.project_heads(1, key, kd, ctx)?;
        let v = self.project_heads(2, value, vd, ctx)?;
        let key_mask = inputs.get(2).and_then(|f| f.mask.as_ref());
        let keep = score_mask(
            name,
            (b, tq, tv),
            inputs[0].mask.as_ref(),
            &[inputs[1].mask.as_ref(), key_mask],
            self.use_causal_mask,
        )?;
        let mut scores = q.bmm(&k.transpose(&[0, 2, 1])?)?.reshape(&[b, h, tq, tv])?;
        let keep = keep.map(|k| k.reshape(&[b, 1, tq, tv])).transpose()?;
        if let Some(keep) = &keep {
            scores = replace_masked(&scores, keep)?;
        }
        let mut weights = scores.softmax(-1)?;
        // Keras takes its explicit-softmax path only with dropout or returned scores; that path's
        // masked Softmax zeroes masked weights, so a fully masked row attends to nothing, while
        // the fused `dot_product_attention` path leaves such a row uniform.
        if let Some(keep) = &keep {
            if self.dropout > 0.0 || self.return_attention_scores {
                weights = weights.mul_const(keep)?;
            }
        }
        let dropped = attention_dropout(&weights, self.dropout, ctx)?;
        let context = dropped
            .reshape(&[b * h, tq, tv])?
            .bmm(&v)?
            .reshape(&[b, h, tq, vd])?
            .transpose(&[0, 2, 1, 3])?;
        let (kernel, bias) = self.projection(3)?;
        let out_dim = kernel.value.shape()[2];
        let mut out = context
            .reshape(&[b, tq, h * vd])?
            .linear(&ctx.param(kernel)?.reshape(&[h * vd, out_dim])?)?;
        if let Some(bias) = bias {
            out = out.add(&ctx.param(bias)?)?;
        }
        let mask = inputs[0].mask.clone();
        let mut flows = vec![Flow {
            value: Value::Float(out),
            mask: mask.clone(),
        }];
        if self.return_attention_scores {
            flows.push(Flow {
                value: Value::Float(weights),
                mask,
            });
        }
        Ok(flows)
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
        self.weights.iter().collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.weights.iter_mut().collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("num_heads".into(), json!(self.num_heads));
        m.insert("key_dim".into(), json!(self.key_dim));
        m.insert("value_dim".into(), json!(self.value_dim));
        m.insert("dropout".into(), json!(self.dropout));
        m.insert("use_bias".into(), json!(self.use_bias));
        m.insert("use_gate".into(), json!(false));
        m.insert(
            "output_shape".into(),
            self.output_shape.map_or(Json::Null, |o| json!([o])),
        );
        m.insert(
            "attention_axes".into(),
            self.attention_axes
                .as_ref()
                .map_or(Json::Null, |a| json!(a)),
        );
        m.insert("sliding_window".into(), Json::Null);
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
    fn weight_layout_is_keras() {
        let mut l = MultiHeadAttention::new(2, 3).value_dim(4).output_shape(5);
        l.build(
            &[vec![None, Some(6), Some(7)], vec![None, Some(8), Some(9)]],
            &mut Rng::seed(0),
        )
        .unwrap();
        let got: Vec<(String, Vec<usize>)> = l
            .params()
            .iter()
            .map(|p| (p.name.clone(), p.value.shape().to_vec()))
            .collect();
        let want: Vec<(String, Vec<usize>)> = [
            ("query/kernel", vec![7, 2, 3]),
            ("query/bias", vec![2, 3]),
            ("key/kernel", vec![9, 2, 3]),
            ("key/bias", vec![2, 3]),
            ("value/kernel", vec![9, 2, 4]),
            ("value/bias", vec![2, 4]),
            ("attention_output/kernel", vec![2, 4, 5]),
            ("attention_output/bias", vec![5]),
        ]
        .into_iter()
        .map(|(n, s)| (n.to_string(), s))
        .collect();
        assert_eq!(got, want);
        assert_eq!(
            l.compute_output_shape(&[vec![None, Some(6), Some(7)], vec![None, Some(8), Some(9)]])
                .unwrap(),
            vec![vec![None, Some(6), Some(5)]]
        );
    }

    #[test]
    fn gradients_with_masks_and_config() {
        let m = Tensor::from_vec(vec![1., 1., 0., 1., 1., 1.], &[2, 3]).unwrap();
        check_attention_gradients(
            MultiHeadAttention::new(2, 3),
            &[&[2, 3, 4], &[2, 3, 4]],
            &[Some(m.clone()), Some(m.clone())],
            0,
        );
        check_attention_gradients(
            MultiHeadAttention::new(2, 2)
                .value_dim(3)
                .use_bias(false)
                .use_causal_mask(true)
                .return_attention_scores(true),
            &[&[2, 3, 4], &[2, 3, 5], &[2, 3, 2]],
            &[None, None, Some(m)],
            0,
        );
        check_config_round_trip(
            MultiHeadAttention::new(4, 8)
                .value_dim(6)
                .output_shape(3)
                .dropout(0.1)
                .unwrap()
                .kernel_regularizer(crate::regularizers::l2(0.01)),
            MultiHeadAttention::from_config,
        );
        let mut built = MultiHeadAttention::new(2, 2);
        built
            .build(&vec![vec![None, Some(3), Some(4)]; 2], &mut Rng::seed(0))
            .unwrap();
        assert_eq!(built.get_config()["attention_axes"], json!([1]));
        check_config_round_trip(built, MultiHeadAttention::from_config);
    }

    #[test]
    fn unsupported_options_are_typed_errors() {
        let e = MultiHeadAttention::from_config(
            &json!({"num_heads": 2, "key_dim": 2, "use_gate": true}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("use_gate"), "{e}");
        let mut l = MultiHeadAttention::new(2, 2).attention_axes(&[1, 2]);
        assert!(l
            .build(&vec![vec![None, Some(3), Some(4)]; 2], &mut Rng::seed(0))
            .is_err());
    }
}
