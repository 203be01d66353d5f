//! The native saved-model directory: `config.json` (architecture, compile config, optimizer
//! step count), `weights.safetensors`, `optimizer.safetensors` (slot variables, so training
//! resumes where it stopped) and `assets/` (Tokenizer JSON, TextVectorization vocabulary).
use crate::atomic::{read_limited, write_dir_atomic, write_synced};
use crate::error::{IoError, Result};
use crate::keras_h5::parse_json;
use crate::weights::{assign, param_budget, require_built, StoredWeight};
use kerust_layers::{model_from_config_limited, AnyModel, ModelCore};
use kerust_text::{TextVectorizer, Tokenizer};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::path::Path;

/// Value of `config.json`'s `format` field.
pub const FORMAT: &str = "kerust.saved_model";
/// Version of the directory layout.
pub const FORMAT_VERSION: u64 = 1;
/// Largest `config.json` or JSON asset: configs are kilobytes, a 100k-word tokenizer a few MB; a
/// parsed JSON tree takes up to ~16× its text, so this bounds memory too.
const MAX_JSON: u64 = 16 << 20;
const MAX_TENSORS: u64 = 16 << 30;

/// Text preprocessing saved next to a model (Keras keeps these as assets).
#[derive(Clone, Default)]
pub struct Assets {
    pub tokenizer: Option<Tokenizer>,
    pub text_vectorization: Option<TextVectorizer>,
}

/// Key of the `i`-th weight of layer `layer` in the safetensors files.
fn key(layer: &str, i: usize) -> String {
    format!("{layer}/{i}")
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn safetensors_bytes(entries: Vec<(String, Vec<usize>, Vec<u8>)>, path: &Path) -> Result<Vec<u8>> {
    let views: Vec<(String, TensorView<'_>)> = entries
        .iter()
        .map(|(k, s, b)| {
            TensorView::new(Dtype::F32, s.clone(), b)
                .map(|v| (k.clone(), v))
                .map_err(|e| IoError::format(path, k.clone(), e.to_string()))
        })
        .collect::<Result<_>>()?;
    safetensors::serialize(views, None).map_err(|e| IoError::format(path, "/", e.to_string()))
}

/// Save `model` (and `assets`) as a native directory, atomically.
pub fn save_native(model: &ModelCore, path: &Path, assets: &Assets) -> Result<()> {
    require_built(model, path)?;
    let mut weights = Vec::new();
    let mut param_keys: HashMap<u64, String> = HashMap::new();
    let mut names = serde_json::Map::new();
    for layer in model.layers() {
        for (i, p) in layer.params().iter().enumerate() {
            let k = key(layer.name(), i);
            param_keys.insert(p.id(), k.clone());
            names.insert(k.clone(), json!(p.name));
            let v = p
                .value
                .to_vec()
                .map_err(|e| IoError::format(path, k.clone(), e.to_string()))?;
            weights.push((k, p.value.shape().to_vec(), f32_bytes(&v)));
        }
    }
    let mut config = json!({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kerust_version": env!("CARGO_PKG_VERSION"),
        "model": model.to_config(),
        "compile_config": model.compile_config(),
        "weight_names": names,
    });
    let mut slots = Vec::new();
    if let Some(opt) = model.optimizer() {
        let mut slot_keys = Vec::new();
        for (id, slot, t) in opt.slots() {
            if let Some(k) = param_keys.get(&id) {
                let sk = format!("{k}/{slot}");
                let v = t
                    .to_vec()
                    .map_err(|e| IoError::format(path, sk.clone(), e.to_string()))?;
                slot_keys.push(sk.clone());
                slots.push((sk, vec![v.len()], f32_bytes(&v)));
            }
        }
        config["optimizer_state"] = json!({"iterations": opt.iterations(), "slots": slot_keys});
    }
    let mut asset_index = serde_json::Map::new();
    if assets.tokenizer.is_some() {
        asset_index.insert("tokenizer".into(), json!("assets/tokenizer.json"));
    }
    if assets.text_vectorization.is_some() {
        asset_index.insert(
            "text_vectorization".into(),
            json!("assets/text_vectorization.json"),
        );
    }
    config["assets"] = Json::Object(asset_index);
    let wbytes = safetensors_bytes(weights, &path.join("weights.safetensors"))?;
    let obytes = if slots.is_empty() {
        None
    } else {
        Some(safetensors_bytes(
            slots,
            &path.join("optimizer.safetensors"),
        )?)
    };
    let config_text = serde_json::to_string_pretty(&config)
        .map_err(|e| IoError::format(path, "config.json", e.to_string()))?;
    write_dir_atomic(path, |dir| {
        write_synced(&dir.join("config.json"), config_text.as_bytes())?;
        write_synced(&dir.join("weights.safetensors"), &wbytes)?;
        if let Some(o) = &obytes {
            write_synced(&dir.join("optimizer.safetensors"), o)?;
        }
        if assets.tokenizer.is_some() || assets.text_vectorization.is_some() {
            let a = dir.join("assets");
            std::fs::create_dir_all(&a).map_err(|e| IoError::io(&a, "create", e))?;
            if let Some(t) = &assets.tokenizer {
                write_synced(&a.join("tokenizer.json"), t.to_json().as_bytes())?;
            }
            if let Some(tv) = &assets.text_vectorization {
                let cfg = tv.get_config().to_string();
                write_synced(&a.join("text_vectorization.json"), cfg.as_bytes())?;
                let vocab = tv.get_vocabulary(true).join("\n");
                write_synced(&a.join("vocabulary.txt"), vocab.as_bytes())?;
            }
        }
        Ok(())
    })
}

fn read_tensors<'a>(bytes: &'a [u8], path: &Path) -> Result<SafeTensors<'a>> {
    SafeTensors::deserialize(bytes)
        .map_err(|e| IoError::format(path, "/", format!("not a valid safetensors file: {e}")))
}

