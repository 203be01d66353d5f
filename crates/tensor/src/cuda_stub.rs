//! Stand-in CUDA storage for builds without the `cuda` feature: every constructor returns
//! `TensorError::NotCompiledWithCuda`, so no `#[cfg]` spreads through the op code.
use crate::error::{Result, TensorError};

/// Device memory handle (never constructed in a build without CUDA).
#[derive(Debug, Clone)]
pub struct CudaStorage {
    _never: std::convert::Infallible,
}

impl CudaStorage {
    /// Copy host data to device `ordinal`.
    pub fn from_host(_data: &[f32], _ordinal: usize) -> Result<Self> {
        Err(TensorError::NotCompiledWithCuda)
    }
    /// Copy device data back to the host.
    pub fn to_host(&self) -> Result<Vec<f32>> {
        match self._never {}
    }
    /// The device ordinal.
    pub fn ordinal(&self) -> usize {
        match self._never {}
    }
}

/// Whether a usable CUDA device is present (always false without the feature).
pub fn is_available() -> bool {
    false
}
