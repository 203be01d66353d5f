//! `InputLayer` / `Input(shape)`: declares a model input's per-sample shape and dtype.
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::layer::{InputKind, Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::Rng;
use serde_json::{json, Value as Json};

/// Keras `Input(shape, dtype="float32", name=None)`; as a layer, Keras's `InputLayer`.
#[derive(Debug, Clone)]
pub struct Input {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// Per-sample shape (`None` = variable length).
    pub shape: Shape,
    /// `"float32"`, `"int32"`/`"int64"`, or `"string"`.
    pub dtype: String,
    /// Keras `batch_size=`: a fixed batch size (needed by stateful recurrent layers); `None`
    /// (the default) for any batch size.
    pub batch_size: Option<usize>,
}

impl Input {
    /// An input with this per-sample shape.
    pub fn new(shape: &[usize]) -> Self {
        Self {
            base: LayerBase::new("InputLayer"),
            shape: shape.iter().map(|&d| Some(d)).collect(),
            dtype: "float32".into(),
            batch_size: None,
        }
    }
    /// A shape with unknown entries, e.g. `[None]` for variable-length sequences.
    pub fn with_shape(shape: Shape) -> Self {
        Self {
            base: LayerBase::new("InputLayer"),
            shape,
            dtype: "float32".into(),
            batch_size: None,
        }
    }
    /// Keras `batch_size=`: fix the batch size (the first entry of Keras 3 `batch_shape`), which
    /// stateful recurrent layers need; every batch fed to the model then has this many samples.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = Some(batch_size);
        self
    }
    /// The full input shape, batch first (`(4, 10, 3)`, or `(None, 10, 3)` without a fixed batch
    /// size): Keras's `batch_shape`.
    pub fn batch_shape(&self) -> Shape {
        std::iter::once(self.batch_size)
            .chain(self.shape.iter().copied())
            .collect()
    }
    /// Keras `dtype=`: data type of the input: `float32` (default), `int32`/`int64` or `string`.
    pub fn dtype(mut self, dtype: &str) -> Self {
        self.dtype = dtype.to_string();
        self
    }
    /// Keras `name=`: the layer's name (default: a unique name from the class, e.g. `dense_1`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// What kind of data this input carries.
    pub fn kind(&self) -> InputKind {
        match self.dtype.as_str() {
            "string" => InputKind::Text,
            d if d.starts_with("int") || d.starts_with("uint") => InputKind::Int,
            _ => InputKind::Float,
        }
    }
    /// Keras `from_config`: the layer from its `get_config` dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("InputLayer", cfg);
        let shape = c.declared_input_shape().ok_or_else(|| {
            LayerError::config(
                "InputLayer config",
                "needs 'batch_shape' or 'batch_input_shape'",
            )
        })?;
        let mut i = Input::with_shape(shape);
        i.base = LayerBase::from_config(cfg);
        i.dtype = c.str_or("dtype", "float32").to_string();
        i.batch_size = c.declared_batch_size();
        Ok(i)
    }
}

impl Layer for Input {
    crate::layer_boilerplate!("InputLayer");
    fn input_kind(&self) -> InputKind {
        self.kind()
    }
    fn build(&mut self, _s: &[Shape], _rng: &mut Rng) -> Result<()> {
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, _s: &[Shape]) -> Result<Vec<Shape>> {
        Ok(vec![self.batch_shape()])
    }
    fn call(&self, inputs: &[Flow], _ctx: &mut Ctx) -> Result<Vec<Flow>> {
        Ok(inputs.to_vec())
    }
    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
    }
    fn get_config(&self) -> Json {
        let mut m = serde_json::Map::new();
        let bs: Vec<Json> = self
            .batch_shape()
            .iter()
            .map(|d| d.map_or(Json::Null, |x| json!(x)))
            .collect();
        m.insert("batch_shape".into(), Json::Array(bs));
        m.insert("dtype".into(), json!(self.dtype));
        m.insert("sparse".into(), json!(false));
        m.insert("name".into(), json!(self.base.name()));
        Json::Object(m)
    }
}
