//! Stand-in CUDA backend for builds without the `cuda` feature: every constructor returns
//! `TensorError::NotCompiledWithCuda`, so no `#[cfg]` spreads through the op code. No CUDA tensor
//! can exist in such a build, so the op entry points below are only reachable with one and
//! answer with the same error.
use crate::error::{Result, TensorError};
use crate::tensor::Tensor;

#[path = "cuda/gru_types.rs"]
mod gru_types;
#[path = "cuda/lstm_types.rs"]
mod lstm_types;
#[path = "cuda/op_codes.rs"]
pub mod op_codes;
pub use gru_types::{GruGrads, GruInputs};
pub use lstm_types::{LstmGrads, LstmInputs};
use op_codes::{BinaryOp, ReduceOp, UnaryOp};

/// Largest rank the CUDA kernels take (kept for API parity).
pub const MAX_RANK: usize = 8;

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

/// Forward results of the fused LSTM (never constructed without CUDA).
#[derive(Debug)]
pub struct LstmOutputs {
    pub output: Tensor,
    pub h: Tensor,
    pub c: Tensor,
    pub saved: LstmSaved,
}

/// Saved forward state of the fused LSTM (never constructed without CUDA).
#[derive(Debug)]
pub struct LstmSaved {
    _never: std::convert::Infallible,
}

/// Whether a usable CUDA device is present (always false without the feature).
pub fn is_available() -> bool {
    false
}
/// Number of visible CUDA devices (always 0 without the feature).
pub fn device_count() -> usize {
    0
}
/// Wait for queued device work.
pub fn synchronize(_ordinal: usize) -> Result<()> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `unary` on device (needs the `cuda` feature).
pub fn unary(_x: &Tensor, _op: UnaryOp) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `binary` on device (needs the `cuda` feature).
pub fn binary(_a: &Tensor, _b: &Tensor, _op: BinaryOp, _name: &'static str) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `broadcast_to` on device (needs the `cuda` feature).
pub fn broadcast_to(_x: &Tensor, _shape: &[usize]) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `sum_to_shape` on device (needs the `cuda` feature).
pub fn sum_to_shape(_g: &Tensor, _target: &[usize]) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `reduce` on device (needs the `cuda` feature).
pub fn reduce(_x: &Tensor, _axis: usize, _keepdim: bool, _op: ReduceOp) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `softmax` on device (needs the `cuda` feature).
pub fn softmax(_x: &Tensor, _axis: usize, _log: bool) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `matmul_t` on device (needs the `cuda` feature).
pub fn matmul_t(
    _a: &Tensor,
    _ta: bool,
    _b: &Tensor,
    _tb: bool,
    _mnk: (usize, usize, usize),
) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `bmm_t` on device (needs the `cuda` feature).
pub fn bmm_t(
    _a: &Tensor,
    _ta: bool,
    _b: &Tensor,
    _tb: bool,
    _bmnk: (usize, usize, usize, usize),
) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `gather_rows` on device (needs the `cuda` feature).
pub fn gather_rows(_table: &Tensor, _ids: &[i64], _shape: Vec<usize>) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `scatter_add_rows` on device (needs the `cuda` feature).
pub fn scatter_add_rows(_g: &Tensor, _ids: &[i64], _vocab: usize, _dim: usize) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `transpose` on device (needs the `cuda` feature).
pub fn transpose(_x: &Tensor, _perm: &[usize]) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `concat` on device (needs the `cuda` feature).
pub fn concat(_parts: &[&Tensor], _axis: usize, _total: usize) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `slice` on device (needs the `cuda` feature).
pub fn slice(_x: &Tensor, _axis: usize, _start: usize, _len: usize) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `flip` on device (needs the `cuda` feature).
pub fn flip(_x: &Tensor, _axis: usize) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// `select_rows` on device (needs the `cuda` feature).
pub fn select_rows(_x: &Tensor, _idx: &[usize]) -> Result<Tensor> {
    Err(TensorError::NotCompiledWithCuda)
}
/// Fused LSTM forward (needs the `cuda` feature).
pub fn lstm_forward(_inp: &LstmInputs<'_>) -> Result<LstmOutputs> {
    Err(TensorError::NotCompiledWithCuda)
}
/// Fused LSTM backward (needs the `cuda` feature).
pub fn lstm_backward(
    saved: &LstmSaved,
    _d_output: Option<&Tensor>,
    _d_h: Option<&Tensor>,
    _d_c: Option<&Tensor>,
) -> Result<LstmGrads> {
    match saved._never {}
}

/// Forward results of the fused GRU (never constructed without CUDA).
#[derive(Debug)]
pub struct GruOutputs {
    pub output: Tensor,
    pub h: Tensor,
    pub saved: GruSaved,
}

/// Saved forward state of the fused GRU (never constructed without CUDA).
#[derive(Debug)]
pub struct GruSaved {
    _never: std::convert::Infallible,
}

/// Fused GRU forward (needs the `cuda` feature).
pub fn gru_forward(_inp: &GruInputs<'_>) -> Result<GruOutputs> {
    Err(TensorError::NotCompiledWithCuda)
}
/// Fused GRU backward (needs the `cuda` feature).
pub fn gru_backward(
    saved: &GruSaved,
    _d_output: Option<&Tensor>,
    _d_h: Option<&Tensor>,
) -> Result<GruGrads> {
    match saved._never {}
}
