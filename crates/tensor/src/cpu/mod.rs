//! CPU kernels for `Tensor`: elementwise maps with broadcasting, reductions, GEMM, gathers, layout ops.
pub mod elementwise;
pub mod gather;
pub mod gemm;
pub mod layout;
pub mod packed_gemm;
pub mod reduce;
