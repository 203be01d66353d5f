//! `LSTM`: Keras's long short-term memory layer, the whole sequence as one fused tape node.
//!
//! Gates in Keras order `i, f, c, o`: `z = x·W + h·U + b`, `i,f,o = σ(z)`, `g = act(z_c)`,
//! `c' = f·c + i·g`, `h' = o·act(c')`.
use super::chunks::{chunk_views, for_each_chunk, Chunk};
use super::common::{
    apply_act, apply_sequence_mask, build_recurrent_kernels, incoming_grads, input_features, kept,
    read_recurrent_config, recurrent_new, recurrent_setters, recurrent_weights_and_config,
    result_flows, scalar_activation, start_recurrent_call, DropoutOptions, RecurrentCall, ScalarFn,
    SeqLoop, SequenceOptions,
};
use crate::activations::Activation;
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::flow::Flow;
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use crate::regularizers::Regularizer;
use kerust_autograd::Var;
use kerust_tensor::{sgemm, sgemm_packed, PackedB, Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `LSTM(units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
/// unit_forget_bias=True, dropout=0, recurrent_dropout=0, return_sequences=False, ...)`.
/// Weights: `kernel [in, 4u]`, `recurrent_kernel [u, 4u]`, `bias [4u]`.
#[derive(Debug, Clone)]
pub struct LSTM {
    pub base: LayerBase,
    pub units: usize,
    /// Cell and output activation (`tanh`).
    pub activation: Activation,
    /// Gate activation (`sigmoid`).
    pub recurrent_activation: Activation,
    pub use_bias: bool,
    /// Start the forget-gate bias at 1 (Keras default).
    pub unit_forget_bias: bool,
    pub kernel_initializer: Initializer,
    pub recurrent_initializer: Initializer,
    pub bias_initializer: Initializer,
    pub kernel_regularizer: Option<Regularizer>,
    pub recurrent_regularizer: Option<Regularizer>,
    pub bias_regularizer: Option<Regularizer>,
    pub drop: DropoutOptions,
    pub seq: SequenceOptions,
    /// Input shape without batch when first in a `Sequential`.
    pub input_shape: Option<Shape>,
    kernel: Option<Param>,
    recurrent_kernel: Option<Param>,
    bias: Option<Param>,
}

impl LSTM {
    pub fn new(units: usize) -> Self {
        recurrent_new!("LSTM", units, {
            recurrent_activation: Activation::Sigmoid,
            unit_forget_bias: true,
        })
    }
    recurrent_setters!();
    pub fn recurrent_activation(mut self, a: impl Into<Activation>) -> Self {
        self.recurrent_activation = a.into();
        self
    }
    pub fn unit_forget_bias(mut self, u: bool) -> Self {
        self.unit_forget_bias = u;
        self
    }

    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("LSTM", cfg);
        let mut l = LSTM::new(c.usize("units")?);
        read_recurrent_config!(l, c, cfg);
        l.recurrent_activation =
            Activation::from_name(c.str_or("recurrent_activation", "sigmoid"))?;
        l.unit_forget_bias = c.bool_or("unit_forget_bias", true);
        Ok(l)
    }

    /// The tape- and RNG-touching half of `call`: weight `Var`s (the node's inputs, in order)
    /// and a `Send` job holding everything the pure computation needs. `Bidirectional` runs two
    /// jobs at once; RNG draws stay in call order, so results do not depend on threads.
    pub(crate) fn prepare(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<(Vec<Var>, LstmJob)> {
        let u = self.units;
        let RecurrentCall {
            x,
            b,
            t,
            d,
            init,
            w,
            rk,
            bias,
            mask,
            steps,
            dmask,
            rmask,
            xd,
        } = start_recurrent_call!(self, inputs, ctx, 2)?;
        let acts = self.acts()?;

        let mut vars = vec![x.clone(), w.clone(), rk.clone()];
        if let Some(bv) = &bias {
            vars.push(bv.clone());
        }
        vars.extend(init.iter().map(|v| (*v).clone()));
        let job = LstmJob {
            b,
            t,
            d,
            u,
            xd,
            w: w.value().clone(),
            rk: rk.value().clone(),
            bias: bias.as_ref().map(|v| v.value().clone()),
            init: init.iter().map(|v| v.value().clone()).collect(),
            mask,
            dmask,
            rmask,
            steps,
            acts,
            activation: self.activation,
            recurrent_activation: self.recurrent_activation,
            return_sequences: self.seq.return_sequences,
            zero_output: self.seq.zero_output_for_mask,
        };
        Ok((vars, job))
    }

    /// The flows `call` returns for the outputs of one recorded LSTM node.
    pub(crate) fn flows(&self, inputs: &[Flow], outs: &[Var]) -> Vec<Flow> {
        result_flows(&self.seq, inputs[0].mask.as_ref(), outs)
    }

    fn acts(&self) -> Result<[ScalarFn; 4]> {
        let (fa, dfa) = scalar_activation(self.base.name(), self.activation)?;
        let (fr, dfr) = scalar_activation(self.base.name(), self.recurrent_activation)?;
        Ok([fa, dfa, fr, dfr])
    }
}

/// Everything one LSTM forward pass needs, off the tape (see `LSTM::prepare`).
pub(crate) struct LstmJob {
    b: usize,
    t: usize,
    d: usize,
    u: usize,
    xd: Tensor,
    w: Tensor,
    rk: Tensor,
    bias: Option<Tensor>,
    init: Vec<Tensor>,
    mask: Option<Vec<f32>>,
    dmask: Option<Vec<f32>>,
    rmask: Option<Vec<f32>>,
    steps: Vec<usize>,
    acts: [ScalarFn; 4],
    activation: Activation,
    recurrent_activation: Activation,
    return_sequences: bool,
    zero_output: bool,
}

/// Saved forward state of one LSTM call, used by its backward.
pub(crate) struct Saved {
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
    mask: Option<Vec<f32>>,
    dmask: Option<Vec<f32>>,
    rmask: Option<Vec<f32>>,
    steps: Vec<usize>,
    return_sequences: bool,
    zero_output: bool,
    has_bias: bool,
    n_init: usize,
    acts: [ScalarFn; 4],
    default_acts: bool,
}

impl Layer for LSTM {
    crate::layer_boilerplate!("LSTM");

    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape.clone()
    }

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        self.acts()?;
        let u = build_recurrent_kernels!(self, input_shapes, rng, 4);
        if self.use_bias {
            let value = if self.unit_forget_bias {
                // Keras: bias_initializer(u) ++ ones(u) ++ bias_initializer(2u).
                let mut v = self.bias_initializer.init(&[u], rng)?.to_vec()?;
                v.extend(std::iter::repeat_n(1.0, u));
                v.extend(self.bias_initializer.init(&[2 * u], rng)?.to_vec()?);
                Tensor::from_vec(v, &[4 * u])?
            } else {
                self.bias_initializer.init(&[4 * u], rng)?
            };
            self.bias = Some(Param::new("bias", value).with_regularizer(self.bias_regularizer));
        }
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        input_features(self.base.name(), &input_shapes[0])?;
        Ok(self.seq.output_shapes(&input_shapes[0], self.units, 2))
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let (vars, job) = self.prepare(inputs, ctx)?;
        let (outs, saved) = job.run()?;
        let refs: Vec<&Var> = vars.iter().collect();
        let outs = ctx.tape.record(
            &refs,
            outs,
            Box::new(move |g: &[Option<Tensor>]| saved.backward(g)),
        )?;
        Ok(self.flows(inputs, &outs))
    }

    recurrent_weights_and_config!(|s| {
        vec![
            ("recurrent_activation", json!(s.recurrent_activation.name())),
            ("use_bias", json!(s.use_bias)),
            ("unit_forget_bias", json!(s.unit_forget_bias)),
        ]
    });
}

