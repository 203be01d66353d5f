//! `SimpleRNN`: `h_t = activation(x_t·W + h_{t-1}·U + b)`, the whole sequence as one tape node.
use super::chunks::{chunk_views, for_each_chunk, Chunk};
use super::common::SeqLoop;
use super::common::{
    apply_act, build_recurrent_kernels, incoming_grads, input_features, kept,
    read_recurrent_config, recurrent_new, recurrent_setters, recurrent_weights_and_config,
    result_flows, scalar_activation, start_recurrent_call, DropoutOptions, RecurrentCall, ScalarFn,
    SequenceOptions,
};
use super::lstm::input_grads;
use crate::activations::Activation;
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::Result;
use crate::flow::Flow;
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use crate::regularizers::Regularizer;
use kerust_tensor::{sgemm, sgemm_packed, PackedB, Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `SimpleRNN(units, activation="tanh", use_bias=True, dropout=0, recurrent_dropout=0,
/// return_sequences=False, ...)`. Weights: `kernel [in, u]`, `recurrent_kernel [u, u]`, `bias [u]`.
#[derive(Debug, Clone)]
pub struct SimpleRNN {
    pub base: LayerBase,
    pub units: usize,
    /// `tanh`, `relu`, `sigmoid`, `hard_sigmoid` or `linear`.
    pub activation: Activation,
    pub use_bias: bool,
    pub kernel_initializer: Initializer,
    pub recurrent_initializer: Initializer,
    pub bias_initializer: Initializer,
    pub kernel_regularizer: Option<Regularizer>,
    pub recurrent_regularizer: Option<Regularizer>,
    pub bias_regularizer: Option<Regularizer>,
    pub drop: DropoutOptions,
    pub seq: SequenceOptions,
    /// Input shape without batch when first in a `Sequential` (`input_shape=(None, 1)`).
    pub input_shape: Option<Shape>,
    kernel: Option<Param>,
    recurrent_kernel: Option<Param>,
    bias: Option<Param>,
}

impl SimpleRNN {
    pub fn new(units: usize) -> Self {
        recurrent_new!("SimpleRNN", units, {})
    }
    recurrent_setters!();

    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("SimpleRNN", cfg);
        let mut l = SimpleRNN::new(c.usize("units")?);
        read_recurrent_config!(l, c, cfg);
        Ok(l)
    }
}

/// Saved forward state of one SimpleRNN call, used by its backward.
struct Saved {
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
    mask: Option<Vec<f32>>,
    dmask: Option<Vec<f32>>,
    rmask: Option<Vec<f32>>,
    /// Reading order of time steps (reversed for go_backwards).
    steps: Vec<usize>,
    return_sequences: bool,
    zero_output: bool,
    has_bias: bool,
    n_init: usize,
    df: ScalarFn,
}

impl Layer for SimpleRNN {
    crate::layer_boilerplate!("SimpleRNN");

    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape.clone()
    }

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        scalar_activation(self.base.name(), self.activation)?;
        let h = build_recurrent_kernels!(self, input_shapes, rng, 1);
        if self.use_bias {
            self.bias = Some(
                Param::new("bias", self.bias_initializer.init(&[h], rng)?)
                    .with_regularizer(self.bias_regularizer),
            );
        }
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        input_features(self.base.name(), &input_shapes[0])?;
        Ok(self.seq.output_shapes(&input_shapes[0], self.units, 1))
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let name = self.base.name();
        let h = self.units;
        let RecurrentCall {
            x,
            b,
            t,
            d,
            init,
            w,
            rk: u,
            bias,
            mask,
            steps,
            dmask,
            rmask,
            xd,
        } = start_recurrent_call!(self, inputs, ctx, 1)?;
        let (f, df) = scalar_activation(name, self.activation)?;

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
            w.value().as_slice()?,
            0.0,
            &mut xw,
        )?;
        if let Some(bv) = &bias {
            let bs = bv.value().as_slice()?;
            xw.chunks_mut(h)
                .for_each(|row| row.iter_mut().zip(bs).for_each(|(v, b)| *v += b));
        }
        // U packed once for every step.
        let up = PackedB::new(u.value().as_slice()?, h, h, false)?;
        let mut hcur = match init.first() {
            Some(v) => v.value().to_vec()?,
            None => vec![0.0f32; b * h],
        };
        let mut y = vec![0.0f32; t * b * h];
        let mut h_prev = vec![0.0f32; t * b * h];
        let mut prev_out = vec![0.0f32; b * h];
        let rs = self.seq.return_sequences;
        let zero_output = self.seq.zero_output_for_mask;
        let mut seq_out = if rs {
            vec![0.0f32; b * t * h]
        } else {
            Vec::new()
        };
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
                act: (self.activation, f),
            };
            for_each_chunk(chunks, |rows| loop_args.run(rows))?;
        }
        let out = if rs {
            Tensor::from_vec(seq_out, &[b, t, h])?
        } else {
            Tensor::from_vec(prev_out, &[b, h])?
        };
        let state = Tensor::from_vec(hcur, &[b, h])?;
        let saved = Saved {
            b,
            t,
            d,
            h,
            xd,
            w: w.value().clone(),
            u: u.value().clone(),
            y,
            h_prev,
            mask,
            dmask,
            rmask,
            steps,
            return_sequences: rs,
            zero_output,
            has_bias: bias.is_some(),
            n_init: init.len(),
            df,
        };
        let mut ins = vec![x, &w, &u];
        if let Some(bv) = &bias {
            ins.push(bv);
        }
        ins.extend(init.iter().copied());
        let outs = ctx.tape.record(
            &ins,
            vec![out, state],
            Box::new(move |g: &[Option<Tensor>]| backward(&saved, g)),
        )?;
        Ok(result_flows(&self.seq, inputs[0].mask.as_ref(), &outs))
    }

    recurrent_weights_and_config!(|s| vec![("use_bias", json!(s.use_bias))]);
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
    act: (Activation, ScalarFn),
}

