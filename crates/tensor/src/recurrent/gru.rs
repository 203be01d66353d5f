//! The GRU cell on the CPU: Keras gate order `z, r, h`. `reset_after=true` (bias `[2, 3u]`):
//! `hh = act(x·W_h + b_h + r ⊙ (h·U_h + b'_h))`; `reset_after=false` (bias `[3u]`):
//! `hh = act(x·W_h + b_h + (r ⊙ h)·U_h)`; then `h' = z ⊙ h + (1 − z) ⊙ hh`.
use super::activation::{apply_act, RecurrentActivation, ScalarFn};
use super::chunks::{chunk_views, for_each_chunk, Chunk};
use super::sequence::{
    incoming_grads, input_grads, kept, sequence_outputs, Prepared, SeqLoop, SequenceRecord,
};
use crate::cpu::gemm::sgemm;
use crate::cpu::packed_gemm::{sgemm_packed, PackedB};
use crate::error::Result;
use crate::tensor::Tensor;

/// Saved forward state of one GRU call, used by its backward.
pub(super) struct Saved {
    b: usize,
    t: usize,
    d: usize,
    u: usize,
    xd: Tensor,
    w: Tensor,
    /// `reset_after`: the full `[u, 3u]`; otherwise `U_zr [u, 2u]` then `U_h [u, u]`.
    u_all: Vec<f32>,
    u_h: Vec<f32>,
    /// Activated `z, r, hh` of every step `[t][b][3u]`.
    gates: Vec<f32>,
    /// State entering every step `[t][b][u]` (before recurrent dropout).
    h_in: Vec<f32>,
    /// The same after recurrent dropout (the `h·U` operand).
    h_d: Vec<f32>,
    /// `reset_after`: `h·U_h + b'_h`; otherwise `r ⊙ h_d` (the `U_h` operand). `[t][b][u]`.
    aux: Vec<f32>,
    reset_after: bool,
    /// Derivatives of `activation` and `recurrent_activation` in terms of their outputs.
    derivatives: [ScalarFn; 2],
    /// tanh / sigmoid: their derivatives are inlined in the BPTT loop.
    default_acts: bool,
    /// Masks, processing order and options, kept alike by every cell.
    seq: SequenceRecord,
}

