//! Models: the layer graph, `Sequential`, the functional `Model`, and the shared training loop.
pub mod any_model;
pub mod compile_config;
pub mod feature_extraction;
pub mod fit;
pub mod from_config;
pub mod functional;
pub mod graph;
mod inbound_nodes;
pub mod logs;
pub mod model_core;
pub mod on_batch;
pub mod progress;
pub mod sequential;
pub mod shared_weights;
mod step_pool;
pub mod summary;
pub mod to_config;

pub use crate::callbacks::{Callback, History};
pub use any_model::AnyModel;
pub use fit::{class_weight_to_sample_weights, EvaluateArgs, FitArgs};
pub use from_config::{model_from_config, model_from_config_limited};
pub use functional::{clone_model, CloneModel, KerasTensor, LayerHandle, Model, SymbolicCall};
pub use graph::Graph;
pub use logs::Logs;
pub use model_core::ModelCore;
pub use on_batch::OnBatchArgs;
pub use sequential::Sequential;
