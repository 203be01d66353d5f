//! End-to-end training: Sequential and functional models learn, are reproducible, and fail cleanly.
use kerust_layers::*;
use kerust_tensor::{IntTensor, Rng, Tensor};

fn xor_like(n: usize, seed: u64) -> (Tensor, Tensor) {
    let mut rng = Rng::seed(seed);
    let x = Tensor::rand_uniform(&[n, 2], -1.0, 1.0, &mut rng).unwrap();
    let xv = x.to_vec().unwrap();
    let y: Vec<f32> = xv
        .chunks(2)
        .map(|p| if p[0] * p[1] > 0.0 { 1.0 } else { 0.0 })
        .collect();
    (x, Tensor::from_vec(y, &[n, 1]).unwrap())
}

fn mlp() -> Sequential {
    let mut m = Sequential::new();
    m.add(Dense::new(16).activation("tanh").input_shape(&[2]))
        .unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    m.set_seed(3);
    m
}

#[test]
fn sequential_learns_xor_and_is_reproducible() {
    let (x, y) = xor_like(256, 1);
    let mut a = mlp();
    let w0 = a.get_weights();
    a.compile(
        Adam::new().learning_rate(0.05),
        "binary_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let h = a
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(40)
                .batch_size(32)
                .verbose(0)
                .validation_split(0.25),
        )
        .unwrap();
    let acc = h.get("accuracy").unwrap();
    assert!(*acc.last().unwrap() > 0.9, "accuracy {acc:?}");
    assert_eq!(
        h.keys(),
        vec!["loss", "accuracy", "val_loss", "val_accuracy"]
    );
    // Same initial weights and seed → bit-identical training.
    let mut b = mlp();
    b.set_weights(&w0).unwrap();
    b.compile(
        Adam::new().learning_rate(0.05),
        "binary_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let h2 = b
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(40)
                .batch_size(32)
                .verbose(0)
                .validation_split(0.25),
        )
        .unwrap();
    assert_eq!(h.get("loss"), h2.get("loss"));
    assert_eq!(
        a.get_weights()
            .iter()
            .map(|t| t.to_vec().unwrap())
            .collect::<Vec<_>>(),
        b.get_weights()
            .iter()
            .map(|t| t.to_vec().unwrap())
            .collect::<Vec<_>>()
    );
    let ev = a.evaluate(&x, &y, 32).unwrap();
    assert!(ev.get("accuracy").unwrap() > 0.85);
    assert_eq!(a.predict(&x).unwrap().shape(), &[256, 1]);
}

#[test]
fn summary_matches_lecture_counts() {
    let mut m = Sequential::new();
    m.add(Embedding::new(10001, 50)).unwrap();
    m.add(Dense::new(10).activation("relu")).unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    m.compile("adam", "binary_crossentropy", &["accuracy"])
        .unwrap();
    let x = IntTensor::from_vec(vec![1, 2, 3, 0, 5, 6], &[2, 3]).unwrap();
    let y = Tensor::zeros(&[2, 3, 1]).unwrap();
    m.fit(&x, &y, FitArgs::new().epochs(1).verbose(0)).unwrap();
    let s = m.summary_string();
    assert!(s.contains("(None, None, 50)"), "{s}");
    assert!(s.contains("Total params: 500,571"), "{s}");
    let mut rnn = Sequential::new();
    rnn.add(
        SimpleRNN::new(10)
            .return_sequences(true)
            .input_shape(&[None, Some(1)]),
    )
    .unwrap();
    rnn.add(SimpleRNN::new(5).return_sequences(true)).unwrap();
    rnn.add(SimpleRNN::new(1)).unwrap();
    let s = rnn.summary_string();
    assert!(s.contains("Total params: 207"), "{s}");
    assert!(s.contains("(None, None, 10)"), "{s}");
}

