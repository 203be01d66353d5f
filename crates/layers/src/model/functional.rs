//! The functional API: symbolic `KerasTensor`s, layers called on them, and `Model::new(inputs, outputs)`.
use super::graph::GraphNode;
use super::model_core::ModelCore;
use super::shared_weights::WeightStore;
use crate::core::input::Input;
use crate::error::{LayerError, Result};
use crate::layer::{unique_name, Layer, Shape};
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, Weak};

/// A layer that can be called on symbolic tensors several times; every call shares its weights.
/// It remembers its calls, so [`LayerHandle::output`] is Keras's `layer.output`.
#[derive(Clone)]
pub struct LayerHandle(Arc<HandleInner>);

struct HandleInner {
    layer: Mutex<Box<dyn Layer>>,
    /// The nodes this layer's calls made (weak: a node holds its layer's handle).
    calls: Mutex<Vec<Weak<SymNode>>>,
}

pub(super) struct SymNode {
    pub(super) layer: LayerHandle,
    pub(super) inputs: Vec<KerasTensor>,
    pub(super) output_shapes: Vec<Shape>,
    /// The weights of the model this node was taken from (`model.inputs()`, a layer handle's
    /// `output()`): a model built on it shares them.
    pub(super) link: Option<Arc<WeightStore>>,
}

/// A symbolic tensor: the output of an `Input` or of a layer call, with its shape.
#[derive(Clone)]
pub struct KerasTensor {
    pub(super) node: Arc<SymNode>,
    pub(super) index: usize,
}

impl KerasTensor {
    /// Shape with `None` for the batch.
    pub fn shape(&self) -> &Shape {
        &self.node.output_shapes[self.index]
    }
}

impl std::fmt::Debug for KerasTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "KerasTensor(shape={})",
            crate::layer::fmt_shape(self.shape())
        )
    }
}

impl LayerHandle {
    /// Wrap a layer for (possibly repeated) symbolic calls.
    pub fn new(layer: impl Layer + 'static) -> Self {
        Self::from_box(Box::new(layer))
    }

