//! Keras `model_from_json` / `from_config`: `Sequential` and functional models (built, with fresh
//! weights) from Keras 3 or Keras 2 (tf.keras) JSON, with a weight budget for untrusted files.
use super::any_model::AnyModel;
use super::functional::Model;
use super::graph::GraphNode;
use super::inbound_nodes::{data_tensor_sources, endpoint_refs, is_implicit_mask_op, node_refs};
use super::model_core::ModelCore;
use super::sequential::Sequential;
use crate::core::input::Input;
use crate::error::{LayerError, Result};
use crate::layer::{InputKind, Layer, Shape};
use crate::registry::layer_from_config;
use kerust_tensor::Rng;
use serde_json::Value as Json;
use std::collections::HashMap;

pub(super) fn bad(message: impl Into<String>) -> LayerError {
    LayerError::config("model config", message)
}

/// Keras `model_from_json` / `deserialize`: a `Sequential` or functional model (built, with fresh
/// weights) from Keras 3 or Keras 2 JSON. Accepts `{"class_name", "config"}` or a bare config.
pub fn model_from_config(v: &Json) -> Result<AnyModel> {
    model_from_config_limited(v, u64::MAX)
}

/// [`model_from_config`] refusing, before anything is allocated, any layer whose config implies
/// more than `max_params` weights in all (loaders pass a bound derived from the weights file).
pub fn model_from_config_limited(v: &Json, max_params: u64) -> Result<AnyModel> {
    let mut budget = Budget { left: max_params };
    let class = v.get("class_name").and_then(Json::as_str).unwrap_or("");
    let cfg = v.get("config").unwrap_or(v);
    match class {
        "Sequential" => Ok(AnyModel::Sequential(Sequential::from_config_budget(
            cfg,
            &mut budget,
        )?)),
        "Functional" | "Model" => Ok(AnyModel::Functional(Model::from_config_budget(
            cfg,
            &mut budget,
        )?)),
        "" if cfg.get("input_layers").is_some() => Ok(AnyModel::Functional(
            Model::from_config_budget(cfg, &mut budget)?,
        )),
        "" if cfg.get("layers").is_some() => Ok(AnyModel::Sequential(
            Sequential::from_config_budget(cfg, &mut budget)?,
        )),
        other => Err(bad(format!(
            "unknown model class '{other}'; expected Sequential or Functional"
        ))),
    }
}

/// Weights still allowed while rebuilding a model from an untrusted config.
struct Budget {
    left: u64,
}

impl Budget {
    fn charge(&mut self, class: &str, cfg: &Json, name: &str, shapes: &[Shape]) -> Result<()> {
        if let Some(n) = crate::registry::estimate_params(class, cfg, shapes) {
            if n > self.left {
                return Err(bad(format!(
                    "layer '{name}' ({class}) would create about {n} weights, more than the file can hold ({} left); the config is corrupt or does not match the weights",
                    self.left
                )));
            }
            self.left -= n;
        }
        Ok(())
    }
}

/// `(class_name, config)` of one serialized layer.
fn layer_parts(entry: &Json) -> Result<(&str, &Json)> {
    let class = entry
        .get("class_name")
        .and_then(Json::as_str)
        .ok_or_else(|| bad("a layer entry has no 'class_name'"))?;
    let cfg = entry
        .get("config")
        .ok_or_else(|| bad(format!("layer entry of class '{class}' has no 'config'")))?;
    Ok((class, cfg))
}

fn shape_from_json(v: &Json) -> Option<Shape> {
    v.as_array()
        .map(|a| a.iter().map(|d| d.as_u64().map(|x| x as usize)).collect())
}

