//! Argument and result types of the fused LSTM (shared by the CUDA build and the stub).
use crate::tensor::Tensor;

/// Inputs of [`lstm_forward`](super::lstm_forward). All tensors on the same CUDA device.
///
/// Keras layout and semantics: `kernel` is `[features, 4·units]` and `recurrent_kernel`
/// `[units, 4·units]` with gate blocks in the order i, f, c, o; `bias` is `[4·units]`; activation
/// tanh, recurrent activation sigmoid. `mask` is `[batch, time]` (non-zero = keep); a masked step
/// carries state and output over from the previous step. With `go_backwards` the sequence is read
/// last-to-first and outputs stay in processing order, as in Keras.
#[derive(Debug, Clone, Copy)]
pub struct LstmInputs<'a> {
    /// `[batch, time, features]`
    pub x: &'a Tensor,
    /// Initial hidden state `[batch, units]`.
    pub h0: &'a Tensor,
    /// Initial cell state `[batch, units]`.
    pub c0: &'a Tensor,
    /// `[features, 4·units]`
    pub kernel: &'a Tensor,
    /// `[units, 4·units]`
    pub recurrent_kernel: &'a Tensor,
    /// `[4·units]`
    pub bias: Option<&'a Tensor>,
    /// `[batch, time]`
    pub mask: Option<&'a Tensor>,
    pub go_backwards: bool,
    pub return_sequences: bool,
}

/// Gradients returned by [`lstm_backward`](super::lstm_backward), shaped like the inputs.
#[derive(Debug, Clone)]
pub struct LstmGrads {
    pub dx: Tensor,
    pub dh0: Tensor,
    pub dc0: Tensor,
    pub dkernel: Tensor,
    pub drecurrent_kernel: Tensor,
    pub dbias: Option<Tensor>,
}
