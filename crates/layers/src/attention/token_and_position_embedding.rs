//! keras-hub `TokenAndPositionEmbedding`: token embeddings plus learned position embeddings,
//! `[batch, T]` ids → `[batch, T, embedding_dim]`, passing the token embedding's `mask_zero` mask on.
use super::position_embedding::PositionEmbedding;
use crate::config::Cfg;
use crate::core::embedding::Embedding;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::initializers::Initializer;
use crate::layer::{InputKind, Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// keras-hub `TokenAndPositionEmbedding(vocabulary_size, sequence_length, embedding_dim,
/// tie_weights=True, embeddings_initializer="uniform", mask_zero=False)`.
///
/// Weights in Keras order: `token_embedding/embeddings` `[vocabulary_size, embedding_dim]`, then
/// `position_embedding/embeddings` `[sequence_length, embedding_dim]`.
#[derive(Debug, Clone)]
pub struct TokenAndPositionEmbedding {
    /// Name, weights and build state shared by every layer.
    pub base: LayerBase,
    /// Number of token ids (`input_dim` of the token embedding).
    pub vocabulary_size: usize,
    /// Most positions the position table holds.
    pub sequence_length: usize,
    /// Size of each embedding vector.
    pub embedding_dim: usize,
    /// Keras `embeddings_initializer` of both tables (default `"uniform"`, ±0.05).
    pub embeddings_initializer: Initializer,
    /// keras-hub `tie_weights` of its `ReversibleEmbedding` (only matters for its reverse
    /// projection, which this layer does not offer; kept for the config).
    pub tie_weights: bool,
    /// Id 0 is padding: the output carries a mask that is false there.
    pub mask_zero: bool,
    token: Embedding,
    position: Option<Param>,
}

impl TokenAndPositionEmbedding {
    /// Token and position embeddings with keras-hub's defaults.
    pub fn new(vocabulary_size: usize, sequence_length: usize, embedding_dim: usize) -> Self {
        let init = Initializer::RandomUniform {
            minval: -0.05,
            maxval: 0.05,
        };
        Self {
            base: LayerBase::new("TokenAndPositionEmbedding"),
            vocabulary_size,
            sequence_length,
            embedding_dim,
            embeddings_initializer: init.clone(),
            tie_weights: true,
            mask_zero: false,
            token: Embedding::new(vocabulary_size, embedding_dim)
                .embeddings_initializer(init)
                .name("token_embedding"),
            position: None,
        }
    }
    /// keras-hub `mask_zero`: treat id 0 as padding and pass the mask on.
    pub fn mask_zero(mut self, m: bool) -> Self {
        self.mask_zero = m;
        self.token = self.token.mask_zero(m);
        self
    }
    /// Keras `embeddings_initializer` of both tables.
    pub fn embeddings_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.embeddings_initializer = i.into();
        self.token = self
            .token
            .embeddings_initializer(self.embeddings_initializer.clone());
        self
    }
    /// keras-hub `tie_weights` (kept in the config).
    pub fn tie_weights(mut self, t: bool) -> Self {
        self.tie_weights = t;
        self
    }
    /// Keras `name`.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }

    /// Rebuild from a keras-hub config.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("TokenAndPositionEmbedding", cfg);
        let mut l = TokenAndPositionEmbedding::new(
            c.usize("vocabulary_size")?,
            c.usize("sequence_length")?,
            c.usize("embedding_dim")?,
        );
        if !c.get("embeddings_initializer").is_null() {
            l = l
                .embeddings_initializer(Initializer::from_config(c.get("embeddings_initializer"))?);
        }
        l = l
            .mask_zero(c.bool_or("mask_zero", false))
            .tie_weights(c.bool_or("tie_weights", true));
        l.base = LayerBase::from_config(cfg);
        Ok(l)
    }

    fn check(&self, s: &Shape) -> Result<()> {
        match s.get(1).copied().flatten() {
            Some(t) if s.len() == 2 && t > self.sequence_length => Err(LayerError::input(
                self.base.name(),
                format!(
                    "ids [batch, T] with T <= sequence_length={} (raise sequence_length)",
                    self.sequence_length
                ),
                s,
            )),
            _ if s.len() == 2 => Ok(()),
            _ => Err(LayerError::input(
                self.base.name(),
                "token ids of shape [batch, T]",
                s,
            )),
        }
    }
}

