//! The LSTM cell on the CPU: Keras gate order `i, f, c, o`; `z = x·W + h·U + b`,
//! `i,f,o = σ(z)`, `g = act(z_c)`, `c' = f·c + i·g`, `h' = o·act(c')`.
use super::activation::{apply_act, RecurrentActivation, ScalarFn};
use super::chunks::{chunk_views, for_each_chunk, Chunk};
use super::sequence::{
    incoming_grads, input_grads, kept, sequence_outputs, Prepared, SeqLoop, SequenceRecord,
};
use crate::cpu::gemm::sgemm;
use crate::cpu::packed_gemm::{sgemm_packed, PackedB};
use crate::error::Result;
use crate::tensor::Tensor;

/// Saved forward state of one LSTM call, used by its backward.
pub(super) struct Saved {
    b: usize,
    t: usize,
    d: usize,
    u: usize,
    /// Input after dropout in step order, time-major `[t][b][d]` (row `k·b + i` is sample `i` at
    /// step `steps[k]`), so the input GEMMs of forward and backward work on the gate buffers as
    /// they are, without batch-major copies.
    xt: Vec<f32>,
    w: Tensor,
    rk: Tensor,
    /// Activated gates `i, f, g, o` of every step `[t][b][4u]`.
    gates: Vec<f32>,
    /// Cell state entering every step `[t][b][u]`.
    c_prev: Vec<f32>,
    /// `act(c')` of every step `[t][b][u]`.
    tc: Vec<f32>,
    /// State entering every step after recurrent dropout `[t][b][u]` (the `h·U` operand).
    h_prev: Vec<f32>,
    /// Derivatives of `activation` and `recurrent_activation` in terms of their outputs.
    derivatives: [ScalarFn; 2],
    default_acts: bool,
    /// Masks, processing order and options, kept alike by every cell.
    seq: SequenceRecord,
}

/// The forward pass over the whole sequence: `[output, h, c]` and the state backward needs.
pub(super) fn forward(
    p: Prepared,
    activation: RecurrentActivation,
    recurrent_activation: RecurrentActivation,
) -> Result<(Vec<Tensor>, Saved)> {
    let mut h = p.initial_state(0)?;
    let mut c = p.initial_state(1)?;
    let mut seq_out = p.sequence_buffer();
    let Prepared {
        b,
        t,
        d,
        u,
        xd,
        w,
        rk,
        bias,
        init,
        mask,
        dmask,
        rmask,
        steps,
        return_sequences: rs,
        zero_output,
    } = p;
    let g4 = 4 * u;
    // X·W (+b) for all steps at once, straight into the time-major gate buffer.
    let xs = xd.as_slice()?;
    let mut xt = Vec::with_capacity(t * b * d);
    for &st in &steps {
        for bi in 0..b {
            xt.extend_from_slice(&xs[(bi * t + st) * d..(bi * t + st + 1) * d]);
        }
    }
    let mut gates = vec![0.0f32; t * b * g4];
    sgemm(
        false,
        false,
        t * b,
        g4,
        d,
        1.0,
        &xt,
        w.as_slice()?,
        0.0,
        &mut gates,
    )?;
    // U is packed once for all steps (a plain sgemm would repack it every step).
    let up = PackedB::new(rk.as_slice()?, u, g4, false)?;
    let mut c_prev = vec![0.0f32; t * b * u];
    let mut tc = vec![0.0f32; t * b * u];
    let mut h_prev = vec![0.0f32; t * b * u];
    let mut prev_out = vec![0.0f32; b * u];
    // The time loop, one task per batch chunk.
    {
        let chunks: Vec<ForwardRows> = chunk_views(
            b,
            t * g4 * u,
            [
                (&mut gates, g4),
                (&mut c_prev, u),
                (&mut tc, u),
                (&mut h_prev, u),
            ],
            [
                (&mut h, u),
                (&mut c, u),
                (&mut prev_out, u),
                (&mut seq_out, t * u),
            ],
        );
        let loop_args = ForwardLoop {
            seq: SeqLoop::new(
                t,
                (mask.as_deref(), rmask.as_deref()),
                &steps,
                rs,
                zero_output,
            ),
            u,
            up: &up,
            bias: bias.as_ref().map(|bv| bv.as_slice()).transpose()?,
            acts: (activation, recurrent_activation),
        };
        for_each_chunk(chunks, |rows| loop_args.run(rows))?;
    }
    let saved = Saved {
        b,
        t,
        d,
        u,
        xt,
        w,
        rk,
        gates,
        c_prev,
        tc,
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
        derivatives: [activation.derivative(), recurrent_activation.derivative()],
        default_acts: activation == RecurrentActivation::Tanh
            && recurrent_activation == RecurrentActivation::Sigmoid,
    };
    let outs = sequence_outputs((b, t, u), rs, seq_out, prev_out, vec![h, c])?;
    Ok((outs, saved))
}

