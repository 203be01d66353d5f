//! Fused recurrent sequence ops — Keras's `backend.lstm` / `backend.gru` / `backend.rnn` seam.
//!
//! A recurrent layer (in `kerust-layers`) holds only its Keras config and weights; to run it calls
//! [`rnn`] with a [`Cell`], the sequence and its weights ([`SequenceInputs`]) and the Keras `RNN`
//! options ([`SequenceOptions`]). The op runs the whole sequence forward and returns the outputs
//! with a [`SequenceBackward`] that computes every input's gradient from the outputs' gradients;
//! the layer records both as one tape node.
//!
//! Dispatch is on the storage of the input, one `match` per op:
//! - CPU: one GEMM for `x·W` over all steps, then per batch chunk (one rayon task each) the time
//!   loop with `h·U` against a kernel packed once, and a hand-written BPTT. The same bits for any
//!   number of threads.
//! - CUDA (feature `cuda`): the fused LSTM and GRU kernels of `cuda_backend`. Configurations they
//!   do not fuse (other activations, recurrent dropout, `reset_after=false`, SimpleRNN) fall back
//!   to the CPU loop on a host copy, like Keras falls back from cuDNN to its generic loop, and the
//!   results go back to the device.
//!
//! ```
//! use kerust_tensor::recurrent::{rnn, Cell, SequenceInputs, SequenceOptions};
//! use kerust_tensor::Tensor;
//! # fn main() -> kerust_tensor::Result<()> {
//! let (b, t, d, u) = (2, 5, 3, 4);
//! let x = Tensor::ones(&[b, t, d])?;
//! let kernel = Tensor::full(&[d, 4 * u], 0.1)?;
//! let recurrent_kernel = Tensor::full(&[u, 4 * u], 0.05)?;
//! let inputs = SequenceInputs::new(&x, &kernel, &recurrent_kernel);
//! let (outputs, backward) = rnn(Cell::lstm(), &inputs, SequenceOptions::default())?;
//! assert_eq!(outputs[0].shape(), &[b, u]); // last output, then h and c
//! assert_eq!(outputs.len(), 3);
//! let grads = backward.backward(&[Some(Tensor::ones(&[b, u])?), None, None])?;
//! assert_eq!(grads[1].as_ref().unwrap().shape(), &[d, 4 * u]); // dL/dkernel
//! # Ok(())
//! # }
//! ```
mod activation;
mod chunks;
mod cuda_dispatch;
mod gru;
mod lstm;
mod sequence;
mod simple_rnn;

pub use activation::{fast_exp, fast_sigmoid, fast_tanh, RecurrentActivation, ScalarFn};

use crate::error::Result;
use crate::storage::Storage;
use crate::tensor::Tensor;
use sequence::Prepared;

/// Which recurrent cell to run, with its activations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Keras `SimpleRNN`: `h' = act(x·W + h·U + b)`; weights `[d, u]`, `[u, u]`, bias `[u]`.
    SimpleRnn {
        /// Keras `activation` (default `tanh`).
        activation: RecurrentActivation,
    },
    /// Keras `LSTM`, gates `i, f, c, o`: `z = x·W + h·U + b`, `i,f,o = σ(z)`, `g = act(z_c)`,
    /// `c' = f·c + i·g`, `h' = o·act(c')`; weights `[d, 4u]`, `[u, 4u]`, bias `[4u]`.
    Lstm {
        /// Keras `activation` (default `tanh`).
        activation: RecurrentActivation,
        /// Keras `recurrent_activation` (default `sigmoid`).
        recurrent_activation: RecurrentActivation,
    },
    /// Keras `GRU`, gates `z, r, h`. `reset_after=true` (bias `[2, 3u]`):
    /// `hh = act(x·W_h + b_h + r ⊙ (h·U_h + b'_h))`; `reset_after=false` (bias `[3u]`):
    /// `hh = act(x·W_h + b_h + (r ⊙ h)·U_h)`; then `h' = z ⊙ h + (1 − z) ⊙ hh`.
    Gru {
        /// Keras `activation` (default `tanh`).
        activation: RecurrentActivation,
        /// Keras `recurrent_activation` (default `sigmoid`).
        recurrent_activation: RecurrentActivation,
        /// Keras `reset_after` (default `true`, the cuDNN form).
        reset_after: bool,
    },
}

impl Cell {
    /// `SimpleRNN` with Keras's default `tanh`.
    pub fn simple_rnn() -> Self {
        Cell::SimpleRnn {
            activation: RecurrentActivation::Tanh,
        }
    }
    /// `LSTM` with Keras's default `tanh` / `sigmoid`.
    pub fn lstm() -> Self {
        Cell::Lstm {
            activation: RecurrentActivation::Tanh,
            recurrent_activation: RecurrentActivation::Sigmoid,
        }
    }
    /// `GRU` with Keras's defaults (`tanh` / `sigmoid`, `reset_after=true`).
    pub fn gru() -> Self {
        Cell::Gru {
            activation: RecurrentActivation::Tanh,
            recurrent_activation: RecurrentActivation::Sigmoid,
            reset_after: true,
        }
    }
    /// Gate blocks in the kernels' last axis (1, 4 or 3).
    pub fn gates(&self) -> usize {
        match self {
            Cell::SimpleRnn { .. } => 1,
            Cell::Lstm { .. } => 4,
            Cell::Gru { .. } => 3,
        }
    }
    /// State tensors the cell carries (`h`, plus `c` for LSTM).
    pub fn n_states(&self) -> usize {
        match self {
            Cell::Lstm { .. } => 2,
            _ => 1,
        }
    }
    /// The Keras class name of the layer that runs this cell.
    pub fn class_name(&self) -> &'static str {
        match self {
            Cell::SimpleRnn { .. } => "SimpleRNN",
            Cell::Lstm { .. } => "LSTM",
            Cell::Gru { .. } => "GRU",
        }
    }
    /// The shape Keras gives this cell's bias for `units`.
    pub fn bias_shape(&self, units: usize) -> Vec<usize> {
        match self {
            Cell::Gru {
                reset_after: true, ..
            } => vec![2, 3 * units],
            _ => vec![self.gates() * units],
        }
    }
}

