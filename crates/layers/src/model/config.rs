//! Model architecture ⇄ Keras JSON: `to_config` writes Keras 3 (`Sequential` / `Functional` with
//! `__keras_tensor__` inbound nodes); `model_from_config` reads Keras 3 and Keras 2 (tf.keras) JSON.
use super::core::{Compiled, ModelCore};
use super::functional::Model;
use super::graph::GraphNode;
use super::sequential::Sequential;
use crate::core::input::Input;
use crate::error::{LayerError, Result};
use crate::layer::{snake_case, InputKind, Layer, Shape};
use crate::losses::Loss;
use crate::registry::layer_from_config;
use kerust_tensor::Rng;
use serde_json::{json, Map, Value as Json};
use std::collections::{HashMap, HashSet};
use std::ops::{Deref, DerefMut};

/// A model read from a config: `Sequential` or functional. Derefs to [`ModelCore`].
#[derive(Clone)]
pub enum AnyModel {
    Sequential(Sequential),
    Functional(Model),
}

impl AnyModel {
    /// Wrap a core, choosing the variant from how it was built.
    pub fn from_core(core: ModelCore) -> Self {
        if core.is_sequential {
            AnyModel::Sequential(Sequential::from_core(core))
        } else {
            AnyModel::Functional(Model::from_core(core))
        }
    }
    /// The underlying core.
    pub fn into_core(self) -> ModelCore {
        match self {
            AnyModel::Sequential(m) => m.into_core(),
            AnyModel::Functional(m) => m.into_core(),
        }
    }
}

impl Deref for AnyModel {
    type Target = ModelCore;
    fn deref(&self) -> &ModelCore {
        match self {
            AnyModel::Sequential(m) => m,
            AnyModel::Functional(m) => m,
        }
    }
}
impl DerefMut for AnyModel {
    fn deref_mut(&mut self) -> &mut ModelCore {
        match self {
            AnyModel::Sequential(m) => m,
            AnyModel::Functional(m) => m,
        }
    }
}

fn shape_json(s: &Shape) -> Json {
    Json::Array(
        s.iter()
            .map(|d| d.map_or(Json::Null, |x| json!(x)))
            .collect(),
    )
}

/// One layer in Keras 3's serialized form.
fn layer_entry(layer: &dyn Layer) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("module".into(), json!("keras.layers"));
    m.insert("class_name".into(), json!(layer.class_name()));
    m.insert("config".into(), layer.get_config());
    m.insert("registered_name".into(), Json::Null);
    m
}

impl ModelCore {
    /// Keras 3 `serialize_keras_object(model)`: `{"class_name": "Sequential"|"Functional", "config": {...}}`.
    /// Pending (unbuilt) `Sequential` layers are listed too, so the architecture survives.
    pub fn to_config(&self) -> Json {
        if self.is_sequential {
            self.sequential_config()
        } else {
            self.functional_config()
        }
    }

    fn sequential_config(&self) -> Json {
        let layers: Vec<Json> = self
            .graph
            .layers
            .iter()
            .chain(self.pending.iter())
            .map(|l| Json::Object(layer_entry(l.as_ref())))
            .collect();
        let mut cfg = Map::new();
        cfg.insert("name".into(), json!(self.name));
        cfg.insert("trainable".into(), json!(true));
        cfg.insert("dtype".into(), json!("float32"));
        cfg.insert("layers".into(), Json::Array(layers));
        let mut out = Map::new();
        out.insert("module".into(), json!("keras"));
        out.insert("class_name".into(), json!("Sequential"));
        if let Some(first) = self.graph.nodes.first() {
            let shape = shape_json(&first.output_shapes[0]);
            cfg.insert("build_input_shape".into(), shape.clone());
            out.insert("config".into(), Json::Object(cfg));
            out.insert("registered_name".into(), Json::Null);
            out.insert("build_config".into(), json!({"input_shape": shape}));
        } else {
            out.insert("config".into(), Json::Object(cfg));
            out.insert("registered_name".into(), Json::Null);
        }
        Json::Object(out)
    }

