//! Moving weight values between a model and a file: listing them per layer, and assigning them
//! back with errors that name the file, the object path, the layer and both shapes.
use crate::error::{IoError, Result};
use kerust_layers::{Layer, ModelCore};
use kerust_tensor::Tensor;
use std::path::Path;

/// One weight read from a file: where it was, its shape and values.
#[derive(Debug, Clone)]
pub struct StoredWeight {
    pub object: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// The model's layers in Keras order (a `Sequential`'s input layer excluded, as Keras lists them).
pub fn model_layers(model: &ModelCore) -> Vec<&dyn Layer> {
    model.layers()
}

/// Refuse to save or load weights of a `Sequential` that has no input shape yet.
pub fn require_built(model: &ModelCore, file: &Path) -> Result<()> {
    if model.built() {
        Ok(())
    } else {
        Err(IoError::format(
            file,
            "/",
            "the model has no weights yet (no input shape); add an Input, call build(), or fit/predict once",
        ))
    }
}

/// Weights of one layer as `(name, shape, values)`.
pub fn layer_values(layer: &dyn Layer) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    layer
        .params()
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.value.shape().to_vec(),
                p.value.to_vec().unwrap_or_default(),
            )
        })
        .collect()
}

/// Set the weights of layer `name` from `stored` (Keras order), checking count and shapes.
pub fn assign(
    model: &mut ModelCore,
    name: &str,
    stored: Vec<StoredWeight>,
    file: &Path,
) -> Result<()> {
    let layer = model.get_layer_mut(name).ok_or_else(|| {
        IoError::format(
            file,
            name,
            format!(
                "the file has weights for layer '{name}' but the model has no layer of that name"
            ),
        )
    })?;
    let mut params = layer.params_mut();
    if params.len() != stored.len() {
        return Err(IoError::format(
            file,
            stored
                .first()
                .map_or(name.to_string(), |w| w.object.clone()),
            format!(
                "layer '{name}' has {} weights in the model but {} in the file",
                params.len(),
                stored.len()
            ),
        ));
    }
    for (p, w) in params.iter_mut().zip(&stored) {
        if p.value.shape() != w.shape.as_slice() {
            return Err(IoError::ShapeMismatch {
                file: file.to_path_buf(),
                object: w.object.clone(),
                layer: name.to_string(),
                weight: p.name.clone(),
                expected: p.value.shape().to_vec(),
                got: w.shape.clone(),
            });
        }
    }
    for (p, w) in params.into_iter().zip(stored) {
        p.value = Tensor::from_vec(w.values, &w.shape)
            .map_err(|e| IoError::format(file, w.object.clone(), e.to_string()))?;
    }
    Ok(())
}

/// Assign per-layer weights read from a file: by layer name when every name in the file exists
/// in the model, else by position among the layers that have weights (Keras's legacy rule).
pub fn assign_all(
    model: &mut ModelCore,
    from_file: Vec<(String, Vec<StoredWeight>)>,
    file: &Path,
) -> Result<()> {
    let from_file: Vec<_> = from_file
        .into_iter()
        .filter(|(_, w)| !w.is_empty())
        .collect();
    let targets: Vec<String> = model
        .layers()
        .iter()
        .filter(|l| !l.params().is_empty())
        .map(|l| l.name().to_string())
        .collect();
    let by_name = from_file.iter().all(|(n, _)| targets.contains(n));
    if from_file.len() != targets.len() {
        return Err(IoError::format(
            file,
            "/",
            format!(
                "the file has weights for {} layers but the model has {} layers with weights (file: {}; model: {})",
                from_file.len(),
                targets.len(),
                from_file.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", "),
                targets.join(", ")
            ),
        ));
    }
    for (i, (fname, ws)) in from_file.into_iter().enumerate() {
        let target = if by_name { fname } else { targets[i].clone() };
        assign(model, &target, ws, file)?;
    }
    Ok(())
}

/// Most weights a model rebuilt from a config may create when the file stores `stored` values:
/// every weight comes from the file, plus slack for layers whose size formula overestimates.
pub fn param_budget(stored: u64) -> u64 {
    stored.saturating_mul(2).saturating_add(1 << 16)
}

/// Number of values stored below `g` (all datasets).
pub fn stored_values(g: &kerust_hdf5::Group) -> u64 {
    g.walk_datasets().iter().map(|d| d.len() as u64).sum()
}
