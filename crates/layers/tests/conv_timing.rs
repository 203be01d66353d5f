//! Timing of the tweets workloads with the conv/pooling layers (ignored by default; run with
//! `cargo test --release -p kerust-layers --test conv_timing -- --ignored --nocapture`).
//! Keras 3 / TF CPU reference on the 2-core machine: Conv1D 12.6 s and GAP 12.5 s for 5 epochs.
use kerust_layers::*;
use kerust_tensor::{IntTensor, Rng, Tensor};
use std::time::Instant;

const N: usize = 6851;
const T: usize = 15;

fn data() -> (IntTensor, Tensor) {
    let mut rng = Rng::seed(1);
    let ids: Vec<i64> = (0..N * T).map(|_| rng.below(9999) as i64 + 1).collect();
    let y: Vec<f32> = (0..N).map(|_| rng.below(2) as f32).collect();
    (
        IntTensor::from_vec(ids, &[N, T]).unwrap(),
        Tensor::from_vec(y, &[N, 1]).unwrap(),
    )
}

fn time_epochs(name: &str, mut model: Sequential, epochs: usize) -> Sequential {
    let (x, y) = data();
    model
        .compile(Adam::new(), "binary_crossentropy", &["accuracy"])
        .unwrap();
    let start = Instant::now();
    let h = model
        .fit(
            &x,
            &y,
            FitArgs::new().epochs(epochs).batch_size(32).verbose(0),
        )
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    let loss = h.get("loss").unwrap();
    assert!(loss.iter().all(|l| l.is_finite()), "{name}: loss {loss:?}");
    println!(
        "{name}: {epochs} epochs of {N} samples in {secs:.2} s ({:.2} s/epoch, {:.0} samples/s); loss {loss:?}",
        secs / epochs as f64,
        (N * epochs) as f64 / secs
    );
    model
}

#[test]
#[ignore = "timing run, not a correctness test"]
fn tweets_conv1d_and_gap_epochs() {
    let epochs = std::env::var("KERUST_EPOCHS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mut conv = Sequential::new();
    conv.add(Embedding::new(10000, 128).input_length(T))
        .unwrap();
    conv.add(Conv1D::new(32, 5).activation("relu")).unwrap();
    conv.add(GlobalMaxPooling1D::new()).unwrap();
    conv.add(Dense::new(1).activation("sigmoid")).unwrap();
    let conv = time_epochs("Embedding+Conv1D(32,5)+GlobalMaxPooling1D", conv, epochs);
    assert_eq!(conv.count_params(), 1_280_000 + 20_512 + 33);

    let mut gap = Sequential::new();
    gap.add(Embedding::new(10000, 128).input_length(T)).unwrap();
    gap.add(GlobalAveragePooling1D::new()).unwrap();
    gap.add(Dense::new(1).activation("sigmoid")).unwrap();
    time_epochs("Embedding+GlobalAveragePooling1D", gap, epochs);
}

#[test]
#[ignore = "timing run, not a correctness test"]
fn conv1d_layer_step_cost() {
    // One training step of the Conv1D(32, 5) layer alone on a [32, 15, 128] batch: forward, and
    // backward into the input and weights (the fused node), repeated for one epoch's 215 batches.
    let mut layer = Conv1D::new(32, 5).activation("relu");
    layer
        .build(&[vec![None, Some(T), Some(128)]], &mut Rng::seed(0))
        .unwrap();
    let x = Tensor::rand_uniform(&[32, T, 128], -1.0, 1.0, &mut Rng::seed(2)).unwrap();
    let steps = N.div_ceil(32);
    let start = Instant::now();
    for _ in 0..steps {
        let tape = kerust_autograd::Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, true, &mut rng);
        let xv = tape.param(x.clone());
        let y = layer.call(&[Flow::float(xv.clone())], &mut ctx).unwrap();
        let g = tape
            .backward(&y[0].var("conv").unwrap().sum_all().unwrap())
            .unwrap();
        assert!(g.get(&xv).is_some());
    }
    let secs = start.elapsed().as_secs_f64();
    // forward GEMM + two backward GEMMs of 2·m·n·k flops each, m = 32·11, k = 5·128, n = 32
    let flops = 3.0 * 2.0 * (32.0 * 11.0) * 640.0 * 32.0 * steps as f64;
    println!(
        "Conv1D(32,5) on [32,15,128]: {steps} fwd+bwd steps in {secs:.3} s ({:.3} ms/step, {:.1} GFLOP/s)",
        secs * 1e3 / steps as f64,
        flops / secs / 1e9
    );
}