    fn functional_config(&self) -> Json {
        let g = &self.graph;
        // Keras numbers the calls of each layer 0, 1, ... in graph order.
        let mut call_index = vec![0usize; g.nodes.len()];
        let mut calls: Vec<Vec<usize>> = vec![Vec::new(); g.layers.len()];
        for (i, n) in g.nodes.iter().enumerate() {
            call_index[i] = calls[n.layer].len();
            calls[n.layer].push(i);
        }
        let history = |node: usize, out: usize| -> Json {
            json!([g.layers[g.nodes[node].layer].name(), call_index[node], out])
        };
        let tensor = |node: usize, out: usize| -> Json {
            // The dtype Keras records for the tensor: an input's own, int64 ids out of an int-mode
            // TextVectorization, float32 for everything else.
            let layer = &g.layers[g.nodes[node].layer];
            let dtype = match layer.class_name() {
                "InputLayer" => layer.get_config()["dtype"].clone(),
                "TextVectorization" if layer.get_config()["output_mode"] == "int" => json!("int64"),
                _ => json!("float32"),
            };
            json!({"class_name": "__keras_tensor__", "config": {
                "shape": shape_json(&g.nodes[node].output_shapes[out]),
                "dtype": dtype,
                "keras_history": history(node, out)}})
        };
        let layers: Vec<Json> = g
            .layers
            .iter()
            .enumerate()
            .map(|(li, l)| {
                let mut m = layer_entry(l.as_ref());
                m.insert("name".into(), json!(l.name()));
                let inbound: Vec<Json> = calls[li]
                    .iter()
                    .filter(|&&n| !g.nodes[n].inputs.is_empty())
                    .map(|&n| {
                        let ts: Vec<Json> = g.nodes[n]
                            .inputs
                            .iter()
                            .map(|&(src, o)| tensor(src, o))
                            .collect();
                        // One tensor, or a list as one argument; MultiHeadAttention takes
                        // query, value (and key) as separate positional arguments.
                        let args = if ts.len() == 1 || l.class_name() == "MultiHeadAttention" {
                            ts
                        } else {
                            vec![Json::Array(ts)]
                        };
                        json!({"args": args, "kwargs": l.call_kwargs()})
                    })
                    .collect();
                m.insert("inbound_nodes".into(), Json::Array(inbound));
                Json::Object(m)
            })
            .collect();
        let ends = |v: Vec<Json>| -> Json {
            if v.len() == 1 {
                v.into_iter().next().unwrap_or(Json::Null)
            } else {
                Json::Array(v)
            }
        };
        let inputs = ends(g.inputs.iter().map(|&n| history(n, 0)).collect());
        let outputs = ends(g.outputs.iter().map(|&(n, o)| history(n, o)).collect());
        json!({
            "module": "keras.src.models.functional",
            "class_name": "Functional",
            "config": {
                "name": self.name,
                "trainable": true,
                "layers": layers,
                "input_layers": inputs,
                "output_layers": outputs,
            },
            "registered_name": "Functional",
        })
    }

    /// Keras 3 `compile_config` (`None` before `compile`).
    pub fn compile_config(&self) -> Option<Json> {
        let c = self.compiled.as_ref()?;
        let losses: Vec<Json> = c.losses.iter().map(loss_to_json).collect();
        let loss = if losses.len() == 1 {
            losses.into_iter().next().unwrap_or(Json::Null)
        } else {
            Json::Array(losses)
        };
        Some(json!({
            "optimizer": {
                "module": "keras.optimizers",
                "class_name": c.optimizer.class_name(),
                "config": c.optimizer.get_config(),
                "registered_name": null,
            },
            "loss": loss,
            "loss_weights": null,
            "metrics": c.metrics,
            "weighted_metrics": null,
            "run_eagerly": false,
            "steps_per_execution": 1,
            "jit_compile": false,
        }))
    }

    /// Keras 2 `training_config` (what tf.keras stores next to `model_config` in `.h5` files).
    pub fn training_config(&self) -> Option<Json> {
        let c = self.compile_config()?;
        Some(json!({
            "loss": c["loss"],
            "metrics": c["metrics"],
            "weighted_metrics": null,
            "loss_weights": null,
            "optimizer_config": {"class_name": c["optimizer"]["class_name"], "config": c["optimizer"]["config"]},
        }))
    }

    /// Compile from a Keras 3 `compile_config` or a Keras 2 `training_config`.
    pub fn compile_from_config(&mut self, cfg: &Json) -> Result<()> {
        let opt = cfg
            .get("optimizer")
            .filter(|o| o.is_object())
            .or_else(|| cfg.get("optimizer_config"))
            .ok_or_else(|| LayerError::config("compile config", "no 'optimizer' entry"))?;
        let optimizer = match opt {
            Json::String(s) => crate::optimizers::get(s)?,
            o => {
                // tf.keras writes "Custom>RMSprop" for its new-style optimizers.
                let mut o = o.clone();
                if let Some(c) = o["class_name"].as_str().and_then(|c| c.rsplit_once('>')) {
                    o["class_name"] = json!(c.1);
                }
                crate::optimizers::from_config(&o)?
            }
        };
        let outputs = self.graph.outputs.len().max(1);
        let losses = match cfg.get("loss") {
            Some(Json::Array(a)) => a.iter().map(loss_from_json).collect::<Result<Vec<_>>>()?,
            Some(Json::Object(m)) if !m.contains_key("class_name") => {
                m.values().map(loss_from_json).collect::<Result<Vec<_>>>()?
            }
            Some(l) => vec![loss_from_json(l)?],
            None => return Err(LayerError::config("compile config", "no 'loss' entry")),
        };
        let losses = if losses.len() == 1 && outputs > 1 {
            vec![losses[0]; outputs]
        } else {
            losses
        };
        let mut metrics = Vec::new();
        collect_metric_names(cfg.get("metrics").unwrap_or(&Json::Null), &mut metrics);
        self.compiled = Some(Compiled {
            optimizer,
            losses,
            metrics,
        });
        Ok(())
    }
}

