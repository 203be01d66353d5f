//! What the three CPU cells share: the checked, host-side form of a call ([`Prepared`]), the
//! per-step mask and output rules of the time loop ([`SeqLoop`]), the incoming gradients of the
//! node and the whole-sequence input and kernel gradients.
use super::{Cell, SequenceInputs, SequenceOptions};
use crate::cpu::gemm::sgemm;
use crate::cpu::packed_gemm::{sgemm_packed, PackedB};
use crate::error::{Result, TensorError};
use crate::tensor::Tensor;

/// One recurrent call, checked and on the host: sizes, the input with its dropout mask applied,
/// weights, initial states, masks as flat buffers and the reading order of the steps.
pub(super) struct Prepared {
    pub b: usize,
    pub t: usize,
    pub d: usize,
    pub u: usize,
    /// `x` with the input dropout mask applied (`x` itself without one).
    pub xd: Tensor,
    pub w: Tensor,
    pub rk: Tensor,
    pub bias: Option<Tensor>,
    pub init: Vec<Tensor>,
    /// Per-step keep flags `[b, t]`.
    pub mask: Option<Vec<f32>>,
    /// Input dropout keep mask `[b, d]`.
    pub dmask: Option<Vec<f32>>,
    /// Recurrent dropout keep mask `[b, u]`.
    pub rmask: Option<Vec<f32>>,
    /// Reading order of the time steps (reversed for `go_backwards`).
    pub steps: Vec<usize>,
    pub return_sequences: bool,
    pub zero_output: bool,
}

fn shape_error(cell: Cell, what: String, got: &[usize]) -> TensorError {
    TensorError::InvalidShape {
        op: cell.class_name(),
        expected: what,
        got: got.to_vec(),
    }
}

/// A flat host copy of an optional `[rows, cols]` tensor, checked.
fn flat(
    cell: Cell,
    name: &str,
    t: Option<&Tensor>,
    rows: usize,
    cols: usize,
) -> Result<Option<Vec<f32>>> {
    match t {
        None => Ok(None),
        Some(m) if m.numel() == rows * cols && m.rank() >= 1 => Ok(Some(m.to_vec()?)),
        Some(m) => Err(shape_error(
            cell,
            format!("{name} of shape [{rows}, {cols}]"),
            m.shape(),
        )),
    }
}

/// Check the shapes of a call against each other (the same rules on every device): returns
/// `(b, t, d, u)`.
pub(super) fn check(cell: Cell, inp: &SequenceInputs<'_>) -> Result<(usize, usize, usize, usize)> {
    let &[b, t, d] = inp.x.shape() else {
        return Err(shape_error(
            cell,
            "an input of rank 3 [batch, time, features]".into(),
            inp.x.shape(),
        ));
    };
    if t == 0 {
        return Err(shape_error(
            cell,
            "a sequence of at least one time step".into(),
            inp.x.shape(),
        ));
    }
    let g = cell.gates();
    let u = match inp.recurrent_kernel.shape() {
        &[u, gu] if gu == g * u && u > 0 => u,
        s => {
            return Err(shape_error(
                cell,
                format!("recurrent_kernel of shape [units, {g}·units]"),
                s,
            ));
        }
    };
    if inp.kernel.shape() != [d, g * u] {
        return Err(shape_error(
            cell,
            format!(
                "kernel of shape [{d}, {}] for {d} input features and {u} units",
                g * u
            ),
            inp.kernel.shape(),
        ));
    }
    if let Some(bias) = inp.bias {
        let want = cell.bias_shape(u);
        if bias.shape() != want.as_slice() {
            return Err(shape_error(
                cell,
                format!("bias of shape {want:?}"),
                bias.shape(),
            ));
        }
    }
    let n = inp.initial_states.len();
    if n != 0 && n != cell.n_states() {
        return Err(TensorError::InvalidArgument {
            op: cell.class_name(),
            message: format!(
                "expected no initial states or {} of them, got {n}",
                cell.n_states()
            ),
        });
    }
    for s in inp.initial_states {
        if s.shape() != [b, u] {
            return Err(shape_error(
                cell,
                format!("initial state of shape [{b}, {u}]"),
                s.shape(),
            ));
        }
    }
    for (name, m, cols) in [
        ("mask", inp.mask, t),
        ("dropout mask", inp.dropout_mask, d),
        ("recurrent dropout mask", inp.recurrent_dropout_mask, u),
    ] {
        if let Some(m) = m {
            if m.numel() != b * cols {
                return Err(shape_error(
                    cell,
                    format!("{name} of shape [{b}, {cols}]"),
                    m.shape(),
                ));
            }
        }
    }
    Ok((b, t, d, u))
}

