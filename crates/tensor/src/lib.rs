//! `kerust-tensor`: the f32 n-d tensor every other kerust crate computes with.
//!
//! Storage is an enum with a CPU and a CUDA variant ([`Storage`]); without the `cuda` feature the
//! CUDA side is a stub whose constructors return [`TensorError::NotCompiledWithCuda`], so ops do
//! not need `#[cfg]` of their own.
pub mod cpu;
pub mod device;
pub mod error;
pub mod int;
pub mod rng;
pub mod shape;
pub mod storage;
pub mod tensor;

#[cfg(not(feature = "cuda"))]
#[path = "cuda_stub.rs"]
pub mod cuda_backend;
#[cfg(feature = "cuda")]
#[path = "cuda/mod.rs"]
pub mod cuda_backend;

pub use cpu::elementwise::sigmoid;
pub use cpu::gemm::sgemm;
pub use device::Device;
pub use error::{Result, TensorError};
pub use int::IntTensor;
pub use rng::Rng;
pub use storage::Storage;
pub use tensor::Tensor;
