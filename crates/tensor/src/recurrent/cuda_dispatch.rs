//! The recurrent op on a CUDA tensor: the fused device LSTM / GRU where they implement the call
//! exactly, the CPU loop on host copies otherwise (Keras's cuDNN-or-generic rule).
//!
//! The fused kernels take the default activations (`tanh` / `sigmoid`), no recurrent dropout
//! and, for GRU, `reset_after=true`; input dropout and `zero_output_for_mask` with
//! `return_sequences` are applied around them with device elementwise products.
use super::{
    rnn_cpu, Cell, RecurrentActivation, SequenceBackward, SequenceInputs, SequenceOptions,
};
use crate::cuda_backend::{
    gru_backward, gru_forward, lstm_backward, lstm_forward, GruInputs, GruSaved, LstmInputs,
    LstmSaved,
};
use crate::device::Device;
use crate::error::Result;
use crate::tensor::Tensor;

/// What the backward of a CUDA call needs.
pub(super) struct Saved {
    kind: Kind,
    /// `[b, 1, d]` input dropout mask on the device, multiplied into `dx`.
    dropout: Option<Tensor>,
    /// `[b, t, 1]` step mask in processing order, multiplied into the output gradient when masked
    /// outputs are zeros.
    zero_output: Option<Tensor>,
    has_bias: bool,
    n_init: usize,
}

enum Kind {
    Lstm(LstmSaved),
    Gru(GruSaved),
    /// The CPU loop ran on host copies; gradients go back to `device`.
    Host(Box<SequenceBackward>, Device),
}

/// Whether the device kernels compute this call exactly.
fn fused(cell: Cell, inp: &SequenceInputs<'_>, opts: SequenceOptions) -> bool {
    use RecurrentActivation::{Sigmoid, Tanh};
    let default_acts = match cell {
        Cell::Lstm {
            activation,
            recurrent_activation,
        } => activation == Tanh && recurrent_activation == Sigmoid,
        Cell::Gru {
            activation,
            recurrent_activation,
            reset_after,
        } => reset_after && activation == Tanh && recurrent_activation == Sigmoid,
        Cell::SimpleRnn { .. } => false,
    };
    // Zeros at masked steps are a product on the sequence output; the last output alone would
    // need the kernel's help.
    let zero_output_ok = !opts.zero_output_for_mask || opts.return_sequences || inp.mask.is_none();
    default_acts && inp.recurrent_dropout_mask.is_none() && zero_output_ok
}

/// The op on a CUDA input.
pub(super) fn rnn(
    cell: Cell,
    inp: &SequenceInputs<'_>,
    opts: SequenceOptions,
) -> Result<(Vec<Tensor>, SequenceBackward)> {
    let (b, t, d, u) = super::sequence::check(cell, inp)?;
    let device = inp.x.device();
    if !fused(cell, inp, opts) {
        return host_fallback(cell, inp, opts, device);
    }
    let on = |x: &Tensor| x.to(device);
    let dropout = match inp.dropout_mask {
        Some(m) => Some(on(&m.reshape(&[b, 1, d])?)?),
        None => None,
    };
    let x = match &dropout {
        Some(m) => inp.x.mul(m)?,
        None => inp.x.clone(),
    };
    let mask = match inp.mask {
        Some(m) => Some(on(m)?.reshape(&[b, t])?),
        None => None,
    };
    let zero_output = match (&mask, opts.zero_output_for_mask && opts.return_sequences) {
        (Some(m), true) => {
            let m = m.reshape(&[b, t, 1])?;
            Some(if opts.go_backwards { m.flip(1)? } else { m })
        }
        _ => None,
    };
    let zeros = Tensor::zeros(&[b, u])?.to(device)?;
    let state = |i: usize| inp.initial_states.get(i).map_or(Ok(zeros.clone()), on);
    let (kernel, recurrent_kernel) = (on(inp.kernel)?, on(inp.recurrent_kernel)?);
    let bias = inp.bias.map(on).transpose()?;
    let (mut outs, kind) = match cell {
        Cell::Lstm { .. } => {
            let (h0, c0) = (state(0)?, state(1)?);
            let o = lstm_forward(&LstmInputs {
                x: &x,
                h0: &h0,
                c0: &c0,
                kernel: &kernel,
                recurrent_kernel: &recurrent_kernel,
                bias: bias.as_ref(),
                mask: mask.as_ref(),
                go_backwards: opts.go_backwards,
                return_sequences: opts.return_sequences,
            })?;
            (vec![o.output, o.h, o.c], Kind::Lstm(o.saved))
        }
        Cell::Gru { .. } => {
            let h0 = state(0)?;
            let o = gru_forward(&GruInputs {
                x: &x,
                h0: &h0,
                kernel: &kernel,
                recurrent_kernel: &recurrent_kernel,
                bias: bias.as_ref(),
                mask: mask.as_ref(),
                go_backwards: opts.go_backwards,
                return_sequences: opts.return_sequences,
            })?;
            (vec![o.output, o.h], Kind::Gru(o.saved))
        }
        // Not fused (see `fused`); kept as a match arm so a new cell cannot slip through.
        Cell::SimpleRnn { .. } => return host_fallback(cell, inp, opts, device),
    };
    if let Some(m) = &zero_output {
        outs[0] = outs[0].mul(m)?;
    }
    let saved = Saved {
        kind,
        dropout,
        zero_output,
        has_bias: inp.bias.is_some(),
        n_init: inp.initial_states.len(),
    };
    Ok((outs, SequenceBackward(super::Saved::Cuda(saved))))
}