/// One batch chunk of the forward buffers: per-step slices of `gates`, `c_prev`, `tc` and
/// `h_prev`; rows of `h`, `c`, `prev_out` and `seq_out`.
type ForwardRows<'a> = Chunk<'a, 4, 4>;

/// What every chunk of the forward time loop shares.
struct ForwardLoop<'a> {
    seq: SeqLoop<'a>,
    u: usize,
    up: &'a PackedB,
    /// Added to `x·W` before `h·U` (in the loop, so that it runs in the chunk's task).
    bias: Option<&'a [f32]>,
    /// `(activation, recurrent_activation)`.
    acts: (RecurrentActivation, RecurrentActivation),
}

impl ForwardLoop<'_> {
    /// The time loop over one chunk's rows: `h·U` into the gates, activations, new cell and state.
    fn run(&self, rows: ForwardRows) -> Result<()> {
        let Chunk {
            lo,
            steps: [mut gates, mut c_prev, mut tc, mut h_prev],
            rows: [h, c, prev_out, seq_out],
        } = rows;
        let (seq, u) = (&self.seq, self.u);
        let g4 = 4 * u;
        let bc = h.len() / u.max(1);
        let (activation, recurrent_activation) = self.acts;
        for (k, &s) in seq.steps.iter().enumerate() {
            let hp = &mut *h_prev[k];
            seq.dropped_state(hp, h, lo, u);
            c_prev[k].copy_from_slice(c);
            let gk = &mut *gates[k];
            if let Some(bs) = self.bias {
                gk.chunks_mut(g4)
                    .for_each(|row| row.iter_mut().zip(bs).for_each(|(v, b)| *v += b));
            }
            sgemm_packed(bc, hp, self.up, 1.0, gk)?;
            let tck = &mut *tc[k];
            for bi in 0..bc {
                let keep = seq.kept(lo + bi, s);
                let row = &mut gk[bi * g4..(bi + 1) * g4];
                let (ri, rest) = row.split_at_mut(u);
                let (rf, rest) = rest.split_at_mut(u);
                let (rg, ro) = rest.split_at_mut(u);
                apply_act(recurrent_activation, ri);
                apply_act(recurrent_activation, rf);
                apply_act(activation, rg);
                apply_act(recurrent_activation, ro);
                let hr = &mut h[bi * u..(bi + 1) * u];
                let cr = &mut c[bi * u..(bi + 1) * u];
                let tr = &mut tck[bi * u..(bi + 1) * u];
                for j in 0..u {
                    tr[j] = rf[j] * cr[j] + ri[j] * rg[j];
                }
                if keep {
                    cr.copy_from_slice(tr);
                }
                apply_act(activation, tr);
                if keep {
                    for j in 0..u {
                        hr[j] = ro[j] * tr[j];
                    }
                }
                seq.emit(keep, hr, prev_out, seq_out, bi, k);
            }
        }
        Ok(())
    }
}

impl Saved {
    /// Input gradients of the node, in `LstmJob` input order: BPTT over batch chunks, then the
    /// weight and input gradients as whole-sequence GEMMs.
    pub(super) fn backward(&self, g: &[Option<Tensor>]) -> Result<Vec<Option<Tensor>>> {
        let s = self;
        let (b, t, d, u) = (s.b, s.t, s.d, s.u);
        let g4 = 4 * u;
        let (g_out, [mut dh, mut dc], mut dout) = incoming_grads(g, b * u, s.seq.return_sequences)?;
        // Gate gradients of every step, time-major, so dU is one GEMM after the loop.
        let mut dz_all = vec![0.0f32; t * b * g4];
        let mut du = vec![0.0f32; u * g4];
        {
            let mut carry = vec![0.0f32; b * u];
            // Uᵀ packed once for the whole backward loop.
            let ut = PackedB::new(s.rk.as_slice()?, g4, u, true)?;
            let chunks: Vec<BackwardRows> = chunk_views(
                b,
                t * g4 * u,
                [(&mut dz_all, g4)],
                [(&mut dh, u), (&mut dc, u), (&mut dout, u), (&mut carry, u)],
            );
            let g_out = g_out.as_deref();
            for_each_chunk(chunks, |rows| s.bptt_rows(rows, g_out, &ut))?;
        }
        sgemm(
            true,
            false,
            u,
            g4,
            t * b,
            1.0,
            &s.h_prev,
            &dz_all,
            0.0,
            &mut du,
        )?;
        // dz_all is the gradient of the time-major projected inputs (masked steps hold zeros).
        let mut out = input_grads(
            &s.xt,
            s.w.as_slice()?,
            &dz_all,
            s.seq.dmask.as_ref(),
            Some(&s.seq.steps),
            [b, t, d, g4],
        )?;
        out.push(Some(Tensor::from_vec(du, &[u, g4])?));
        if s.seq.has_bias {
            let mut db = vec![0.0f32; g4];
            dz_all
                .chunks(g4)
                .for_each(|row| db.iter_mut().zip(row).for_each(|(a, v)| *a += v));
            out.push(Some(Tensor::from_vec(db, &[g4])?));
        }
        if s.seq.n_init == 2 {
            out.push(Some(Tensor::from_vec(dh, &[b, u])?));
            out.push(Some(Tensor::from_vec(dc, &[b, u])?));
        }
        Ok(out)
    }