impl Prepared {
    /// Check a call and bring it to the host form the CPU loops take.
    pub(super) fn new(cell: Cell, inp: &SequenceInputs<'_>, opts: SequenceOptions) -> Result<Self> {
        let (b, t, d, u) = check(cell, inp)?;
        let mask = flat(cell, "mask", inp.mask, b, t)?;
        let dmask = flat(cell, "dropout mask", inp.dropout_mask, b, d)?;
        let rmask = flat(
            cell,
            "recurrent dropout mask",
            inp.recurrent_dropout_mask,
            b,
            u,
        )?;
        let xd = match &dmask {
            None => inp.x.clone(),
            Some(m) => {
                let mut v = inp.x.to_vec()?;
                apply_sequence_mask(&mut v, m, b, t, d);
                Tensor::from_vec(v, &[b, t, d])?
            }
        };
        let steps = if opts.go_backwards {
            (0..t).rev().collect()
        } else {
            (0..t).collect()
        };
        Ok(Self {
            b,
            t,
            d,
            u,
            xd,
            w: inp.kernel.clone(),
            rk: inp.recurrent_kernel.clone(),
            bias: inp.bias.cloned(),
            init: inp.initial_states.to_vec(),
            mask,
            dmask,
            rmask,
            steps,
            return_sequences: opts.return_sequences,
            zero_output: opts.zero_output_for_mask,
        })
    }

    /// Initial state `i` as a buffer (zeros when none was given).
    pub(super) fn initial_state(&self, i: usize) -> Result<Vec<f32>> {
        match self.init.get(i) {
            Some(v) => v.to_vec(),
            None => Ok(vec![0.0f32; self.b * self.u]),
        }
    }

    /// The output buffer of the forward loop's rows: `[b][t][u]` with `return_sequences`, else
    /// empty (the last output lives in `prev_out`).
    pub(super) fn sequence_buffer(&self) -> Vec<f32> {
        if self.return_sequences {
            vec![0.0f32; self.b * self.t * self.u]
        } else {
            Vec::new()
        }
    }
}

/// `[output, states...]` from a forward loop's buffers: the `[b][t][u]` sequence with
/// `return_sequences`, else the last output; then each `[b][u]` state.
pub(super) fn sequence_outputs(
    (b, t, u): (usize, usize, usize),
    return_sequences: bool,
    seq_out: Vec<f32>,
    prev_out: Vec<f32>,
    states: Vec<Vec<f32>>,
) -> Result<Vec<Tensor>> {
    let out = if return_sequences {
        Tensor::from_vec(seq_out, &[b, t, u])?
    } else {
        Tensor::from_vec(prev_out, &[b, u])?
    };
    let mut v = vec![out];
    for s in states {
        v.push(Tensor::from_vec(s, &[b, u])?);
    }
    Ok(v)
}

/// Multiply every `[d]` row of a `[b, t, d]` buffer by the sample's `[b, d]` dropout mask.
pub(super) fn apply_sequence_mask(x: &mut [f32], mask: &[f32], b: usize, t: usize, d: usize) {
    for bi in 0..b {
        let m = &mask[bi * d..(bi + 1) * d];
        for ti in 0..t {
            x[(bi * t + ti) * d..(bi * t + ti + 1) * d]
                .iter_mut()
                .zip(m)
                .for_each(|(v, k)| *v *= k);
        }
    }
}

/// What a recurrent forward time loop needs of the sequence, the same for every batch chunk.
#[derive(Debug, Clone, Copy)]
pub(super) struct SeqLoop<'a> {
    /// Time steps.
    pub t: usize,
    /// Per-step keep flags `[b, t]` (none: every step kept).
    pub mask: Option<&'a [f32]>,
    /// Recurrent dropout keep mask `[b, u]` applied to the state before `h·U`.
    pub rmask: Option<&'a [f32]>,
    /// Reading order of the steps.
    pub steps: &'a [usize],
    pub return_sequences: bool,
    /// Masked steps output zeros instead of repeating the previous output.
    pub zero_output: bool,
}

impl<'a> SeqLoop<'a> {
    pub(super) fn new(
        t: usize,
        (mask, rmask): (Option<&'a [f32]>, Option<&'a [f32]>),
        steps: &'a [usize],
        return_sequences: bool,
        zero_output: bool,
    ) -> Self {
        Self {
            t,
            mask,
            rmask,
            steps,
            return_sequences,
            zero_output,
        }
    }
    /// Whether batch row `row` is kept at time `step`.
    #[inline]
    pub(super) fn kept(&self, row: usize, step: usize) -> bool {
        kept(self.mask, row, self.t, step)
    }
    /// `hp` = the state `h` of the rows from `lo` (each `u` wide), after recurrent dropout.
    #[inline]
    pub(super) fn dropped_state(&self, hp: &mut [f32], h: &[f32], lo: usize, u: usize) {
        hp.copy_from_slice(h);
        if let Some(rm) = self.rmask {
            hp.iter_mut().zip(&rm[lo * u..]).for_each(|(v, m)| *v *= m);
        }
    }
    /// Row `bi`'s output at loop position `k`, given its new state `h`: its previous output (row
    /// `bi` of the chunk's `prev_out`) becomes `h` when the step is kept, zeros when masked with
    /// `zero_output` (else it is repeated), and with `return_sequences` it is written at position
    /// `k` of the chunk's `[rows][t][u]` `seq_out`.
    #[inline]
    pub(super) fn emit(
        &self,
        keep: bool,
        h: &[f32],
        prev_out: &mut [f32],
        seq_out: &mut [f32],
        bi: usize,
        k: usize,
    ) {
        let u = h.len();
        let po = &mut prev_out[bi * u..(bi + 1) * u];
        if keep {
            po.copy_from_slice(h);
        } else if self.zero_output {
            po.fill(0.0);
        }
        if self.return_sequences {
            seq_out[(bi * self.t + k) * u..(bi * self.t + k + 1) * u].copy_from_slice(po);
        }
    }
}

