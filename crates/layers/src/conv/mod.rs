//! Convolution and pooling layers: Conv1D, Conv2D, (Global) max / average pooling.
pub mod conv1d;
pub mod conv2d;
pub mod fused;
pub mod im2col;
pub mod padding;
pub mod tuple_arg;