    /// Wrap an already boxed layer.
    pub fn from_box(layer: Box<dyn Layer>) -> Self {
        Self(Arc::new(HandleInner {
            layer: Mutex::new(layer),
            calls: Mutex::new(Vec::new()),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Box<dyn Layer>> {
        self.0.layer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record a call of this layer (the node it made).
    pub(super) fn record_call(&self, node: &Arc<SymNode>) {
        let mut calls = self.0.calls.lock().unwrap_or_else(|e| e.into_inner());
        calls.retain(|w| w.strong_count() > 0);
        calls.push(Arc::downgrade(node));
    }

    /// Keras `layer.output`: the output tensor of the layer's one call. An error when the layer
    /// was never called, was called more than once (keep the tensor each call returned), or
    /// returns several tensors (use [`LayerHandle::outputs`]).
    pub fn output(&self) -> Result<KerasTensor> {
        let mut outs = self.outputs()?;
        if outs.len() != 1 {
            return Err(LayerError::config(
                self.name(),
                format!(
                    "the layer returns {} tensors; use outputs() to get them all",
                    outs.len()
                ),
            ));
        }
        Ok(outs.remove(0))
    }

    /// Every output tensor of the layer's one call (an LSTM with `return_state` gives three).
    pub fn outputs(&self) -> Result<Vec<KerasTensor>> {
        let live: Vec<Arc<SymNode>> = self
            .0
            .calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        match live.as_slice() {
            [node] => Ok((0..node.output_shapes.len())
                .map(|index| KerasTensor {
                    node: node.clone(),
                    index,
                })
                .collect()),
            [] => Err(LayerError::NotBuilt(format!(
                "layer '{}' has never been called, so it has no output; call it on a tensor, or take it from a built model with get_layer_handle",
                self.name()
            ))),
            more => Err(LayerError::config(
                self.name(),
                format!(
                    "the layer was called {} times, so its output is ambiguous (Keras raises too); keep the tensor each call returned",
                    more.len()
                ),
            )),
        }
    }

    /// Call the layer on one symbolic tensor.
    pub fn call(&self, x: &KerasTensor) -> Result<KerasTensor> {
        Ok(self.call_multi(&[x])?.remove(0))
    }

    /// Call on several inputs (`Dot`, `Concatenate`) and get every output (`return_state`).
    pub fn call_multi(&self, xs: &[&KerasTensor]) -> Result<Vec<KerasTensor>> {
        let shapes: Vec<Shape> = xs.iter().map(|x| x.shape().clone()).collect();
        let out = {
            let mut layer = self.lock();
            if !layer.built() {
                let mut rng = crate::random::next_rng();
                layer.build(&shapes, &mut rng)?;
            }
            layer.compute_output_shape(&shapes)?
        };
        let n = out.len();
        let node = Arc::new(SymNode {
            layer: self.clone(),
            inputs: xs.iter().map(|x| (*x).clone()).collect(),
            output_shapes: out,
            link: None,
        });
        self.record_call(&node);
        Ok((0..n)
            .map(|index| KerasTensor {
                node: node.clone(),
                index,
            })
            .collect())
    }

    /// Name of the wrapped layer.
    pub fn name(&self) -> String {
        self.lock().name().to_string()
    }
}

/// Calling a layer value directly on symbolic tensors (a fresh, unshared layer per call).
pub trait SymbolicCall {
    /// `Dense::new(1).apply(&x)` ≙ Keras `Dense(1)(x)`.
    fn apply(self, x: &KerasTensor) -> Result<KerasTensor>;
    /// Several inputs, all outputs.
    fn apply_multi(self, xs: &[&KerasTensor]) -> Result<Vec<KerasTensor>>;
    /// A handle to call the same layer (same weights) more than once.
    fn shared(self) -> LayerHandle;
}

impl<L: Layer + 'static> SymbolicCall for L {
    fn apply(self, x: &KerasTensor) -> Result<KerasTensor> {
        LayerHandle::new(self).call(x)
    }
    fn apply_multi(self, xs: &[&KerasTensor]) -> Result<Vec<KerasTensor>> {
        LayerHandle::new(self).call_multi(xs)
    }
    fn shared(self) -> LayerHandle {
        LayerHandle::new(self)
    }
}

impl Input {
    /// The symbolic tensor of this input (Keras `Input(shape)` returns it directly).
    pub fn tensor(self) -> KerasTensor {
        let shape = self.batch_shape();
        let layer = LayerHandle::new(self);
        let node = Arc::new(SymNode {
            layer: layer.clone(),
            inputs: vec![],
            output_shapes: vec![shape],
            link: None,
        });
        layer.record_call(&node);
        KerasTensor { node, index: 0 }
    }
}

/// A functional model. Derefs to [`ModelCore`] for `compile`, `fit`, `predict`, ...
#[derive(Clone)]
pub struct Model {
    core: ModelCore,
}

fn key(n: &Arc<SymNode>) -> usize {
    Arc::as_ptr(n) as usize
}

impl Model {
    /// Keras `Model(inputs, outputs)`: collects every layer call between them. Layers called more
    /// than once appear once and share their weights. Tensors taken from a built model
    /// (`model.inputs()`, `model.get_layer_handle(NAME)?.output()`) make a model that shares that
    /// model's weights: training either changes what both compute (Keras's feature extraction).
    pub fn new(inputs: &[&KerasTensor], outputs: &[&KerasTensor]) -> Result<Self> {
        let mut core = ModelCore::new(unique_name("functional"), false);
        let mut order: Vec<Arc<SymNode>> = Vec::new();
        let mut state: HashMap<usize, u8> = HashMap::new(); // 1 = visiting, 2 = done
        let input_keys: Vec<usize> = inputs.iter().map(|t| key(&t.node)).collect();
        fn visit(
            n: &Arc<SymNode>,
            order: &mut Vec<Arc<SymNode>>,
            state: &mut HashMap<usize, u8>,
            inputs: &[usize],
        ) -> Result<()> {
            match state.get(&key(n)) {
                Some(2) => return Ok(()),
                Some(_) => return Err(LayerError::config("Model", "the layer graph has a cycle")),
                None => {}
            }
            state.insert(key(n), 1);
            if n.inputs.is_empty() && !inputs.contains(&key(n)) {
                let name = n.layer.name();
                return Err(LayerError::config(
                    "Model",
                    format!("output depends on Input '{name}' which is not in the model's inputs; add it to `inputs`"),
                ));
            }
            for i in &n.inputs {
                visit(&i.node, order, state, inputs)?;
            }
            state.insert(key(n), 2);
            order.push(n.clone());
            Ok(())
        }
        for t in inputs {
            if !t.node.inputs.is_empty() {
                return Err(LayerError::config(
                    "Model",
                    "every model input must come straight from Input(...).tensor()",
                ));
            }
        }
        for o in outputs {
            visit(&o.node, &mut order, &mut state, &input_keys)?;
        }
        // Inputs first (in the order given), even ones no output uses.
        let mut nodes: Vec<Arc<SymNode>> = inputs.iter().map(|t| t.node.clone()).collect();
        nodes.extend(order.into_iter().filter(|n| !input_keys.contains(&key(n))));
        let node_index: HashMap<usize, usize> =
            nodes.iter().enumerate().map(|(i, n)| (key(n), i)).collect();
        let mut layer_index: HashMap<usize, usize> = HashMap::new();
        for n in &nodes {
            let lk = Arc::as_ptr(&n.layer.0) as usize;
            if let Some(store) = &n.link {
                core.shared.add(store);
            }
            let li = match layer_index.get(&lk) {
                Some(&i) => i,
                None => {
                    core.graph.layers.push(n.layer.lock().clone_box());
                    layer_index.insert(lk, core.graph.layers.len() - 1);
                    core.graph.layers.len() - 1
                }
            };
            let ins = n
                .inputs
                .iter()
                .map(|t| (node_index[&key(&t.node)], t.index))
                .collect();
            core.graph.nodes.push(GraphNode {
                layer: li,
                inputs: ins,
                output_shapes: n.output_shapes.clone(),
            });
        }
        core.graph.inputs = (0..inputs.len()).collect();
        core.graph.outputs = outputs
            .iter()
            .map(|t| (node_index[&key(&t.node)], t.index))
            .collect();
        Ok(Self { core })
    }

    /// Set the model name (Keras `Model(..., name=...)`).
    pub fn name(mut self, name: &str) -> Self {
        self.core.name = name.to_string();
        self
    }

    /// Wrap an existing core (used by loaders).
    pub fn from_core(core: ModelCore) -> Self {
        Self { core }
    }

    /// The underlying core.
    pub fn into_core(self) -> ModelCore {
        self.core
    }
}

impl ModelCore {
    /// Same architecture with freshly initialised weights (new param ids), uncompiled — what Keras
    /// `clone_model` returns. Layer names, configs and `trainable` flags are kept.
    pub fn clone_fresh(&self) -> Result<ModelCore> {
        let mut core = ModelCore::new(self.name.clone(), self.is_sequential);
        core.graph = self.graph.clone();
        core.pending = self.pending.clone();
        let old_ids: std::collections::HashSet<u64> =
            self.graph.params().iter().map(|p| p.id()).collect();
        let mut rng = kerust_tensor::Rng::seed(core.rng.next_u64());
        for (li, layer) in core.graph.layers.iter_mut().enumerate() {
            if layer.params().is_empty() {
                continue;
            }
            // Build on the shapes of the layer's first call, as Keras rebuilds from the config.
            let node = self
                .graph
                .nodes
                .iter()
                .find(|n| n.layer == li)
                .ok_or_else(|| {
                    LayerError::NotBuilt(format!("layer '{}' is never called", layer.name()))
                })?;
            let shapes: Vec<Shape> = node
                .inputs
                .iter()
                .map(|&(n, o)| self.graph.nodes[n].output_shapes[o].clone())
                .collect();
            layer.build(&shapes, &mut rng)?;
            let trainable = layer.trainable();
            layer.set_trainable(trainable);
            // Never share an identity with the source model, even for layers whose build kept weights.
            for p in layer.params_mut() {
                if old_ids.contains(&p.id()) {
                    p.fresh_id();
                }
            }
        }
        Ok(core)
    }
}

/// What `clone_model` works on: both model kinds.
pub trait CloneModel: Sized {
    /// The same architecture with freshly initialised weights.
    fn clone_model_fresh(&self) -> Result<Self>;
}
impl CloneModel for Model {
    fn clone_model_fresh(&self) -> Result<Self> {
        Ok(Model::from_core(self.core.clone_fresh()?))
    }
}
impl CloneModel for super::sequential::Sequential {
    fn clone_model_fresh(&self) -> Result<Self> {
        Ok(Self::from_core(self.clone_fresh()?))
    }
}

/// Keras `clone_model(model)`: same layers and wiring, new weights, not compiled.
pub fn clone_model<M: CloneModel>(model: &M) -> Result<M> {
    model.clone_model_fresh()
}

impl Deref for Model {
    type Target = ModelCore;
    fn deref(&self) -> &ModelCore {
        &self.core
    }
}
impl DerefMut for Model {
    fn deref_mut(&mut self) -> &mut ModelCore {
        &mut self.core
    }
}
