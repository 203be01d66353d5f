//! `PyDataset`: Keras 3's contract for data that does not fit in memory — a number of batches
//! (`len`), the batch at an index (`get`), and hooks around each epoch. `fit` shuffles the batch
//! *indices* (never samples across batches), and `workers` threads prepare batches ahead of the
//! training step, at most `max_queue_size` of them at a time.
use crate::error::Result;
use crate::flow::{Data, Inputs};
use kerust_tensor::Tensor;

/// One batch from a [`PyDataset`]: Keras's `(x, y)`, `(x, y, sample_weight)` or `(x,)`.
#[derive(Debug, Clone)]
pub struct DatasetBatch {
    /// One array per model input, all with the same number of rows.
    pub x: Vec<Data>,
    /// One array per model output (empty for a batch used only by `predict`).
    pub y: Vec<Data>,
    /// One loss weight per row (shape `[batch]`, or `[batch, time]` for sequence outputs).
    pub sample_weight: Option<Tensor>,
}

impl DatasetBatch {
    /// Keras `(x, y)`.
    pub fn new(x: impl Into<Inputs>, y: impl Into<Inputs>) -> Self {
        Self {
            x: x.into().0,
            y: y.into().0,
            sample_weight: None,
        }
    }
    /// Keras `(x,)`: inputs only, for `predict`.
    pub fn x_only(x: impl Into<Inputs>) -> Self {
        Self {
            x: x.into().0,
            y: Vec::new(),
            sample_weight: None,
        }
    }
    /// Keras `(x, y, sample_weight)`: add one loss weight per row.
    pub fn sample_weight(mut self, w: Tensor) -> Self {
        self.sample_weight = Some(w);
        self
    }
    /// Rows in the batch (those of the first input).
    pub fn rows(&self) -> usize {
        self.x.first().map(Data::len).unwrap_or(0)
    }
}

/// Keras 3 `keras.utils.PyDataset`: a dataset read batch by batch, by index.
///
/// `get` takes `&self` because `workers` threads call it at once (Keras's thread pool does the
/// same); keep per-call state local, or behind a lock. Batches must all have the same shape except
/// the last, which may have fewer rows; `fit` reports any other change as
/// [`LayerError::DatasetBatchShape`](crate::LayerError::DatasetBatchShape).
///
/// ```
/// use kerust_layers::{DatasetBatch, PyDataset, Result};
/// use kerust_tensor::Tensor;
///
/// /// Batches of `batch_size` rows of y = 2x.
/// struct Doubling { n: usize, batch_size: usize }
///
/// impl PyDataset for Doubling {
///     fn len(&self) -> usize {
///         self.n.div_ceil(self.batch_size)
///     }
///     fn get(&self, index: usize) -> Result<DatasetBatch> {
///         let rows: Vec<f32> = (index * self.batch_size..((index + 1) * self.batch_size).min(self.n))
///             .map(|i| i as f32)
///             .collect();
///         let y: Vec<f32> = rows.iter().map(|v| 2.0 * v).collect();
///         let b = rows.len();
///         Ok(DatasetBatch::new(Tensor::from_vec(rows, &[b, 1])?, Tensor::from_vec(y, &[b, 1])?))
///     }
///     fn workers(&self) -> usize {
///         2
///     }
/// }
/// let ds = Doubling { n: 10, batch_size: 4 };
/// assert_eq!(ds.len(), 3);
/// assert_eq!(ds.get(2).unwrap().rows(), 2);
/// ```
pub trait PyDataset: Send + Sync {
    /// Keras `__len__` / `num_batches`: batches per epoch (must be at least 1).
    fn len(&self) -> usize;
    /// Keras `__getitem__`: the batch at `index` (`0..len()`).
    fn get(&self, index: usize) -> Result<DatasetBatch>;
    /// Whether there are no batches (`fit`, `evaluate` and `predict` refuse such a dataset).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Keras `on_epoch_begin`: called before the first batch of every epoch.
    fn on_epoch_begin(&mut self) -> Result<()> {
        Ok(())
    }
    /// Keras `on_epoch_end`: called after the last batch of every epoch (e.g. to reshuffle rows).
    fn on_epoch_end(&mut self) -> Result<()> {
        Ok(())
    }
    /// Keras `workers=` (default 1): threads preparing batches ahead of the training step. With 1,
    /// batches are read on the training thread when needed, as in Keras.
    fn workers(&self) -> usize {
        1
    }
    /// Keras `max_queue_size=` (default 10): batches prepared ahead at most (bounds the memory the
    /// workers use).
    fn max_queue_size(&self) -> usize {
        10
    }
}

impl<D: PyDataset + ?Sized> PyDataset for Box<D> {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn get(&self, index: usize) -> Result<DatasetBatch> {
        (**self).get(index)
    }
    fn on_epoch_begin(&mut self) -> Result<()> {
        (**self).on_epoch_begin()
    }
    fn on_epoch_end(&mut self) -> Result<()> {
        (**self).on_epoch_end()
    }
    fn workers(&self) -> usize {
        (**self).workers()
    }
    fn max_queue_size(&self) -> usize {
        (**self).max_queue_size()
    }
}
