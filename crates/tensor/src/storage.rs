//! Backing storage for tensors: one enum with a CPU and a CUDA variant, always both present.
use crate::cuda_backend::CudaStorage;
use crate::device::Device;

/// The data behind a tensor. Tensors share storage through `Arc`, so cloning a tensor is cheap
/// and saving it on the autograd tape costs no copy.
#[derive(Debug, Clone)]
pub enum Storage {
    /// Row-major contiguous f32 data in host memory.
    Cpu(Vec<f32>),
    /// Row-major contiguous f32 data in device memory.
    Cuda(CudaStorage),
}

impl Storage {
    /// The device this storage lives on.
    pub fn device(&self) -> Device {
        match self {
            Storage::Cpu(_) => Device::Cpu,
            Storage::Cuda(c) => Device::Cuda(c.ordinal()),
        }
    }
}
