//! The op on its own: finite-difference gradients of every cell and option, shape errors.
use super::*;
use crate::rng::Rng;

/// Every input the op can take, random, with the cell's weight shapes.
struct Case {
    x: Tensor,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor,
    init: Vec<Tensor>,
    mask: Tensor,
    dmask: Tensor,
    rmask: Tensor,
}

fn case(cell: Cell, (b, t, d, u): (usize, usize, usize, usize), seed: u64) -> Case {
    let mut rng = Rng::seed(seed);
    let g = cell.gates();
    let mut r = |s: &[usize], a: f32| Tensor::rand_uniform(s, -a, a, &mut rng).unwrap();
    let mut mask = vec![1.0f32; b * t];
    mask[0] = 0.0; // first step of sample 0
    mask[b * t - 1] = 0.0; // last step of the last sample
    let keep = |n: usize, every: usize| {
        let v: Vec<f32> = (0..n)
            .map(|i| if i % every == 1 { 0.0 } else { 1.25 })
            .collect();
        Tensor::from_vec(v, &[n]).unwrap()
    };
    Case {
        x: r(&[b, t, d], 1.0),
        kernel: r(&[d, g * u], 0.6),
        recurrent_kernel: r(&[u, g * u], 0.6),
        bias: r(&cell.bias_shape(u), 0.3),
        init: (0..cell.n_states()).map(|_| r(&[b, u], 0.5)).collect(),
        mask: Tensor::from_vec(mask, &[b, t]).unwrap(),
        dmask: keep(b * d, 3).reshape(&[b, d]).unwrap(),
        rmask: keep(b * u, 4).reshape(&[b, u]).unwrap(),
    }
}

/// Which optional inputs a check passes.
#[derive(Clone, Copy, Default)]
struct With {
    bias: bool,
    init: bool,
    mask: bool,
    dropout: bool,
}

/// `Σ_i Σ w_i ⊙ output_i` (fixed random weights), in f64, and the op's gradients of it.
fn loss_and_grads(
    cell: Cell,
    c: &Case,
    w: With,
    opts: SequenceOptions,
    probe: &[Tensor],
) -> (f64, Vec<Option<Tensor>>) {
    let inputs = SequenceInputs {
        x: &c.x,
        kernel: &c.kernel,
        recurrent_kernel: &c.recurrent_kernel,
        bias: w.bias.then_some(&c.bias),
        initial_states: if w.init { &c.init } else { &[] },
        mask: w.mask.then_some(&c.mask),
        dropout_mask: w.dropout.then_some(&c.dmask),
        recurrent_dropout_mask: w.dropout.then_some(&c.rmask),
    };
    let (outs, back) = rnn(cell, &inputs, opts).unwrap();
    let loss = outs
        .iter()
        .zip(probe)
        .map(|(o, p)| {
            let (o, p) = (o.to_vec().unwrap(), p.to_vec().unwrap());
            o.iter()
                .zip(&p)
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum::<f64>()
        })
        .sum();
    let g: Vec<Option<Tensor>> = probe.iter().cloned().map(Some).collect();
    (loss, back.backward(&g).unwrap())
}

/// The input called `name` in a case.
fn field<'a>(c: &'a mut Case, name: &str) -> &'a mut Tensor {
    match name {
        "x" => &mut c.x,
        "kernel" => &mut c.kernel,
        "recurrent_kernel" => &mut c.recurrent_kernel,
        "bias" => &mut c.bias,
        "h0" => &mut c.init[0],
        _ => &mut c.init[1],
    }
}

/// Central differences of every input the op differentiates, against its backward.
fn check(cell: Cell, w: With, opts: SequenceOptions) {
    let dims = (3, 4, 2, 3);
    let c = case(cell, dims, 7);
    let inputs = SequenceInputs::new(&c.x, &c.kernel, &c.recurrent_kernel);
    let (outs, _) = rnn(cell, &inputs, opts).unwrap();
    let mut rng = Rng::seed(11);
    let probe: Vec<Tensor> = outs
        .iter()
        .map(|o| Tensor::rand_uniform(o.shape(), -1.0, 1.0, &mut rng).unwrap())
        .collect();
    let (_, grads) = loss_and_grads(cell, &c, w, opts, &probe);
    // The differentiated inputs, in the order backward returns them.
    let mut names: Vec<&str> = vec!["x", "kernel", "recurrent_kernel"];
    if w.bias {
        names.push("bias");
    }
    if w.init {
        names.extend(["h0", "c0"].iter().take(cell.n_states()));
    }
    assert_eq!(grads.len(), names.len(), "{cell:?}: one gradient per input");
    for (k, name) in names.iter().enumerate() {
        let analytic = grads[k].as_ref().unwrap().to_vec().unwrap();
        let eps = 1e-3f32;
        let mut worst = 0.0f64;
        for i in 0..analytic.len() {
            let at = |delta: f32| {
                let mut c2 = case(cell, dims, 7);
                let t = field(&mut c2, name);
                let mut v = t.to_vec().unwrap();
                v[i] += delta;
                *t = Tensor::from_vec(v, t.shape()).unwrap();
                loss_and_grads(cell, &c2, w, opts, &probe).0
            };
            let numeric = (at(eps) - at(-eps)) / (2.0 * eps as f64);
            let err = (numeric - analytic[i] as f64).abs()
                / numeric.abs().max(analytic[i].abs() as f64).max(0.1);
            worst = worst.max(err);
        }
        assert!(
            worst < 5e-3,
            "{cell:?} {name}: worst relative error {worst}"
        );
    }
}

