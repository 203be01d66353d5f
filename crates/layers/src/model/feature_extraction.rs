//! Keras's feature-extraction idiom on a built model, `Sequential` or functional:
//! `Model(inputs=model.inputs, outputs=model.get_layer(NAME).output)` is
//! `Model::new(&model.inputs()?.iter().collect::<Vec<_>>(), &[&model.get_layer_handle(NAME)?.output()?])`.
//! The symbolic tensors handed out mirror the model's graph and carry its [`WeightStore`], so the
//! new model shares the trained weights instead of copying them.
use super::functional::{KerasTensor, LayerHandle, SymNode};
use super::model_core::ModelCore;
use super::shared_weights::WeightStore;
use crate::error::{LayerError, Result};
use std::sync::{Arc, Mutex};

/// A symbolic copy of a model's graph: one handle per layer, one node per layer call.
#[derive(Clone)]
struct Mirror {
    /// What the graph looked like when the mirror was made (layer names and node count), so a
    /// `Sequential` that grew or lost layers since gets a fresh one.
    signature: (Vec<String>, usize),
    nodes: Vec<Arc<SymNode>>,
    handles: Vec<LayerHandle>,
}

/// The mirror a model hands out, made on first use. A Rust `clone` of a model starts without one.
#[derive(Default)]
pub struct MirrorCache(Mutex<Option<Mirror>>);

impl Clone for MirrorCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl ModelCore {
    fn mirror(&self) -> Result<Mirror> {
        if !self.built() {
            return Err(LayerError::NotBuilt(format!(
                "model '{}' has no input shape yet, so it has no symbolic inputs or outputs; start it with an Input, call build(...), or fit it first",
                self.name
            )));
        }
        let signature = (
            self.graph
                .layers
                .iter()
                .map(|l| l.name().to_string())
                .collect::<Vec<_>>(),
            self.graph.nodes.len(),
        );
        let mut cache = self.mirror.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = cache.as_ref().filter(|m| m.signature == signature) {
            return Ok(m.clone());
        }
        let store: Arc<WeightStore> = self.shared.own_store(self.graph.params());
        let handles: Vec<LayerHandle> = self
            .graph
            .layers
            .iter()
            .map(|l| LayerHandle::from_box(l.clone_box()))
            .collect();
        let mut nodes: Vec<Arc<SymNode>> = Vec::with_capacity(self.graph.nodes.len());
        for n in &self.graph.nodes {
            let inputs = n
                .inputs
                .iter()
                .map(|&(src, index)| KerasTensor {
                    node: nodes[src].clone(),
                    index,
                })
                .collect();
            let node = Arc::new(SymNode {
                layer: handles[n.layer].clone(),
                inputs,
                output_shapes: n.output_shapes.clone(),
                link: Some(store.clone()),
            });
            handles[n.layer].record_call(&node);
            nodes.push(node);
        }
        let m = Mirror {
            signature,
            nodes,
            handles,
        };
        *cache = Some(m.clone());
        Ok(m)
    }

    /// Keras `model.inputs`: the model's symbolic input tensors. A model built on them (and on
    /// tensors from [`ModelCore::get_layer_handle`]) shares this model's weights.
    pub fn inputs(&self) -> Result<Vec<KerasTensor>> {
        let m = self.mirror()?;
        Ok(self
            .graph
            .inputs
            .iter()
            .map(|&i| KerasTensor {
                node: m.nodes[i].clone(),
                index: 0,
            })
            .collect())
    }

    /// Keras `model.outputs`: the model's symbolic output tensors.
    pub fn outputs(&self) -> Result<Vec<KerasTensor>> {
        let m = self.mirror()?;
        Ok(self
            .graph
            .outputs
            .iter()
            .map(|&(n, index)| KerasTensor {
                node: m.nodes[n].clone(),
                index,
            })
            .collect())
    }

    /// Keras `model.get_layer(name)` as a handle whose [`LayerHandle::output`] is the layer's
    /// output tensor inside this model (Keras `model.get_layer(name).output`).
    pub fn get_layer_handle(&self, name: &str) -> Result<LayerHandle> {
        let m = self.mirror()?;
        let i = self
            .graph
            .layers
            .iter()
            .position(|l| l.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.graph.layers.iter().map(|l| l.name()).collect();
                LayerError::config(
                    "get_layer",
                    format!(
                        "no layer named '{name}' in model '{}'; its layers are {names:?}",
                        self.name
                    ),
                )
            })?;
        Ok(m.handles[i].clone())
    }
}
