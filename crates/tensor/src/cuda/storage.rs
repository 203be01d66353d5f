//! `CudaStorage`: a contiguous f32 buffer on one device, plus helpers the op files share
//! (allocation, operand extraction, launch configuration).
use super::context::{cuda_err, device, CudaDev};
use crate::error::{Result, TensorError};
use crate::storage::Storage;
use crate::tensor::Tensor;
use cudarc::driver::{CudaSlice, LaunchConfig};
use std::sync::Arc;

/// Device memory handle. Cloning shares the buffer (tensors are immutable values; an op that
/// writes allocates its output).
#[derive(Debug, Clone)]
pub struct CudaStorage {
    pub(crate) buf: Arc<CudaSlice<f32>>,
    pub(crate) dev: Arc<CudaDev>,
}

impl CudaStorage {
    /// Copy host data to device `ordinal`.
    pub fn from_host(data: &[f32], ordinal: usize) -> Result<Self> {
        let dev = device(ordinal)?;
        let buf = if data.is_empty() {
            dev.stream.null::<f32>()
        } else {
            dev.stream.clone_htod(data)
        }
        .map_err(|e| cuda_err("Tensor::to", e))?;
        Ok(Self {
            buf: Arc::new(buf),
            dev,
        })
    }
    /// Copy device data back to the host (waits for queued work).
    pub fn to_host(&self) -> Result<Vec<f32>> {
        if self.buf.is_empty() {
            return Ok(Vec::new());
        }
        self.dev
            .stream
            .clone_dtoh(&*self.buf)
            .map_err(|e| cuda_err("Tensor::to_vec", e))
    }
    /// The device ordinal.
    pub fn ordinal(&self) -> usize {
        self.dev.ordinal
    }
    /// Number of f32 elements.
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    /// Whether the buffer holds no elements.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    /// The shared device handle.
    pub fn device(&self) -> &Arc<CudaDev> {
        &self.dev
    }
    /// The underlying cudarc buffer (for kernels outside this crate).
    pub fn slice(&self) -> &CudaSlice<f32> {
        &self.buf
    }
}

/// Uninitialised device buffer of `n` f32 (every op writes all of it before it is read).
pub(crate) fn alloc(dev: &Arc<CudaDev>, op: &'static str, n: usize) -> Result<CudaSlice<f32>> {
    if n == 0 {
        return dev.stream.null::<f32>().map_err(|e| cuda_err(op, e));
    }
    // SAFETY: callers launch a kernel or GEMM that writes every element before any read.
    unsafe { dev.stream.alloc::<f32>(n) }.map_err(|e| cuda_err(op, e))
}

/// Zeroed device buffer of `n` f32.
pub(crate) fn zeros(dev: &Arc<CudaDev>, op: &'static str, n: usize) -> Result<CudaSlice<f32>> {
    if n == 0 {
        return dev.stream.null::<f32>().map_err(|e| cuda_err(op, e));
    }
    dev.stream
        .alloc_zeros::<f32>(n)
        .map_err(|e| cuda_err(op, e))
}

/// Wrap a device buffer as a tensor.
pub(crate) fn tensor(dev: &Arc<CudaDev>, buf: CudaSlice<f32>, shape: Vec<usize>) -> Tensor {
    debug_assert_eq!(buf.len(), shape.iter().product::<usize>());
    Tensor {
        storage: Arc::new(Storage::Cuda(CudaStorage {
            buf: Arc::new(buf),
            dev: dev.clone(),
        })),
        shape,
    }
}

/// The device storage of `t`, or a typed error naming `op` when it lives elsewhere.
pub(crate) fn storage<'a>(t: &'a Tensor, op: &'static str) -> Result<&'a CudaStorage> {
    match &*t.storage {
        Storage::Cuda(c) => Ok(c),
        Storage::Cpu(_) => Err(TensorError::DeviceMismatch {
            op,
            lhs: "cuda".into(),
            rhs: "cpu".into(),
        }),
    }
}

/// The storages of two operands, which must be on the same device.
pub(crate) fn pair<'a>(
    a: &'a Tensor,
    b: &'a Tensor,
    op: &'static str,
) -> Result<(&'a CudaStorage, &'a CudaStorage)> {
    match (&*a.storage, &*b.storage) {
        (Storage::Cuda(x), Storage::Cuda(y)) if x.ordinal() == y.ordinal() => Ok((x, y)),
        _ => Err(TensorError::DeviceMismatch {
            op,
            lhs: a.device().to_string(),
            rhs: b.device().to_string(),
        }),
    }
}

/// Threads per block for the elementwise-style kernels.
pub(crate) const BLOCK: u32 = 256;

/// A 1-D launch covering `n` items with grid-stride loops (grid capped; kernels loop).
pub(crate) fn grid(n: usize) -> LaunchConfig {
    let blocks = n.div_ceil(BLOCK as usize).clamp(1, 1 << 16) as u32;
    LaunchConfig {
        grid_dim: (blocks, 1, 1),
        block_dim: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}

/// One block of `BLOCK` threads per row (rows capped; kernels loop).
pub(crate) fn rows_grid(rows: usize) -> LaunchConfig {
    LaunchConfig {
        grid_dim: (rows.clamp(1, 1 << 16) as u32, 1, 1),
        block_dim: (BLOCK, 1, 1),
        shared_mem_bytes: 0,
    }
}
