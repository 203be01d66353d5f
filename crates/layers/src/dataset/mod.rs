//! Streaming data: Keras 3's `PyDataset` contract (batches by index) and the ordered, bounded
//! prefetch that `fit`, `evaluate` and `predict` read it through.
pub mod batch_shapes;
pub mod enqueuer;
pub mod py_dataset;

pub use py_dataset::{DatasetBatch, PyDataset};