fn cells() -> Vec<Cell> {
    vec![
        Cell::simple_rnn(),
        Cell::lstm(),
        Cell::gru(),
        Cell::Gru {
            activation: RecurrentActivation::Tanh,
            recurrent_activation: RecurrentActivation::Sigmoid,
            reset_after: false,
        },
        Cell::Lstm {
            activation: RecurrentActivation::Relu,
            recurrent_activation: RecurrentActivation::HardSigmoid,
        },
    ]
}

#[test]
fn gradients_match_finite_differences_for_every_cell_and_option() {
    let all = With {
        bias: true,
        init: true,
        mask: true,
        dropout: true,
    };
    for cell in cells() {
        check(cell, With::default(), SequenceOptions::default());
        check(
            cell,
            all,
            SequenceOptions {
                return_sequences: true,
                go_backwards: true,
                zero_output_for_mask: true,
            },
        );
        check(
            cell,
            With {
                mask: true,
                bias: true,
                ..With::default()
            },
            SequenceOptions {
                return_sequences: false,
                go_backwards: false,
                zero_output_for_mask: false,
            },
        );
    }
}

#[test]
fn masked_steps_carry_the_state_and_repeat_or_zero_the_output() {
    let cell = Cell::lstm();
    let c = case(cell, (3, 4, 2, 3), 1);
    let mut inputs = SequenceInputs::new(&c.x, &c.kernel, &c.recurrent_kernel);
    inputs.mask = Some(&c.mask);
    let seq = |zero: bool| {
        let opts = SequenceOptions {
            return_sequences: true,
            zero_output_for_mask: zero,
            ..Default::default()
        };
        rnn(cell, &inputs, opts).unwrap().0[0].to_vec().unwrap()
    };
    let (repeat, zeros) = (seq(false), seq(true));
    let u = 3;
    // Sample 0 step 0 is masked: no previous output, so zeros either way.
    assert!(repeat[..u].iter().all(|&v| v == 0.0));
    // The last sample's last step is masked: repeated vs zeroed.
    let last = repeat.len() - u;
    assert_eq!(&repeat[last..], &repeat[last - u..last]);
    assert!(zeros[last..].iter().all(|&v| v == 0.0));
    assert_eq!(&zeros[..last], &repeat[..last]);
}

#[test]
fn bad_shapes_are_typed_errors() {
    let cell = Cell::gru();
    let c = case(cell, (2, 3, 2, 4), 3);
    let ok = SequenceInputs::new(&c.x, &c.kernel, &c.recurrent_kernel);
    let opts = SequenceOptions::default();
    let err = |i: SequenceInputs| rnn(cell, &i, opts).err().unwrap().to_string();
    let flat = c.x.reshape(&[2, 6]).unwrap();
    assert!(err(SequenceInputs { x: &flat, ..ok }).contains("rank 3"));
    let empty = Tensor::zeros(&[2, 0, 2]).unwrap();
    assert!(err(SequenceInputs { x: &empty, ..ok }).contains("at least one time step"));
    assert!(err(SequenceInputs {
        kernel: &c.recurrent_kernel,
        ..ok
    })
    .contains("kernel of shape [2, 12]"));
    let flat_bias = Tensor::zeros(&[12]).unwrap();
    assert!(err(SequenceInputs {
        bias: Some(&flat_bias),
        ..ok
    })
    .contains("bias of shape [2, 12]"));
    let two = [c.init[0].clone(), c.init[0].clone()];
    assert!(err(SequenceInputs {
        initial_states: &two,
        ..ok
    })
    .contains("got 2"));
    let short = Tensor::ones(&[2, 2]).unwrap();
    assert!(err(SequenceInputs {
        mask: Some(&short),
        ..ok
    })
    .contains("mask of shape [2, 3]"));
}

#[test]
fn the_same_bits_on_one_thread_and_on_four() {
    // Large enough to split into batch chunks.
    let cell = Cell::lstm();
    let c = case(cell, (40, 6, 8, 32), 9);
    let mut inputs = SequenceInputs::new(&c.x, &c.kernel, &c.recurrent_kernel);
    inputs.bias = Some(&c.bias);
    let opts = SequenceOptions {
        return_sequences: true,
        ..Default::default()
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let (outs, back) = rnn(cell, &inputs, opts).unwrap();
            let g = vec![Some(outs[0].clone()), None, None];
            let grads = back.backward(&g).unwrap();
            let mut bits: Vec<u32> = outs[0]
                .to_vec()
                .unwrap()
                .iter()
                .map(|v| v.to_bits())
                .collect();
            for gr in grads.into_iter().flatten() {
                bits.extend(gr.to_vec().unwrap().iter().map(|v| v.to_bits()));
            }
            bits
        })
    };
    assert_eq!(run(1), run(4));
}
