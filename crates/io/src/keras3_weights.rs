//! Keras 3's weight layout (`model.weights.h5` inside `.keras`, and `*.weights.h5`):
//! `layers/<layer>/vars/<i>`, recurrent layers under `cell/`, `Bidirectional` under
//! `forward_layer/` and `backward_layer/`, `TimeDistributed` under `layer/`.
use crate::error::{IoError, Result};
use crate::weights::{assign, layer_values, StoredWeight};
use kerust_hdf5::Group;
use kerust_layers::{Layer, ModelCore};
use std::path::Path;

const RNN_CELLS: &[(&str, &str)] = &[
    ("SimpleRNN", "simple_rnn_cell"),
    ("LSTM", "lstm_cell"),
    ("GRU", "gru_cell"),
];

/// `MultiHeadAttention`'s projections: kerust weight-name prefix → Keras 3 attribute group, in
/// Keras weight order (the file nests each projection's `vars` under its group).
const MHA_SUBLAYERS: &[(&str, &str)] = &[
    ("query", "query_dense"),
    ("key", "key_dense"),
    ("value", "value_dense"),
    ("attention_output", "output_dense"),
];

/// keras-hub layers built from sub-layers: kerust weight-name prefix → Keras 3 attribute group,
/// in Keras weight order. `self_attention_layer` nests a `MultiHeadAttention`.
const HUB_SUBLAYERS: &[(&str, &str)] = &[
    ("token_embedding", "token_embedding"),
    ("position_embedding", "position_embedding"),
    ("self_attention_layer", "_self_attention_layer"),
    ("self_attention_layer_norm", "_self_attention_layer_norm"),
    ("feedforward_layer_norm", "_feedforward_layer_norm"),
    (
        "feedforward_intermediate_dense",
        "_feedforward_intermediate_dense",
    ),
    ("feedforward_output_dense", "_feedforward_output_dense"),
];

/// Keras's cell attribute name of a recurrent layer class (`LSTM` → `lstm_cell`).
pub(crate) fn cell_name(class: &str) -> Option<&'static str> {
    RNN_CELLS.iter().find(|(c, _)| *c == class).map(|(_, n)| *n)
}

/// Write `values` as `<g>/vars/0..n` with the `name` attribute Keras puts on `vars`.
fn write_vars(g: &mut Group, name: &str, values: &[(String, Vec<usize>, Vec<f32>)]) -> Result<()> {
    let vars = g.require_group("vars")?;
    vars.set_attr("name", name)?;
    for (i, (_, shape, v)) in values.iter().enumerate() {
        vars.write_dataset_f32(&i.to_string(), shape, v)?;
    }
    Ok(())
}

/// A `MultiHeadAttention`'s projections under `g`, one group per projection.
fn write_mha(g: &mut Group, values: &[(String, Vec<usize>, Vec<f32>)]) -> Result<()> {
    for (prefix, group) in MHA_SUBLAYERS {
        let part: Vec<_> = values
            .iter()
            .filter(|(n, _, _)| n.split('/').next() == Some(prefix))
            .cloned()
            .collect();
        write_vars(g.require_group(group)?, prefix, &part)?;
    }
    Ok(())
}

/// Write one layer's weights under `g` (the layer's own group) in Keras 3's nesting.
fn write_layer(layer: &dyn Layer, g: &mut Group) -> Result<()> {
    let values = layer_values(layer);
    let class = layer.class_name();
    if let Some(cell) = cell_name(class) {
        write_vars(g, layer.name(), &[])?;
        write_vars(g.require_group("cell")?, cell, &values)?;
    } else if class == "Bidirectional" {
        write_vars(g, layer.name(), &[])?;
        let cfg = layer.get_config();
        let inner = cfg["layer"]["class_name"].as_str().unwrap_or("LSTM");
        let cell = cell_name(inner).unwrap_or("cell");
        let half = values.len() / 2;
        for (dir, part) in [
            ("forward_layer", &values[..half]),
            ("backward_layer", &values[half..]),
        ] {
            let dg = g.require_group(dir)?;
            write_vars(dg, dir, &[])?;
            write_vars(dg.require_group("cell")?, cell, part)?;
        }
    } else if class == "MultiHeadAttention" {
        write_vars(g, layer.name(), &[])?;
        write_mha(g, &values)?;
    } else if matches!(class, "TokenAndPositionEmbedding" | "TransformerEncoder") {
        // keras-hub: each sub-layer's variables under its attribute group, the MHA nested.
        write_vars(g, layer.name(), &[])?;
        for (prefix, group) in HUB_SUBLAYERS {
            let part: Vec<_> = values
                .iter()
                .filter_map(|(n, s, v)| {
                    let rest = n.strip_prefix(prefix)?.strip_prefix('/')?;
                    Some((rest.to_string(), s.clone(), v.clone()))
                })
                .collect();
            if part.is_empty() {
                continue;
            }
            let sub = g.require_group(group)?;
            if *prefix == "self_attention_layer" {
                write_vars(sub, prefix, &[])?;
                write_mha(sub, &part)?;
            } else {
                write_vars(sub, prefix, &part)?;
            }
        }
    } else if class == "TimeDistributed" {
        // Keras 3 keeps the wrapped layer's variables under `layer/`, the wrapper's own `vars`
        // empty.
        write_vars(g, layer.name(), &[])?;
        let cfg = layer.get_config();
        let inner = cfg["layer"]["config"]["name"].as_str().unwrap_or("layer");
        write_vars(g.require_group("layer")?, inner, &values)?;
    } else {
        write_vars(g, layer.name(), &values)?;
    }
    Ok(())
}

