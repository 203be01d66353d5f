//! The CUDA backend (feature `cuda`): device storage, cuBLAS GEMMs, kernels from
//! `crates/tensor/kernels/*.cu` (committed PTX, NVRTC fallback) and the fused LSTM and GRU.
//!
//! Ops on `Tensor` dispatch here when their operands live on `Device::Cuda(_)`; callers normally
//! use the `Tensor` methods rather than these functions. Validation (shapes, axes, ids) happens
//! in the `Tensor` method before dispatch, so these functions take already-checked arguments.
mod context;
mod elementwise;
mod gather;
mod gemm;
mod gru;
mod gru_types;
pub mod kernels;
mod layout;
mod lstm;
mod lstm_types;
pub mod op_codes;
mod reduce;
mod storage;

pub use context::{device_count, CudaDev};
pub use elementwise::{binary, broadcast_to, sum_to_shape, unary, MAX_RANK};
pub use gather::{gather_rows, scatter_add_rows};
pub use gemm::{bmm_t, matmul_t, sgemm};
pub use gru::{gru_backward, gru_forward, GruGrads, GruInputs, GruOutputs, GruSaved};
pub use layout::{concat, flip, select_rows, slice, transpose};
pub use lstm::{lstm_backward, lstm_forward, LstmGrads, LstmInputs, LstmOutputs, LstmSaved};
pub use reduce::{reduce, softmax};
pub use storage::CudaStorage;

/// Whether a usable CUDA device is present: the driver loads and reports at least one device.
pub fn is_available() -> bool {
    device_count() > 0
}

/// Wait until all work queued on device `ordinal` has finished (for timing).
pub fn synchronize(ordinal: usize) -> crate::Result<()> {
    context::device(ordinal)?.synchronize()
}
