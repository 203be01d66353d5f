//! Model files: Keras `.h5` and `.keras` in both directions, the native saved-model directory, and atomic checkpoints.
//!
//! [`save_model`] / [`load_model`] pick the format from the path like Keras: `.h5`/`.hdf5` →
//! Keras HDF5, `.keras` → Keras 3 zip, anything else → the native directory
//! (`config.json`, `weights.safetensors`, `optimizer.safetensors`, `assets/`).
//!
//! ```no_run
//! use kerust_layers::{Dense, Sequential};
//! let mut model = Sequential::new();
//! model.add(Dense::new(1).input_shape(&[3]))?;
//! kerust_io::save_model(&model, "model.keras")?;
//! let mut again = kerust_io::load_model("model.keras")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
// Errors carry structured fields (file, object, layer, both shapes); they are the cold path.
#![allow(clippy::result_large_err)]

pub mod atomic;
pub mod checkpoint;
pub mod error;
pub mod keras3_weights;
pub mod keras_h5;
pub mod keras_zip;
pub mod native;
pub mod npy;
pub mod text_assets;
pub mod weights;

pub use checkpoint::ModelCheckpoint;
pub use error::{IoError, Result};
pub use kerust_layers::AnyModel;
pub use native::Assets;
pub use npy::{read_npy, write_npy, NpyArray, NpyData};

use kerust_layers::ModelCore;
use std::path::Path;

/// The three model formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Keras HDF5 (`.h5`, `.hdf5`).
    KerasH5,
    /// Keras 3 zip (`.keras`).
    Keras,
    /// kerust's saved-model directory.
    Native,
}

impl Format {
    /// The format Keras would pick for this path: by extension, else a directory.
    pub fn from_path(path: &Path) -> Format {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("h5") | Some("hdf5") => Format::KerasH5,
            Some("keras") => Format::Keras,
            _ => Format::Native,
        }
    }
    /// The format `save_model` writes to `path`: `.h5`/`.hdf5`, `.keras`, or a native directory
    /// for a path with no extension, a trailing `/`, or an existing directory. Any other extension
    /// (`model.onnx`, `model.pt`) is an error listing the supported ones, instead of a directory
    /// silently named like a file.
    pub fn for_save(path: &Path) -> Result<Format> {
        let f = Format::from_path(path);
        let text = path.as_os_str().to_string_lossy();
        let dir_like = text.ends_with('/') || path.is_dir() || path.extension().is_none();
        if f != Format::Native || dir_like {
            return Ok(f);
        }
        Err(IoError::format(
            path,
            "/",
            format!(
                "unsupported model format '.{}': save to a '.keras' file, a '.h5' file, or a directory path without an extension (native format)",
                path.extension().unwrap_or_default().to_string_lossy()
            ),
        ))
    }
    /// The format of an existing path, by content when it is a file (zip or HDF5 signature).
    fn sniff(path: &Path) -> Result<Format> {
        if path.is_dir() || atomic::moved_aside(path).is_some() {
            return Ok(Format::Native);
        }
        use std::io::Read;
        let mut head = [0u8; 8];
        let n = std::fs::File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|e| IoError::io(path, "open", e))?;
        Ok(match &head[..n] {
            [b'P', b'K', ..] => Format::Keras,
            [0x89, b'H', b'D', b'F', ..] => Format::KerasH5,
            _ => Format::from_path(path),
        })
    }
}

/// Keras `model.save(path)`: the format follows the extension (`.h5`, `.keras`, no extension: a
/// directory; anything else is an error, see [`Format::for_save`]).
/// Saves are atomic: an interrupted save leaves the previous file loadable.
pub fn save_model(model: &ModelCore, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    match Format::for_save(path)? {
        Format::KerasH5 => keras_h5::save_h5(model, path),
        Format::Keras => keras_zip::save_keras(model, path),
        Format::Native => native::save_native(model, path, &Assets::default()),
    }
}

/// Keras `keras.models.load_model(path)` for any of the three formats.
pub fn load_model(path: impl AsRef<Path>) -> Result<AnyModel> {
    let path = path.as_ref();
    match Format::sniff(path)? {
        Format::KerasH5 => keras_h5::load_h5(path),
        Format::Keras => keras_zip::load_keras(path),
        Format::Native => Ok(native::load_native(path)?.0),
    }
}

/// Save a model as a native directory together with its text preprocessing.
pub fn save_model_with_assets(
    model: &ModelCore,
    path: impl AsRef<Path>,
    assets: &Assets,
) -> Result<()> {
    native::save_native(model, path.as_ref(), assets)
}

/// Load a native directory with its text preprocessing.
pub fn load_model_with_assets(path: impl AsRef<Path>) -> Result<(AnyModel, Assets)> {
    native::load_native(path.as_ref())
}

/// Keras `model.save_weights(path)`: `.weights.h5` in Keras 3's layout, other `.h5` in the
/// legacy layout tf.keras and Keras 3's `load_weights` both read.
pub fn save_weights(model: &ModelCore, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    match Format::from_path(path) {
        Format::KerasH5 => keras_h5::save_weights_h5(model, path),
        _ => Err(IoError::format(
            path,
            "/",
            "save_weights writes HDF5: use a '.weights.h5' (Keras 3) or '.h5' (legacy) file name",
        )),
    }
}

/// Keras `model.load_weights(path)` from any Keras HDF5 weights layout or a `.keras` file.
pub fn load_weights(model: &mut ModelCore, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    match Format::sniff(path)? {
        Format::KerasH5 => keras_h5::load_weights_h5(model, path),
        Format::Keras => {
            let loaded = keras_zip::load_keras(path)?;
            let weights = loaded.get_weights();
            weights::require_built(model, path)?;
            let names: Vec<String> = loaded
                .layers()
                .iter()
                .map(|l| l.name().to_string())
                .collect();
            let per_layer = names
                .into_iter()
                .filter_map(|n| loaded.get_layer(&n).map(|l| (n, l)))
                .map(|(n, l)| {
                    let ws = weights::layer_values(l)
                        .into_iter()
                        .map(|(w, shape, values)| weights::StoredWeight {
                            object: format!("layers/{n}/{w}"),
                            shape,
                            values,
                        })
                        .collect();
                    (n, ws)
                })
                .collect();
            drop(weights);
            weights::assign_all(model, per_layer, path)
        }
        Format::Native => {
            let (loaded, _) = native::load_native(path)?;
            model
                .set_weights(&loaded.get_weights())
                .map_err(|e| IoError::model(path, "weights.safetensors", e))
        }
    }
}
