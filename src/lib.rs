//! kerust — Keras for Rust, built first for sequence models and text.
//!
//! This facade re-exports the workspace crates; `use kerust::prelude::*` brings the Keras names in.
pub use kerust_autograd as autograd;
pub use kerust_datasets as datasets;
pub use kerust_io as io;
pub use kerust_layers as layers;
pub use kerust_metrics as metrics;
pub use kerust_tensor as tensor;
pub use kerust_text as text;

/// The names a Keras user reaches for, in one import.
pub mod prelude {}
