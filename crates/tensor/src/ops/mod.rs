//! The device-independent tensor API: methods on `Tensor` that check shapes, then dispatch on its
//! storage (the CPU loop here or in `cpu/`, or the CUDA backend). Elementwise maps with broadcasting,
//! reductions and softmax, matrix products, row gathers, layout ops.
pub mod elementwise;
pub mod gather;
pub mod layout;
pub mod matmul;
pub mod reduce;
