//! `kerust-tensor`: an f32 n-d tensor with CPU storage on `ndarray` and CUDA storage on `cudarc`.
