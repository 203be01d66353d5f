//! `ModelCore::to_config`: the model architecture as Keras 3 JSON (`Sequential`, or `Functional`
//! with `__keras_tensor__` inbound nodes).
use super::model_core::ModelCore;
use crate::layer::{Layer, Shape};
use serde_json::{json, Map, Value as Json};

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
    let class = layer.class_name();
    // keras-hub layers are registered objects: Keras finds them by module and registered name.
    let hub = crate::attention::KERAS_HUB
        .iter()
        .find(|(c, _)| *c == class);
    m.insert("module".into(), json!(hub.map_or("keras.layers", |h| h.1)));
    m.insert("class_name".into(), json!(class));
    m.insert("config".into(), layer.get_config());
    m.insert(
        "registered_name".into(),
        hub.map_or(Json::Null, |_| json!(format!("keras_hub>{class}"))),
    );
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
}