/// The forward pass over the whole sequence: `[output, h]` and the state backward needs.
pub(super) fn forward(
    p: Prepared,
    activation: RecurrentActivation,
    recurrent_activation: RecurrentActivation,
    reset_after: bool,
) -> Result<(Vec<Tensor>, Saved)> {
    let mut h = p.initial_state(0)?;
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
    let g3 = 3 * u;
    let bias_v = bias.as_ref().map(|v| v.to_vec()).transpose()?;
    let (b_in, b_rec) = match &bias_v {
        Some(v) if reset_after => (Some(&v[..g3]), Some(&v[g3..])),
        Some(v) => (Some(&v[..]), None),
        None => (None, None),
    };

    let mut xw = vec![0.0f32; b * t * g3];
    sgemm(
        false,
        false,
        b * t,
        g3,
        d,
        1.0,
        xd.as_slice()?,
        w.as_slice()?,
        0.0,
        &mut xw,
    )?;
    if let Some(bs) = b_in {
        xw.chunks_mut(g3)
            .for_each(|row| row.iter_mut().zip(bs).for_each(|(v, b)| *v += b));
    }
    // reset_after=false needs U_zr and U_h as separate contiguous matrices.
    let us = rk.as_slice()?;
    let (u_all, u_h) = if reset_after {
        (us.to_vec(), Vec::new())
    } else {
        let mut zr = Vec::with_capacity(u * 2 * u);
        let mut hh = Vec::with_capacity(u * u);
        for row in us.chunks(g3) {
            zr.extend_from_slice(&row[..2 * u]);
            hh.extend_from_slice(&row[2 * u..]);
        }
        (zr, hh)
    };
    // Recurrent kernels packed once for every step.
    let up = PackedB::new(&u_all, u, u_all.len() / u.max(1), false)?;
    let uhp = match reset_after {
        true => None,
        false => Some(PackedB::new(&u_h, u, u, false)?),
    };
    let mut gates = vec![0.0f32; t * b * g3];
    let mut h_in = vec![0.0f32; t * b * u];
    let mut h_d = vec![0.0f32; t * b * u];
    let mut aux = vec![0.0f32; t * b * u];
    let mut prev_out = vec![0.0f32; b * u];
    // The time loop, one task per batch chunk.
    {
        let chunks: Vec<ForwardRows> = chunk_views(
            b,
            t * g3 * u,
            [
                (&mut gates, g3),
                (&mut h_in, u),
                (&mut h_d, u),
                (&mut aux, u),
            ],
            [(&mut h, u), (&mut prev_out, u), (&mut seq_out, t * u)],
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
            xw: &xw,
            up: &up,
            uhp: uhp.as_ref(),
            b_rec,
            acts: (activation, recurrent_activation),
        };
        for_each_chunk(chunks, |rows| loop_args.run(rows))?;
    }
    let saved = Saved {
        b,
        t,
        d,
        u,
        xd,
        w,
        u_all,
        u_h,
        gates,
        h_in,
        h_d,
        aux,
        reset_after,
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
    let outs = sequence_outputs((b, t, u), rs, seq_out, prev_out, vec![h])?;
    Ok((outs, saved))
}

/// One batch chunk of the forward buffers: per-step slices of `gates`, `h_in`, `h_d` and `aux`;
/// rows of `h`, `prev_out` and `seq_out`.
type ForwardRows<'a> = Chunk<'a, 4, 3>;

/// What every chunk of the forward time loop shares.
struct ForwardLoop<'a> {
    seq: SeqLoop<'a>,
    u: usize,
    /// `X·W + b_in`, batch-major `[b][t][3u]`.
    xw: &'a [f32],
    /// `U` (`reset_after`) or `U_zr`, packed.
    up: &'a PackedB,
    /// `U_h` packed (`reset_after=false` only).
    uhp: Option<&'a PackedB>,
    /// The recurrent bias (`reset_after` with a bias only).
    b_rec: Option<&'a [f32]>,
    /// `(activation, recurrent_activation)`.
    acts: (RecurrentActivation, RecurrentActivation),
}

