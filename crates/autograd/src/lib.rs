//! Tape-based reverse-mode automatic differentiation over `kerust_tensor::Tensor`.