/// The tensors of one recurrent call. All on one device.
#[derive(Debug, Clone, Copy)]
pub struct SequenceInputs<'a> {
    /// The sequence `[batch, time, features]`.
    pub x: &'a Tensor,
    /// `[features, gates·units]`, gate blocks in Keras order.
    pub kernel: &'a Tensor,
    /// `[units, gates·units]`.
    pub recurrent_kernel: &'a Tensor,
    /// See [`Cell::bias_shape`]; `None` for `use_bias=False`.
    pub bias: Option<&'a Tensor>,
    /// No initial states (zeros), or exactly [`Cell::n_states`] of `[batch, units]`.
    pub initial_states: &'a [Tensor],
    /// Per-step keep flags `[batch, time]` (non-zero = keep). A masked step carries the state
    /// over, and its output is the previous output (or zeros with `zero_output_for_mask`).
    pub mask: Option<&'a Tensor>,
    /// Keras `dropout`: the scaled keep mask `[batch, features]` applied to every step's input
    /// (one mask per sequence). The layer draws it; the op only applies it.
    pub dropout_mask: Option<&'a Tensor>,
    /// Keras `recurrent_dropout`: the scaled keep mask `[batch, units]` applied to the state
    /// before `h·U`.
    pub recurrent_dropout_mask: Option<&'a Tensor>,
}

impl<'a> SequenceInputs<'a> {
    /// A sequence and its two kernels: no bias, zero initial states, no masks.
    pub fn new(x: &'a Tensor, kernel: &'a Tensor, recurrent_kernel: &'a Tensor) -> Self {
        Self {
            x,
            kernel,
            recurrent_kernel,
            bias: None,
            initial_states: &[],
            mask: None,
            dropout_mask: None,
            recurrent_dropout_mask: None,
        }
    }
}

/// Keras `RNN` options that change what the op computes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SequenceOptions {
    /// Return every step's output `[batch, time, units]` (default `false`: the last `[batch, units]`).
    pub return_sequences: bool,
    /// Read the sequence last-to-first (default `false`); outputs stay in processing order.
    pub go_backwards: bool,
    /// Masked steps output zeros instead of repeating the previous output (default `false`;
    /// Keras's `Bidirectional` sets it to `return_sequences`).
    pub zero_output_for_mask: bool,
}

/// The backward half of one [`rnn`] call, holding what the forward saved.
///
/// [`backward`](Self::backward) takes the gradients of the outputs in the order `rnn` returned
/// them (`None` where no gradient arrived) and returns the gradients of, in order: `x`, `kernel`,
/// `recurrent_kernel`, `bias` (only when there was one), then each initial state (only when they
/// were given). Dropout masks and the step mask get none.
pub struct SequenceBackward(Saved);

enum Saved {
    SimpleRnn(simple_rnn::Saved),
    Lstm(lstm::Saved),
    Gru(gru::Saved),
    Cuda(cuda_dispatch::Saved),
}

impl SequenceBackward {
    /// Input gradients from output gradients; see the type's documentation for the order.
    pub fn backward(&self, grads: &[Option<Tensor>]) -> Result<Vec<Option<Tensor>>> {
        match &self.0 {
            Saved::SimpleRnn(s) => s.backward(grads),
            Saved::Lstm(s) => s.backward(grads),
            Saved::Gru(s) => s.backward(grads),
            Saved::Cuda(s) => s.backward(grads),
        }
    }
}

/// Run `cell` over the whole sequence: `[output, state_1, ...]` (the final `h`, and `c` for
/// LSTM) and the backward half. Shapes are checked and reported as typed errors.
pub fn rnn(
    cell: Cell,
    inputs: &SequenceInputs<'_>,
    options: SequenceOptions,
) -> Result<(Vec<Tensor>, SequenceBackward)> {
    match &*inputs.x.storage {
        Storage::Cpu(_) => rnn_cpu(cell, inputs, options),
        Storage::Cuda(_) => cuda_dispatch::rnn(cell, inputs, options),
    }
}

/// The CPU loop for every cell (also the CUDA fallback, on host copies).
fn rnn_cpu(
    cell: Cell,
    inputs: &SequenceInputs<'_>,
    options: SequenceOptions,
) -> Result<(Vec<Tensor>, SequenceBackward)> {
    let p = Prepared::new(cell, inputs, options)?;
    let (outs, saved) = match cell {
        Cell::SimpleRnn { activation } => {
            let (o, s) = simple_rnn::forward(p, activation)?;
            (o, Saved::SimpleRnn(s))
        }
        Cell::Lstm {
            activation,
            recurrent_activation,
        } => {
            let (o, s) = lstm::forward(p, activation, recurrent_activation)?;
            (o, Saved::Lstm(s))
        }
        Cell::Gru {
            activation,
            recurrent_activation,
            reset_after,
        } => {
            let (o, s) = gru::forward(p, activation, recurrent_activation, reset_after)?;
            (o, Saved::Gru(s))
        }
    };
    Ok((outs, SequenceBackward(saved)))
}

#[cfg(test)]
mod tests;
