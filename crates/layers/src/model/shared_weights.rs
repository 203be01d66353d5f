//! Weights two models share, as Keras models built from the same layer objects do: the feature
//! extractor `Model::new(&model.inputs()?, &[&model.get_layer_handle(NAME)?.output()?])` reads the
//! trained model's weights, and training either one changes what the other computes.
//!
//! Why a store and not shared layers: a model owns its layers (`&dyn Layer` and `&Param` are handed
//! out by reference everywhere), so the weights both models use live in one [`WeightStore`] keyed by
//! param id. A linked model publishes its weights there after every optimizer step and
//! `set_weights`, and pulls them before every forward pass. Tensors are reference-counted, so
//! publishing and pulling move pointers, not data; the one copy is the optimizer's copy-on-write
//! of a weight the other model still holds, once per step and only while a link exists.
//!
//! A weight changed in place of the model's own (`get_layer_mut(..).set_weights(..)`) is not lost:
//! each model remembers the tensor it last exchanged with the store, and a weight that no longer
//! shares that storage was changed locally, so the next pull publishes it instead of overwriting
//! it. (A shared tensor cannot be changed without a copy, so storage identity is a safe test.)
use crate::param::Param;
use kerust_tensor::Tensor;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

/// The current value of every weight shared between linked models, by param id.
#[derive(Default)]
pub struct WeightStore {
    values: RwLock<HashMap<u64, Tensor>>,
}

impl WeightStore {
    /// A store holding these weights' current values.
    pub(crate) fn from_params<'a>(params: impl IntoIterator<Item = &'a Param>) -> Self {
        let values = params
            .into_iter()
            .map(|p| (p.id(), p.value.clone()))
            .collect();
        Self {
            values: RwLock::new(values),
        }
    }

    /// The shared value of weight `id`, if this store holds it.
    pub fn get(&self, id: u64) -> Option<Tensor> {
        self.values
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
    }

    /// Replace the shared values of the weights this store already holds (others stay private).
    fn publish<'a>(&self, params: impl IntoIterator<Item = &'a Param>) {
        let mut values = self.values.write().unwrap_or_else(|e| e.into_inner());
        for p in params {
            if let Some(v) = values.get_mut(&p.id()) {
                *v = p.value.clone();
            }
        }
    }
}

/// The stores a model is linked to, and the one made for its own weights when a feature extractor
/// is first taken from it. A Rust `clone` of a model is an independent copy, so it starts unlinked.
#[derive(Default)]
pub struct SharedLink {
    stores: Mutex<Vec<Arc<WeightStore>>>,
    own: Mutex<Option<Arc<WeightStore>>>,
    /// The tensor this model last published or pulled, per shared weight id.
    synced: Mutex<HashMap<u64, Tensor>>,
}

impl Clone for SharedLink {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl SharedLink {
    fn stores(&self) -> Vec<Arc<WeightStore>> {
        self.stores
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether any store is linked (the common case is none: then nothing below does any work).
    pub fn is_linked(&self) -> bool {
        !self
            .stores
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    /// Link to `store` (once).
    pub(crate) fn add(&self, store: &Arc<WeightStore>) {
        let mut v = self.stores.lock().unwrap_or_else(|e| e.into_inner());
        if !v.iter().any(|s| Arc::ptr_eq(s, store)) {
            v.push(store.clone());
        }
    }

    /// The store created for this model's own weights, made on first use.
    pub(crate) fn own_store<'a>(
        &self,
        params: impl IntoIterator<Item = &'a Param>,
    ) -> Arc<WeightStore> {
        let mut own = self.own.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = own.as_ref() {
            return s.clone();
        }
        let params: Vec<&Param> = params.into_iter().collect();
        let s = Arc::new(WeightStore::from_params(params.iter().copied()));
        self.remember(params.iter().map(|p| (p.id(), p.value.clone())));
        self.add(&s);
        *own = Some(s.clone());
        s
    }

    fn remember(&self, values: impl IntoIterator<Item = (u64, Tensor)>) {
        let mut synced = self.synced.lock().unwrap_or_else(|e| e.into_inner());
        synced.extend(values);
    }

    /// Whether `p` was changed by this model since it last exchanged it with the store.
    fn changed_locally(&self, p: &Param) -> bool {
        self.synced
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&p.id())
            .is_some_and(|last| !last.shares_storage(&p.value))
    }

    /// Take the linked models' current values into `params`; weights this model changed itself
    /// since the last exchange are published instead.
    pub(crate) fn pull<'a>(&self, params: impl IntoIterator<Item = &'a mut Param>) {
        let stores = self.stores();
        if stores.is_empty() {
            return;
        }
        for p in params {
            let Some(store) = stores.iter().find(|s| s.get(p.id()).is_some()) else {
                continue;
            };
            if self.changed_locally(p) {
                store.publish(std::iter::once(&*p));
            } else if let Some(v) = store.get(p.id()) {
                p.value = v;
            }
            self.remember([(p.id(), p.value.clone())]);
        }
    }

    /// Hand this model's current values of the shared weights to the linked models.
    pub(crate) fn publish(&self, params: &[&Param]) {
        for s in self.stores() {
            s.publish(params.iter().copied());
        }
        self.remember(params.iter().map(|p| (p.id(), p.value.clone())));
    }

    /// The value `p` has for this model: its own when changed here since the last exchange, else
    /// the shared one.
    pub(crate) fn current(&self, p: &Param) -> Tensor {
        if self.changed_locally(p) {
            return p.value.clone();
        }
        self.stores()
            .iter()
            .find_map(|s| s.get(p.id()))
            .unwrap_or_else(|| p.value.clone())
    }
}