impl ForwardLoop<'_> {
    /// The time loop over one chunk's rows: recurrent projections, gates, candidate, new state.
    fn run(&self, rows: ForwardRows) -> Result<()> {
        let Chunk {
            lo,
            steps: [mut gates, mut h_in, mut h_d, mut aux],
            rows: [h, prev_out, seq_out],
        } = rows;
        let (seq, u) = (&self.seq, self.u);
        let t = seq.t;
        let g3 = 3 * u;
        let reset_after = self.uhp.is_none();
        let bc = h.len() / u.max(1);
        let (activation, recurrent_activation) = self.acts;
        let b_rec = self.b_rec;
        // Recurrent projections of one step: [bc, 3u] (reset_after) or [bc, 2u], and h·U_h.
        let rw = if reset_after { g3 } else { 2 * u };
        let mut rec = vec![0.0f32; bc * rw];
        let mut rech = vec![0.0f32; if reset_after { 0 } else { bc * u }];
        for (k, &s) in seq.steps.iter().enumerate() {
            h_in[k].copy_from_slice(h);
            let hd = &mut *h_d[k];
            seq.dropped_state(hd, h, lo, u);
            let hd = &*hd;
            let gk = &mut *gates[k];
            let ak = &mut *aux[k];
            sgemm_packed(bc, hd, self.up, 0.0, &mut rec)?;
            for bi in 0..bc {
                let gb = lo + bi;
                let xr = &self.xw[(gb * t + s) * g3..(gb * t + s + 1) * g3];
                let rr = &rec[bi * rw..(bi + 1) * rw];
                let gr = &mut gk[bi * g3..(bi + 1) * g3];
                for j in 0..2 * u {
                    gr[j] = xr[j] + rr[j];
                }
                if let Some(br) = b_rec {
                    gr[..2 * u].iter_mut().zip(br).for_each(|(v, b)| *v += b);
                }
                apply_act(recurrent_activation, &mut gr[..2 * u]);
                if reset_after {
                    for j in 0..u {
                        let rh = rr[2 * u + j] + b_rec.map_or(0.0, |br| br[2 * u + j]);
                        ak[bi * u + j] = rh;
                        gr[2 * u + j] = xr[2 * u + j] + gr[u + j] * rh;
                    }
                    apply_act(activation, &mut gr[2 * u..]);
                } else {
                    for j in 0..u {
                        ak[bi * u + j] = gr[u + j] * hd[bi * u + j];
                    }
                }
            }
            if let Some(uhp) = self.uhp {
                sgemm_packed(bc, ak, uhp, 0.0, &mut rech)?;
                for bi in 0..bc {
                    let gb = lo + bi;
                    let xr = &self.xw[(gb * t + s) * g3..(gb * t + s + 1) * g3];
                    let gh = &mut gk[bi * g3 + 2 * u..(bi + 1) * g3];
                    for j in 0..u {
                        gh[j] = xr[2 * u + j] + rech[bi * u + j];
                    }
                    apply_act(activation, gh);
                }
            }
            for bi in 0..bc {
                let keep = seq.kept(lo + bi, s);
                let hr = &mut h[bi * u..(bi + 1) * u];
                if keep {
                    let gr = &gk[bi * g3..(bi + 1) * g3];
                    for j in 0..u {
                        let z = gr[j];
                        hr[j] = z * hr[j] + (1.0 - z) * gr[2 * u + j];
                    }
                }
                seq.emit(keep, hr, prev_out, seq_out, bi, k);
            }
        }
        Ok(())
    }
}

/// Backpropagation through time for one GRU call: BPTT over batch chunks, then the weight and
/// input gradients as whole-sequence GEMMs.
fn backward(s: &Saved, g: &[Option<Tensor>]) -> Result<Vec<Option<Tensor>>> {
    let (b, t, d, u) = (s.b, s.t, s.d, s.u);
    let (g3, bu) = (3 * u, b * u);
    let rw = if s.reset_after { g3 } else { 2 * u };
    let (g_out, [mut dh], mut dout) = incoming_grads(g, bu, s.seq.return_sequences)?;
    let mut dxw = vec![0.0f32; b * t * g3];
    // Gradient of the recurrent projection of every step ([b, 3u] or [b, 2u]), and of the
    // U_h product (reset_after=false), kept time-major so dU is one GEMM after the loop.
    let mut drec_all = vec![0.0f32; t * b * rw];
    let mut dph_all = vec![0.0f32; t * bu];
    let mut du_all = vec![0.0f32; u * rw];
    let mut du_h = vec![0.0f32; if s.reset_after { 0 } else { u * u }];
    {
        // Transposed recurrent kernels, packed once for the whole loop.
        let ut = PackedB::new(&s.u_all, rw, u, true)?;
        let uht = match s.reset_after {
            true => None,
            false => Some(PackedB::new(&s.u_h, u, u, true)?),
        };
        let chunks: Vec<BackwardRows> = chunk_views(
            b,
            t * g3 * u,
            [(&mut drec_all, rw), (&mut dph_all, u)],
            [(&mut dxw, t * g3), (&mut dh, u), (&mut dout, u)],
        );
        let g_out = g_out.as_deref();
        for_each_chunk(chunks, |rows| s.bptt_rows(rows, g_out, &ut, uht.as_ref()))?;
    }
    // Recurrent bias gradient, summed in the order of the loop (steps backwards, rows in order).
    let mut db_rec = vec![0.0f32; if s.reset_after { g3 } else { 0 }];
    if s.reset_after {
        for step in drec_all.chunks((b * g3).max(1)).rev() {
            for row in step.chunks(g3) {
                db_rec.iter_mut().zip(row).for_each(|(a, v)| *a += v);
            }
        }
    }
    sgemm(
        true,
        false,
        u,
        rw,
        t * b,
        1.0,
        &s.h_d,
        &drec_all,
        0.0,
        &mut du_all,
    )?;
    if !s.reset_after {
        sgemm(
            true,
            false,
            u,
            u,
            t * b,
            1.0,
            &s.aux,
            &dph_all,
            0.0,
            &mut du_h,
        )?;
    }
    let mut out = input_grads(
        s.xd.as_slice()?,
        s.w.as_slice()?,
        &dxw,
        s.seq.dmask.as_ref(),
        None,
        [b, t, d, g3],
    )?;
    let du = if s.reset_after {
        du_all
    } else {
        let mut v = Vec::with_capacity(u * g3);
        for (zr, hh) in du_all.chunks(2 * u).zip(du_h.chunks(u)) {
            v.extend_from_slice(zr);
            v.extend_from_slice(hh);
        }
        v
    };
    out.push(Some(Tensor::from_vec(du, &[u, g3])?));
    if s.seq.has_bias {
        let mut db = vec![0.0f32; g3];
        dxw.chunks(g3)
            .for_each(|row| db.iter_mut().zip(row).for_each(|(a, v)| *a += v));
        if s.reset_after {
            db.extend_from_slice(&db_rec);
            out.push(Some(Tensor::from_vec(db, &[2, g3])?));
        } else {
            out.push(Some(Tensor::from_vec(db, &[g3])?));
        }
    }
    if s.seq.n_init == 1 {
        out.push(Some(Tensor::from_vec(dh, &[b, u])?));
    }
    Ok(out)
}