/// The gradients arriving at a recurrent node `[output, state_1..state_N]`, as buffers: the
/// output's (if any); one `[b·u]` buffer per state, zeros where none arrived; and the
/// accumulator of the gradient reaching the "previous output" that a masked step repeats, which
/// starts as the output gradient when only the last output is returned.
#[allow(clippy::type_complexity)]
pub(super) fn incoming_grads<const N: usize>(
    g: &[Option<Tensor>],
    bu: usize,
    return_sequences: bool,
) -> Result<(Option<Vec<f32>>, [Vec<f32>; N], Vec<f32>)> {
    let as_vec = |i: usize| {
        g.get(i)
            .and_then(Option::as_ref)
            .map(Tensor::to_vec)
            .transpose()
    };
    let g_out = as_vec(0)?;
    let mut states: [Vec<f32>; N] = std::array::from_fn(|_| vec![0.0f32; bu]);
    for (i, st) in states.iter_mut().enumerate() {
        if let Some(gs) = as_vec(i + 1)? {
            st.iter_mut().zip(&gs).for_each(|(a, v)| *a += v);
        }
    }
    let dout = match (&g_out, return_sequences) {
        (Some(go), false) => go.clone(),
        _ => vec![0.0f32; bu],
    };
    Ok((g_out, states, dout))
}

/// Whether sample `bi` is kept at time `step`.
#[inline]
pub(super) fn kept(mask: Option<&[f32]>, bi: usize, t: usize, step: usize) -> bool {
    mask.is_none_or(|m| m[bi * t + step] != 0.0)
}

/// `[dX, dW]` from the gradient of the projected inputs `dXW [b*t, n]`: `dX = dXW·Wᵀ ⊙ mask`,
/// `dW = X_dropᵀ·dXW`. The caller appends the remaining gradients. Rows of `xd` and `dxw` are
/// batch-major (`i·t + step`), or time-major in step order (`k·b + i` ↔ step `steps[k]`) when
/// `steps` is given; `dX` is always returned `[b, t, d]`.
pub(super) fn input_grads(
    xd: &[f32],
    w: &[f32],
    dxw: &[f32],
    dmask: Option<&Vec<f32>>,
    steps: Option<&[usize]>,
    [b, t, d, n]: [usize; 4],
) -> Result<Vec<Option<Tensor>>> {
    let mut dx = vec![0.0f32; b * t * d];
    if d <= 32 {
        // One output panel: the packed kernel skips matrixmultiply's repacking of the tall dXW
        // (SST, input width 32: 150 vs 88 GFLOP/s measured).
        sgemm_packed(b * t, dxw, &PackedB::new(w, n, d, true)?, 0.0, &mut dx)?;
    } else {
        sgemm(false, true, b * t, d, n, 1.0, dxw, w, 0.0, &mut dx)?;
    }
    if let Some(steps) = steps {
        let mut batch_major = vec![0.0f32; b * t * d];
        for (k, &st) in steps.iter().enumerate() {
            for bi in 0..b {
                batch_major[(bi * t + st) * d..(bi * t + st + 1) * d]
                    .copy_from_slice(&dx[(k * b + bi) * d..(k * b + bi + 1) * d]);
            }
        }
        dx = batch_major;
    }
    if let Some(m) = dmask {
        apply_sequence_mask(&mut dx, m, b, t, d);
    }
    let mut dw = vec![0.0f32; d * n];
    sgemm(true, false, d, n, b * t, 1.0, xd, dxw, 0.0, &mut dw)?;
    Ok(vec![
        Some(Tensor::from_vec(dx, &[b, t, d])?),
        Some(Tensor::from_vec(dw, &[d, n])?),
    ])
}

/// The part of a forward's saved state that every cell keeps alike: the masks, the processing
/// order and the call's options — what the backward needs besides the cell's own activations.
pub(super) struct SequenceRecord {
    /// Step keep flags `[b][t]`, when the call had a mask.
    pub mask: Option<Vec<f32>>,
    /// Scaled input-dropout mask `[b][d]`.
    pub dmask: Option<Vec<f32>>,
    /// Scaled recurrent-dropout mask `[b][u]`.
    pub rmask: Option<Vec<f32>>,
    /// Time index of each processing step (reversed for `go_backwards`).
    pub steps: Vec<usize>,
    /// Whether the output held every step.
    pub return_sequences: bool,
    /// Whether masked steps output zeros.
    pub zero_output: bool,
    /// Whether the call had a bias (its gradient is returned only then).
    pub has_bias: bool,
    /// How many initial states the call was given (their gradients are returned only then).
    pub n_init: usize,
}
