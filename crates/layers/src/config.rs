//! Reading Keras `get_config()` dictionaries: typed field access with errors naming the layer.
use crate::error::{LayerError, Result};
use serde_json::Value as Json;

/// A config dictionary of one layer, for typed reads.
pub struct Cfg<'a> {
    /// Class name of the layer, used in error messages.
    pub class: &'a str,
    /// The config dictionary.
    pub v: &'a Json,
}

impl<'a> Cfg<'a> {
    /// Wrap the config `v` of a layer of class `class`.
    pub fn new(class: &'a str, v: &'a Json) -> Self {
        Self { class, v }
    }
    fn err(&self, key: &str, what: &str) -> LayerError {
        LayerError::config(
            format!("{} config", self.class),
            format!("field '{key}' {what}"),
        )
    }
    /// A required non-negative integer.
    pub fn usize(&self, key: &str) -> Result<usize> {
        self.v
            .get(key)
            .and_then(Json::as_u64)
            .map(|x| x as usize)
            .ok_or_else(|| self.err(key, "must be a non-negative integer"))
    }
    /// An optional integer (`null` or absent → `None`).
    pub fn opt_usize(&self, key: &str) -> Result<Option<usize>> {
        match self.v.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(x) => x
                .as_u64()
                .map(|x| Some(x as usize))
                .ok_or_else(|| self.err(key, "must be an integer or null")),
        }
    }
    /// A float with a default.
    pub fn f32_or(&self, key: &str, default: f32) -> f32 {
        self.v
            .get(key)
            .and_then(Json::as_f64)
            .map_or(default, |x| x as f32)
    }
    /// A bool with a default.
    pub fn bool_or(&self, key: &str, default: bool) -> bool {
        self.v.get(key).and_then(Json::as_bool).unwrap_or(default)
    }
    /// A string with a default.
    pub fn str_or(&self, key: &str, default: &'a str) -> &'a str {
        self.v.get(key).and_then(Json::as_str).unwrap_or(default)
    }
    /// A raw field (`Null` when absent).
    pub fn get(&self, key: &str) -> &'a Json {
        static NULL: Json = Json::Null;
        self.v.get(key).unwrap_or(&NULL)
    }
    /// A list of integers (e.g. `target_shape`, `batch_input_shape` without its batch entry).
    pub fn usize_list(&self, key: &str) -> Result<Option<Vec<usize>>> {
        match self.v.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Array(a)) => a
                .iter()
                .map(|x| {
                    x.as_u64()
                        .map(|x| x as usize)
                        .ok_or_else(|| self.err(key, "must hold integers"))
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(_) => Err(self.err(key, "must be a list")),
        }
    }
    /// The fixed batch size declared with the input shape (the first entry of Keras 2
    /// `batch_input_shape` or Keras 3 `batch_shape`); `None` when it is `null` or absent.
    pub fn declared_batch_size(&self) -> Option<usize> {
        ["batch_input_shape", "batch_shape"]
            .iter()
            .find_map(|key| self.v.get(*key).and_then(Json::as_array))
            .and_then(|a| a.first())
            .and_then(Json::as_u64)
            .map(|b| b as usize)
    }
    /// The input shape declared on a first layer: Keras 2 `batch_input_shape` or Keras 3 `batch_shape`.
    pub fn declared_input_shape(&self) -> Option<Vec<Option<usize>>> {
        for key in ["batch_input_shape", "batch_shape"] {
            if let Some(Json::Array(a)) = self.v.get(key) {
                return Some(
                    a.iter()
                        .skip(1)
                        .map(|x| x.as_u64().map(|x| x as usize))
                        .collect(),
                );
            }
        }
        None
    }
}

/// Write the declared input shape the way Keras 3 does (`batch_shape` with a leading `null`).
pub fn insert_input_shape(
    m: &mut serde_json::Map<String, Json>,
    shape: &Option<Vec<Option<usize>>>,
) {
    if let Some(s) = shape {
        let mut v = vec![Json::Null];
        v.extend(
            s.iter()
                .map(|d| d.map_or(Json::Null, |x| Json::from(x as u64))),
        );
        m.insert("batch_shape".into(), Json::Array(v));
    }
}

/// Write the Keras options of one weight: `{name}_initializer`, `{name}_regularizer` and
/// `{name}_constraint` (constraints are not supported, so always `null`).
pub fn insert_weight_options(
    m: &mut serde_json::Map<String, Json>,
    name: &str,
    initializer: &crate::initializers::Initializer,
    regularizer: Option<crate::regularizers::Regularizer>,
) {
    m.insert(format!("{name}_initializer"), initializer.to_config());
    m.insert(
        format!("{name}_regularizer"),
        regularizer.map_or(Json::Null, |r| r.to_config()),
    );
    m.insert(format!("{name}_constraint"), Json::Null);
}

/// `x` as the f64 with the same shortest decimal form (`0.99`, not `0.9900000095367432`), so
/// configs read like the Python floats Keras writes.
pub(crate) fn keras_float(x: f32) -> Json {
    serde_json::json!(x.to_string().parse::<f64>().unwrap_or(x as f64))
}
