//! Models: the layer graph, `Sequential`, the functional `Model`, and the shared training loop.
pub mod config;
pub mod fit;
pub mod functional;
pub mod graph;
pub mod logs;
pub mod model_core;
pub mod progress;
pub mod sequential;
mod step_pool;
pub mod summary;

pub use crate::callbacks::{Callback, History};
pub use config::{model_from_config, model_from_config_limited, AnyModel};
pub use fit::FitArgs;
pub use functional::{clone_model, CloneModel, KerasTensor, LayerHandle, Model, SymbolicCall};
pub use graph::Graph;
pub use logs::Logs;
pub use model_core::ModelCore;
pub use sequential::Sequential;