/// One SGD step on `Add(Dense(1)(shared(a)), Dense(1)(shared(b)))`: the shared kernel moves by
/// the gradient of both branches summed, worked out by hand here in f64 (mse, batch mean).
#[test]
fn functional_shared_layer_accumulates_gradients() {
    let a = Input::new(&[3]).name("a").tensor();
    let b = Input::new(&[3]).name("b").tensor();
    let shared = Dense::new(2).name("shared").shared();
    let ha = shared.call(&a).unwrap();
    let hb = shared.call(&b).unwrap();
    let s = Add::new().apply_multi(&[&ha, &hb]).unwrap().remove(0);
    let out = Dense::new(1).name("head").apply(&s).unwrap();
    let mut model = Model::new(&[&a, &b], &[&out]).unwrap();
    assert_eq!(model.graph.inputs.len(), 2);
    let lr = 0.1f32;
    model
        .compile(SGD::new().learning_rate(lr), "mse", &[])
        .unwrap();
    let (n, mut rng) = (8, Rng::seed(2));
    let xa = Tensor::rand_uniform(&[n, 3], -1.0, 1.0, &mut rng).unwrap();
    let xb = Tensor::rand_uniform(&[n, 3], -1.0, 1.0, &mut rng).unwrap();
    let y = Tensor::ones(&[n, 1]).unwrap();
    let f64s = |t: &Tensor| -> Vec<f64> { t.to_vec().unwrap().iter().map(|&v| v as f64).collect() };
    let sw = model.get_layer("shared").unwrap().get_weights();
    let hw = model.get_layer("head").unwrap().get_weights();
    let (w, bias, v, c) = (f64s(&sw[0]), f64s(&sw[1]), f64s(&hw[0]), f64s(&hw[1]));
    let (pa, pb) = (f64s(&xa), f64s(&xb));
    // Forward and backward by hand; dW sums xaᵀ·ds and xbᵀ·ds.
    let mut dw = [0.0f64; 6];
    let mut dw_a_only = [0.0f64; 6];
    for r in 0..n {
        let h = |x: &[f64], j: usize| {
            (0..3).map(|i| x[r * 3 + i] * w[i * 2 + j]).sum::<f64>() + bias[j]
        };
        let sr: Vec<f64> = (0..2).map(|j| h(&pa, j) + h(&pb, j)).collect();
        let o = sr[0] * v[0] + sr[1] * v[1] + c[0];
        let dout = 2.0 * (o - 1.0) / n as f64;
        for i in 0..3 {
            for j in 0..2 {
                let ds = dout * v[j];
                dw[i * 2 + j] += (pa[r * 3 + i] + pb[r * 3 + i]) * ds;
                dw_a_only[i * 2 + j] += pa[r * 3 + i] * ds;
            }
        }
    }
    model
        .fit(
            vec![Data::from(&xa), Data::from(&xb)],
            &y,
            FitArgs::new()
                .epochs(1)
                .batch_size(n)
                .shuffle(false)
                .verbose(0),
        )
        .unwrap();
    let after = f64s(&model.get_layer("shared").unwrap().get_weights()[0]);
    let lr = lr as f64;
    for k in 0..6 {
        let want = w[k] - lr * dw[k];
        assert!(
            (after[k] - want).abs() < 1e-5,
            "shared kernel[{k}]: got {}, want {want} (one branch only would give {})",
            after[k],
            w[k] - lr * dw_a_only[k]
        );
    }
    // The two-branch and one-branch updates differ on this data, so the check above can fail.
    assert!((0..6).any(|k| (lr * (dw[k] - dw_a_only[k])).abs() > 1e-3));
    // Wrong number of inputs is a typed error, not a panic.
    let err = model.fit(&xa, &y, FitArgs::new().verbose(0)).unwrap_err();
    assert!(err.to_string().contains("2 input"), "{err}");
}

#[test]
fn bad_input_is_an_error() {
    let mut m = mlp();
    let x = Tensor::zeros(&[4, 3]).unwrap();
    let y = Tensor::zeros(&[4, 1]).unwrap();
    assert!(matches!(
        m.fit(&x, &y, FitArgs::new().verbose(0)),
        Err(LayerError::NotCompiled(_))
    ));
    m.compile("sgd", "mse", &[]).unwrap();
    let err = m.fit(&x, &y, FitArgs::new().verbose(0)).unwrap_err();
    assert!(err.to_string().contains("expects shape (None, 2)"), "{err}");
    // A 1-D x of 100 values is reported with its own shape, not a batch slice's ([32]).
    let x1 = Tensor::zeros(&[100]).unwrap();
    let err = m.predict(&x1).unwrap_err();
    assert!(err.to_string().contains("[100]"), "{err}");
    let y100 = Tensor::zeros(&[100, 1]).unwrap();
    let err = m.fit(&x1, &y100, FitArgs::new().verbose(0)).unwrap_err();
    assert!(err.to_string().contains("[100]"), "{err}");
    let y_short = Tensor::zeros(&[3, 1]).unwrap();
    assert!(m
        .fit(
            Tensor::zeros(&[4, 2]).unwrap(),
            &y_short,
            FitArgs::new().verbose(0)
        )
        .is_err());
}

/// A text classifier big enough that its GEMMs split, its recurrent loops run in batch chunks and
/// its optimizer works in parallel chunks.
fn recurrent_classifier(gru: bool) -> Sequential {
    let mut m = Sequential::new();
    // Seeded first: with a known input shape each layer is built (and initialized) on `add`.
    m.set_seed(11);
    m.add(Input::new(&[10]).dtype("int32")).unwrap();
    m.add(Embedding::new(1200, 64)).unwrap();
    if gru {
        m.add(GRU::new(32)).unwrap();
    } else {
        m.add(LSTM::new(32)).unwrap();
    }
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    m.compile(Adam::new(), "binary_crossentropy", &["accuracy"])
        .unwrap();
    m
}

#[test]
fn training_gives_the_same_bits_on_one_thread_and_on_four() {
    let mut rng = Rng::seed(4);
    let ids: Vec<i64> = (0..96 * 10)
        .map(|_| (rng.uniform(0.0, 1.0) * 1199.0) as i64 + 1)
        .collect();
    let x = IntTensor::from_vec(ids, &[96, 10]).unwrap();
    let y = Tensor::from_vec(
        (0..96).map(|i| (i % 3 == 0) as i32 as f32).collect(),
        &[96, 1],
    )
    .unwrap();
    for gru in [false, true] {
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut m = recurrent_classifier(gru);
                let h = m
                    .fit(&x, &y, FitArgs::new().epochs(2).batch_size(48).verbose(0))
                    .unwrap();
                let weights: Vec<Vec<u32>> = m
                    .get_weights()
                    .iter()
                    .map(|t| t.to_vec().unwrap().iter().map(|v| v.to_bits()).collect())
                    .collect();
                (h.get("loss").unwrap().to_vec(), weights)
            })
        };
        let (one, four) = (run(1), run(4));
        assert_eq!(one.0, four.0, "loss history (gru={gru})");
        assert!(
            one.1 == four.1,
            "weights differ between 1 and 4 threads (gru={gru})"
        );
    }
}