impl Sequential {
    /// Keras `Sequential.from_config`: layers in order, built when the input shape is known.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        Self::from_config_budget(cfg, &mut Budget { left: u64::MAX })
    }

    fn from_config_budget(cfg: &Json, budget: &mut Budget) -> Result<Self> {
        let layers = cfg
            .get("layers")
            .and_then(Json::as_array)
            .ok_or_else(|| bad("Sequential config needs a 'layers' list"))?;
        let mut m = Sequential::new();
        if let Some(n) = cfg.get("name").and_then(Json::as_str) {
            m = m.name(n);
        }
        for entry in layers {
            let (class, lc) = layer_parts(entry)?;
            let layer = layer_from_config(class, lc)?;
            let in_shape = match m.graph.nodes.last() {
                Some(n) if m.pending.is_empty() => Some(n.output_shapes[0].clone()),
                _ => layer
                    .declared_input_shape()
                    .map(|s| std::iter::once(None).chain(s).collect()),
            };
            if let Some(s) = in_shape {
                budget.charge(class, lc, layer.name(), &[s])?;
            }
            let first_int = m.graph.nodes.is_empty()
                && m.pending.is_empty()
                && layer.input_kind() == InputKind::Int;
            // A fixed batch size declared on a first layer (Keras 2 `batch_input_shape=(4, ..)`,
            // what stateful layers need) goes to the Input built for it.
            let first = m.graph.nodes.is_empty() && m.pending.is_empty();
            let batch = crate::config::Cfg::new(class, lc)
                .declared_batch_size()
                .filter(|_| first && class != "InputLayer");
            match layer.declared_input_shape() {
                // Give an integer-input first layer (Embedding) an integer Input like Keras's.
                Some(shape) if first_int || batch.is_some() => {
                    let mut rng = Rng::seed(m.rng.next_u64());
                    m.pending.push(layer);
                    let mut input =
                        Input::with_shape(shape).dtype(if first_int { "int32" } else { "float32" });
                    input.batch_size = batch;
                    m.build_chain(input, &mut rng)?;
                }
                _ => m.add_boxed(layer)?,
            }
        }
        if !m.built() {
            if let Some(shape) = cfg.get("build_input_shape").and_then(shape_from_json) {
                // Charge the waiting layers along the chain before build_chain allocates them.
                let mut s = shape.clone();
                for l in &m.pending {
                    let lc = l.get_config();
                    budget.charge(l.class_name(), &lc, l.name(), std::slice::from_ref(&s))?;
                    match l.compute_output_shape(std::slice::from_ref(&s)) {
                        Ok(mut o) if !o.is_empty() => s = o.swap_remove(0),
                        _ => break,
                    }
                }
                let batch = shape.first().copied().flatten();
                let per_sample: Shape = shape.into_iter().skip(1).collect();
                let int = m
                    .pending
                    .first()
                    .is_some_and(|l| l.input_kind() == InputKind::Int);
                let mut input =
                    Input::with_shape(per_sample).dtype(if int { "int32" } else { "float32" });
                input.batch_size = batch;
                let mut rng = Rng::seed(m.rng.next_u64());
                m.build_chain(input, &mut rng)?;
            }
        }
        Ok(m)
    }
}

