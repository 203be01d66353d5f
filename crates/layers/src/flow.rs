//! What flows between layers: float activations on the tape, integer ids, or raw strings, plus a mask.
use crate::error::{LayerError, Result};
use kerust_autograd::Var;
use kerust_tensor::{IntTensor, Tensor};
use std::sync::Arc;

/// User-side data for `fit`/`predict`: one model input or target.
#[derive(Debug, Clone)]
pub enum Data {
    /// Float features or targets.
    Float(Tensor),
    /// Integer ids or class labels.
    Int(IntTensor),
    /// Raw strings for a model that starts with `TextVectorization`.
    Text(Arc<Vec<String>>),
}

impl Data {
    /// Number of samples (size of axis 0).
    pub fn len(&self) -> usize {
        match self {
            Data::Float(t) => t.shape().first().copied().unwrap_or(0),
            Data::Int(t) => t.shape().first().copied().unwrap_or(0),
            Data::Text(v) => v.len(),
        }
    }
    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Shape including the batch axis.
    pub fn shape(&self) -> Vec<usize> {
        match self {
            Data::Float(t) => t.shape().to_vec(),
            Data::Int(t) => t.shape().to_vec(),
            Data::Text(v) => vec![v.len()],
        }
    }
    /// The samples at `idx` (a mini-batch).
    pub fn select(&self, idx: &[usize]) -> Result<Data> {
        Ok(match self {
            Data::Float(t) => Data::Float(t.select_rows(idx)?),
            Data::Int(t) => Data::Int(t.select_rows(idx)?),
            Data::Text(v) => {
                let mut out = Vec::with_capacity(idx.len());
                for &i in idx {
                    out.push(v.get(i).cloned().ok_or_else(|| {
                        LayerError::Data(format!("sample index {i} out of range"))
                    })?);
                }
                Data::Text(Arc::new(out))
            }
        })
    }
    /// The float tensor, or an error naming what was found instead.
    pub fn as_float(&self) -> Result<&Tensor> {
        match self {
            Data::Float(t) => Ok(t),
            other => Err(LayerError::Data(format!(
                "expected float data, got {}",
                other.kind()
            ))),
        }
    }
    /// What the data is, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Data::Float(_) => "float data",
            Data::Int(_) => "integer ids",
            Data::Text(_) => "strings",
        }
    }
    /// Float view of the data (ids are converted), for targets and metrics.
    pub fn to_float(&self) -> Result<Tensor> {
        match self {
            Data::Float(t) => Ok(t.clone()),
            Data::Int(t) => Ok(Tensor::from_vec(
                t.data().iter().map(|&v| v as f32).collect(),
                t.shape(),
            )?),
            Data::Text(_) => Err(LayerError::Data("strings cannot be used as targets".into())),
        }
    }
}

impl From<Tensor> for Data {
    fn from(t: Tensor) -> Self {
        Data::Float(t)
    }
}
impl From<&Tensor> for Data {
    fn from(t: &Tensor) -> Self {
        Data::Float(t.clone())
    }
}
impl From<IntTensor> for Data {
    fn from(t: IntTensor) -> Self {
        Data::Int(t)
    }
}
impl From<&IntTensor> for Data {
    fn from(t: &IntTensor) -> Self {
        Data::Int(t.clone())
    }
}
impl From<Vec<String>> for Data {
    fn from(v: Vec<String>) -> Self {
        Data::Text(Arc::new(v))
    }
}
impl From<&[&str]> for Data {
    fn from(v: &[&str]) -> Self {
        Data::Text(Arc::new(v.iter().map(|s| s.to_string()).collect()))
    }
}
impl From<&[String]> for Data {
    fn from(v: &[String]) -> Self {
        Data::Text(Arc::new(v.to_vec()))
    }
}
impl From<&Vec<String>> for Data {
    fn from(v: &Vec<String>) -> Self {
        Data::Text(Arc::new(v.clone()))
    }
}
impl From<Vec<&str>> for Data {
    fn from(v: Vec<&str>) -> Self {
        Data::from(&v[..])
    }
}
impl From<&Vec<&str>> for Data {
    fn from(v: &Vec<&str>) -> Self {
        Data::from(&v[..])
    }
}
/// `model.predict(["some text"])`.
impl<const N: usize> From<[&str; N]> for Data {
    fn from(v: [&str; N]) -> Self {
        Data::from(&v[..])
    }
}
impl<const N: usize> From<&[&str; N]> for Data {
    fn from(v: &[&str; N]) -> Self {
        Data::from(&v[..])
    }
}

/// Several model inputs (or targets); a single tensor converts into a one-element list.
#[derive(Debug, Clone)]
pub struct Inputs(pub Vec<Data>);

impl<T: Into<Data>> From<T> for Inputs {
    fn from(d: T) -> Self {
        Inputs(vec![d.into()])
    }
}
impl From<Vec<Data>> for Inputs {
    fn from(v: Vec<Data>) -> Self {
        Inputs(v)
    }
}

/// A value inside a forward pass.
#[derive(Debug, Clone)]
pub enum Value {
    /// Floats on the tape.
    Float(Var),
    /// Integer ids or class labels.
    Int(IntTensor),
    /// Raw strings, one per sample.
    Text(Arc<Vec<String>>),
}

/// A layer input/output: the value and an optional `[batch, time]` mask (1 = keep).
#[derive(Debug, Clone)]
pub struct Flow {
    /// The data.
    pub value: Value,
    /// `[batch, time]` mask (1 = keep), when a layer produced one.
    pub mask: Option<Tensor>,
}

impl Flow {
    /// A float value without mask.
    pub fn float(v: Var) -> Self {
        Flow {
            value: Value::Float(v),
            mask: None,
        }
    }
    /// The float `Var`, or an error for the named layer.
    pub fn var(&self, layer: &str) -> Result<&Var> {
        match &self.value {
            Value::Float(v) => Ok(v),
            Value::Int(_) => Err(LayerError::input(
                layer,
                "float input",
                "integer ids (put an Embedding first)",
            )),
            Value::Text(_) => Err(LayerError::input(
                layer,
                "float input",
                "strings (put a TextVectorization first)",
            )),
        }
    }
    /// Shape of the value including batch.
    pub fn shape(&self) -> Vec<usize> {
        match &self.value {
            Value::Float(v) => v.shape().to_vec(),
            Value::Int(t) => t.shape().to_vec(),
            Value::Text(v) => vec![v.len()],
        }
    }
}