fn loss_to_json(l: &Loss) -> Json {
    match *l {
        Loss::BinaryCrossentropy { from_logits: true } => {
            json!({"class_name": "BinaryCrossentropy", "config": {"from_logits": true, "name": "binary_crossentropy", "reduction": "sum_over_batch_size"}})
        }
        Loss::CategoricalCrossentropy { from_logits: true } => {
            json!({"class_name": "CategoricalCrossentropy", "config": {"from_logits": true, "name": "categorical_crossentropy", "reduction": "sum_over_batch_size"}})
        }
        Loss::SparseCategoricalCrossentropy { from_logits: true } => {
            json!({"class_name": "SparseCategoricalCrossentropy", "config": {"from_logits": true, "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size"}})
        }
        Loss::Huber { delta } if delta != 1.0 => {
            json!({"class_name": "Huber", "config": {"delta": delta, "name": "huber_loss", "reduction": "sum_over_batch_size"}})
        }
        _ => json!(l.name()),
    }
}

fn loss_from_json(v: &Json) -> Result<Loss> {
    match v {
        Json::String(s) => Loss::from_name(s),
        Json::Object(_) => {
            let class = v["class_name"].as_str().unwrap_or_default();
            let cfg = &v["config"];
            let mut loss = Loss::from_name(class)
                .or_else(|_| Loss::from_name(&snake_case(class)))
                .or_else(|_| Loss::from_name(cfg["name"].as_str().unwrap_or_default()))?;
            let logits = cfg["from_logits"].as_bool().unwrap_or(false);
            match &mut loss {
                Loss::BinaryCrossentropy { from_logits }
                | Loss::CategoricalCrossentropy { from_logits }
                | Loss::SparseCategoricalCrossentropy { from_logits } => *from_logits = logits,
                Loss::Huber { delta } => *delta = cfg["delta"].as_f64().unwrap_or(1.0) as f32,
                _ => {}
            }
            Ok(loss)
        }
        other => Err(LayerError::config(
            "compile config",
            format!("loss must be a name or a {{class_name, config}} object, got {other}"),
        )),
    }
}

/// Metric names from Keras 3 lists or Keras 2 nested lists of names / `MeanMetricWrapper` dicts.
fn collect_metric_names(v: &Json, out: &mut Vec<String>) {
    match v {
        Json::String(s) if !out.contains(s) => out.push(s.clone()),
        Json::Array(a) => a.iter().for_each(|x| collect_metric_names(x, out)),
        Json::Object(m) if m.contains_key("config") => {
            if let Some(n) = m["config"].get("name").and_then(Json::as_str) {
                collect_metric_names(&json!(n), out);
            }
        }
        Json::Object(m) => m.values().for_each(|x| collect_metric_names(x, out)),
        _ => {}
    }
}

fn bad(message: impl Into<String>) -> LayerError {
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
            match layer.declared_input_shape() {
                // Give an integer-input first layer (Embedding) an integer Input like Keras's.
                Some(shape) if first_int => {
                    let mut rng = Rng::seed(m.rng.next_u64());
                    m.pending.push(layer);
                    m.build_chain(Input::with_shape(shape).dtype("int32"), &mut rng)?;
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
                let per_sample: Shape = shape.into_iter().skip(1).collect();
                let int = m
                    .pending
                    .first()
                    .is_some_and(|l| l.input_kind() == InputKind::Int);
                let input =
                    Input::with_shape(per_sample).dtype(if int { "int32" } else { "float32" });
                let mut rng = Rng::seed(m.rng.next_u64());
                m.build_chain(input, &mut rng)?;
            }
        }
        Ok(m)
    }
}

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
fn node_refs(node: &Json) -> Result<Vec<(String, usize, usize)>> {
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
fn data_tensor_sources(entries: &[Json]) -> HashSet<String> {
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
fn is_implicit_mask_op(entry: &Json, _class: &str, data_refs: &HashSet<String>) -> bool {
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
fn endpoint_refs(v: Option<&Json>, what: &str) -> Result<Vec<(String, usize, usize)>> {
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

    #[test]
    fn compile_config_round_trips() {
        let mut m = Sequential::new();
        m.add(Dense::new(1).input_shape(&[2])).unwrap();
        m.compile(
            crate::Adam::new().learning_rate(0.01),
            "binary_crossentropy",
            &["accuracy"],
        )
        .unwrap();
        let c = m.compile_config().unwrap();
        let mut back = model_from_config(&m.to_config()).unwrap();
        back.compile_from_config(&c).unwrap();
        assert_eq!(back.compile_config().unwrap(), c);
        back.compile_from_config(&m.training_config().unwrap())
            .unwrap();
        assert_eq!(back.compile_config().unwrap(), c);
    }
}
