//! The tensor crate's typed error: every failure names the op and the shapes involved.
use thiserror::Error;

/// Errors raised by tensor operations. Messages say what was wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TensorError {
    /// Two operands whose shapes do not fit together.
    #[error("{op}: shapes {lhs:?} and {rhs:?} are incompatible ({hint})")]
    ShapeMismatch {
        op: &'static str,
        lhs: Vec<usize>,
        rhs: Vec<usize>,
        hint: String,
    },
    /// One operand with a shape the op cannot take.
    #[error("{op}: expected {expected}, got shape {got:?}")]
    InvalidShape {
        op: &'static str,
        expected: String,
        got: Vec<usize>,
    },
    /// A data buffer whose length does not match the declared shape.
    #[error("{op}: shape {shape:?} needs {expected} elements but the data has {got}")]
    DataLength {
        op: &'static str,
        shape: Vec<usize>,
        expected: usize,
        got: usize,
    },
    /// An axis outside the tensor's rank.
    #[error("{op}: axis {axis} is out of range for a tensor of rank {rank}")]
    AxisOutOfRange {
        op: &'static str,
        axis: isize,
        rank: usize,
    },
    /// An index (token id, slice bound) outside its valid range.
    #[error("{op}: index {index} is out of range 0..{bound}{hint}")]
    IndexOutOfRange {
        op: &'static str,
        index: i64,
        bound: usize,
        hint: String,
    },
    /// A tensor too large to allocate (never allocate from an untrusted size).
    #[error("{op}: shape {shape:?} has too many elements ({detail})")]
    TooLarge {
        op: &'static str,
        shape: Vec<usize>,
        detail: String,
    },
    /// The crate was built without the `cuda` feature.
    #[error("CUDA support is not compiled in: rebuild with `--features cuda`")]
    NotCompiledWithCuda,
    /// Operands live on different devices.
    #[error("{op}: operands are on different devices ({lhs} and {rhs}); move them with `.to(device)` first")]
    DeviceMismatch {
        op: &'static str,
        lhs: String,
        rhs: String,
    },
    /// An op that has no implementation on the requested device yet.
    #[error(
        "{op} is not available on {device}; move the tensor to the CPU with `.to(Device::Cpu)`"
    )]
    UnsupportedOnDevice { op: &'static str, device: String },
    /// A failure reported by the CUDA driver, cuBLAS or NVRTC.
    #[error("CUDA error in {op}: {message}")]
    Cuda { op: &'static str, message: String },
    /// An argument with an invalid value (negative rate, empty list, ...).
    #[error("{op}: {message}")]
    InvalidArgument { op: &'static str, message: String },
}

/// Result alias for tensor operations.
pub type Result<T> = std::result::Result<T, TensorError>;
