//! Integer tensors for token ids: embedding input travels as i64 without a round trip through f32.
use crate::error::{Result, TensorError};
use crate::shape::checked_numel;
use std::sync::Arc;

/// A row-major i64 tensor on the host (token ids, class labels).
#[derive(Debug, Clone, PartialEq)]
pub struct IntTensor {
    data: Arc<Vec<i64>>,
    shape: Vec<usize>,
}

impl IntTensor {
    /// Build from data and shape; the length must match.
    pub fn from_vec(data: Vec<i64>, shape: &[usize]) -> Result<Self> {
        let n = checked_numel("IntTensor::from_vec", shape)?;
        if n != data.len() {
            return Err(TensorError::DataLength {
                op: "IntTensor::from_vec",
                shape: shape.to_vec(),
                expected: n,
                got: data.len(),
            });
        }
        Ok(Self {
            data: Arc::new(data),
            shape: shape.to_vec(),
        })
    }

    /// Build a 2-D tensor from equal-length rows (e.g. padded sequences).
    pub fn from_rows<T: Copy + Into<i64>>(rows: &[Vec<T>]) -> Result<Self> {
        let cols = rows.first().map_or(0, |r| r.len());
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != cols {
                return Err(TensorError::InvalidArgument {
                    op: "IntTensor::from_rows",
                    message: format!(
                        "row {i} has {} values but row 0 has {cols}; pad the sequences first (pad_sequences)",
                        r.len()
                    ),
                });
            }
            data.extend(r.iter().map(|&v| v.into()));
        }
        Self::from_vec(data, &[rows.len(), cols])
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// The data, row-major.
    pub fn data(&self) -> &[i64] {
        &self.data
    }
    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.data.len()
    }
    /// Rows `start..start+len` along axis 0.
    pub fn slice_rows(&self, start: usize, len: usize) -> Result<Self> {
        self.select_rows(&(start..start + len).collect::<Vec<_>>())
    }
    /// Rows at the given indices along axis 0 (batching, shuffling).
    pub fn select_rows(&self, idx: &[usize]) -> Result<Self> {
        let n0 = *self
            .shape
            .first()
            .ok_or_else(|| TensorError::InvalidShape {
                op: "IntTensor::select_rows",
                expected: "rank ≥ 1".into(),
                got: vec![],
            })?;
        let row: usize = self.shape[1..].iter().product();
        let mut out = Vec::with_capacity(idx.len() * row);
        for &i in idx {
            if i >= n0 {
                return Err(TensorError::IndexOutOfRange {
                    op: "IntTensor::select_rows",
                    index: i as i64,
                    bound: n0,
                    hint: String::new(),
                });
            }
            out.extend_from_slice(&self.data[i * row..(i + 1) * row]);
        }
        let mut shape = self.shape.clone();
        shape[0] = idx.len();
        Ok(Self {
            data: Arc::new(out),
            shape,
        })
    }
    /// Same data, new shape.
    pub fn reshape(&self, shape: &[usize]) -> Result<Self> {
        let n = checked_numel("IntTensor::reshape", shape)?;
        if n != self.numel() {
            return Err(TensorError::ShapeMismatch {
                op: "IntTensor::reshape",
                lhs: self.shape.clone(),
                rhs: shape.to_vec(),
                hint: "element counts differ".into(),
            });
        }
        Ok(Self {
            data: self.data.clone(),
            shape: shape.to_vec(),
        })
    }
}
