//! keras-hub `TransformerEncoder`: self-attention and a two-layer feed-forward network, each with
//! dropout, a residual connection and layer normalisation after (or, `normalize_first`, before)
//! the block, exactly in the order of keras_hub/src/layers/modeling/transformer_encoder.py.
use super::multi_head_attention::MultiHeadAttention;
use crate::activations::Activation;
use crate::config::Cfg;
use crate::core::dense::Dense;
use crate::core::dropout::Dropout;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::normalization::layer_normalization::LayerNormalization;
use crate::param::Param;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// The sub-layers keras-hub builds, in weight order (their names prefix the weight names).
#[derive(Debug, Clone)]
struct Parts {
    attention: MultiHeadAttention,
    attention_norm: LayerNormalization,
    ffn_norm: LayerNormalization,
    intermediate: Dense,
    output: Dense,
}

/// keras-hub `TransformerEncoder(intermediate_dim, num_heads, dropout=0, activation="relu",
/// layer_norm_epsilon=1e-5, kernel_initializer="glorot_uniform", bias_initializer="zeros",
/// normalize_first=False)` on `[batch, T, hidden]`.
///
/// The input's Keras mask (e.g. from `mask_zero`) is the padding mask: masked positions are
/// neither attended to nor attend (keras-hub's padding mask plus Keras's query mask), and the
/// output carries the mask on.
#[derive(Debug, Clone)]
pub struct TransformerEncoder {
    /// Name, weights and build state shared by every layer.
    pub base: LayerBase,
    /// Width of the feed-forward network's hidden layer.
    pub intermediate_dim: usize,
    /// Attention heads; each has `hidden / num_heads` dimensions.
    pub num_heads: usize,
    /// Dropout rate of the attention weights, the attention output and the feed-forward output.
    pub dropout: f32,
    /// Activation of the feed-forward hidden layer (default `relu`).
    pub activation: Activation,
    /// Epsilon of both layer normalisations (default 1e-5).
    pub layer_norm_epsilon: f32,
    /// Kernel initializer of every projection (default `glorot_uniform`).
    pub kernel_initializer: Initializer,
    /// Bias initializer of every projection (default `zeros`).
    pub bias_initializer: Initializer,
    /// Pre-LN (`True`) or post-LN (`False`, default) residual blocks.
    pub normalize_first: bool,
    parts: Option<Parts>,
}

impl TransformerEncoder {
    /// A post-LN encoder block with keras-hub's defaults.
    pub fn new(intermediate_dim: usize, num_heads: usize) -> Self {
        Self {
            base: LayerBase::new("TransformerEncoder"),
            intermediate_dim,
            num_heads,
            dropout: 0.0,
            activation: Activation::Relu,
            layer_norm_epsilon: 1e-5,
            kernel_initializer: Initializer::GlorotUniform,
            bias_initializer: Initializer::Zeros,
            normalize_first: false,
            parts: None,
        }
    }
    /// keras-hub `dropout` (a rate in `[0, 1)`).
    pub fn dropout(mut self, rate: f32) -> Result<Self> {
        self.dropout = super::dot_product_attention::check_rate(rate)?;
        Ok(self)
    }
    /// keras-hub `activation` of the feed-forward hidden layer.
    pub fn activation(mut self, a: impl Into<Activation>) -> Self {
        self.activation = a.into();
        self
    }
    /// keras-hub `layer_norm_epsilon`.
    pub fn layer_norm_epsilon(mut self, e: f32) -> Self {
        self.layer_norm_epsilon = e;
        self
    }
    /// keras-hub `kernel_initializer`.
    pub fn kernel_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.kernel_initializer = i.into();
        self
    }
    /// keras-hub `bias_initializer`.
    pub fn bias_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.bias_initializer = i.into();
        self
    }
    /// keras-hub `normalize_first`: layer normalisation before each block instead of after.
    pub fn normalize_first(mut self, n: bool) -> Self {
        self.normalize_first = n;
        self
    }
    /// Keras `name`.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }

    /// Rebuild from a keras-hub config.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("TransformerEncoder", cfg);
        let mut l = TransformerEncoder::new(c.usize("intermediate_dim")?, c.usize("num_heads")?)
            .dropout(c.f32_or("dropout", 0.0))?;
        l.base = LayerBase::from_config(cfg);
        l.activation = match c.get("activation") {
            Json::Null => Activation::Relu,
            Json::String(s) => Activation::from_name(s)?,
            // Keras serialises a function as {"class_name": "function", "config": "relu", ...}.
            v => Activation::from_name(
                v["config"]
                    .as_str()
                    .or_else(|| v["class_name"].as_str())
                    .unwrap_or_default(),
            )?,
        };
        l.layer_norm_epsilon = c.f32_or("layer_norm_epsilon", 1e-5);
        if !c.get("kernel_initializer").is_null() {
            l.kernel_initializer = Initializer::from_config(c.get("kernel_initializer"))?;
        }
        if !c.get("bias_initializer").is_null() {
            l.bias_initializer = Initializer::from_config(c.get("bias_initializer"))?;
        }
        l.normalize_first = c.bool_or("normalize_first", false);
        Ok(l)
    }

    /// The hidden size of `[batch, T, hidden]`, and `hidden / num_heads` > 0.
    fn hidden(&self, s: &Shape) -> Result<(usize, usize)> {
        let hidden = match (s.len(), s.last().copied().flatten()) {
            (3, Some(h)) => h,
            _ => {
                return Err(LayerError::input(
                    self.base.name(),
                    "an input [batch, T, hidden] with a known hidden size",
                    s,
                ))
            }
        };
        match hidden / self.num_heads.max(1) {
            0 => Err(LayerError::config(
                format!("layer '{}'", self.base.name()),
                format!(
                    "key_dim = hidden {hidden} / num_heads {} is 0; use hidden >= num_heads",
                    self.num_heads
                ),
            )),
            k => Ok((hidden, k)),
        }
    }

    fn parts(&self) -> Result<&Parts> {
        self.parts
            .as_ref()
            .ok_or_else(|| LayerError::NotBuilt(format!("layer '{}'", self.base.name())))
    }
}

