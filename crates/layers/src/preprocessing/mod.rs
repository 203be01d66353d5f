//! Preprocessing layers: raw data (strings) in, model-ready tensors out, inside the model.
pub mod text_vectorization;
