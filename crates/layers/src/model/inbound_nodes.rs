//! Reading the inbound nodes of a functional config: which `(layer, node, tensor)` each layer call
//! reads, in Keras 3 (`__keras_tensor__` args) or Keras 2 (`[[name, node, tensor, kwargs]]`) form.
use super::from_config::bad;
use crate::error::Result;
use serde_json::Value as Json;
use std::collections::HashSet;

/// `(layer name, node index, tensor index)` references read from a Keras 3 or Keras 2 node.
fn refs_in(v: &Json, out: &mut Vec<(String, usize, usize)>) {
    match v {
        Json::Object(m)
            if m.get("class_name").and_then(Json::as_str) == Some("__keras_tensor__") =>
        {
            if let Some(h) = m.get("config").and_then(|c| c.get("keras_history")) {
                if let Some(r) = history_ref(h) {
                    out.push(r);
                }
            }
        }
        Json::Array(a) => a.iter().for_each(|x| refs_in(x, out)),
        _ => {}
    }
}

fn history_ref(h: &Json) -> Option<(String, usize, usize)> {
    let a = h.as_array()?;
    Some((
        a.first()?.as_str()?.to_string(),
        a.get(1)?.as_u64()? as usize,
        a.get(2)?.as_u64()? as usize,
    ))
}

/// The inputs of one inbound node, Keras 3 (`{"args": [...]}`) or Keras 2 (`[[name, i, j, {}], ...]`).
pub(super) fn node_refs(node: &Json) -> Result<Vec<(String, usize, usize)>> {
    let mut out = Vec::new();
    if let Some(args) = node.get("args") {
        refs_in(args, &mut out);
    } else if let Some(list) = node.as_array() {
        for r in list {
            out.push(history_ref(r).ok_or_else(|| {
                bad(format!(
                    "inbound node entry {r} is not [layer, node, tensor, kwargs]"
                ))
            })?);
        }
    }
    if out.is_empty() {
        return Err(bad(format!("inbound node {node} names no input tensor")));
    }
    Ok(out)
}

/// Names of the layers whose outputs some call reads as data (`args`, or a Keras 2 node list).
pub(super) fn data_tensor_sources(entries: &[Json]) -> HashSet<String> {
    let mut out = Vec::new();
    // Mask ops read other mask ops (`LogicalOr` of two `NotEqual`s); those reads are not data.
    for entry in entries.iter().filter(|e| !is_mask_op_entry(e)) {
        for node in entry
            .get("inbound_nodes")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Ok(refs) = node_refs(node) {
                out.extend(refs);
            }
        }
    }
    out.into_iter().map(|(name, _, _)| name).collect()
}

/// Keras 3 writes the mask that `Embedding(mask_zero=True)` computes as a `NotEqual` op node whose
/// output only feeds `mask=` keyword arguments. kerust propagates masks itself, so such a node is
/// dropped; a `NotEqual` whose output is used as data is still an unknown layer.
/// The same holds for the ops Keras records when layers merge or pass masks on (`Add` →
/// `LogicalOr`, attention layers → `ConvertToTensor`).
pub(super) fn is_implicit_mask_op(entry: &Json, _class: &str, data_refs: &HashSet<String>) -> bool {
    let name = entry.get("name").and_then(Json::as_str).unwrap_or("");
    is_mask_op_entry(entry) && !data_refs.contains(name)
}

/// An op node of a class Keras uses to compute masks.
fn is_mask_op_entry(entry: &Json) -> bool {
    let class = entry.get("class_name").and_then(Json::as_str).unwrap_or("");
    // Legacy `.h5` configs omit "module"; `.keras` ones name the ops module.
    let is_op = entry
        .get("module")
        .and_then(Json::as_str)
        .is_none_or(|m| m.starts_with("keras.src.ops"));
    let mask_class = ["NotEqual", "LogicalOr", "LogicalAnd", "ConvertToTensor"].contains(&class);
    mask_class && is_op
}

/// `input_layers` / `output_layers`: one `[name, node, tensor]` or a list of them.
pub(super) fn endpoint_refs(v: Option<&Json>, what: &str) -> Result<Vec<(String, usize, usize)>> {
    let v = v.ok_or_else(|| bad(format!("functional config needs '{what}'")))?;
    if let Some(r) = history_ref(v) {
        return Ok(vec![r]);
    }
    v.as_array()
        .ok_or_else(|| bad(format!("'{what}' must be a list")))?
        .iter()
        .map(|x| history_ref(x).ok_or_else(|| bad(format!("bad '{what}' entry {x}"))))
        .collect()
}
