//! The device code paths (autograd ops, losses, optimizer updates written as tensor ops) run on
//! CPU tensors through `with_device_paths` and must train like the host paths. This checks their
//! arithmetic on machines without a GPU; `cargo xtask gpu-check` runs them on one. One test
//! function: the switch is process-wide.
use kerust_layers::*;
use kerust_tensor::{with_device_paths, IntTensor, Rng, Tensor};

/// A fresh optimizer per run, so both paths start from zero slots.
type MakeOptimizer = Box<dyn Fn() -> Box<dyn Optimizer>>;

fn text_data() -> (IntTensor, Tensor) {
    let mut rng = Rng::seed(3);
    // Ids 1..30 with trailing padding (mask_zero), labels from the first token's parity.
    let mut ids = Vec::new();
    let mut y = Vec::new();
    for r in 0..48usize {
        let len = 3 + r % 5;
        for t in 0..8usize {
            ids.push(if t < len {
                1 + (rng.next_u64() % 29) as i64
            } else {
                0
            });
        }
        y.push((ids[r * 8] % 2) as f32);
    }
    (
        IntTensor::from_vec(ids, &[48, 8]).unwrap(),
        Tensor::from_vec(y, &[48, 1]).unwrap(),
    )
}

/// The tweets model in small: Embedding(mask_zero) → LSTM → Dense(sigmoid), BCE, Adam.
fn text_model() -> Sequential {
    kerust_layers::random::set_random_seed(21);
    let mut m = Sequential::new();
    m.add(Embedding::new(30, 6).mask_zero(true)).unwrap();
    m.add(LSTM::new(5)).unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    m.compile(
        Adam::new().learning_rate(0.01),
        "binary_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    m
}

/// Dense layers with every activation that has a device path, an l2 penalty, MSE and RMSprop.
fn dense_model(loss: &str, optimizer: Box<dyn Optimizer>) -> Sequential {
    kerust_layers::random::set_random_seed(22);
    let mut m = Sequential::new();
    m.add(
        Dense::new(6)
            .activation("tanh")
            .kernel_regularizer(regularizers::l2(0.01))
            .input_shape(&[4]),
    )
    .unwrap();
    m.add(Dense::new(5).activation("relu")).unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    m.compile(optimizer, loss, &[]).unwrap();
    m
}

fn dense_data() -> (Tensor, Tensor) {
    let mut rng = Rng::seed(4);
    let x = Tensor::rand_normal(&[40, 4], 0.0, 1.0, &mut rng).unwrap();
    let y: Vec<f32> = x
        .to_vec()
        .unwrap()
        .chunks(4)
        .map(|r| if r[0] + r[1] > 0.0 { 1.0 } else { 0.0 })
        .collect();
    (x, Tensor::from_vec(y, &[40, 1]).unwrap())
}

fn train(
    m: &mut Sequential,
    x: impl Into<Inputs> + Clone,
    y: &Tensor,
) -> (Vec<f32>, Vec<Vec<f32>>) {
    let args = FitArgs::new()
        .epochs(2)
        .batch_size(16)
        .shuffle(false)
        .verbose(0);
    let h = m.fit(x, y, args).unwrap();
    let loss = h.get("loss").unwrap().to_vec();
    (
        loss,
        m.get_weights()
            .iter()
            .map(|w| w.to_vec().unwrap())
            .collect(),
    )
}

fn assert_close(what: &str, host: &(Vec<f32>, Vec<Vec<f32>>), dev: &(Vec<f32>, Vec<Vec<f32>>)) {
    let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * (1.0 + a.abs().max(b.abs()));
    for (a, b) in host.0.iter().zip(&dev.0) {
        assert!(
            close(*a, *b),
            "{what}: loss {a} on the host path, {b} on the device path"
        );
    }
    assert_eq!(host.1.len(), dev.1.len());
    for (i, (a, b)) in host.1.iter().zip(&dev.1).enumerate() {
        assert_eq!(a.len(), b.len());
        let worst = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max);
        assert!(
            a.iter().zip(b).all(|(x, y)| close(*x, *y)),
            "{what}: weight {i} differs by up to {worst} between the paths"
        );
    }
}

#[test]
fn device_paths_train_like_the_host_paths() {
    let (ids, y) = text_data();
    let host = train(&mut text_model(), &ids, &y);
    let dev = with_device_paths(|| train(&mut text_model(), &ids, &y));
    assert!(
        host.0[1] < host.0[0],
        "the text model did not learn: {:?}",
        host.0
    );
    assert_close("Embedding-LSTM-Dense / BCE / Adam", &host, &dev);

    let (x, y) = dense_data();
    let cases: Vec<(&str, MakeOptimizer)> = vec![
        ("mse", Box::new(|| Box::new(RMSprop::new().centered(true)))),
        (
            "binary_crossentropy",
            Box::new(|| Box::new(SGD::new().momentum(0.9))),
        ),
        ("mean_absolute_error", Box::new(|| Box::new(Adagrad::new()))),
        ("huber", Box::new(|| Box::new(Adam::new().amsgrad(true)))),
    ];
    for (loss, opt) in cases {
        let host = train(&mut dense_model(loss, opt()), &x, &y);
        let dev = with_device_paths(|| train(&mut dense_model(loss, opt()), &x, &y));
        assert_close(loss, &host, &dev);
    }
}