    /// The BPTT loop over one chunk's rows: gate gradients of every step into `rows.dz`, the
    /// state gradients carried back through `h·U` (the default activations inlined and compiled
    /// for AVX-512 where the CPU has it: same IEEE operations per lane, so the same bits).
    fn bptt_rows(&self, rows: BackwardRows, g_out: Option<&[f32]>, ut: &PackedB) -> Result<()> {
        if self.default_acts {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU supports AVX-512F (checked just above).
                    return unsafe { bptt_default_avx512(self, rows, g_out, ut) };
                }
            }
            bptt(self, rows, g_out, ut, |y| 1.0 - y * y, |y| y * (1.0 - y))
        } else {
            let [dfa, dfr] = self.derivatives;
            bptt(self, rows, g_out, ut, dfa, dfr)
        }
    }
}

/// One batch chunk of the BPTT buffers: per-step slices of the time-major gate gradients `dz`;
/// rows of `dh`, `dc`, `dout` and `carry`.
type BackwardRows<'a> = Chunk<'a, 1, 4>;

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn bptt_default_avx512(
    s: &Saved,
    rows: BackwardRows,
    g_out: Option<&[f32]>,
    ut: &PackedB,
) -> Result<()> {
    bptt(s, rows, g_out, ut, |y| 1.0 - y * y, |y| y * (1.0 - y))
}

/// Backpropagation through time over one chunk's rows, reusing the saved gates.
#[inline(always)]
fn bptt(
    s: &Saved,
    rows: BackwardRows,
    g_out: Option<&[f32]>,
    ut: &PackedB,
    dfa: impl Fn(f32) -> f32,
    dfr: impl Fn(f32) -> f32,
) -> Result<()> {
    let Chunk {
        lo,
        steps: [mut dz],
        rows: [dh, dc, dout, carry],
    } = rows;
    let (b, t, u) = (s.b, s.t, s.u);
    let g4 = 4 * u;
    let bc = dh.len() / u.max(1);
    for k in (0..t).rev() {
        let step = s.seq.steps[k];
        let gk = &s.gates[(k * b + lo) * g4..(k * b + lo + bc) * g4];
        let cpk = &s.c_prev[(k * b + lo) * u..(k * b + lo + bc) * u];
        let tck = &s.tc[(k * b + lo) * u..(k * b + lo + bc) * u];
        let dzk = &mut *dz[k];
        for bi in 0..bc {
            let keep = kept(s.seq.mask.as_deref(), lo + bi, t, step);
            let dor = &mut dout[bi * u..(bi + 1) * u];
            if s.seq.return_sequences {
                if let Some(go) = g_out {
                    let gb = lo + bi;
                    dor.iter_mut()
                        .zip(&go[(gb * t + k) * u..(gb * t + k + 1) * u])
                        .for_each(|(a, v)| *a += v);
                }
            }
            let dzr = &mut dzk[bi * g4..(bi + 1) * g4];
            let dhr = &dh[bi * u..(bi + 1) * u];
            let car = &mut carry[bi * u..(bi + 1) * u];
            if !keep {
                dzr.fill(0.0);
                car.copy_from_slice(dhr);
                if s.seq.zero_output {
                    dor.fill(0.0);
                }
                continue;
            }
            let row = &gk[bi * g4..(bi + 1) * g4];
            let dcr = &mut dc[bi * u..(bi + 1) * u];
            for j in 0..u {
                let (i, f, gg, o) = (row[j], row[u + j], row[2 * u + j], row[3 * u + j]);
                let a = tck[bi * u + j];
                let dhe = dhr[j] + dor[j];
                let dcn = dcr[j] + dhe * o * dfa(a);
                dzr[j] = dcn * gg * dfr(i);
                dzr[u + j] = dcn * cpk[bi * u + j] * dfr(f);
                dzr[2 * u + j] = dcn * i * dfa(gg);
                dzr[3 * u + j] = dhe * a * dfr(o);
                dcr[j] = dcn * f;
            }
            dor.fill(0.0);
            car.fill(0.0);
        }
        // dh_prev = (dz·Uᵀ) ⊙ recurrent mask + carry of masked rows.
        sgemm_packed(bc, dzk, ut, 0.0, dh)?;
        if let Some(rm) = &s.seq.rmask {
            dh.iter_mut().zip(&rm[lo * u..]).for_each(|(v, m)| *v *= m);
        }
        dh.iter_mut().zip(&*carry).for_each(|(v, c)| *v += c);
    }
    Ok(())
}