impl ForwardLoop<'_> {
    /// The time loop over one chunk's rows: `x·W + h·U + b`, the activation, the new state.
    fn run(&self, rows: ForwardRows) -> kerust_tensor::Result<()> {
        let Chunk {
            lo,
            steps: [mut y, mut h_prev],
            rows: [hcur, prev_out, seq_out],
        } = rows;
        let (seq, h) = (&self.seq, self.h);
        let t = seq.t;
        let bc = hcur.len() / h.max(1);
        let (activation, f) = self.act;
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
            apply_act(activation, f, yk);
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

/// Backpropagation through time for one SimpleRNN call: BPTT over batch chunks, then the weight
/// and input gradients as whole-sequence GEMMs.
fn backward(s: &Saved, g: &[Option<Tensor>]) -> kerust_tensor::Result<Vec<Option<Tensor>>> {
    let (b, t, d, h) = (s.b, s.t, s.d, s.h);
    let (g_out, [mut dh], mut dout) = incoming_grads(g, b * h, s.return_sequences)?;
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
        s.dmask.as_ref(),
        None,
        [b, t, d, h],
    )?;
    out.push(Some(Tensor::from_vec(du, &[h, h])?));
    if s.has_bias {
        let mut db = vec![0.0f32; h];
        dxw.chunks(h)
            .for_each(|row| db.iter_mut().zip(row).for_each(|(a, v)| *a += v));
        out.push(Some(Tensor::from_vec(db, &[h])?));
    }
    if s.n_init == 1 {
        out.push(Some(Tensor::from_vec(dh, &[b, h])?));
    }
    Ok(out)
}

/// One batch chunk of the BPTT buffers: per-step slices of the time-major pre-activation
/// gradients `dpre`; rows of the batch-major `[b][t][h]` gradient of `X·W + b` (`dxw`), `dh`,
/// `dout` and `carry`.
type BackwardRows<'a> = Chunk<'a, 1, 4>;

