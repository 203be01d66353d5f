//! Keras HDF5 files: full models (`model_config` + `model_weights`, as tf.keras 2 and Keras 3's
//! legacy `model.save("m.h5")` write them) and weights-only `save_weights("w.h5")`, both ways.
use crate::error::{IoError, Result};
use crate::keras3_weights::{self, cell_name};
use crate::weights::{
    assign_all, layer_values, model_file_error, model_file_limits, param_budget, require_built,
    stored_values, weights_bound, StoredWeight, WEIGHTS_BUDGET,
};
use kerust_hdf5::{File, FileBuilder, Group, Outline};
use kerust_layers::{model_from_config_limited, AnyModel, Bidirectional, Layer, ModelCore};
use serde_json::{json, Value as Json};
use std::path::Path;

/// The `keras_version` written into files (the layout is what Keras 3's legacy h5 writer uses).
pub const KERAS_VERSION: &str = "3.0.0";

/// Keras 2 (`tf.keras`) flavour of a model config: legacy inbound nodes, `batch_input_shape`,
/// no `module` keys, so both tf.keras and Keras 3's legacy loader read it.
pub fn keras2_config(model: &ModelCore) -> Json {
    let mut cfg = model.to_config();
    let is_functional = cfg["class_name"] == "Functional";
    if let Some(obj) = cfg.as_object_mut() {
        obj.remove("module");
        obj.remove("registered_name");
        obj.remove("build_config");
    }
    if let Some(layers) = cfg["config"]["layers"].as_array_mut() {
        for l in layers.iter_mut() {
            let is_input = l["class_name"] == "InputLayer";
            if let Some(o) = l.as_object_mut() {
                o.remove("module");
                // Registered (keras-hub) classes go by their registered name in legacy files,
                // as Keras writes them: `keras_hub>TransformerEncoder`.
                if let Some(Json::String(r)) = o.remove("registered_name") {
                    o.insert("class_name".into(), Json::String(r));
                }
                o.remove("build_config");
            }
            let class = l["class_name"].as_str().unwrap_or_default().to_string();
            if let Some(c) = l["config"].as_object_mut() {
                // Keras 3 additions tf.keras's constructors reject.
                if matches!(class.as_str(), "SimpleRNN" | "LSTM" | "GRU") {
                    c.remove("seed");
                }
                // Keras 3's legacy loader turns the string "dot" into the function
                // `keras.ops.dot` and then rejects it; "dot" is the default, so leave it out.
                if class == "Attention" && c.get("score_mode").is_some_and(|m| m == "dot") {
                    c.remove("score_mode");
                }
                match c.remove("batch_shape") {
                    Some(s) if is_input => {
                        c.insert("batch_input_shape".into(), s);
                        c.insert("ragged".into(), json!(false));
                    }
                    _ => {}
                }
            }
            // Keras 2 nodes pass one (list) argument; MultiHeadAttention's query and value are
            // separate arguments, so its nodes keep Keras 3's form (Keras 3 reads both per node).
            if is_functional && class != "MultiHeadAttention" {
                let nodes: Vec<Json> = l["inbound_nodes"]
                    .as_array()
                    .map(|ns| {
                        ns.iter()
                            .map(|n| {
                                let mut refs = Vec::new();
                                collect_history(&n["args"], &mut refs);
                                // Keras 2 keeps call arguments (`use_causal_mask`) in each
                                // ref's fourth slot.
                                if n["kwargs"].as_object().is_some_and(|k| !k.is_empty()) {
                                    for r in refs.iter_mut() {
                                        r[3] = n["kwargs"].clone();
                                    }
                                }
                                Json::Array(refs)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                l["inbound_nodes"] = Json::Array(nodes);
            }
        }
    }
    if is_functional {
        for key in ["input_layers", "output_layers"] {
            let v = &cfg["config"][key];
            if v.get(0).is_some_and(Json::is_string) {
                cfg["config"][key] = json!([v.clone()]);
            }
        }
    }
    cfg
}

fn collect_history(v: &Json, out: &mut Vec<Json>) {
    match v {
        Json::Object(_) if v["class_name"] == "__keras_tensor__" => {
            let h = &v["config"]["keras_history"];
            out.push(json!([h[0], h[1], h[2], {}]));
        }
        Json::Array(a) => a.iter().for_each(|x| collect_history(x, out)),
        _ => {}
    }
}

/// tf.keras 2 weight names: `dense/kernel:0`, recurrent weights under their cell
/// (`lstm/lstm_cell/kernel:0`), `Bidirectional` under each direction
/// (`bidirectional/forward_lstm/lstm_cell/kernel:0`), so names stay unique within the layer.
fn keras2_weight_names(layer: &dyn Layer, vals: &[(String, Vec<usize>, Vec<f32>)]) -> Vec<String> {
    let lname = layer.name();
    let class = layer.class_name();
    if let Some(cell) = cell_name(class) {
        return vals
            .iter()
            .map(|(n, _, _)| format!("{lname}/{cell}/{n}:0"))
            .collect();
    }
    if let Some(bi) = layer.as_any().downcast_ref::<Bidirectional>() {
        let mut names = Vec::with_capacity(vals.len());
        for dir in [&bi.forward_layer, &bi.backward_layer] {
            let cell = cell_name(dir.class_name()).unwrap_or("cell");
            let inner = dir.name();
            names.extend(
                dir.params()
                    .iter()
                    .map(|p| format!("{lname}/{inner}/{cell}/{}:0", p.name)),
            );
        }
        return names;
    }
    vals.iter()
        .map(|(n, _, _)| format!("{lname}/{n}:0"))
        .collect()
}

/// Write the legacy weight layout (`layer_names`, `<layer>/weight_names`, datasets) into `g`.
fn write_legacy_weights(model: &ModelCore, g: &mut Group) -> Result<()> {
    let names: Vec<String> = model
        .layers()
        .iter()
        .map(|l| l.name().to_string())
        .collect();
    g.set_attr("layer_names", names)?;
    g.set_attr("backend", "tensorflow")?;
    g.set_attr("keras_version", KERAS_VERSION)?;
    for layer in model.layers() {
        let lname = layer.name().to_string();
        let lg = g.create_group(&lname)?;
        let vals = layer_values(layer);
        let wnames = keras2_weight_names(layer, &vals);
        lg.set_attr("weight_names", wnames.clone())?;
        for (wn, (_, shape, v)) in wnames.iter().zip(vals) {
            lg.write_dataset_f32(wn, &shape, &v)?;
        }
    }
    Ok(())
}

/// Keras `model.save("m.h5")`: architecture, weights and (when compiled) training config.
pub fn save_h5(model: &ModelCore, path: &Path) -> Result<()> {
    require_built(model, path)?;
    let mut fb = FileBuilder::new();
    fb.set_attr("backend", "tensorflow")?;
    fb.set_attr("keras_version", KERAS_VERSION)?;
    fb.set_attr("model_config", keras2_config(model).to_string())?;
    if let Some(t) = model.training_config() {
        fb.set_attr("training_config", t.to_string())?;
    }
    write_legacy_weights(model, fb.create_group("model_weights")?)?;
    write_file(&fb, path)
}

/// Keras `model.save_weights("w.h5")` (legacy layout; `*.weights.h5` gets Keras 3's layout).
pub fn save_weights_h5(model: &ModelCore, path: &Path) -> Result<()> {
    require_built(model, path)?;
    let mut fb = FileBuilder::new();
    if path.to_string_lossy().ends_with(".weights.h5") {
        keras3_weights::write_model_vars(model, fb.root_mut())?;
    } else {
        write_legacy_weights(model, fb.root_mut())?;
    }
    write_file(&fb, path)
}

fn write_file(fb: &FileBuilder, path: &Path) -> Result<()> {
    let bytes = fb.to_bytes()?;
    crate::atomic::write_atomic(path, &bytes)
}

/// Parse a JSON string attribute, naming the file and attribute on failure.
pub(crate) fn parse_json(text: &str, file: &Path, object: &str) -> Result<Json> {
    serde_json::from_str(text)
        .map_err(|e| IoError::format(file, object, format!("invalid JSON: {e}")))
}

/// Keras `load_model("m.h5")`: rebuild the architecture, load the weights, compile when the file
/// has a training config that kerust understands (otherwise the model is returned uncompiled,
/// as Keras does with a warning).
///
/// Memory follows the model: the file's structure and `model_config` are read first, and its
/// datasets are decoded only within what that architecture can use ([`weights_bound`]); a file
/// whose datasets declare more is refused before a value is decoded.
pub fn load_h5(path: &Path) -> Result<AnyModel> {
    let outline = Outline::open(path, model_file_limits()).map_err(model_file_error)?;
    load_h5_outline(outline, path)
}

/// [`load_h5`] on the file's bytes (`path` names it in errors).
pub fn load_h5_bytes(bytes: Vec<u8>, path: &Path) -> Result<AnyModel> {
    let outline =
        Outline::from_bytes_named(bytes, path, model_file_limits()).map_err(model_file_error)?;
    load_h5_outline(outline, path)
}

fn load_h5_outline(outline: Outline, path: &Path) -> Result<AnyModel> {
    let cfg = model_config(outline.root(), path)?;
    // Built before any value is decoded, charged against what the weights declare.
    outline.root().group("model_weights")?;
    let stored = u64::try_from(outline.declared_bytes("/model_weights") / 4).unwrap_or(u64::MAX);
    let model = model_from_config_limited(&cfg, param_budget(stored))
        .map_err(|e| IoError::model(path, "/model_config", e))?;
    let need = weights_bound(model.count_params() as u64);
    let file = outline
        .decode(need, WEIGHTS_BUDGET)
        .map_err(model_file_error)?;
    finish_h5(model, &file, path)
}

/// [`load_h5`] on an already decoded file.
pub fn load_h5_file(file: &File, path: &Path) -> Result<AnyModel> {
    let cfg = model_config(file.root(), path)?;
    let g = file.group("model_weights")?;
    let model = model_from_config_limited(&cfg, param_budget(stored_values(g)))
        .map_err(|e| IoError::model(path, "/model_config", e))?;
    finish_h5(model, file, path)
}

/// The root's `model_config` attribute, parsed.
fn model_config(root: &Group, path: &Path) -> Result<Json> {
    if !root.attrs().contains_key("model_config") {
        return Err(IoError::format(
            path,
            "/",
            "the file has no 'model_config' attribute: it holds weights only; build the model in Rust and call load_weights",
        ));
    }
    parse_json(root.attr_str("model_config")?, path, "/model_config")
}

/// Assign the weights of `file` to the model rebuilt from its config, then compile it.
fn finish_h5(mut model: AnyModel, file: &File, path: &Path) -> Result<AnyModel> {
    let g = file.group("model_weights")?;
    assign_all(&mut model, read_legacy_weights(g)?, path)?;
    if let Ok(t) = file.attr_str("training_config") {
        let t = parse_json(t, path, "/training_config")?;
        if model.compile_from_config(&t).is_err() {
            model.compiled = None;
        }
    }
    Ok(model)
}

/// Per-layer weights of a legacy group (`model_weights` or a weights-only file's root).
pub fn read_legacy_weights(g: &Group) -> Result<Vec<(String, Vec<StoredWeight>)>> {
    let mut out = Vec::new();
    for lname in g.attr_strings("layer_names")? {
        let lg = g.group(&lname)?;
        let wnames = lg.attr_strings("weight_names")?;
        let mut ws = Vec::with_capacity(wnames.len().min(64));
        for wn in wnames {
            let d = lg.dataset(&wn)?;
            let values = d.read_f32()?;
            ws.push(StoredWeight {
                object: d.path().to_string(),
                shape: d.shape().to_vec(),
                values,
            });
        }
        out.push((lname, ws));
    }
    Ok(out)
}

/// Keras `load_weights` from an HDF5 file of any Keras layout: legacy full model, legacy
/// weights-only, or Keras 3 `.weights.h5`.
///
/// The file's values are decoded only within what `model` can use ([`weights_bound`]).
pub fn load_weights_h5(model: &mut ModelCore, path: &Path) -> Result<()> {
    require_built(model, path)?;
    let need = weights_bound(model.count_params() as u64);
    let file = Outline::open(path, model_file_limits())
        .and_then(|o| o.decode(need, WEIGHTS_BUDGET))
        .map_err(model_file_error)?;
    load_weights_file(model, &file, path)
}

/// [`load_weights_h5`] on an already decoded file.
pub fn load_weights_file(model: &mut ModelCore, file: &File, path: &Path) -> Result<()> {
    require_built(model, path)?;
    if file.contains("model_weights") {
        let g = file.group("model_weights")?;
        assign_all(model, read_legacy_weights(g)?, path)
    } else if file.attrs().contains_key("layer_names") {
        assign_all(model, read_legacy_weights(file.root())?, path)
    } else if file.contains("layers") || file.contains("_layer_checkpoint_dependencies") {
        keras3_weights::read_model_vars(model, file.root(), path)
    } else {
        Err(IoError::format(
            path,
            "/",
            "not a Keras weights file: no 'model_weights' group, 'layer_names' attribute or 'layers' group",
        ))
    }
}
