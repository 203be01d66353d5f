//! Core layers: Dense, Embedding, Dropout, Flatten, Reshape, Activation, and the model input.
pub mod activation;
pub mod dense;
pub mod dropout;
pub mod embedding;
pub mod flatten;
pub mod input;
pub mod reshape;
