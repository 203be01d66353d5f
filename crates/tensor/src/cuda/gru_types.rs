//! Argument and result types of the fused GRU (shared by the CUDA build and the stub).
use crate::tensor::Tensor;

/// Inputs of [`gru_forward`](super::gru_forward). All tensors on the same CUDA device.
///
/// Keras `GRU(reset_after=True)` layout (the Keras default): `kernel` `[features, 3·units]` and
/// `recurrent_kernel` `[units, 3·units]` with gate blocks z, r, h; `bias` `[2, 3·units]` (row 0
/// input bias, row 1 recurrent bias); activation tanh, recurrent activation sigmoid. `mask`,
/// `go_backwards` and `return_sequences` behave as in [`LstmInputs`](super::LstmInputs).
/// `reset_after=False` and other activations are not fused: use the CPU path for those.
#[derive(Debug, Clone, Copy)]
pub struct GruInputs<'a> {
    /// `[batch, time, features]`
    pub x: &'a Tensor,
    /// Initial hidden state `[batch, units]`.
    pub h0: &'a Tensor,
    /// `[features, 3·units]`
    pub kernel: &'a Tensor,
    /// `[units, 3·units]`
    pub recurrent_kernel: &'a Tensor,
    /// `[2, 3·units]`
    pub bias: Option<&'a Tensor>,
    /// `[batch, time]`
    pub mask: Option<&'a Tensor>,
    pub go_backwards: bool,
    pub return_sequences: bool,
}

/// Gradients returned by [`gru_backward`](super::gru_backward), shaped like the inputs.
#[derive(Debug, Clone)]
pub struct GruGrads {
    pub dx: Tensor,
    pub dh0: Tensor,
    pub dkernel: Tensor,
    pub drecurrent_kernel: Tensor,
    /// `[2, 3·units]` when the forward had a bias.
    pub dbias: Option<Tensor>,
}