/// Run the CPU loop on host copies and bring the outputs back to `device`.
fn host_fallback(
    cell: Cell,
    inp: &SequenceInputs<'_>,
    opts: SequenceOptions,
    device: Device,
) -> Result<(Vec<Tensor>, SequenceBackward)> {
    let host = |x: &Tensor| x.to(Device::Cpu);
    let opt_host = |x: Option<&Tensor>| x.map(host).transpose();
    let (x, kernel, recurrent_kernel) =
        (host(inp.x)?, host(inp.kernel)?, host(inp.recurrent_kernel)?);
    let bias = opt_host(inp.bias)?;
    let init = inp
        .initial_states
        .iter()
        .map(host)
        .collect::<Result<Vec<_>>>()?;
    let mask = opt_host(inp.mask)?;
    let dropout_mask = opt_host(inp.dropout_mask)?;
    let recurrent_dropout_mask = opt_host(inp.recurrent_dropout_mask)?;
    let host_inputs = SequenceInputs {
        x: &x,
        kernel: &kernel,
        recurrent_kernel: &recurrent_kernel,
        bias: bias.as_ref(),
        initial_states: &init,
        mask: mask.as_ref(),
        dropout_mask: dropout_mask.as_ref(),
        recurrent_dropout_mask: recurrent_dropout_mask.as_ref(),
    };
    let (outs, back) = rnn_cpu(cell, &host_inputs, opts)?;
    let outs = outs
        .iter()
        .map(|o| o.to(device))
        .collect::<Result<Vec<_>>>()?;
    let saved = Saved {
        kind: Kind::Host(Box::new(back), device),
        dropout: None,
        zero_output: None,
        has_bias: inp.bias.is_some(),
        n_init: inp.initial_states.len(),
    };
    Ok((outs, SequenceBackward(super::Saved::Cuda(saved))))
}

impl Saved {
    /// Input gradients in the order of `SequenceBackward::backward`.
    pub(super) fn backward(&self, g: &[Option<Tensor>]) -> Result<Vec<Option<Tensor>>> {
        let grad = |i: usize| g.get(i).and_then(Option::as_ref);
        let d_out = match (grad(0), &self.zero_output) {
            (Some(go), Some(m)) => Some(go.mul(m)?),
            (go, _) => go.cloned(),
        };
        let (dx, dk, dr, db, dstates) = match &self.kind {
            Kind::Host(back, device) => {
                let host = g
                    .iter()
                    .map(|o| o.as_ref().map(|t| t.to(Device::Cpu)).transpose())
                    .collect::<Result<Vec<_>>>()?;
                return back
                    .backward(&host)?
                    .into_iter()
                    .map(|o| o.map(|t| t.to(*device)).transpose())
                    .collect();
            }
            Kind::Lstm(s) => {
                let r = lstm_backward(s, d_out.as_ref(), grad(1), grad(2))?;
                (
                    r.dx,
                    r.dkernel,
                    r.drecurrent_kernel,
                    r.dbias,
                    vec![r.dh0, r.dc0],
                )
            }
            Kind::Gru(s) => {
                let r = gru_backward(s, d_out.as_ref(), grad(1))?;
                (r.dx, r.dkernel, r.drecurrent_kernel, r.dbias, vec![r.dh0])
            }
        };
        let dx = match &self.dropout {
            Some(m) => dx.mul(m)?,
            None => dx,
        };
        let mut out = vec![Some(dx), Some(dk), Some(dr)];
        if self.has_bias {
            out.push(db);
        }
        if self.n_init > 0 {
            out.extend(dstates.into_iter().map(Some));
        }
        Ok(out)
    }
}
