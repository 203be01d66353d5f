//! Where a tensor's data lives.
use std::fmt;

/// A compute device. `Cuda(ordinal)` exists in every build; without the `cuda` feature using it
/// returns `TensorError::NotCompiledWithCuda`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Device {
    #[default]
    Cpu,
    Cuda(usize),
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
            Device::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}
