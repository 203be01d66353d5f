//! TextVectorization vocabularies in `.keras` files, the way Keras 3 keeps them: an adapted
//! layer's config says `"vocabulary": null`, the vocabulary is the asset
//! `assets/layers/<layer>/vocabulary.txt` (one token per line, `''` and `[UNK]` first; a copy under
//! `_lookup_layer/`), and tf_idf weights are `layers/<layer>/vars/idf_weights` in
//! `model.weights.h5`. A vocabulary given with `vocabulary=` stays in the config, as in Keras.
use crate::error::{IoError, Result};
use crate::keras3_weights::layer_paths;
use kerust_hdf5::Group;
use kerust_layers::{ModelCore, TextVectorization};
use kerust_text::OutputMode;
use serde_json::Value as Json;
use std::path::Path;

/// Largest vocabulary asset accepted (a vocabulary of over a million tokens fits; the parsed lines take up to ~25× the text).
pub const MAX_VOCABULARY_BYTES: u64 = 32 << 20;

/// Where Keras writes the layer's asset and its lookup sub-layer's copy.
fn asset_names(layer_path: &str) -> [String; 2] {
    [
        format!("assets/layers/{layer_path}/vocabulary.txt"),
        format!("assets/layers/{layer_path}/_lookup_layer/vocabulary.txt"),
    ]
}

/// The TextVectorization layers of `model` with their Keras weight/asset path.
fn vectorizers(model: &ModelCore) -> Vec<(String, String)> {
    let paths = layer_paths(model);
    model
        .layers()
        .into_iter()
        .zip(paths)
        .filter(|(l, _)| l.as_any().is::<TextVectorization>())
        .map(|(_, p)| p)
        .collect()
}

fn get_tv<'a>(model: &'a ModelCore, name: &str) -> Option<&'a TextVectorization> {
    model
        .get_layer(name)
        .and_then(|l| l.as_any().downcast_ref::<TextVectorization>())
}

/// Keras's asset bytes: `"\n".join(vocabulary)`.
pub fn vocabulary_asset(vocabulary: &[String]) -> Vec<u8> {
    vocabulary.join("\n").into_bytes()
}

/// Python's `str.splitlines()` (Keras reads the asset with it), then trailing empty lines dropped.
pub fn read_vocabulary_asset(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\n' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(std::mem::take(&mut cur));
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// For writing a `.keras`: moves every adapted vocabulary out of `config` (Keras's `null`) into
/// asset files (returned as zip members) and writes Keras's `_lookup_layer` groups and tf_idf
/// weights into the weights file `root`.
pub fn write_keras_assets(
    model: &ModelCore,
    config: &mut Json,
    root: &mut Group,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut members = Vec::new();
    for (name, path) in vectorizers(model) {
        let Some(tv) = get_tv(model, &name) else {
            continue;
        };
        let lookup = root.require_group(&format!("layers/{path}/_lookup_layer/vars"))?;
        lookup.set_attr("name", "string_lookup")?;
        if !tv.is_adapted() || tv.has_fixed_vocabulary() {
            continue;
        }
        if let Some(idf) = tv.get_idf_weights().filter(|_| is_tf_idf(tv)) {
            for g in [
                format!("layers/{path}/vars"),
                format!("layers/{path}/_lookup_layer/vars"),
            ] {
                root.require_group(&g)?
                    .write_dataset_f32("idf_weights", &[idf.len()], &idf)?;
            }
        }
        if let Some(lc) = layer_config_mut(config, &name) {
            lc["vocabulary"] = Json::Null;
            lc["idf_weights"] = Json::Null;
        }
        let bytes = vocabulary_asset(&tv.get_vocabulary());
        for member in asset_names(&path) {
            members.push((member, bytes.clone()));
        }
    }
    Ok(members)
}

/// The `config` of layer `name` inside a model config (`config.layers[i].config`).
fn layer_config_mut<'a>(model_config: &'a mut Json, name: &str) -> Option<&'a mut Json> {
    model_config
        .get_mut("config")?
        .get_mut("layers")?
        .as_array_mut()?
        .iter_mut()
        .filter_map(|l| l.get_mut("config"))
        .find(|c| c.get("name").and_then(Json::as_str) == Some(name))
}

/// For reading a `.keras`: gives every TextVectorization whose config had no vocabulary the one
/// in its asset (and its tf_idf weights from `root`). `asset(name)` reads a zip member, `None`
/// when absent. A layer without an asset stays unadapted, so calling it says to adapt first.
pub fn read_keras_assets(
    model: &mut ModelCore,
    root: &Group,
    mut asset: impl FnMut(&str) -> Result<Option<Vec<u8>>>,
    file: &Path,
) -> Result<()> {
    for (name, path) in vectorizers(model) {
        if get_tv(model, &name).is_none_or(TextVectorization::is_adapted) {
            continue;
        }
        let [main, lookup] = asset_names(&path);
        let Some((member, bytes)) = (match asset(&main)? {
            Some(b) => Some((main, b)),
            None => asset(&lookup)?.map(|b| (lookup, b)),
        }) else {
            continue;
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| IoError::format(file, member.clone(), "the vocabulary is not UTF-8"))?;
        let vocabulary = read_vocabulary_asset(&text);
        let Some(layer) = model
            .get_layer_mut(&name)
            .and_then(|l| l.as_any_mut().downcast_mut::<TextVectorization>())
        else {
            continue;
        };
        let idf = if is_tf_idf(layer) {
            let ds = ["vars", "_lookup_layer/vars"]
                .iter()
                .find_map(|v| root.dataset(&format!("layers/{path}/{v}/idf_weights")).ok())
                .ok_or_else(|| {
                    IoError::format(
                        file,
                        format!("layers/{path}/vars/idf_weights"),
                        format!("the tf_idf layer '{name}' has no idf weights in the file"),
                    )
                })?;
            let mut w = ds.read_f32()?;
            // Keras stores one weight per output column (padded to max_tokens); the
            // vocabulary needs one per token.
            if w.len() < vocabulary.len() {
                return Err(IoError::format(
                    file,
                    ds.path().to_string(),
                    format!(
                        "{} idf weights for a vocabulary of {} tokens",
                        w.len(),
                        vocabulary.len()
                    ),
                ));
            }
            w.truncate(vocabulary.len());
            Some(w)
        } else {
            None
        };
        layer
            .set_vocabulary(&vocabulary, idf.as_deref())
            .map_err(|e| IoError::model(file, member, e))?;
    }
    Ok(())
}

fn is_tf_idf(tv: &TextVectorization) -> bool {
    tv.get_output_mode() == OutputMode::TfIdf
}
