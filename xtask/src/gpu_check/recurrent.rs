//! CPU-vs-CUDA parity of `kerust_tensor::recurrent::rnn`, forward and backward, for every cell
//! (fused on the device or run by the host fallback) under the options the layers pass: masks,
//! `go_backwards` (what `Bidirectional` runs for its backward half), initial states, dropout
//! masks and `zero_output_for_mask`.
use super::report::{Report, FORWARD_TOL, GRADIENT_TOL};
use kerust_tensor::recurrent::{
    rnn, Cell, RecurrentActivation, SequenceBackward, SequenceInputs, SequenceOptions,
};
use kerust_tensor::{Device, Rng, Tensor};

/// One configuration of the op.
#[derive(Debug, Clone, Copy)]
struct Case {
    return_sequences: bool,
    go_backwards: bool,
    masked: bool,
    initial_states: bool,
    dropout: bool,
    recurrent_dropout: bool,
    zero_output_for_mask: bool,
}

const fn case(rs: bool, gb: bool, masked: bool, init: bool, drop: bool, zero: bool) -> Case {
    Case {
        return_sequences: rs,
        go_backwards: gb,
        masked,
        initial_states: init,
        dropout: drop,
        recurrent_dropout: false,
        zero_output_for_mask: zero,
    }
}

/// The layer configurations that matter: plain, sequences, backwards, masked (as after
/// `Embedding(mask_zero=True)`), Bidirectional's halves, initial states, dropout.
const CASES: [Case; 8] = [
    case(false, false, false, false, false, false),
    case(true, false, false, false, false, false),
    case(false, true, false, false, false, false),
    case(true, false, true, false, false, false),
    case(true, true, true, false, false, true),
    case(false, true, true, false, false, false),
    case(true, false, false, true, false, false),
    case(false, false, true, true, true, false),
];

fn cells() -> Vec<(&'static str, Cell)> {
    vec![
        ("LSTM", Cell::lstm()),
        ("GRU", Cell::gru()),
        (
            "GRU reset_after=false",
            Cell::Gru {
                activation: RecurrentActivation::Tanh,
                recurrent_activation: RecurrentActivation::Sigmoid,
                reset_after: false,
            },
        ),
        ("SimpleRNN", Cell::simple_rnn()),
        (
            "LSTM relu/hard_sigmoid",
            Cell::Lstm {
                activation: RecurrentActivation::Relu,
                recurrent_activation: RecurrentActivation::HardSigmoid,
            },
        ),
    ]
}

/// Everything one call needs, on the host.
struct Data {
    x: Tensor,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    bias: Tensor,
    states: Vec<Tensor>,
    mask: Tensor,
    dropout: Tensor,
    recurrent_dropout: Tensor,
}

fn data(cell: Cell, rng: &mut Rng) -> kerust_tensor::Result<Data> {
    let (b, t, d, u) = (5, 7, 6, 8);
    let g = cell.gates();
    let mut keep = vec![1.0f32; b * t];
    // Right padding of different lengths, and one fully masked sequence.
    for (row, len) in keep.chunks_mut(t).zip([7, 5, 3, 1, 0]) {
        row[len..].iter_mut().for_each(|v| *v = 0.0);
    }
    let drop = |n: usize, rng: &mut Rng| {
        let v: Vec<f32> = (0..n)
            .map(|_| if rng.below(10) < 2 { 0.0 } else { 1.25 })
            .collect();
        v
    };
    Ok(Data {
        x: Tensor::rand_uniform(&[b, t, d], -1.0, 1.0, rng)?,
        kernel: Tensor::rand_uniform(&[d, g * u], -0.4, 0.4, rng)?,
        recurrent_kernel: Tensor::rand_uniform(&[u, g * u], -0.4, 0.4, rng)?,
        bias: Tensor::rand_uniform(&cell.bias_shape(u), -0.2, 0.2, rng)?,
        states: (0..cell.n_states())
            .map(|_| Tensor::rand_uniform(&[b, u], -0.5, 0.5, rng))
            .collect::<kerust_tensor::Result<_>>()?,
        mask: Tensor::from_vec(keep, &[b, t])?,
        dropout: Tensor::from_vec(drop(b * d, rng), &[b, d])?,
        recurrent_dropout: Tensor::from_vec(drop(b * u, rng), &[b, u])?,
    })
}

