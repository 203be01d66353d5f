//! Gradient checks for recurrent layers beyond `crate::testing`: training mode (fixed dropout
//! masks), initial states passed as extra inputs, a padding mask, and every output at once.
use crate::ctx::Ctx;
use crate::flow::Flow;
use crate::layer::Layer;
use kerust_autograd::{gradcheck, Var};
use kerust_tensor::{Rng, Tensor, TensorError};

fn to_tensor_err(e: crate::error::LayerError) -> TensorError {
    TensorError::InvalidArgument {
        op: "layer call",
        message: e.to_string(),
    }
}

/// All float outputs of a call flattened per sample and joined: `[b, Σ n_i]`.
fn joined(outs: &[Flow], layer: &str) -> kerust_tensor::Result<Var> {
    let mut parts = Vec::new();
    for o in outs {
        let v = o.var(layer).map_err(to_tensor_err)?;
        let b = v.shape()[0];
        let n = v.value().numel() / b;
        parts.push(v.reshape(&[b, n])?);
    }
    let refs: Vec<&Var> = parts.iter().collect();
    Var::concat(&refs, 1)
}

/// Calls `body` with the test inputs (`[b, t, d]` = `shape`, `n_states` initial states of
/// `[b, units]`, then every weight) and a function that runs `layer` on them and joins its
/// outputs. With `masked`, a padding mask drops the first step of sample 0, the last of sample 1
/// and two middle steps of sample 2 (if present). `training` turns dropout on; the same seed is
/// used at every evaluation so masks are fixed.
fn with_call<R>(
    mut layer: impl Layer,
    shape: &[usize],
    (n_states, units): (usize, usize),
    masked: bool,
    training: bool,
    body: impl FnOnce(&str, &[Tensor], &(dyn Fn(&[Var]) -> kerust_tensor::Result<Var> + Sync)) -> R,
) -> R {
    let mut rng = Rng::seed(5);
    let (b, t) = (shape[0], shape[1]);
    layer
        .build(&[vec![None, Some(t), Some(shape[2])]], &mut rng)
        .expect("layer builds");
    let mut inputs = vec![Tensor::rand_uniform(shape, -1.0, 1.0, &mut rng).unwrap()];
    for _ in 0..n_states {
        inputs.push(Tensor::rand_uniform(&[b, units], -0.5, 0.5, &mut rng).unwrap());
    }
    let mask = masked.then(|| {
        let mut m = vec![1.0f32; b * t];
        m[0] = 0.0;
        if b > 1 {
            m[t + t - 1] = 0.0;
        }
        if b > 2 {
            m[2 * t + t / 2] = 0.0;
            m[2 * t + t / 2 + 1] = 0.0;
        }
        Tensor::from_vec(m, &[b, t]).unwrap()
    });
    let ids: Vec<u64> = layer.params().iter().map(|p| p.id()).collect();
    inputs.extend(layer.params().iter().map(|p| p.value.clone()));
    let f = |vars: &[Var]| -> kerust_tensor::Result<Var> {
        let tape = vars[0].tape().clone();
        let mut r = Rng::seed(3);
        let mut ctx = Ctx::new(&tape, training, &mut r);
        for (id, v) in ids.iter().zip(&vars[1 + n_states..]) {
            ctx.bind(*id, v.clone());
        }
        let mut flows = vec![Flow {
            value: crate::flow::Value::Float(vars[0].clone()),
            mask: mask.clone(),
        }];
        flows.extend(vars[1..1 + n_states].iter().cloned().map(Flow::float));
        let out = layer.call(&flows, &mut ctx).map_err(to_tensor_err)?;
        joined(&out, layer.name())
    };
    body(layer.class_name(), &inputs, &f)
}

/// Gradient check of every output w.r.t. the input, `n_states` initial states of `[b, units]`
/// and every weight (see [`with_call`] for the inputs and mask).
#[track_caller]
pub fn check_full(
    layer: impl Layer,
    shape: &[usize],
    n_states: usize,
    units: usize,
    masked: bool,
    training: bool,
) {
    with_call(
        layer,
        shape,
        (n_states, units),
        masked,
        training,
        |class, inputs, f| {
            // A larger step than the default 1e-2: the f32 rounding noise of a whole sequence
            // shrinks with it, and Richardson extrapolation keeps the truncation error small.
            gradcheck(f, inputs, 3e-2)
                .expect("gradcheck runs")
                .assert_ok(class);
        },
    );
}

/// The outputs and the gradients of a fixed weighted sum of them w.r.t. every input, as bits,
/// computed on a rayon pool of `threads`.
fn output_and_grad_bits(
    inputs: &[Tensor],
    f: &(dyn Fn(&[Var]) -> kerust_tensor::Result<Var> + Sync),
    threads: usize,
) -> Vec<Vec<u32>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| {
        let tape = kerust_autograd::Tape::new();
        let vars: Vec<Var> = inputs.iter().map(|x| tape.param(x.clone())).collect();
        let y = f(&vars).expect("layer runs");
        let n = y.value().numel();
        let w: Vec<f32> = (0..n).map(|i| ((i % 7) as f32 - 3.0) * 0.25).collect();
        let w = tape.constant(Tensor::from_vec(w, y.shape()).unwrap());
        let loss = y.mul(&w).unwrap().sum_all().unwrap();
        let g = tape.backward(&loss).expect("backward runs");
        let bits = |t: &Tensor| t.to_vec().unwrap().iter().map(|v| v.to_bits()).collect();
        let mut out = vec![bits(y.value())];
        out.extend(vars.iter().map(|v| g.get(v).map(bits).unwrap_or_default()));
        out
    })
}

/// The batch-chunked time loops give the same bits on one thread (one chunk) as on four
/// (several chunks), for outputs and every gradient, with a mask, dropout and initial states.
#[track_caller]
pub fn check_chunking_is_invisible(
    layer: impl Layer,
    shape: &[usize],
    n_states: usize,
    units: usize,
) {
    with_call(
        layer,
        shape,
        (n_states, units),
        true,
        true,
        |class, inputs, f| {
            let one = output_and_grad_bits(inputs, f, 1);
            let four = output_and_grad_bits(inputs, f, 4);
            for (i, (a, b)) in one.iter().zip(&four).enumerate() {
                assert!(
                    a == b,
                    "{class}: result {i} differs between 1 and 4 threads"
                );
            }
        },
    );
}

/// Training-mode gradient check (dropout masks fixed by the seed), no states, no mask.
#[track_caller]
pub fn check_training_gradients(layer: impl Layer, shape: &[usize]) {
    check_full(layer, shape, 0, 0, false, true);
}

/// Masked gradient check with `n_states` initial states of width `units`.
#[track_caller]
pub fn check_gradients_with_states(
    layer: impl Layer,
    shape: &[usize],
    n_states: usize,
    units: usize,
) {
    check_full(layer, shape, n_states, units, true, false);
}
