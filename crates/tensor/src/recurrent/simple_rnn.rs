//! The SimpleRNN cell on the CPU: `h_t = activation(x_t·W + h_{t-1}·U + b)`.
use super::activation::{apply_act, RecurrentActivation, ScalarFn};
use super::chunks::{chunk_views, for_each_chunk, Chunk};
use super::sequence::{
    incoming_grads, input_grads, kept, sequence_outputs, Prepared, SeqLoop, SequenceRecord,
};
use crate::cpu::gemm::sgemm;
use crate::cpu::packed_gemm::{sgemm_packed, PackedB};
use crate::error::Result;
use crate::tensor::Tensor;

/// Saved forward state of one SimpleRNN call, used by its backward.
pub(super) struct Saved {
    b: usize,
    t: usize,
    d: usize,
    h: usize,
    xd: Tensor,
    w: Tensor,
    u: Tensor,
    /// Post-activation value of every step `[t][b][h]` (before masking).
    y: Vec<f32>,
    /// State entering every step after recurrent dropout `[t][b][h]`.
    h_prev: Vec<f32>,
    df: ScalarFn,
    /// Masks, processing order and options, kept alike by every cell.
    seq: SequenceRecord,
}

/// The forward pass over the whole sequence: `[output, h]` and the state backward needs.
pub(super) fn forward(
    p: Prepared,
    activation: RecurrentActivation,
) -> Result<(Vec<Tensor>, Saved)> {
    let mut hcur = p.initial_state(0)?;
    let mut seq_out = p.sequence_buffer();
    let Prepared {
        b,
        t,
        d,
        u: h,
        xd,
        w,
        rk: u,
        bias,
        init,
        mask,
        dmask,
        rmask,
        steps,
        return_sequences: rs,
        zero_output,
    } = p;
    let df = activation.derivative();

    // X·W (+b) for every step at once: [b*t, h].
    let mut xw = vec![0.0f32; b * t * h];
    sgemm(
        false,
        false,
        b * t,
        h,
        d,
        1.0,
        xd.as_slice()?,
        w.as_slice()?,
        0.0,
        &mut xw,
    )?;
    if let Some(bv) = &bias {
        let bs = bv.as_slice()?;
        xw.chunks_mut(h)
            .for_each(|row| row.iter_mut().zip(bs).for_each(|(v, b)| *v += b));
    }
    // U packed once for every step.
    let up = PackedB::new(u.as_slice()?, h, h, false)?;
    let mut y = vec![0.0f32; t * b * h];
    let mut h_prev = vec![0.0f32; t * b * h];
    let mut prev_out = vec![0.0f32; b * h];
    // The time loop, one task per batch chunk.
    {
        let chunks: Vec<ForwardRows> = chunk_views(
            b,
            t * h * h,
            [(&mut y, h), (&mut h_prev, h)],
            [(&mut hcur, h), (&mut prev_out, h), (&mut seq_out, t * h)],
        );
        let loop_args = ForwardLoop {
            seq: SeqLoop::new(
                t,
                (mask.as_deref(), rmask.as_deref()),
                &steps,
                rs,
                zero_output,
            ),
            h,
            xw: &xw,
            up: &up,
            activation,
        };
        for_each_chunk(chunks, |rows| loop_args.run(rows))?;
    }
    let saved = Saved {
        b,
        t,
        d,
        h,
        xd,
        w,
        u,
        y,
        h_prev,
        seq: SequenceRecord {
            mask,
            dmask,
            rmask,
            steps,
            return_sequences: rs,
            zero_output,
            has_bias: bias.is_some(),
            n_init: init.len(),
        },
        df,
    };
    let outs = sequence_outputs((b, t, h), rs, seq_out, prev_out, vec![hcur])?;
    Ok((outs, saved))
}

/// One batch chunk of the forward buffers: per-step slices of `y` and `h_prev`; rows of the
/// state, `prev_out` and `seq_out`.
type ForwardRows<'a> = Chunk<'a, 2, 3>;

/// What every chunk of the forward time loop shares.
struct ForwardLoop<'a> {
    seq: SeqLoop<'a>,
    h: usize,
    /// `X·W + b`, batch-major `[b][t][h]`.
    xw: &'a [f32],
    up: &'a PackedB,
    activation: RecurrentActivation,
}

impl ForwardLoop<'_> {
    /// The time loop over one chunk's rows: `x·W + h·U + b`, the activation, the new state.
    fn run(&self, rows: ForwardRows) -> Result<()> {
        let Chunk {
            lo,
            steps: [mut y, mut h_prev],
            rows: [hcur, prev_out, seq_out],
        } = rows;
        let (seq, h) = (&self.seq, self.h);
        let t = seq.t;
        let bc = hcur.len() / h.max(1);
        for (k, &step) in seq.steps.iter().enumerate() {
            let hp = &mut *h_prev[k];
            seq.dropped_state(hp, hcur, lo, h);
            let yk = &mut *y[k];
            for bi in 0..bc {
                let gb = lo + bi;
                yk[bi * h..(bi + 1) * h]
                    .copy_from_slice(&self.xw[(gb * t + step) * h..(gb * t + step + 1) * h]);
            }
            sgemm_packed(bc, hp, self.up, 1.0, yk)?;
            apply_act(self.activation, yk);
            for bi in 0..bc {
                let keep = seq.kept(lo + bi, step);
                let yr = &yk[bi * h..(bi + 1) * h];
                if keep {
                    hcur[bi * h..(bi + 1) * h].copy_from_slice(yr);
                }
                // Output position k: Keras keeps outputs in processing order.
                seq.emit(keep, yr, prev_out, seq_out, bi, k);
            }
        }
        Ok(())
    }
}