impl LstmJob {
    /// The forward pass over the whole sequence: `[output, h, c]` and the state backward needs.
    pub(crate) fn run(self) -> kerust_tensor::Result<(Vec<Tensor>, Saved)> {
        let LstmJob {
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
            acts,
            activation,
            recurrent_activation,
            return_sequences: rs,
            zero_output,
        } = self;
        let g4 = 4 * u;
        let [fa, _, fr, _] = acts;
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
        let mut h = match init.first() {
            Some(v) => v.to_vec()?,
            None => vec![0.0f32; b * u],
        };
        let mut c = match init.get(1) {
            Some(v) => v.to_vec()?,
            None => vec![0.0f32; b * u],
        };
        let mut c_prev = vec![0.0f32; t * b * u];
        let mut tc = vec![0.0f32; t * b * u];
        let mut h_prev = vec![0.0f32; t * b * u];
        let mut prev_out = vec![0.0f32; b * u];
        let mut seq_out = if rs {
            vec![0.0f32; b * t * u]
        } else {
            Vec::new()
        };
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
                acts: (activation, fa, recurrent_activation, fr),
            };
            for_each_chunk(chunks, |rows| loop_args.run(rows))?;
        }
        let out = if rs {
            Tensor::from_vec(seq_out, &[b, t, u])?
        } else {
            Tensor::from_vec(prev_out, &[b, u])?
        };
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
            mask,
            dmask,
            rmask,
            steps,
            return_sequences: rs,
            zero_output,
            has_bias: bias.is_some(),
            n_init: init.len(),
            acts,
            default_acts: activation == Activation::Tanh
                && recurrent_activation == Activation::Sigmoid,
        };
        Ok((
            vec![
                out,
                Tensor::from_vec(h, &[b, u])?,
                Tensor::from_vec(c, &[b, u])?,
            ],
            saved,
        ))
    }
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
    /// `(activation, its scalar fn, recurrent_activation, its scalar fn)`.
    acts: (Activation, ScalarFn, Activation, ScalarFn),
}

