//! Argument and result types of the fused LSTM (shared by the CUDA build and the stub).
use crate::tensor::Tensor;

/// Inputs of [`lstm_forward`](super::lstm_forward). All tensors on the same CUDA device.
///
/// Keras layout and semantics: `kernel` is `[features, 4·units]` and `recurrent_kernel`
/// `[units, 4·units]` with gate blocks in the order i, f, c, o; `bias` is `[4·units]`; activation
/// tanh, recurrent activation sigmoid. `mask` is `[batch, time]` (non-zero = keep); a masked step
/// carries state and output over from the previous step. With `go_backwards` the sequence is read
/// last-to-first and outputs stay in processing order, as in Keras.
///
/// How a layer uses it (one tape node for the whole sequence; `saved` lives in the backward closure):
/// ```no_run
/// use kerust_tensor::cuda_backend::{lstm_backward, lstm_forward, LstmInputs};
/// use kerust_tensor::{Device, Tensor};
/// # fn main() -> kerust_tensor::Result<()> {
/// let dev = Device::Cuda(0);
/// let (b, t, d, u) = (32, 15, 8, 16);
/// let x = Tensor::zeros(&[b, t, d])?.to(dev)?;
/// let h0 = Tensor::zeros(&[b, u])?.to(dev)?;
/// let kernel = Tensor::zeros(&[d, 4 * u])?.to(dev)?;
/// let recurrent = Tensor::zeros(&[u, 4 * u])?.to(dev)?;
/// let bias = Tensor::zeros(&[4 * u])?.to(dev)?;
/// let out = lstm_forward(&LstmInputs {
///     x: &x,
///     h0: &h0,
///     c0: &h0,
///     kernel: &kernel,
///     recurrent_kernel: &recurrent,
///     bias: Some(&bias),
///     mask: None,
///     go_backwards: false,
///     return_sequences: true,
/// })?;
/// assert_eq!(out.output.shape(), &[b, t, u]);
/// // Backward, given dL/d(output) (and optionally dL/dh, dL/dc of the final states):
/// let d_out = Tensor::ones(&[b, t, u])?.to(dev)?;
/// let g = lstm_backward(&out.saved, Some(&d_out), None, None)?;
/// assert_eq!(g.dkernel.shape(), &[d, 4 * u]);
/// # Ok(())
/// # }
/// ```
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
