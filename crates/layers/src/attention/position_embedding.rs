//! keras-hub `PositionEmbedding`: a learned `[sequence_length, features]` table whose first `T`
//! rows, broadcast over the batch, are the output for an input `[batch, T, features]`.
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_autograd::Var;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// keras-hub `PositionEmbedding(sequence_length, initializer="glorot_uniform")`.
///
/// The output depends on the input's shape only (Keras `ops.broadcast_to`), so no gradient
/// reaches the input; add it to the token embeddings yourself (`Add`), or use
/// [`TokenAndPositionEmbedding`](super::token_and_position_embedding::TokenAndPositionEmbedding).
#[derive(Debug, Clone)]
pub struct PositionEmbedding {
    /// Name, weights and build state shared by every layer.
    pub base: LayerBase,
    /// Most positions the table holds (inputs may be shorter).
    pub sequence_length: usize,
    /// Keras `initializer` of the table (default `"glorot_uniform"`).
    pub initializer: Initializer,
    embeddings: Option<Param>,
}

impl PositionEmbedding {
    /// A table for sequences of up to `sequence_length` positions.
    pub fn new(sequence_length: usize) -> Self {
        Self {
            base: LayerBase::new("PositionEmbedding"),
            sequence_length,
            initializer: Initializer::GlorotUniform,
            embeddings: None,
        }
    }
    /// Keras `initializer` of the position table.
    pub fn initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.initializer = i.into();
        self
    }
    /// Keras `name`.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }

    /// Rebuild from a keras-hub config.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("PositionEmbedding", cfg);
        let mut l = PositionEmbedding::new(c.usize("sequence_length")?);
        l.base = LayerBase::from_config(cfg);
        if !c.get("initializer").is_null() {
            l.initializer = Initializer::from_config(c.get("initializer"))?;
        }
        Ok(l)
    }

    /// Create the `[sequence_length, features]` table named `name`.
    pub(crate) fn table(
        layer: &str,
        name: &str,
        sequence_length: usize,
        features: usize,
        init: &Initializer,
        rng: &mut Rng,
    ) -> Result<Param> {
        let shape = [sequence_length, features];
        crate::param::checked_weight_numel(layer, name, &shape)?;
        Ok(Param::new(name, init.init(&shape, rng)?))
    }

    /// The first `t` rows of `table` as a `[t, features]` variable (Keras `ops.slice`), or an
    /// error naming the table's length when the input is longer.
    pub(crate) fn rows(layer: &str, table: &Param, t: usize, ctx: &mut Ctx) -> Result<Var> {
        let len = table.value.shape()[0];
        if t > len {
            return Err(LayerError::input(
                layer,
                format!(
                    "sequences of at most sequence_length={len} positions (raise sequence_length)"
                ),
                format!("{t} positions"),
            ));
        }
        Ok(ctx.param(table)?.slice(0, 0, t)?)
    }

    fn features(&self, s: &Shape) -> Result<usize> {
        match (s.len() >= 3, s.last().copied().flatten()) {
            (true, Some(f)) => Ok(f),
            _ => Err(LayerError::input(
                self.base.name(),
                "an input [batch, time, features] with a known feature size",
                s,
            )),
        }
    }
}

impl Layer for PositionEmbedding {
    crate::layer_boilerplate!("PositionEmbedding");

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        let f = self.features(&input_shapes[0])?;
        let mut p = Self::table(
            self.base.name(),
            "embeddings",
            self.sequence_length,
            f,
            &self.initializer,
            rng,
        )?;
        p.trainable = self.base.trainable;
        self.embeddings = Some(p);
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        self.features(&input_shapes[0])?;
        Ok(vec![input_shapes[0].clone()])
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let name = self.base.name();
        let x = inputs[0].var(name)?;
        let shape = x.shape().to_vec();
        self.features(&shape.iter().map(|&d| Some(d)).collect())?;
        let table = self
            .embeddings
            .as_ref()
            .ok_or_else(|| LayerError::NotBuilt(format!("layer '{name}'")))?;
        if table.value.shape()[1] != shape[shape.len() - 1] {
            return Err(LayerError::input(
                name,
                format!("{} features", table.value.shape()[1]),
                &shape,
            ));
        }
        let rows = Self::rows(name, table, shape[shape.len() - 2], ctx)?;
        // broadcast_to: zeros of the input's shape plus the rows (gradient to the table only).
        let out = ctx.tape.constant(Tensor::zeros(&shape)?).add(&rows)?;
        Ok(vec![Flow {
            value: Value::Float(out),
            mask: None,
        }])
    }

    fn params(&self) -> Vec<&Param> {
        self.embeddings.iter().collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.embeddings.iter_mut().collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("sequence_length".into(), json!(self.sequence_length));
        m.insert("initializer".into(), self.initializer.to_config());
        Json::Object(m)
    }
}
