//! `AnyModel`: a model read from a config, `Sequential` or functional, usable through [`ModelCore`].
use super::functional::Model;
use super::model_core::ModelCore;
use super::sequential::Sequential;
use std::ops::{Deref, DerefMut};

/// A model read from a config: `Sequential` or functional. Derefs to [`ModelCore`].
#[derive(Clone)]
pub enum AnyModel {
    /// A `Sequential` model.
    Sequential(Sequential),
    /// A functional `Model`.
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
