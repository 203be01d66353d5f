//! Core layers: Dense, Embedding, Dropout, Flatten, Reshape, Activation, RepeatVector,
//! TimeDistributed, and the model input.
pub mod activation;
pub mod dense;
pub mod dropout;
pub mod embedding;
pub mod flatten;
pub mod input;
pub mod repeat_vector;
pub mod reshape;
pub mod time_distributed;
