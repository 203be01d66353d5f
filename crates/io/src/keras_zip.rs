//! Keras 3 `.keras` files: a zip of `metadata.json`, `config.json` (architecture + compile
//! config) and `model.weights.h5` (Keras 3 weight layout), read and written.
use crate::error::{IoError, Result};
use crate::keras3_weights;
use crate::keras_h5::{parse_json, KERAS_VERSION};
use crate::text_assets;
use crate::weights::{
    model_file_error, model_file_limits, param_budget, require_built, stored_values, WEIGHTS_BUDGET,
};
use kerust_hdf5::{FileBuilder, Outline};
use kerust_layers::{model_from_config_limited, AnyModel, ModelCore};
use serde_json::{json, Value as Json};
use std::io::{Cursor, Read, Write};
use std::path::Path;

/// Largest `config.json` / `metadata.json` accepted.
pub const MAX_JSON_BYTES: u64 = 16 << 20;
pub use crate::weights::{weights_bound, MAX_WEIGHTS_BYTES};
/// Most a compressed member may inflate (uncompressed ÷ compressed). Keras stores members
/// uncompressed; real float weights deflate by ~1.1×, a zip bomb by ~1000×.
pub const MAX_MEMBER_EXPANSION: u64 = 16;

const CONFIG: &str = "config.json";
const METADATA: &str = "metadata.json";
const WEIGHTS: &str = "model.weights.h5";

fn zip_err(path: &Path, object: &str, e: impl std::fmt::Display) -> IoError {
    IoError::format(path, object, format!("bad zip archive: {e}"))
}

/// The `.keras` archive bytes for `model`.
pub fn keras_bytes(model: &ModelCore, path: &Path) -> Result<Vec<u8>> {
    require_built(model, path)?;
    let mut config = model.to_config();
    if let Some(c) = model.compile_config() {
        config["compile_config"] = c;
    }
    let metadata =
        json!({"keras_version": KERAS_VERSION, "date_saved": date_saved(), "saved_by": "kerust"});
    let mut fb = FileBuilder::new();
    keras3_weights::write_model_vars(model, fb.root_mut())?;
    let assets = text_assets::write_keras_assets(model, &mut config, fb.root_mut())?;
    let weights = fb.to_bytes()?;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // Stored like Keras: h5py then reads the weights member by seeking inside the zip.
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let members = [
        (METADATA.to_string(), metadata.to_string().into_bytes()),
        (CONFIG.to_string(), config.to_string().into_bytes()),
        (WEIGHTS.to_string(), weights),
    ];
    for (name, bytes) in members.into_iter().chain(assets) {
        let name = name.as_str();
        w.start_file(name, opts)
            .map_err(|e| zip_err(path, name, e))?;
        w.write_all(&bytes)
            .map_err(|e| IoError::io(path, "write into the zip", e))?;
    }
    Ok(w.finish().map_err(|e| zip_err(path, "/", e))?.into_inner())
}

/// Keras `model.save("m.keras")`, atomically.
pub fn save_keras(model: &ModelCore, path: &Path) -> Result<()> {
    let bytes = keras_bytes(model, path)?;
    crate::atomic::write_atomic(path, &bytes)
}

/// Seconds since the epoch as Keras's `date_saved` field (kerust has no calendar dependency).
fn date_saved() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("@{secs}")
}