impl Saved {
    /// Input gradients of the node, in the order of `SequenceBackward::backward`.
    pub(super) fn backward(&self, g: &[Option<Tensor>]) -> Result<Vec<Option<Tensor>>> {
        backward(self, g)
    }
}

/// Backpropagation through time for one SimpleRNN call: BPTT over batch chunks, then the weight
/// and input gradients as whole-sequence GEMMs.
fn backward(s: &Saved, g: &[Option<Tensor>]) -> Result<Vec<Option<Tensor>>> {
    let (b, t, d, h) = (s.b, s.t, s.d, s.h);
    let (g_out, [mut dh], mut dout) = incoming_grads(g, b * h, s.seq.return_sequences)?;
    let mut dxw = vec![0.0f32; b * t * h];
    let mut du = vec![0.0f32; h * h];
    // Per-step gradients kept time-major so dU is one GEMM after the loop.
    let mut dpre_all = vec![0.0f32; t * b * h];
    {
        let mut carry = vec![0.0f32; b * h];
        let ut = PackedB::new(s.u.as_slice()?, h, h, true)?;
        let chunks: Vec<BackwardRows> = chunk_views(
            b,
            t * h * h,
            [(&mut dpre_all, h)],
            [
                (&mut dxw, t * h),
                (&mut dh, h),
                (&mut dout, h),
                (&mut carry, h),
            ],
        );
        let g_out = g_out.as_deref();
        for_each_chunk(chunks, |rows| bptt(s, rows, g_out, &ut))?;
    }
    sgemm(
        true,
        false,
        h,
        h,
        t * b,
        1.0,
        &s.h_prev,
        &dpre_all,
        0.0,
        &mut du,
    )?;
    let mut out = input_grads(
        s.xd.as_slice()?,
        s.w.as_slice()?,
        &dxw,
        s.seq.dmask.as_ref(),
        None,
        [b, t, d, h],
    )?;
    out.push(Some(Tensor::from_vec(du, &[h, h])?));
    if s.seq.has_bias {
        let mut db = vec![0.0f32; h];
        dxw.chunks(h)
            .for_each(|row| db.iter_mut().zip(row).for_each(|(a, v)| *a += v));
        out.push(Some(Tensor::from_vec(db, &[h])?));
    }
    if s.seq.n_init == 1 {
        out.push(Some(Tensor::from_vec(dh, &[b, h])?));
    }
    Ok(out)
}

/// One batch chunk of the BPTT buffers: per-step slices of the time-major pre-activation
/// gradients `dpre`; rows of the batch-major `[b][t][h]` gradient of `X·W + b` (`dxw`), `dh`,
/// `dout` and `carry`.
type BackwardRows<'a> = Chunk<'a, 1, 4>;

/// Backpropagation through time over one chunk's rows.
fn bptt(s: &Saved, rows: BackwardRows, g_out: Option<&[f32]>, ut: &PackedB) -> Result<()> {
    let Chunk {
        lo,
        steps: [mut dpre],
        rows: [dxw, dh, dout, carry],
    } = rows;
    let (b, t, h) = (s.b, s.t, s.h);
    let bc = dh.len() / h.max(1);
    for k in (0..t).rev() {
        let step = s.seq.steps[k];
        let yk = &s.y[(k * b + lo) * h..(k * b + lo + bc) * h];
        let dpk = &mut *dpre[k];
        for bi in 0..bc {
            let gb = lo + bi;
            let dor = &mut dout[bi * h..(bi + 1) * h];
            if s.seq.return_sequences {
                if let Some(go) = g_out {
                    dor.iter_mut()
                        .zip(&go[(gb * t + k) * h..(gb * t + k + 1) * h])
                        .for_each(|(a, v)| *a += v);
                }
            }
            let r = bi * h..(bi + 1) * h;
            if kept(s.seq.mask.as_deref(), gb, t, step) {
                for j in r.clone() {
                    dpk[j] = (dh[j] + dor[j - bi * h]) * (s.df)(yk[j]);
                    carry[j] = 0.0;
                }
                dor.fill(0.0);
            } else {
                dpk[r.clone()].fill(0.0);
                carry[r.clone()].copy_from_slice(&dh[r]);
                if s.seq.zero_output {
                    dor.fill(0.0);
                }
            }
            dxw[(bi * t + step) * h..(bi * t + step + 1) * h]
                .copy_from_slice(&dpk[bi * h..(bi + 1) * h]);
        }
        // dh_prev = (dpre·Uᵀ) ⊙ recurrent mask + carry of masked rows.
        sgemm_packed(bc, dpk, ut, 0.0, dh)?;
        if let Some(rm) = &s.seq.rmask {
            dh.iter_mut().zip(&rm[lo * h..]).for_each(|(v, m)| *v *= m);
        }
        dh.iter_mut().zip(&*carry).for_each(|(v, c)| *v += c);
    }
    Ok(())
}
