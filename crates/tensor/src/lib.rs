//! `kerust-tensor`: the f32 n-d tensor every other kerust crate computes with.
//!
//! Storage is an enum with a CPU and a CUDA variant ([`Storage`]); without the `cuda` feature the
//! CUDA side is a stub whose constructors return [`TensorError::NotCompiledWithCuda`], so ops do
//! not need `#[cfg]` of their own. With the feature, [`cuda_backend`] is the real backend
//! (cudarc with dynamic loading: it builds without the CUDA toolkit, and a machine without the
//! driver gets `TensorError::Cuda`, never a panic): move data with `tensor.to(Device::Cuda(0))`
//! and the named ops (`add`, `exp`, `sum_axis`, `softmax`, `matmul_t`, `bmm_t`, `gather_rows`,
//! `transpose`, `concat`, ...) run on the device; closure-based `map` / `zip_map` stay CPU-only.
//! Kernels are `crates/tensor/kernels/*.cu`, built to committed PTX by `cargo xtask cuda`.
pub mod cpu;
pub mod device;
pub mod error;
pub mod int;
pub mod malloc_tuning;
pub mod ops;
pub mod recurrent;
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

pub use cpu::gemm::sgemm;
pub use cpu::packed_gemm::{sgemm_packed, PackedB};
pub use device::{takes_device_path, with_device_paths, Device};
pub use error::{Result, TensorError};
pub use int::IntTensor;
pub use ops::elementwise::sigmoid;
pub use rng::Rng;
pub use storage::Storage;
pub use tensor::Tensor;
