//! The `Tensor` type: shape + shared storage, constructors and accessors.
use crate::cuda_backend::CudaStorage;
use crate::device::Device;
use crate::error::{Result, TensorError};
use crate::rng::Rng;
use crate::shape::{checked_numel, normalize_axis};
use crate::storage::Storage;
use std::sync::Arc;

/// An f32 n-d tensor, row-major and contiguous. Cloning shares the storage.
#[derive(Debug, Clone)]
pub struct Tensor {
    pub(crate) storage: Arc<Storage>,
    pub(crate) shape: Vec<usize>,
}

impl Tensor {
    /// Build a CPU tensor from data and shape; the length must match the shape.
    pub fn from_vec(data: Vec<f32>, shape: &[usize]) -> Result<Self> {
        let n = checked_numel("Tensor::from_vec", shape)?;
        if n != data.len() {
            return Err(TensorError::DataLength {
                op: "Tensor::from_vec",
                shape: shape.to_vec(),
                expected: n,
                got: data.len(),
            });
        }
        Ok(Self::from_parts(data, shape.to_vec()))
    }

    /// Internal constructor for already-validated data.
    pub(crate) fn from_parts(data: Vec<f32>, shape: Vec<usize>) -> Self {
        debug_assert_eq!(data.len(), shape.iter().product::<usize>());
        Self {
            storage: Arc::new(Storage::Cpu(data)),
            shape,
        }
    }