/// Rename a sub-layer's weights `<sub>/<weight>` (Keras's weight paths inside the block).
fn prefix(layer: &mut dyn Layer, sub: &str) {
    for p in layer.params_mut() {
        p.name = format!("{sub}/{}", p.name);
    }
}

impl Layer for TransformerEncoder {
    crate::layer_boilerplate!("TransformerEncoder");

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        let s = &input_shapes[0];
        let (hidden, key_dim) = self.hidden(s)?;
        if self.num_heads == 0 || self.intermediate_dim == 0 {
            return Err(LayerError::config(
                format!("layer '{}'", self.base.name()),
                "num_heads and intermediate_dim must be positive",
            ));
        }
        let mut attention = MultiHeadAttention::new(self.num_heads, key_dim)
            .dropout(self.dropout)?
            .kernel_initializer(self.kernel_initializer.clone())
            .bias_initializer(self.bias_initializer.clone())
            .name("self_attention_layer");
        attention.build(&[s.clone(), s.clone()], rng)?;
        let norm = |n: &str| {
            LayerNormalization::new()
                .epsilon(self.layer_norm_epsilon)
                .name(n)
        };
        let mut attention_norm = norm("self_attention_layer_norm");
        attention_norm.build(std::slice::from_ref(s), rng)?;
        let mut ffn_norm = norm("feedforward_layer_norm");
        ffn_norm.build(std::slice::from_ref(s), rng)?;
        let dense = |units: usize, n: &str| {
            Dense::new(units)
                .kernel_initializer(self.kernel_initializer.clone())
                .bias_initializer(self.bias_initializer.clone())
                .name(n)
        };
        let mut intermediate = dense(self.intermediate_dim, "feedforward_intermediate_dense")
            .activation(self.activation);
        intermediate.build(std::slice::from_ref(s), rng)?;
        let mut output = dense(hidden, "feedforward_output_dense");
        let mut mid = s.clone();
        mid[2] = Some(self.intermediate_dim);
        output.build(&[mid], rng)?;
        for l in [
            &mut attention as &mut dyn Layer,
            &mut attention_norm,
            &mut ffn_norm,
            &mut intermediate,
            &mut output,
        ] {
            let sub = l.name().to_string();
            prefix(l, &sub);
        }
        self.parts = Some(Parts {
            attention,
            attention_norm,
            ffn_norm,
            intermediate,
            output,
        });
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        self.hidden(&input_shapes[0])?;
        Ok(vec![input_shapes[0].clone()])
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let name = self.base.name();
        let p = self.parts()?;
        let shape: Shape = inputs[0].shape().into_iter().map(Some).collect();
        self.hidden(&shape)?;
        let mask = inputs[0].mask.clone();
        let with_mask = |v: kerust_autograd::Var| Flow {
            value: Value::Float(v),
            mask: mask.clone(),
        };
        let dropout = Dropout::new(self.dropout);
        let one = |l: &dyn Layer, f: Flow, ctx: &mut Ctx| -> Result<Flow> {
            Ok(l.call(&[f], ctx)?.remove(0))
        };
        // Self-attention block: query = value = x, so the padding mask masks keys and queries.
        let residual = inputs[0].var(name)?.clone();
        let mut x = inputs[0].clone();
        if self.normalize_first {
            x = one(&p.attention_norm, x, ctx)?;
        }
        let a = p.attention.call(&[x.clone(), x], ctx)?.remove(0);
        let a = one(&dropout, with_mask(a.var(name)?.clone()), ctx)?;
        let mut x = with_mask(a.var(name)?.add(&residual)?);
        if !self.normalize_first {
            x = one(&p.attention_norm, x, ctx)?;
        }
        // Feed-forward block.
        let residual = x.var(name)?.clone();
        if self.normalize_first {
            x = one(&p.ffn_norm, x, ctx)?;
        }
        let x = one(&p.intermediate, x, ctx)?;
        let x = one(&p.output, x, ctx)?;
        let x = one(&dropout, x, ctx)?;
        let mut x = with_mask(x.var(name)?.add(&residual)?);
        if !self.normalize_first {
            x = one(&p.ffn_norm, x, ctx)?;
        }
        Ok(vec![with_mask(x.var(name)?.clone())])
    }

    fn params(&self) -> Vec<&Param> {
        match &self.parts {
            None => Vec::new(),
            Some(p) => [
                &p.attention as &dyn Layer,
                &p.attention_norm,
                &p.ffn_norm,
                &p.intermediate,
                &p.output,
            ]
            .into_iter()
            .flat_map(|l| l.params())
            .collect(),
        }
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        match &mut self.parts {
            None => Vec::new(),
            Some(p) => {
                let mut v = p.attention.params_mut();
                v.extend(p.attention_norm.params_mut());
                v.extend(p.ffn_norm.params_mut());
                v.extend(p.intermediate.params_mut());
                v.extend(p.output.params_mut());
                v
            }
        }
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("intermediate_dim".into(), json!(self.intermediate_dim));
        m.insert("num_heads".into(), json!(self.num_heads));
        // keras-hub stores the argument as given; its default is the integer 0.
        let dropout = if self.dropout == 0.0 {
            json!(0)
        } else {
            crate::config::keras_float(self.dropout)
        };
        m.insert("dropout".into(), dropout);
        m.insert("activation".into(), json!(self.activation.name()));
        m.insert(
            "layer_norm_epsilon".into(),
            crate::config::keras_float(self.layer_norm_epsilon),
        );
        m.insert(
            "kernel_initializer".into(),
            self.kernel_initializer.to_config(),
        );
        m.insert("bias_initializer".into(), self.bias_initializer.to_config());
        m.insert("normalize_first".into(), json!(self.normalize_first));
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
    fn gradients_with_padding_masks_both_orders() {
        let mask = Tensor::from_vec(vec![1., 1., 1., 0., 1., 1., 0., 0.], &[2, 4]).unwrap();
        for first in [false, true] {
            check_attention_gradients(
                TransformerEncoder::new(6, 2)
                    .activation(Activation::Gelu)
                    .normalize_first(first),
                &[&[2, 4, 4]],
                &[Some(mask.clone())],
                0,
            );
        }
    }

    #[test]
    fn weights_are_named_like_keras_and_config_round_trips() {
        let mut l = TransformerEncoder::new(8, 2).dropout(0.1).unwrap();
        l.build(&[vec![None, Some(5), Some(4)]], &mut Rng::seed(0))
            .unwrap();
        let names: Vec<&str> = l.params().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names[0], "self_attention_layer/query/kernel");
        assert_eq!(names[8], "self_attention_layer_norm/gamma");
        assert_eq!(names[10], "feedforward_layer_norm/gamma");
        assert_eq!(names[15], "feedforward_output_dense/bias");
        assert_eq!(
            l.count_params(),
            4 * (4 * 4 + 4) + 4 * 4 + (4 * 8 + 8) + (8 * 4 + 4)
        );
        assert_eq!(l.get_config()["dropout"], json!(0.1));
        check_config_round_trip(l, TransformerEncoder::from_config);
        let e = TransformerEncoder::new(8, 5)
            .build(&[vec![None, Some(5), Some(4)]], &mut Rng::seed(0))
            .unwrap_err();
        assert!(e.to_string().contains("num_heads 5"), "{e}");
    }
}