impl Model {
    /// Keras `Functional.from_config`: rebuild every layer call in dependency order.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        Self::from_config_budget(cfg, &mut Budget { left: u64::MAX })
    }

    fn from_config_budget(cfg: &Json, budget: &mut Budget) -> Result<Self> {
        let entries = cfg
            .get("layers")
            .and_then(Json::as_array)
            .ok_or_else(|| bad("functional config needs a 'layers' list"))?;
        let name = cfg
            .get("name")
            .and_then(Json::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| crate::layer::unique_name("functional"));
        let mut core = ModelCore::new(name, false);
        let mut rng = Rng::seed(core.rng.next_u64());
        // Per layer: its pending calls (input refs) in node order.
        let mut pending: Vec<Vec<Vec<(String, usize, usize)>>> = Vec::new();
        let mut raw: Vec<(&str, &Json)> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        let data_refs = data_tensor_sources(entries);
        for entry in entries {
            let (class, lc) = layer_parts(entry)?;
            if is_implicit_mask_op(entry, class, &data_refs) {
                continue;
            }
            let mut layer = layer_from_config(class, lc)?;
            // Keras 3 nodes hold `kwargs`; Keras 2 nodes hold them in each ref's fourth slot.
            let kwargs = entry
                .pointer("/inbound_nodes/0/kwargs")
                .or_else(|| entry.pointer("/inbound_nodes/0/0/3"));
            layer.set_call_kwargs(kwargs.unwrap_or(&Json::Null))?;
            raw.push((class, lc));
            let lname = entry
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or(layer.name())
                .to_string();
            if by_name
                .insert(lname.clone(), core.graph.layers.len())
                .is_some()
            {
                return Err(bad(format!("two layers are named '{lname}'")));
            }
            let calls = match entry.get("inbound_nodes").and_then(Json::as_array) {
                Some(nodes) => nodes.iter().map(node_refs).collect::<Result<Vec<_>>>()?,
                None => Vec::new(),
            };
            pending.push(calls);
            core.graph.layers.push(layer);
        }
        // (layer, call) → graph node index.
        let mut made: HashMap<(usize, usize), usize> = HashMap::new();
        let inputs = endpoint_refs(cfg.get("input_layers"), "input_layers")?;
        for (iname, _, _) in &inputs {
            let li = *by_name
                .get(iname)
                .ok_or_else(|| bad(format!("input layer '{iname}' is not in 'layers'")))?;
            let input = core.graph.layers[li]
                .as_any()
                .downcast_ref::<Input>()
                .ok_or_else(|| bad(format!("model input '{iname}' is not an InputLayer")))?;
            let shapes = input.compute_output_shape(&[])?;
            core.graph.layers[li].build(&[], &mut rng)?;
            made.insert((li, 0), core.graph.nodes.len());
            core.graph.inputs.push(core.graph.nodes.len());
            core.graph.nodes.push(GraphNode {
                layer: li,
                inputs: vec![],
                output_shapes: shapes,
            });
        }
        // Create calls whose inputs exist until nothing changes (Keras's deferred node queue).
        let total: usize = pending.iter().map(Vec::len).sum();
        let mut done = 0;
        let mut progress = true;
        while done < total && progress {
            progress = false;
            for li in 0..pending.len() {
                for (ci, call) in pending[li].iter().enumerate() {
                    if made.contains_key(&(li, ci)) {
                        continue;
                    }
                    let mut ins = Vec::new();
                    for (src, n, t) in call {
                        let sl = *by_name.get(src).ok_or_else(|| {
                            bad(format!(
                                "layer '{}' reads unknown layer '{src}'",
                                core.graph.layers[li].name()
                            ))
                        })?;
                        match made.get(&(sl, *n)) {
                            Some(&node) => ins.push((node, *t)),
                            None => break,
                        }
                    }
                    if ins.len() < call.len() {
                        continue;
                    }
                    let mut shapes = Vec::with_capacity(ins.len());
                    for &(node, t) in &ins {
                        let s = core.graph.nodes[node].output_shapes.get(t).ok_or_else(|| {
                            bad(format!(
                                "layer '{}' reads output {t} of a call that has fewer outputs",
                                core.graph.layers[li].name()
                            ))
                        })?;
                        shapes.push(s.clone());
                    }
                    let layer = &mut core.graph.layers[li];
                    if !layer.built() {
                        budget.charge(raw[li].0, raw[li].1, layer.name(), &shapes)?;
                        layer.build(&shapes, &mut rng)?;
                    }
                    let out = layer.compute_output_shape(&shapes)?;
                    made.insert((li, ci), core.graph.nodes.len());
                    core.graph.nodes.push(GraphNode {
                        layer: li,
                        inputs: ins,
                        output_shapes: out,
                    });
                    done += 1;
                    progress = true;
                }
            }
        }
        if done < total {
            return Err(bad(
                "some layer calls depend on tensors no other call produces (a cycle or a missing layer)",
            ));
        }
        for (oname, n, t) in endpoint_refs(cfg.get("output_layers"), "output_layers")? {
            let li = *by_name
                .get(&oname)
                .ok_or_else(|| bad(format!("output layer '{oname}' is not in 'layers'")))?;
            let node = *made
                .get(&(li, n))
                .ok_or_else(|| bad(format!("output '{oname}' call {n} was never made")))?;
            if t >= core.graph.nodes[node].output_shapes.len() {
                return Err(bad(format!("output '{oname}' has no output {t}")));
            }
            core.graph.outputs.push((node, t));
        }
        Ok(Model::from_core(core))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Data, Dense, Embedding, Flatten, SymbolicCall};
    use kerust_tensor::Tensor;
    use serde_json::json;

    #[test]
    fn sequential_round_trips_through_keras3_json() {
        let mut m = Sequential::new();
        m.add(Input::new(&[4]).dtype("int32")).unwrap();
        m.add(Embedding::new(10, 3)).unwrap();
        m.add(Flatten::new()).unwrap();
        m.add(Dense::new(2)).unwrap();
        let cfg = m.to_config();
        assert_eq!(cfg["class_name"], "Sequential");
        let mut back = model_from_config(&cfg).unwrap();
        assert!(matches!(back, AnyModel::Sequential(_)));
        assert_eq!(back.to_config(), cfg);
        back.set_weights(&m.get_weights()).unwrap();
        let x = kerust_tensor::IntTensor::from_vec(vec![1, 2, 3, 4, 0, 9, 8, 7], &[2, 4]).unwrap();
        let (a, b) = (m.predict(x.clone()).unwrap(), back.predict(x).unwrap());
        assert_eq!(a.to_vec().unwrap(), b.to_vec().unwrap());
    }

    #[test]
    fn functional_with_a_shared_layer_round_trips() {
        let a = Input::new(&[3]).name("a").tensor();
        let b = Input::new(&[3]).name("b").tensor();
        let shared = Dense::new(2).name("shared").shared();
        let (ha, hb) = (shared.call(&a).unwrap(), shared.call(&b).unwrap());
        let m = Model::new(&[&a, &b], &[&ha, &hb]).unwrap();
        let cfg = m.to_config();
        let entry = &cfg["config"]["layers"][2];
        assert_eq!(entry["inbound_nodes"].as_array().unwrap().len(), 2);
        assert_eq!(
            entry["inbound_nodes"][1]["args"][0]["config"]["keras_history"],
            json!(["b", 0, 0])
        );
        let mut back = model_from_config(&cfg).unwrap();
        assert_eq!(back.to_config(), cfg);
        back.set_weights(&m.get_weights()).unwrap();
        let x = Tensor::from_vec(vec![0.1, 0.2, 0.3], &[1, 3]).unwrap();
        let outs = back
            .predict_multi(vec![Data::from(x.clone()), Data::from(x)], 32)
            .unwrap();
        assert_eq!(outs[0].to_vec().unwrap(), outs[1].to_vec().unwrap());
    }

    #[test]
    fn keras2_functional_json_loads() {
        let cfg = json!({"class_name": "Model", "config": {"name": "m", "layers": [
            {"class_name": "InputLayer", "name": "x", "config": {"batch_input_shape": [null, 3], "dtype": "float32", "name": "x"}, "inbound_nodes": []},
            {"class_name": "Dense", "name": "d", "config": {"name": "d", "units": 2, "activation": "linear"}, "inbound_nodes": [[["x", 0, 0, {}]]]}],
            "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]}});
        let m = model_from_config(&cfg).unwrap();
        assert_eq!(m.graph.output_shapes(), vec![vec![None, Some(2)]]);
        let bad_ref = json!({"class_name": "Functional", "config": {"layers": [
            {"class_name": "Dense", "name": "d", "config": {"units": 2}, "inbound_nodes": [[["nope", 0, 0, {}]]]}],
            "input_layers": [], "output_layers": [["d", 0, 0]]}});
        assert!(model_from_config(&bad_ref)
            .err()
            .unwrap()
            .to_string()
            .contains("nope"));
    }

    #[test]
    fn string_and_id_tensors_record_keras_dtypes() {
        use crate::{Input, TextVectorization};
        let mut tv = TextVectorization::new().output_sequence_length(3);
        tv.adapt(&["a b c", "b c"]).unwrap();
        let x = Input::new(&[1]).dtype("string").tensor();
        let ids = tv.apply(&x).unwrap();
        let y = Embedding::new(5, 2).apply(&ids).unwrap();
        let m = crate::Model::new(&[&x], &[&y]).unwrap();
        let cfg = m.to_config();
        let layers = cfg["config"]["layers"].as_array().unwrap();
        let arg = |i: usize| &layers[i]["inbound_nodes"][0]["args"][0]["config"]["dtype"];
        assert_eq!(arg(1), "string");
        assert_eq!(arg(2), "int64");
    }

    #[test]
    fn keras3_mask_op_nodes_are_dropped_unless_used_as_data() {
        let kt = |name: &str, shape: Json| json!({"class_name": "__keras_tensor__", "config": {"shape": shape, "keras_history": [name, 0, 0]}});
        let layers = |dense_arg: Json| {
            json!([
                {"class_name": "InputLayer", "name": "x", "config": {"batch_shape": [null, 3], "dtype": "int32", "name": "x"}, "inbound_nodes": []},
                {"class_name": "Embedding", "name": "e", "config": {"name": "e", "input_dim": 5, "output_dim": 2, "mask_zero": true},
                 "inbound_nodes": [{"args": [kt("x", json!([null, 3]))], "kwargs": {}}]},
                {"module": "keras.src.ops.numpy", "class_name": "NotEqual", "name": "not_equal", "config": {"name": "not_equal"},
                 "inbound_nodes": [{"args": [kt("x", json!([null, 3])), 0], "kwargs": {}}]},
                {"class_name": "LSTM", "name": "l", "config": {"name": "l", "units": 2},
                 "inbound_nodes": [{"args": [dense_arg], "kwargs": {"mask": kt("not_equal", json!([null, 3]))}}]}
            ])
        };
        let cfg = |dense_arg: Json| {
            json!({"class_name": "Functional", "config": {"name": "m", "layers": layers(dense_arg),
                "input_layers": [["x", 0, 0]], "output_layers": [["l", 0, 0]]}})
        };
        let m = model_from_config(&cfg(kt("e", json!([null, 3, 2])))).unwrap();
        assert_eq!(m.graph.layers.len(), 3, "the mask op is not a layer");
        let e = model_from_config(&cfg(kt("not_equal", json!([null, 3]))))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("NotEqual"), "{e}");
    }

    #[test]
    fn config_claiming_huge_layers_is_refused_before_allocating() {
        let cfg = json!({"class_name": "Sequential", "config": {"layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "dtype": "int32"}},
            {"class_name": "Embedding", "config": {"input_dim": 1u64 << 40, "output_dim": 1u64 << 20}}]}});
        let e = model_from_config_limited(&cfg, 1000)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("Embedding"), "{e}");
        let ok = json!({"class_name": "Sequential", "config": {"layers": [
            {"class_name": "InputLayer", "config": {"batch_shape": [null, 4]}},
            {"class_name": "Dense", "config": {"units": 3}}]}});
        assert!(model_from_config_limited(&ok, 15).is_ok());
        // Keras 2 style: no InputLayer, only build_input_shape.
        let late = json!({"class_name": "Sequential", "config": {"build_input_shape": [null, 4],
            "layers": [{"class_name": "Dense", "config": {"units": 1u64 << 40}}]}});
        assert!(model_from_config_limited(&late, 1000).is_err());
        assert!(model_from_config_limited(&ok, 14).is_err());
    }
}