/// Keras 3 names each layer's group after its class, numbered within the model
/// (`dense`, `dense_1`, `input_layer`, ...) in `model.layers` order, not after the layer name.
pub fn layer_paths(model: &ModelCore) -> Vec<(String, String)> {
    let mut used: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    model
        .layers()
        .iter()
        .map(|l| {
            let base = kerust_layers::layer::snake_case(l.class_name());
            let n = used.entry(base.clone()).or_insert(0);
            let path = if *n == 0 {
                base.clone()
            } else {
                format!("{base}_{n}")
            };
            *n += 1;
            (l.name().to_string(), path)
        })
        .collect()
}

/// Write every layer of `model` into `root` (`layers/...` plus the model's own `vars`).
pub fn write_model_vars(model: &ModelCore, root: &mut Group) -> Result<()> {
    root.require_group("layers")?;
    let paths = layer_paths(model);
    for (layer, (_, path)) in model.layers().into_iter().zip(paths) {
        let g = root.require_group(&format!("layers/{path}"))?;
        write_layer(layer, g)?;
    }
    write_vars(root, &model.name, &[])?;
    Ok(())
}

/// Every variable below a layer's group in Keras order: its own `vars/0..n`, then nested
/// objects (`cell`, `forward_layer`, `backward_layer`, others by name).
fn collect(g: &Group, out: &mut Vec<StoredWeight>) -> Result<()> {
    if let Ok(vars) = g.group("vars") {
        let mut ds: Vec<(usize, &kerust_hdf5::Dataset)> = vars
            .datasets()
            .filter_map(|d| d.name().parse::<usize>().ok().map(|i| (i, d)))
            .collect();
        ds.sort_by_key(|(i, _)| *i);
        for (_, d) in ds {
            out.push(StoredWeight {
                object: d.path().to_string(),
                shape: d.shape().to_vec(),
                values: d.read_f32()?,
            });
        }
    }
    let rank = |n: &str| match n {
        "cell" => 0,
        "forward_layer" => 1,
        "backward_layer" => 2,
        "layer" => 3,
        other => MHA_SUBLAYERS
            .iter()
            .chain(HUB_SUBLAYERS)
            .position(|(_, g)| *g == other)
            .map_or(4 + MHA_SUBLAYERS.len() + HUB_SUBLAYERS.len(), |i| 4 + i),
    };
    let mut subs: Vec<&Group> = g.groups().filter(|s| s.name() != "vars").collect();
    subs.sort_by(|a, b| (rank(a.name()), a.name()).cmp(&(rank(b.name()), b.name())));
    for s in subs {
        collect(s, out)?;
    }
    Ok(())
}

/// Load every weighted layer of `model` from a Keras 3 layout rooted at `root`.
pub fn read_model_vars(model: &mut ModelCore, root: &Group, path: &Path) -> Result<()> {
    let base = if root.contains("layers") {
        root.group("layers")?
    } else {
        root.group("_layer_checkpoint_dependencies")?
    };
    let weighted: Vec<bool> = model
        .layers()
        .iter()
        .map(|l| !l.params().is_empty())
        .collect();
    for ((name, gpath), has) in layer_paths(model).into_iter().zip(weighted) {
        if !has {
            continue;
        }
        let g = base.group(&gpath).map_err(|_| {
            IoError::format(
                path,
                format!("{}/{gpath}", base.path()),
                format!("the model's layer '{name}' has no weights in the file; the file was saved from a different model"),
            )
        })?;
        let mut ws = Vec::new();
        collect(g, &mut ws)?;
        assign(model, &name, ws, path)?;
    }
    Ok(())
}