/// The forward of one call on `device`: its outputs and its backward half.
fn forward(
    cell: Cell,
    c: Case,
    d: &Data,
    device: Device,
) -> kerust_tensor::Result<(Vec<Tensor>, SequenceBackward)> {
    let on = |t: &Tensor| t.to(device);
    let (x, k, rk, bias) = (
        on(&d.x)?,
        on(&d.kernel)?,
        on(&d.recurrent_kernel)?,
        on(&d.bias)?,
    );
    let states = d
        .states
        .iter()
        .map(on)
        .collect::<kerust_tensor::Result<Vec<_>>>()?;
    let (mask, drop, rdrop) = (on(&d.mask)?, on(&d.dropout)?, on(&d.recurrent_dropout)?);
    let inputs = SequenceInputs {
        x: &x,
        kernel: &k,
        recurrent_kernel: &rk,
        bias: Some(&bias),
        initial_states: if c.initial_states { &states } else { &[] },
        mask: c.masked.then_some(&mask),
        dropout_mask: c.dropout.then_some(&drop),
        recurrent_dropout_mask: c.recurrent_dropout.then_some(&rdrop),
    };
    let options = SequenceOptions {
        return_sequences: c.return_sequences,
        go_backwards: c.go_backwards,
        zero_output_for_mask: c.zero_output_for_mask,
    };
    rnn(cell, &inputs, options)
}

/// All input gradients of a call, given host gradients for each of its outputs.
fn backward(
    back: &SequenceBackward,
    grads: &[Tensor],
    device: Device,
) -> kerust_tensor::Result<Vec<Option<Tensor>>> {
    let g = grads
        .iter()
        .map(|t| t.to(device).map(Some))
        .collect::<kerust_tensor::Result<Vec<_>>>()?;
    back.backward(&g)
}

/// All cells × all cases, plus recurrent dropout on every cell.
pub fn check_all(r: &mut Report) {
    let mut rng = Rng::seed(1700);
    for (cell_name, cell) in cells() {
        let mut cases = CASES.to_vec();
        cases.push(Case {
            recurrent_dropout: true,
            ..case(true, false, true, false, true, false)
        });
        for c in cases {
            let label = format!("{cell_name} {c:?}");
            if let Err(e) = check_one(r, cell, c, &label, &mut rng) {
                r.compare(&label, FORWARD_TOL, Err(e));
            }
        }
    }
}

fn check_one(
    r: &mut Report,
    cell: Cell,
    c: Case,
    label: &str,
    rng: &mut Rng,
) -> Result<(), String> {
    let d = data(cell, rng).map_err(|e| e.to_string())?;
    let cpu = |e: kerust_tensor::TensorError| format!("cpu: {e}");
    let cuda = |e: kerust_tensor::TensorError| format!("cuda: {e}");
    let (cpu_out, cpu_back) = forward(cell, c, &d, Device::Cpu).map_err(cpu)?;
    // Random gradients for every output, so each backward path is exercised.
    let grads = cpu_out
        .iter()
        .map(|o| Tensor::rand_uniform(o.shape(), -1.0, 1.0, rng))
        .collect::<kerust_tensor::Result<Vec<_>>>()
        .map_err(|e| e.to_string())?;
    let cpu_grads = backward(&cpu_back, &grads, Device::Cpu).map_err(cpu)?;
    let (gpu_out, gpu_back) = forward(cell, c, &d, Device::Cuda(0)).map_err(cuda)?;
    let gpu_grads = backward(&gpu_back, &grads, Device::Cuda(0)).map_err(cuda)?;
    if cpu_out.len() != gpu_out.len() || cpu_grads.len() != gpu_grads.len() {
        return Err(format!(
            "cpu returned {} outputs / {} gradients, cuda {} / {}",
            cpu_out.len(),
            cpu_grads.len(),
            gpu_out.len(),
            gpu_grads.len()
        ));
    }
    for (i, (a, b)) in cpu_out.iter().zip(&gpu_out).enumerate() {
        if !b.is_cuda() {
            return Err(format!("output {i} came back on the host"));
        }
        r.compare(
            &format!("{label} output {i}"),
            FORWARD_TOL,
            Ok((a.clone(), b.clone())),
        );
    }
    let names = [
        "dx",
        "dkernel",
        "drecurrent_kernel",
        "dbias",
        "dstate0",
        "dstate1",
    ];
    for (i, (a, b)) in cpu_grads.iter().zip(&gpu_grads).enumerate() {
        let name = names.get(i).copied().unwrap_or("d?");
        let pair = match (a, b) {
            (Some(a), Some(b)) => Ok((a.clone(), b.clone())),
            (None, None) => continue,
            _ => Err(format!("{name}: present on one device only")),
        };
        r.compare(&format!("{label} {name}"), GRADIENT_TOL, pair);
    }
    Ok(())
}
