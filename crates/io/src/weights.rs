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

/// Most a model file's datasets may inflate over the file's own size when a model loader reads
/// it: Keras and h5py store weights uncompressed (1×), trained float weights deflate by ~1.1×,
/// a decompression bomb by ~1000×. (The HDF5 reader's own default, for any file, is 1100×.)
pub const MAX_H5_EXPANSION: u64 = 16;

/// Largest weights member or file a loader reads (4 GiB).
pub const MAX_WEIGHTS_BYTES: u64 = 4 << 30;

/// The [`kerust_hdf5::Limits`] model loaders read HDF5 with: the reader's defaults, with
/// values allowed at most [`MAX_H5_EXPANSION`] × the file size (+1 MiB).
pub fn model_file_limits() -> kerust_hdf5::Limits {
    kerust_hdf5::Limits {
        max_expansion: MAX_H5_EXPANSION,
        ..kerust_hdf5::Limits::default()
    }
}

/// Most bytes of weights a model of `params` parameters may read: 4 bytes for each value and
/// for up to three optimizer slots (Adam's m, v and a spare), plus 16 MiB for the HDF5
/// structure, optimizer scalars and TextVectorization tf-idf weights (≤ [`MAX_WEIGHTS_BYTES`]).
pub fn weights_bound(params: u64) -> u64 {
    params
        .saturating_mul(16)
        .saturating_add(16 << 20)
        .min(MAX_WEIGHTS_BYTES)
}

/// How [`weights_bound`] reads in an error: "over the N bytes {WEIGHTS_BUDGET}".
pub const WEIGHTS_BUDGET: &str =
    "that the model's architecture can use (16 bytes a parameter: the value and up to three optimizer slots, plus 16 MiB)";

/// An HDF5 error from reading a model file, with the `max_expansion` refusal restated for
/// loaders (which have no [`kerust_hdf5::Limits`] to raise): what it means and how to fix it.
pub fn model_file_error(e: kerust_hdf5::Hdf5Error) -> IoError {
    match e {
        kerust_hdf5::Hdf5Error::TooLarge {
            file,
            object,
            declared,
            limit,
            knob: "max_expansion",
        } => IoError::TooLarge {
            file,
            object,
            what: "the values it declares (over 16 × the file's size + 1 MiB: a decompression bomb, or weights compressed far beyond what float weights allow; Keras writes them uncompressed, `h5repack -f NONE in.h5 out.h5` undoes h5py compression)",
            size: u64::try_from(declared).unwrap_or(u64::MAX),
            limit: u64::try_from(limit).unwrap_or(u64::MAX),
        },
        e => e.into(),
    }
}