impl ForwardLoop<'_> {
    /// The time loop over one chunk's rows: `h·U` into the gates, activations, new cell and state.
    fn run(&self, rows: ForwardRows) -> kerust_tensor::Result<()> {
        let Chunk {
            lo,
            steps: [mut gates, mut c_prev, mut tc, mut h_prev],
            rows: [h, c, prev_out, seq_out],
        } = rows;
        let (seq, u) = (&self.seq, self.u);
        let g4 = 4 * u;
        let bc = h.len() / u.max(1);
        let (activation, fa, recurrent_activation, fr) = self.acts;
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
                apply_act(recurrent_activation, fr, ri);
                apply_act(recurrent_activation, fr, rf);
                apply_act(activation, fa, rg);
                apply_act(recurrent_activation, fr, ro);
                let hr = &mut h[bi * u..(bi + 1) * u];
                let cr = &mut c[bi * u..(bi + 1) * u];
                let tr = &mut tck[bi * u..(bi + 1) * u];
                for j in 0..u {
                    tr[j] = rf[j] * cr[j] + ri[j] * rg[j];
                }
                if keep {
                    cr.copy_from_slice(tr);
                }
                apply_act(activation, fa, tr);
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
    pub(crate) fn backward(
        &self,
        g: &[Option<Tensor>],
    ) -> kerust_tensor::Result<Vec<Option<Tensor>>> {
        let s = self;
        let (b, t, d, u) = (s.b, s.t, s.d, s.u);
        let g4 = 4 * u;
        let (g_out, [mut dh, mut dc], mut dout) = incoming_grads(g, b * u, s.return_sequences)?;
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
            s.dmask.as_ref(),
            Some(&s.steps),
            [b, t, d, g4],
        )?;
        out.push(Some(Tensor::from_vec(du, &[u, g4])?));
        if s.has_bias {
            let mut db = vec![0.0f32; g4];
            dz_all
                .chunks(g4)
                .for_each(|row| db.iter_mut().zip(row).for_each(|(a, v)| *a += v));
            out.push(Some(Tensor::from_vec(db, &[g4])?));
        }
        if s.n_init == 2 {
            out.push(Some(Tensor::from_vec(dh, &[b, u])?));
            out.push(Some(Tensor::from_vec(dc, &[b, u])?));
        }
        Ok(out)
    }

    /// The BPTT loop over one chunk's rows: gate gradients of every step into `rows.dz`, the
    /// state gradients carried back through `h·U` (the default activations inlined and compiled
    /// for AVX-512 where the CPU has it: same IEEE operations per lane, so the same bits).
    fn bptt_rows(
        &self,
        rows: BackwardRows,
        g_out: Option<&[f32]>,
        ut: &PackedB,
    ) -> kerust_tensor::Result<()> {
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
            let [_, dfa, _, dfr] = self.acts;
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
) -> kerust_tensor::Result<()> {
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
) -> kerust_tensor::Result<()> {
    let Chunk {
        lo,
        steps: [mut dz],
        rows: [dh, dc, dout, carry],
    } = rows;
    let (b, t, u) = (s.b, s.t, s.u);
    let g4 = 4 * u;
    let bc = dh.len() / u.max(1);
    for k in (0..t).rev() {
        let step = s.steps[k];
        let gk = &s.gates[(k * b + lo) * g4..(k * b + lo + bc) * g4];
        let cpk = &s.c_prev[(k * b + lo) * u..(k * b + lo + bc) * u];
        let tck = &s.tc[(k * b + lo) * u..(k * b + lo + bc) * u];
        let dzk = &mut *dz[k];
        for bi in 0..bc {
            let keep = kept(s.mask.as_deref(), lo + bi, t, step);
            let dor = &mut dout[bi * u..(bi + 1) * u];
            if s.return_sequences {
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
                if s.zero_output {
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
        if let Some(rm) = &s.rmask {
            dh.iter_mut().zip(&rm[lo * u..]).for_each(|(v, m)| *v *= m);
        }
        dh.iter_mut().zip(&*carry).for_each(|(v, c)| *v += c);
    }
    Ok(())
}

/// `[dX, dW]` from the gradient of the projected inputs `dXW [b*t, n]`: `dX = dXW·Wᵀ ⊙ mask`,
/// `dW = X_dropᵀ·dXW`. The caller appends the remaining gradients. Rows of `xd` and `dxw` are
/// batch-major (`i·t + step`), or time-major in step order (`k·b + i` ↔ step `steps[k]`) when
/// `steps` is given; `dX` is always returned `[b, t, d]`.
pub(crate) fn input_grads(
    xd: &[f32],
    w: &[f32],
    dxw: &[f32],
    dmask: Option<&Vec<f32>>,
    steps: Option<&[usize]>,
    [b, t, d, n]: [usize; 4],
) -> kerust_tensor::Result<Vec<Option<Tensor>>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rnn::test_util::{
        check_chunking_is_invisible, check_gradients_with_states, check_training_gradients,
    };
    use crate::testing::{check_config_round_trip, check_layer_gradients};

    #[test]
    fn lecture_parameter_counts() {
        for (units, d, want) in [
            (64, 128, 49408),
            (10, 50, 2440),
            (1, 10, 48),
            (32, 32, 8320),
            (32, 1, 4352),
        ] {
            let mut l = LSTM::new(units);
            l.build(&[vec![None, None, Some(d)]], &mut Rng::seed(0))
                .unwrap();
            assert_eq!(l.count_params(), want, "LSTM({units}) on {d}");
        }
    }

    #[test]
    fn forget_bias_starts_at_one() {
        let mut l = LSTM::new(2);
        l.build(&[vec![None, None, Some(3)]], &mut Rng::seed(0))
            .unwrap();
        let b = l.get_weights()[2].to_vec().unwrap();
        assert_eq!(b, vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn gradients_all_modes() {
        check_layer_gradients(LSTM::new(3), &[2, 4, 2]);
        check_layer_gradients(LSTM::new(3).return_sequences(true), &[2, 4, 2]);
        check_layer_gradients(
            LSTM::new(2).go_backwards(true).return_sequences(true),
            &[2, 3, 2],
        );
        check_layer_gradients(
            LSTM::new(2)
                .activation("relu")
                .recurrent_activation("hard_sigmoid")
                .use_bias(false),
            &[3, 3, 2],
        );
    }

    #[test]
    fn gradients_with_dropout_masks_and_states() {
        check_training_gradients(
            LSTM::new(3)
                .dropout(0.3)
                .recurrent_dropout(0.4)
                .return_sequences(true),
            &[3, 4, 2],
        );
        check_gradients_with_states(
            LSTM::new(3).return_sequences(true).return_state(true),
            &[2, 4, 2],
            2,
            3,
        );
        check_gradients_with_states(
            LSTM::new(2).return_state(true).go_backwards(true),
            &[3, 4, 2],
            2,
            2,
        );
        check_gradients_with_states(
            LSTM::new(2)
                .zero_output_for_mask(true)
                .return_sequences(true),
            &[3, 4, 2],
            2,
            2,
        );
    }

    #[test]
    fn batch_chunks_give_the_bits_of_one_loop() {
        check_chunking_is_invisible(
            LSTM::new(32)
                .dropout(0.2)
                .recurrent_dropout(0.3)
                .return_sequences(true)
                .return_state(true),
            &[33, 8, 4],
            2,
            32,
        );
        check_chunking_is_invisible(
            LSTM::new(32).go_backwards(true).zero_output_for_mask(true),
            &[32, 8, 4],
            0,
            32,
        );
    }

    #[test]
    fn config_round_trip() {
        check_config_round_trip(
            LSTM::new(4)
                .return_sequences(true)
                .go_backwards(true)
                .dropout(0.25)
                .unit_forget_bias(false),
            LSTM::from_config,
        );
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let mut l = LSTM::new(0);
        assert!(l
            .build(&[vec![None, None, Some(3)]], &mut Rng::seed(0))
            .is_err());
        let mut l = LSTM::new(2);
        assert!(l.build(&[vec![None, Some(3)]], &mut Rng::seed(0)).is_err());
        l.build(&[vec![None, None, Some(3)]], &mut Rng::seed(0))
            .unwrap();
        let err = crate::testing::forward(&l, Tensor::zeros(&[2, 3, 4]).unwrap()).unwrap_err();
        assert!(err.to_string().contains("[batch, time >= 1, 3]"), "{err}");
    }
}
