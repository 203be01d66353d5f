//! `Sequential`: a plain stack of layers, built as soon as its input shape is known.
use super::model_core::ModelCore;
use crate::core::input::Input;
use crate::error::Result;
use crate::layer::{unique_name, Layer};
use kerust_tensor::Rng;
use std::ops::{Deref, DerefMut};

/// Keras `Sequential([...])`. Derefs to [`ModelCore`] for `compile`, `fit`, `predict`, ...
#[derive(Clone)]
pub struct Sequential {
    core: ModelCore,
}

impl Default for Sequential {
    fn default() -> Self {
        Self::new()
    }
}

impl Sequential {
    /// An empty model named `sequential`, `sequential_1`, ...
    pub fn new() -> Self {
        Self {
            core: ModelCore::new(unique_name("sequential"), true),
        }
    }

    /// A model from a list of layers (Keras `Sequential([l1, l2])`).
    pub fn from_layers(layers: Vec<Box<dyn Layer>>) -> Result<Self> {
        let mut m = Self::new();
        for l in layers {
            m.add_boxed(l)?;
        }
        Ok(m)
    }

    /// Set the model name.
    pub fn name(mut self, name: &str) -> Self {
        self.core.name = name.to_string();
        self
    }

    /// Append a layer (Keras `model.add`). An `Input` sets the input shape instead.
    pub fn add(&mut self, layer: impl Layer + 'static) -> Result<()> {
        self.add_boxed(Box::new(layer))
    }

    /// `add` for an already boxed layer.
    pub fn add_boxed(&mut self, layer: Box<dyn Layer>) -> Result<()> {
        let mut rng = Rng::seed(self.core.rng.next_u64());
        if let Some(input) = layer.as_any().downcast_ref::<Input>() {
            return self.core.build_chain(input.clone(), &mut rng);
        }
        let declared = if self.core.graph.nodes.is_empty() && self.core.pending.is_empty() {
            layer.declared_input_shape()
        } else {
            None
        };
        self.core.pending.push(layer);
        if let Some(shape) = declared {
            self.core.build_chain(Input::with_shape(shape), &mut rng)?;
        } else if !self.core.graph.nodes.is_empty() {
            self.core.build_chain(
                self.core
                    .graph
                    .input_layer(0)
                    .cloned()
                    .unwrap_or_else(|| Input::new(&[])),
                &mut rng,
            )?;
        }
        Ok(())
    }

    /// Build for inputs of this per-sample shape (Keras `model.build((None, ...))`).
    pub fn build(&mut self, input_shape: &[usize]) -> Result<()> {
        let mut rng = Rng::seed(self.core.rng.next_u64());
        self.core.build_chain(Input::new(input_shape), &mut rng)
    }

    /// Remove the last layer (Keras `model.pop()`).
    pub fn pop(&mut self) -> Option<Box<dyn Layer>> {
        if let Some(l) = self.core.pending.pop() {
            return Some(l);
        }
        if self.core.graph.layers.len() <= 1 {
            return None;
        }
        self.core.graph.nodes.pop();
        self.core.graph.outputs = vec![(self.core.graph.nodes.len() - 1, 0)];
        self.core.graph.layers.pop()
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

impl Deref for Sequential {
    type Target = ModelCore;
    fn deref(&self) -> &ModelCore {
        &self.core
    }
}
impl DerefMut for Sequential {
    fn deref_mut(&mut self) -> &mut ModelCore {
        &mut self.core
    }
}