impl Layer for TokenAndPositionEmbedding {
    crate::layer_boilerplate!("TokenAndPositionEmbedding");

    fn input_kind(&self) -> InputKind {
        InputKind::Int
    }

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        self.check(&input_shapes[0])?;
        self.token.build(input_shapes, rng)?;
        let mut p = PositionEmbedding::table(
            self.base.name(),
            "position_embedding/embeddings",
            self.sequence_length,
            self.embedding_dim,
            &self.embeddings_initializer,
            rng,
        )?;
        for t in self.token.params_mut() {
            t.name = format!("token_embedding/{}", t.name);
        }
        p.trainable = self.base.trainable;
        self.position = Some(p);
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        self.check(&input_shapes[0])?;
        let mut s = input_shapes[0].clone();
        s.push(Some(self.embedding_dim));
        Ok(vec![s])
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let name = self.base.name();
        let shape = inputs[0].shape();
        self.check(&shape.iter().map(|&d| Some(d)).collect())?;
        let table = self
            .position
            .as_ref()
            .ok_or_else(|| LayerError::NotBuilt(format!("layer '{name}'")))?;
        let tokens = self.token.call(inputs, ctx)?.remove(0);
        let rows = PositionEmbedding::rows(name, table, shape[1], ctx)?;
        let out = tokens.var(name)?.add(&rows)?;
        Ok(vec![Flow {
            value: Value::Float(out),
            mask: tokens.mask,
        }])
    }

    fn params(&self) -> Vec<&Param> {
        self.token
            .params()
            .into_iter()
            .chain(&self.position)
            .collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.token
            .params_mut()
            .into_iter()
            .chain(&mut self.position)
            .collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("vocabulary_size".into(), json!(self.vocabulary_size));
        m.insert("sequence_length".into(), json!(self.sequence_length));
        m.insert("embedding_dim".into(), json!(self.embedding_dim));
        m.insert(
            "embeddings_initializer".into(),
            self.embeddings_initializer.to_config(),
        );
        m.insert("tie_weights".into(), json!(self.tie_weights));
        m.insert("mask_zero".into(), json!(self.mask_zero));
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_config_round_trip;
    use kerust_autograd::Tape;
    use kerust_tensor::{IntTensor, Tensor};

    #[test]
    fn adds_position_rows_and_passes_the_mask_on() {
        let mut l = TokenAndPositionEmbedding::new(5, 4, 2).mask_zero(true);
        l.build(&[vec![None, Some(3)]], &mut Rng::seed(0)).unwrap();
        let tok = Tensor::from_vec((0..10).map(|v| v as f32).collect(), &[5, 2]).unwrap();
        let pos = Tensor::from_vec(vec![0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 9., 9.], &[4, 2]).unwrap();
        l.set_weights(&[tok, pos]).unwrap();
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, false, &mut rng);
        let ids = IntTensor::from_vec(vec![1, 4, 0], &[1, 3]).unwrap();
        let out = l
            .call(
                &[Flow {
                    value: Value::Int(ids),
                    mask: None,
                }],
                &mut ctx,
            )
            .unwrap();
        let y = out[0].var("t").unwrap().value().to_vec().unwrap();
        assert_eq!(y, [2.5, 2.5, 9.5, 7.5, 2.5, -1.5]);
        assert_eq!(
            out[0].mask.as_ref().unwrap().to_vec().unwrap(),
            [1., 1., 0.]
        );
        let names: Vec<&str> = l.params().iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "token_embedding/embeddings",
                "position_embedding/embeddings"
            ]
        );
        let too_long = IntTensor::from_vec(vec![1; 5], &[1, 5]).unwrap();
        let e = l
            .call(
                &[Flow {
                    value: Value::Int(too_long),
                    mask: None,
                }],
                &mut ctx,
            )
            .unwrap_err();
        assert!(e.to_string().contains("sequence_length=4"), "{e}");
        check_config_round_trip(l, TokenAndPositionEmbedding::from_config);
    }
}
