//! CPU kernels that work on plain `f32` slices: the general GEMM (`sgemm`) and the GEMM against a
//! packed, reused right-hand matrix (`sgemm_packed`, for the recurrent loops). The tensor ops that
//! dispatch on storage live in `ops/`.
pub mod gemm;
pub mod packed_gemm;