impl Saved {
    /// Input gradients of the node, in the order of `SequenceBackward::backward`.
    pub(super) fn backward(&self, g: &[Option<Tensor>]) -> Result<Vec<Option<Tensor>>> {
        backward(self, g)
    }

    /// The BPTT loop over one chunk's rows, the default tanh/sigmoid derivatives inlined (other
    /// activations go through pointers).
    fn bptt_rows(
        &self,
        rows: BackwardRows,
        g_out: Option<&[f32]>,
        ut: &PackedB,
        uht: Option<&PackedB>,
    ) -> Result<()> {
        if self.default_acts {
            bptt(
                self,
                rows,
                g_out,
                (ut, uht),
                |y| 1.0 - y * y,
                |y| y * (1.0 - y),
            )
        } else {
            let [dfa, dfr] = self.derivatives;
            bptt(self, rows, g_out, (ut, uht), dfa, dfr)
        }
    }
}

/// One batch chunk of the BPTT buffers: per-step slices of the time-major recurrent-projection
/// gradients `drec` and candidate pre-activation gradients `dph`; rows of the batch-major
/// `[b][t][3u]` gradient of `X·W + b_in` (`dxw`), `dh` and `dout`.
type BackwardRows<'a> = Chunk<'a, 2, 3>;

/// Backpropagation through time over one chunk's rows, reusing the saved gates. `ut` holds
/// `Uᵀ` (or `U_zrᵀ`) and `uht`, for `reset_after=false`, `U_hᵀ`, both packed.
#[inline(always)]
fn bptt(
    s: &Saved,
    rows: BackwardRows,
    g_out: Option<&[f32]>,
    (ut, uht): (&PackedB, Option<&PackedB>),
    dfa: impl Fn(f32) -> f32,
    dfr: impl Fn(f32) -> f32,
) -> Result<()> {
    let Chunk {
        lo,
        steps: [mut drec, mut dph],
        rows: [dxw, dh, dout],
    } = rows;
    let (b, t, u) = (s.b, s.t, s.u);
    let g3 = 3 * u;
    let rw = if s.reset_after { g3 } else { 2 * u };
    let bc = dh.len() / u.max(1);
    let mut drh = vec![0.0f32; if s.reset_after { 0 } else { bc * u }];
    // Direct path h_prev → h' (z ⊙ h_prev, or the whole gradient on a masked step).
    let mut direct = vec![0.0f32; bc * u];
    for k in (0..t).rev() {
        let step = s.seq.steps[k];
        let gk = &s.gates[(k * b + lo) * g3..(k * b + lo + bc) * g3];
        let hin = &s.h_in[(k * b + lo) * u..(k * b + lo + bc) * u];
        let hd = &s.h_d[(k * b + lo) * u..(k * b + lo + bc) * u];
        let ak = &s.aux[(k * b + lo) * u..(k * b + lo + bc) * u];
        let drk = &mut *drec[k];
        let dphk = &mut *dph[k];
        for bi in 0..bc {
            let gb = lo + bi;
            let keep = kept(s.seq.mask.as_deref(), gb, t, step);
            let dor = &mut dout[bi * u..(bi + 1) * u];
            if s.seq.return_sequences {
                if let Some(go) = g_out {
                    dor.iter_mut()
                        .zip(&go[(gb * t + k) * u..(gb * t + k + 1) * u])
                        .for_each(|(a, v)| *a += v);
                }
            }
            let dr = &mut drk[bi * rw..(bi + 1) * rw];
            let dphr = &mut dphk[bi * u..(bi + 1) * u];
            let dir = &mut direct[bi * u..(bi + 1) * u];
            let dhr = &dh[bi * u..(bi + 1) * u];
            if !keep {
                dr.fill(0.0);
                dphr.fill(0.0);
                dir.copy_from_slice(dhr);
                if s.seq.zero_output {
                    dor.fill(0.0);
                }
                continue;
            }
            let gr = &gk[bi * g3..(bi + 1) * g3];
            let dx = &mut dxw[(bi * t + step) * g3..(bi * t + step + 1) * g3];
            for j in 0..u {
                let (z, r, hh) = (gr[j], gr[u + j], gr[2 * u + j]);
                let dhe = dhr[j] + dor[j];
                let dz = dhe * (hin[bi * u + j] - hh) * dfr(z);
                let dp = dhe * (1.0 - z) * dfa(hh);
                dir[j] = dhe * z;
                dphr[j] = dp;
                dr[j] = dz;
                dx[j] = dz;
                dx[2 * u + j] = dp;
                if s.reset_after {
                    let dr_pre = dp * ak[bi * u + j] * dfr(r);
                    dr[u + j] = dr_pre;
                    dr[2 * u + j] = dp * r;
                    dx[u + j] = dr_pre;
                }
            }
            dor.fill(0.0);
        }
        if let Some(uht) = uht {
            // hh pre-activation = x_h + (r ⊙ h_d)·U_h.
            sgemm_packed(bc, dphk, uht, 0.0, &mut drh)?;
            for bi in 0..bc {
                if !kept(s.seq.mask.as_deref(), lo + bi, t, step) {
                    continue;
                }
                for j in 0..u {
                    let i = bi * u + j;
                    let r = gk[bi * g3 + u + j];
                    let dr_pre = drh[i] * hd[i] * dfr(r);
                    drk[bi * rw + u + j] = dr_pre;
                    dxw[(bi * t + step) * g3 + u + j] = dr_pre;
                    // r ⊙ h_d also feeds h_d: keep that part in drh.
                    drh[i] *= r;
                }
            }
        }
        sgemm_packed(bc, drk, ut, 0.0, dh)?;
        if !s.reset_after {
            dh.iter_mut().zip(&drh).for_each(|(v, a)| *v += a);
        }
        if let Some(rm) = &s.seq.rmask {
            dh.iter_mut().zip(&rm[lo * u..]).for_each(|(v, m)| *v *= m);
        }
        dh.iter_mut().zip(&direct).for_each(|(v, c)| *v += c);
    }
    Ok(())
}
