//! Convolution and pooling layers: Conv1D, Conv2D, (Global) max / average pooling.
pub mod conv1d;
pub mod conv2d;
pub mod fused;
pub mod global_average_pooling1d;
pub mod global_max_pooling1d;
pub mod im2col;
pub mod padding;
pub mod pool_kernel;
pub mod pooling;
pub mod tuple_arg;