/// Backpropagation through time over one chunk's rows.
fn bptt(
    s: &Saved,
    rows: BackwardRows,
    g_out: Option<&[f32]>,
    ut: &PackedB,
) -> kerust_tensor::Result<()> {
    let Chunk {
        lo,
        steps: [mut dpre],
        rows: [dxw, dh, dout, carry],
    } = rows;
    let (b, t, h) = (s.b, s.t, s.h);
    let bc = dh.len() / h.max(1);
    for k in (0..t).rev() {
        let step = s.steps[k];
        let yk = &s.y[(k * b + lo) * h..(k * b + lo + bc) * h];
        let dpk = &mut *dpre[k];
        for bi in 0..bc {
            let gb = lo + bi;
            let dor = &mut dout[bi * h..(bi + 1) * h];
            if s.return_sequences {
                if let Some(go) = g_out {
                    dor.iter_mut()
                        .zip(&go[(gb * t + k) * h..(gb * t + k + 1) * h])
                        .for_each(|(a, v)| *a += v);
                }
            }
            let r = bi * h..(bi + 1) * h;
            if kept(s.mask.as_deref(), gb, t, step) {
                for j in r.clone() {
                    dpk[j] = (dh[j] + dor[j - bi * h]) * (s.df)(yk[j]);
                    carry[j] = 0.0;
                }
                dor.fill(0.0);
            } else {
                dpk[r.clone()].fill(0.0);
                carry[r.clone()].copy_from_slice(&dh[r]);
                if s.zero_output {
                    dor.fill(0.0);
                }
            }
            dxw[(bi * t + step) * h..(bi * t + step + 1) * h]
                .copy_from_slice(&dpk[bi * h..(bi + 1) * h]);
        }
        // dh_prev = (dpre·Uᵀ) ⊙ recurrent mask + carry of masked rows.
        sgemm_packed(bc, dpk, ut, 0.0, dh)?;
        if let Some(rm) = &s.rmask {
            dh.iter_mut().zip(&rm[lo * h..]).for_each(|(v, m)| *v *= m);
        }
        dh.iter_mut().zip(&*carry).for_each(|(v, c)| *v += c);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rnn::test_util::{
        check_chunking_is_invisible, check_gradients_with_states, check_training_gradients,
    };
    use crate::testing::{check_config_round_trip, check_layer_gradients, forward};

    #[test]
    fn single_unit_hand_computed() {
        // h1 = tanh(0.5*1 + 0) ; h2 = tanh(0.5*2 + 0.8*h1 + 0.1)
        let mut l = SimpleRNN::new(1);
        l.build(&[vec![None, Some(2), Some(1)]], &mut Rng::seed(0))
            .unwrap();
        l.set_weights(&[
            Tensor::full(&[1, 1], 0.5).unwrap(),
            Tensor::full(&[1, 1], 0.8).unwrap(),
            Tensor::full(&[1], 0.1).unwrap(),
        ])
        .unwrap();
        let y = forward(&l, Tensor::from_vec(vec![1.0, 2.0], &[1, 2, 1]).unwrap()).unwrap();
        let h1 = (0.5f32 + 0.1).tanh();
        let h2 = (1.0 + 0.8 * h1 + 0.1).tanh();
        assert!((y.item().unwrap() - h2).abs() < 1e-6);
    }

    #[test]
    fn lecture_parameter_counts() {
        // SimpleRNN(10) on 1 feature: 10 + 100 + 10 = 120; then 5 on 10: 50+25+5 = 80; then 1 on 5: 7.
        for (units, d, want) in [(10, 1, 120), (5, 10, 80), (1, 5, 7), (10, 50, 610)] {
            let mut l = SimpleRNN::new(units);
            l.build(&[vec![None, None, Some(d)]], &mut Rng::seed(0))
                .unwrap();
            assert_eq!(l.count_params(), want);
        }
    }

    #[test]
    fn batch_chunks_give_the_bits_of_one_loop() {
        // 40 rows × 16 steps × 64² multiply-adds: several chunks on 4 threads.
        check_chunking_is_invisible(
            SimpleRNN::new(64)
                .dropout(0.2)
                .recurrent_dropout(0.3)
                .return_sequences(true)
                .return_state(true),
            &[40, 16, 4],
            1,
            64,
        );
        check_chunking_is_invisible(
            SimpleRNN::new(64)
                .go_backwards(true)
                .zero_output_for_mask(true),
            &[40, 16, 4],
            0,
            64,
        );
    }

    #[test]
    fn gradients_all_modes() {
        check_layer_gradients(SimpleRNN::new(3), &[2, 4, 2]);
        check_layer_gradients(SimpleRNN::new(3).return_sequences(true), &[2, 4, 2]);
        check_layer_gradients(
            SimpleRNN::new(2).go_backwards(true).return_sequences(true),
            &[2, 3, 2],
        );
        check_layer_gradients(
            SimpleRNN::new(2).activation("relu").use_bias(false),
            &[3, 3, 2],
        );
        check_config_round_trip(
            SimpleRNN::new(4)
                .return_sequences(true)
                .go_backwards(true)
                .dropout(0.2),
            SimpleRNN::from_config,
        );
        check_training_gradients(
            SimpleRNN::new(3)
                .dropout(0.3)
                .recurrent_dropout(0.4)
                .return_sequences(true),
            &[3, 4, 2],
        );
        check_gradients_with_states(
            SimpleRNN::new(3).return_sequences(true).return_state(true),
            &[3, 4, 2],
            1,
            3,
        );
        check_gradients_with_states(
            SimpleRNN::new(2)
                .zero_output_for_mask(true)
                .go_backwards(true)
                .return_sequences(true),
            &[3, 4, 2],
            1,
            2,
        );
    }
}
