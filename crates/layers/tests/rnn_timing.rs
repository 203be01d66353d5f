//! Timing of the issue-#3 "tweets" workloads (ignored; run in release):
//! `cargo test --release -p kerust-layers --test rnn_timing -- --ignored --nocapture`.
//! One training epoch of Embedding(10000,128) + {LSTM(64), GRU(64), Bidirectional(LSTM(64))} +
//! Dense(1, sigmoid) on 6851 random length-15 sequences, batch 32, Adam; plus the cost of the
//! Adam update of the 1.28M-parameter embedding on its own.
use kerust_layers::*;
use kerust_tensor::{IntTensor, Rng, Tensor};
use std::time::Instant;

const N: usize = 6851;
const T: usize = 15;

fn data() -> (IntTensor, Tensor) {
    let mut rng = Rng::seed(1);
    let ids: Vec<i64> = (0..N * T).map(|_| 1 + rng.below(9999) as i64).collect();
    let y: Vec<f32> = (0..N).map(|_| rng.below(2) as f32).collect();
    (
        IntTensor::from_vec(ids, &[N, T]).unwrap(),
        Tensor::from_vec(y, &[N, 1]).unwrap(),
    )
}

fn time_epochs(label: &str, rnn: Box<dyn Layer>, epochs: usize) {
    time_epochs_emb(label, rnn, epochs, true)
}

/// `train_embedding=false` freezes the table, to show what its dense gradient + Adam update cost.
fn time_epochs_emb(label: &str, rnn: Box<dyn Layer>, epochs: usize, train_embedding: bool) {
    let (x, y) = data();
    let mut m = Sequential::new();
    m.add(
        Embedding::new(10000, 128)
            .input_length(T)
            .trainable(train_embedding),
    )
    .unwrap();
    m.add_boxed(rnn).unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    m.compile(Adam::new(), "binary_crossentropy", &["accuracy"])
        .unwrap();
    let start = Instant::now();
    let h = m
        .fit(
            &x,
            &y,
            FitArgs::new().epochs(epochs).batch_size(32).verbose(0),
        )
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{label}: {epochs} epoch(s) in {secs:.2} s = {:.3} s/epoch, {:.0} samples/s, loss {:?}",
        secs / epochs as f64,
        (N * epochs) as f64 / secs,
        h.get("loss").unwrap()
    );
}

#[test]
#[ignore]
fn tweets_workloads_one_epoch() {
    // KERUST_RNN_TIMING=lstm|gru|bilstm picks one workload (for profiling).
    let only = std::env::var("KERUST_RNN_TIMING").unwrap_or_default();
    let want = |k: &str| only.is_empty() || only == k;
    if want("lstm") {
        time_epochs("LSTM(64)", Box::new(LSTM::new(64)), 2);
    }
    if want("frozen") {
        time_epochs_emb(
            "LSTM(64), embedding frozen",
            Box::new(LSTM::new(64)),
            2,
            false,
        );
        time_epochs_emb(
            "GRU(64), embedding frozen",
            Box::new(GRU::new(64)),
            2,
            false,
        );
        time_epochs_emb(
            "Bidirectional(LSTM(64)), embedding frozen",
            Box::new(Bidirectional::new(LSTM::new(64)).unwrap()),
            2,
            false,
        );
    }
    if want("gru") {
        time_epochs("GRU(64)", Box::new(GRU::new(64)), 2);
    }
    if want("bilstm") {
        time_epochs(
            "Bidirectional(LSTM(64))",
            Box::new(Bidirectional::new(LSTM::new(64)).unwrap()),
            2,
        );
    }
    // The embedding's Adam step alone, 215 times (one epoch's worth of batches).
    let mut opt = Adam::new();
    let mut p = Param::new("embeddings", Tensor::zeros(&[10000, 128]).unwrap());
    let g = Tensor::full(&[10000, 128], 0.01).unwrap();
    let start = Instant::now();
    let steps = N.div_ceil(32);
    for t in 1..=steps as u64 {
        opt.update_one(&mut p, &g, t).unwrap();
    }
    println!(
        "Adam over Embedding(10000,128): {steps} steps in {:.3} s",
        start.elapsed().as_secs_f64()
    );
}