/// Read one member, refusing more than `limit` bytes whatever the zip header claims, and a
/// compressed member that declares more than [`MAX_MEMBER_EXPANSION`] × its compressed size
/// (checked from the header, before inflating a byte).
fn member<R: Read + std::io::Seek>(
    z: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
    archive_len: u64,
    path: &Path,
) -> Result<Vec<u8>> {
    let f = z.by_name(name).map_err(|e| match e {
        zip::result::ZipError::FileNotFound => IoError::format(
            path,
            name,
            format!("the archive has no '{name}'; a .keras file needs {CONFIG} and {WEIGHTS}"),
        ),
        e => zip_err(path, name, e),
    })?;
    let declared = check_header(&f, name, limit, archive_len, path)?;
    // The header may lie: read at most what it declared, plus one byte to notice more.
    let limit = limit.min(declared);
    let mut buf = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| zip_err(path, name, e))?;
    if buf.len() as u64 > limit {
        return Err(IoError::TooLarge {
            file: path.to_path_buf(),
            object: name.into(),
            what: "the member",
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}

/// The size a member's header declares, refused over `limit`, when its stored bytes would not fit
/// in the archive's `archive_len` bytes, or, for a compressed member, over
/// [`MAX_MEMBER_EXPANSION`] × its compressed size (+1 MiB).
fn check_header(
    f: &zip::read::ZipFile<'_, impl Read>,
    name: &str,
    limit: u64,
    archive_len: u64,
    path: &Path,
) -> Result<u64> {
    let declared = f.size();
    // The stored bytes lie inside the archive: a header claiming more is forged or corrupted,
    // and its claim must not size anything (the model is built against it).
    let stored = if f.compression() == zip::CompressionMethod::Stored {
        declared.max(f.compressed_size())
    } else {
        f.compressed_size()
    };
    if stored > archive_len {
        return Err(IoError::TooLarge {
            file: path.to_path_buf(),
            object: name.into(),
            what: "the member's stored bytes as its zip header declares them, more than the whole archive holds (a forged or corrupted header)",
            size: stored,
            limit: archive_len,
        });
    }
    if declared > limit {
        return Err(IoError::TooLarge {
            file: path.to_path_buf(),
            object: name.into(),
            what: "the member (as its zip header declares)",
            size: declared,
            limit,
        });
    }
    if f.compression() != zip::CompressionMethod::Stored {
        let bound = f
            .compressed_size()
            .saturating_mul(MAX_MEMBER_EXPANSION)
            .saturating_add(1 << 20);
        if declared > bound {
            return Err(IoError::TooLarge {
                file: path.to_path_buf(),
                object: name.into(),
                what: "the inflated member (a zip bomb? Keras stores members uncompressed: re-zip with `zip -0`)",
                size: declared,
                limit: bound,
            });
        }
    }
    Ok(declared)
}

/// Keras `load_model("m.keras")` from the archive bytes.
pub fn load_keras_bytes(bytes: &[u8], path: &Path) -> Result<AnyModel> {
    let z = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| zip_err(path, "/", e))?;
    load_keras_archive(z, bytes.len() as u64, path)
}

/// Keras `load_model("m.keras")` from an open archive: only the members are read, each within
/// its bound, so memory follows the weights the archive holds, not the file.
fn load_keras_archive<R: Read + std::io::Seek>(
    mut z: zip::ZipArchive<R>,
    archive_len: u64,
    path: &Path,
) -> Result<AnyModel> {
    let cfg_bytes = member(&mut z, CONFIG, MAX_JSON_BYTES, archive_len, path)?;
    let text = std::str::from_utf8(&cfg_bytes)
        .map_err(|_| IoError::format(path, CONFIG, "not UTF-8 text"))?;
    let cfg: Json = parse_json(text, path, CONFIG)?;
    // Build the architecture first, charged against what the weights member's header declares,
    // so the member can then be bounded by what this model needs, not by what the file holds.
    let declared = match z.by_name(WEIGHTS) {
        Ok(f) => check_header(&f, WEIGHTS, MAX_WEIGHTS_BYTES, archive_len, path)?,
        Err(_) => 0, // `member` below names the missing member.
    };
    let mut model = model_from_config_limited(&cfg, param_budget(declared / 4))
        .map_err(|e| IoError::model(path, CONFIG, e))?;
    let need = weights_bound(model.count_params() as u64);
    if declared > need {
        return Err(IoError::TooLarge {
            file: path.to_path_buf(),
            object: WEIGHTS.into(),
            what: "the weights member, more than the architecture in config.json can use (16 bytes per parameter: the value and up to three optimizer slots, plus 16 MiB for assets and HDF5 structure)",
            size: declared,
            limit: need,
        });
    }
    let weights = member(&mut z, WEIGHTS, need, archive_len, path)?;
    let name = format!("{}!{WEIGHTS}", path.display());
    // The member's values may take no more than the model needs either, whatever they inflate to.
    let file = Outline::from_bytes_named(weights, &name, model_file_limits())
        .and_then(|o| o.decode(need, WEIGHTS_BUDGET))
        .map_err(model_file_error)?;
    if (model.count_params() as u64) > param_budget(stored_values(file.root())) {
        return Err(IoError::format(
            path,
            CONFIG,
            "the architecture has more parameters than model.weights.h5 stores; the config does not match the weights",
        ));
    }
    keras3_weights::read_model_vars(&mut model, file.root(), Path::new(&name))?;
    text_assets::read_keras_assets(
        &mut model,
        file.root(),
        |member_name| {
            if z.index_for_name(member_name).is_none() {
                return Ok(None);
            }
            let limit = text_assets::MAX_VOCABULARY_BYTES;
            member(&mut z, member_name, limit, archive_len, path).map(Some)
        },
        path,
    )?;
    if let Some(c) = cfg.get("compile_config").filter(|c| c.is_object()) {
        // Keras also loads an uncompilable model (with a warning): leave it uncompiled.
        if model.compile_from_config(c).is_err() {
            model.compiled = None;
        }
    }
    Ok(model)
}

/// Keras `load_model("m.keras")`.
pub fn load_keras(path: &Path) -> Result<AnyModel> {
    let limit = MAX_WEIGHTS_BYTES + 2 * MAX_JSON_BYTES;
    let (f, _) = crate::atomic::open_limited(path, limit)?;
    let regular = f.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    if let Some(len) = regular {
        // Seek inside the file: no copy of the archive in memory.
        let z =
            zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| zip_err(path, "/", e))?;
        load_keras_archive(z, len, path)
    } else {
        drop(f);
        let bytes = crate::atomic::read_limited(path, limit)?;
        load_keras_bytes(&bytes, path)
    }
}