fn stored(st: &SafeTensors<'_>, k: &str, path: &Path) -> Result<StoredWeight> {
    let t = st.tensor(k).map_err(|_| {
        IoError::format(
            path,
            k,
            "missing tensor; the file was saved from a different model",
        )
    })?;
    if t.dtype() != Dtype::F32 {
        return Err(IoError::format(
            path,
            k,
            format!("dtype {:?}, expected F32", t.dtype()),
        ));
    }
    let values = t
        .data()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(StoredWeight {
        object: k.to_string(),
        shape: t.shape().to_vec(),
        values,
    })
}

/// Load a native directory: the model (compiled and with its optimizer state when it was saved
/// compiled) and its assets.
pub fn load_native(path: &Path) -> Result<(AnyModel, Assets)> {
    // A save killed between its two renames (file systems without RENAME_EXCHANGE) left the
    // previous model beside the path: load that one.
    if let Some(old) = crate::atomic::moved_aside(path) {
        return load_native(&old);
    }
    let cpath = path.join("config.json");
    let text = read_limited(&cpath, MAX_JSON)?;
    let text = std::str::from_utf8(&text).map_err(|_| IoError::format(&cpath, "/", "not UTF-8"))?;
    let config = parse_json(text, &cpath, "/")?;
    if config["format"] != FORMAT {
        return Err(IoError::format(
            &cpath,
            "format",
            format!("expected \"{FORMAT}\"; this is not a kerust saved model"),
        ));
    }
    if config["format_version"]
        .as_u64()
        .is_none_or(|v| v > FORMAT_VERSION)
    {
        return Err(IoError::format(
            &cpath,
            "format_version",
            "written by a newer kerust; upgrade to load it",
        ));
    }
    let wpath = path.join("weights.safetensors");
    let wbytes = read_limited(&wpath, MAX_TENSORS)?;
    let st = read_tensors(&wbytes, &wpath)?;
    let mut model =
        model_from_config_limited(&config["model"], param_budget(wbytes.len() as u64 / 4))
            .map_err(|e| IoError::model(&cpath, "model", e))?;
    let mut param_keys: Vec<(u64, String, usize)> = Vec::new();
    let layers: Vec<(String, usize)> = model
        .layers()
        .iter()
        .map(|l| (l.name().to_string(), l.params().len()))
        .collect();
    for (lname, n) in layers {
        let ws = (0..n)
            .map(|i| stored(&st, &key(&lname, i), &wpath))
            .collect::<Result<Vec<_>>>()?;
        assign(&mut model, &lname, ws, &wpath)?;
        if let Some(l) = model.get_layer(&lname) {
            for (i, p) in l.params().iter().enumerate() {
                param_keys.push((p.id(), key(&lname, i), p.numel()));
            }
        }
    }
    if config["compile_config"].is_object() {
        model
            .compile_from_config(&config["compile_config"])
            .map_err(|e| IoError::model(&cpath, "compile_config", e))?;
        let state = &config["optimizer_state"];
        if let Some(opt) = model.optimizer_mut() {
            opt.base_mut().iterations = state["iterations"].as_u64().unwrap_or(0);
            let slot_keys: Vec<&str> = state["slots"]
                .as_array()
                .map(|a| a.iter().filter_map(Json::as_str).collect())
                .unwrap_or_default();
            if !slot_keys.is_empty() {
                let opath = path.join("optimizer.safetensors");
                let obytes = read_limited(&opath, MAX_TENSORS)?;
                let ost = read_tensors(&obytes, &opath)?;
                for sk in slot_keys {
                    let (pk, slot) = sk.rsplit_once('/').ok_or_else(|| {
                        IoError::format(&cpath, "optimizer_state", format!("bad slot key '{sk}'"))
                    })?;
                    let (id, _, numel) =
                        param_keys.iter().find(|(_, k, _)| k == pk).ok_or_else(|| {
                            IoError::format(&opath, sk, "slot for a weight the model does not have")
                        })?;
                    let w = stored(&ost, sk, &opath)?;
                    if w.values.len() != *numel {
                        return Err(IoError::format(
                            &opath,
                            sk,
                            format!(
                                "slot has {} values but the weight has {numel}",
                                w.values.len()
                            ),
                        ));
                    }
                    let t = kerust_tensor::Tensor::from_vec(w.values, &w.shape)
                        .map_err(|e| IoError::format(&opath, sk, e.to_string()))?;
                    opt.set_slot(*id, slot, t)
                        .map_err(|e| IoError::model(&opath, sk, e))?;
                }
            }
        }
    }
    let mut assets = Assets::default();
    let apath = path.join("assets");
    let tpath = apath.join("tokenizer.json");
    if tpath.is_file() {
        let b = read_limited(&tpath, MAX_JSON)?;
        let s = std::str::from_utf8(&b).map_err(|_| IoError::format(&tpath, "/", "not UTF-8"))?;
        assets.tokenizer =
            Some(Tokenizer::from_json(s).map_err(|e| IoError::format(&tpath, "/", e.to_string()))?);
    }
    let vpath = apath.join("text_vectorization.json");
    if vpath.is_file() {
        let b = read_limited(&vpath, MAX_JSON)?;
        let s = std::str::from_utf8(&b).map_err(|_| IoError::format(&vpath, "/", "not UTF-8"))?;
        let cfg = parse_json(s, &vpath, "/")?;
        assets.text_vectorization = Some(
            TextVectorizer::from_config(&cfg)
                .map_err(|e| IoError::format(&vpath, "/", e.to_string()))?,
        );
    }
    Ok((model, assets))
}