    /// A tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Result<Self> {
        Self::full(shape, 0.0)
    }
    /// A tensor of ones.
    pub fn ones(shape: &[usize]) -> Result<Self> {
        Self::full(shape, 1.0)
    }
    /// A tensor filled with `value`.
    pub fn full(shape: &[usize], value: f32) -> Result<Self> {
        let n = checked_numel("Tensor::full", shape)?;
        Ok(Self::from_parts(vec![value; n], shape.to_vec()))
    }
    /// A rank-0 tensor.
    pub fn scalar(v: f32) -> Self {
        Self::from_parts(vec![v], vec![])
    }
    /// Uniform values in `[lo, hi)` from a seeded generator.
    pub fn rand_uniform(shape: &[usize], lo: f32, hi: f32, rng: &mut Rng) -> Result<Self> {
        let n = checked_numel("Tensor::rand_uniform", shape)?;
        let data = (0..n).map(|_| rng.uniform(lo, hi)).collect();
        Ok(Self::from_parts(data, shape.to_vec()))
    }
    /// Normal values with the given mean and standard deviation.
    pub fn rand_normal(shape: &[usize], mean: f32, std: f32, rng: &mut Rng) -> Result<Self> {
        let n = checked_numel("Tensor::rand_normal", shape)?;
        let data = (0..n).map(|_| mean + std * rng.normal()).collect();
        Ok(Self::from_parts(data, shape.to_vec()))
    }
    /// A tensor from nested rows (convenience for tests and small data).
    pub fn from_rows(rows: &[Vec<f32>]) -> Result<Self> {
        let cols = rows.first().map_or(0, |r| r.len());
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != cols {
                return Err(TensorError::InvalidArgument {
                    op: "Tensor::from_rows",
                    message: format!("row {i} has {} values but row 0 has {cols}", r.len()),
                });
            }
            data.extend_from_slice(r);
        }
        Self::from_vec(data, &[rows.len(), cols])
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// The rank (number of axes).
    pub fn rank(&self) -> usize {
        self.shape.len()
    }
    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
    /// Size of a (possibly negative) axis.
    pub fn dim(&self, axis: isize) -> Result<usize> {
        Ok(self.shape[normalize_axis("Tensor::dim", axis, self.rank())?])
    }
    /// The device holding the data.
    pub fn device(&self) -> Device {
        self.storage.device()
    }
    /// Whether the data lives in CUDA device memory (ops then run on that device).
    pub fn is_cuda(&self) -> bool {
        matches!(&*self.storage, Storage::Cuda(_))
    }
    /// Borrow the host data. Errors for device tensors (copy them with `to_vec` or `to(Device::Cpu)`).
    pub fn as_slice(&self) -> Result<&[f32]> {
        match &*self.storage {
            Storage::Cpu(v) => Ok(v),
            Storage::Cuda(_) => Err(TensorError::UnsupportedOnDevice {
                op: "Tensor::as_slice",
                device: self.device().to_string(),
            }),
        }
    }
    /// Host data internal accessor for CPU kernels; `op` names the caller in the error.
    pub(crate) fn cpu(&self, op: &'static str) -> Result<&[f32]> {
        match &*self.storage {
            Storage::Cpu(v) => Ok(v),
            Storage::Cuda(_) => Err(TensorError::UnsupportedOnDevice {
                op,
                device: self.device().to_string(),
            }),
        }
    }
    /// Mutable host data; copies first if the storage is shared (copy-on-write).
    pub fn as_mut_slice(&mut self) -> Result<&mut [f32]> {
        let device = self.device();
        match Arc::make_mut(&mut self.storage) {
            Storage::Cpu(v) => Ok(v),
            Storage::Cuda(_) => Err(TensorError::UnsupportedOnDevice {
                op: "Tensor::as_mut_slice",
                device: device.to_string(),
            }),
        }
    }
    /// Copy the data to a host vector, wherever it lives.
    pub fn to_vec(&self) -> Result<Vec<f32>> {
        match &*self.storage {
            Storage::Cpu(v) => Ok(v.clone()),
            Storage::Cuda(c) => c.to_host(),
        }
    }
    /// The single value of a one-element tensor.
    pub fn item(&self) -> Result<f32> {
        if self.numel() != 1 {
            return Err(TensorError::InvalidShape {
                op: "Tensor::item",
                expected: "exactly one element".into(),
                got: self.shape.clone(),
            });
        }
        Ok(self.to_vec()?[0])
    }
    /// Move the tensor to another device.
    pub fn to(&self, device: Device) -> Result<Self> {
        if device == self.device() {
            return Ok(self.clone());
        }
        let host = self.to_vec()?;
        let storage = match device {
            Device::Cpu => Storage::Cpu(host),
            Device::Cuda(i) => Storage::Cuda(CudaStorage::from_host(&host, i)?),
        };
        Ok(Self {
            storage: Arc::new(storage),
            shape: self.shape.clone(),
        })
    }
    /// Same data, new shape (element counts must match). Free: shares storage.
    pub fn reshape(&self, shape: &[usize]) -> Result<Self> {
        let n = checked_numel("Tensor::reshape", shape)?;
        if n != self.numel() {
            return Err(TensorError::ShapeMismatch {
                op: "reshape",
                lhs: self.shape.clone(),
                rhs: shape.to_vec(),
                hint: format!("{} elements cannot become {n}", self.numel()),
            });
        }
        Ok(Self {
            storage: self.storage.clone(),
            shape: shape.to_vec(),
        })
    }
    /// True if any element is NaN or infinite.
    pub fn has_non_finite(&self) -> Result<bool> {
        Ok(self.to_vec()?.iter().any(|v| !v.is_finite()))
    }
    /// Whether two tensors share the same storage allocation.
    pub fn shares_storage(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.storage, &other.storage)
    }
    /// Maximum absolute difference to another tensor of the same shape.
    pub fn max_abs_diff(&self, other: &Tensor) -> Result<f32> {
        if self.shape != other.shape {
            return Err(TensorError::ShapeMismatch {
                op: "max_abs_diff",
                lhs: self.shape.clone(),
                rhs: other.shape.clone(),
                hint: "shapes must be equal".into(),
            });
        }
        let (a, b) = (self.to_vec()?, other.to_vec()?);
        Ok(a.iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f32::max))
    }
}
