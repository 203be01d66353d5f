//! Issue 19 item 5: the custom training loop of docs/custom_training.md (Keras's GradientTape
//! idiom) trains the quickstart model to the weights `fit` reaches with shuffling off (1e-6).
use kerust_datasets::ShapeCurves;
use kerust_layers::*;
use kerust_tensor::Tensor;

fn quickstart_model() -> Sequential {
    let mut model = Sequential::new();
    model.add(Input::new(&[55])).unwrap();
    model.add(Reshape::new(&[55, 1])).unwrap();
    model
        .add(SimpleRNN::new(32).return_sequences(true))
        .unwrap();
    model.add(SimpleRNN::new(32)).unwrap();
    model.add(Dense::new(3).activation("softmax")).unwrap();
    model
}

fn curves(n: usize) -> (Tensor, Tensor) {
    let c = ShapeCurves::generate(n, 0);
    let (n, len) = c.x.dim();
    (
        Tensor::from_vec(c.x.iter().copied().collect(), &[n, len]).unwrap(),
        Tensor::from_vec(c.y.iter().map(|&v| v as f32).collect(), &[n]).unwrap(),
    )
}

#[test]
fn gradient_tape_loop_matches_fit() {
    let (x, y) = curves(150);
    let (epochs, batch_size) = (2, 32);

    set_random_seed(0);
    let mut reference = quickstart_model();
    let initial = reference.get_weights();
    reference
        .compile(
            Adam::new().learning_rate(0.001),
            "sparse_categorical_crossentropy",
            &["accuracy"],
        )
        .unwrap();
    reference
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(epochs)
                .batch_size(batch_size)
                .shuffle(false)
                .verbose(0),
        )
        .unwrap();

    // The loop of docs/custom_training.md.
    let mut model = quickstart_model();
    model.set_weights(&initial).unwrap();
    let mut optimizer = Adam::new().learning_rate(0.001);
    let loss_fn = Loss::from_name("sparse_categorical_crossentropy").unwrap();
    let n = x.shape()[0];
    let mut losses = Vec::new();
    for _epoch in 0..epochs {
        for start in (0..n).step_by(batch_size) {
            let rows: Vec<usize> = (start..(start + batch_size).min(n)).collect();
            let (x_batch, y_batch) = (x.select_rows(&rows).unwrap(), y.select_rows(&rows).unwrap());
            let mut tape = GradientTape::new();
            let logits = model.call(&mut tape, &x_batch, true).unwrap();
            let mut loss = loss_fn.call(&y_batch, &logits).unwrap();
            for penalty in tape.losses() {
                loss = loss.add(penalty).unwrap();
            }
            let grads = tape.gradient(&loss, &model.trainable_weights()).unwrap();
            if losses.len() % 2 == 0 {
                optimizer
                    .apply(grads, model.trainable_weights_mut())
                    .unwrap();
            } else {
                // Keras's `optimizer.apply_gradients(zip(grads, model.trainable_weights))`.
                let pairs = model
                    .trainable_weights_mut()
                    .into_iter()
                    .zip(grads)
                    .filter_map(|(w, g)| g.map(|g| (w, g)))
                    .collect();
                optimizer.apply_gradients(pairs).unwrap();
            }
            losses.push(loss.value().item().unwrap());
        }
    }
    assert!(losses.iter().all(|l| l.is_finite()));
    assert_eq!(
        optimizer.iterations(),
        (epochs * n.div_ceil(batch_size)) as u64
    );
    let mut max_diff = 0f32;
    for (a, b) in model.get_weights().iter().zip(reference.get_weights()) {
        for (u, v) in a.to_vec().unwrap().iter().zip(b.to_vec().unwrap()) {
            max_diff = max_diff.max((u - v).abs());
        }
    }
    assert!(
        max_diff <= 1e-6,
        "custom loop vs fit: max |Δw| = {max_diff}"
    );
    // And training moved the weights.
    let moved = model.get_weights()[0]
        .to_vec()
        .unwrap()
        .iter()
        .zip(initial[0].to_vec().unwrap())
        .any(|(a, b)| a != &b);
    assert!(moved);
}

#[test]
fn gradient_tape_gives_none_for_unused_weights_and_refuses_a_vector_target() {
    let mut model = quickstart_model();
    let (x, _) = curves(4);
    let mut tape = GradientTape::new();
    let out = model.call(&mut tape, &x, false).unwrap();
    // Inference mode under a tape still reaches every trainable weight.
    let grads = tape
        .gradient(&out.mean_all().unwrap(), &model.trainable_weights())
        .unwrap();
    assert_eq!(grads.len(), model.trainable_weights().len());
    assert!(grads.iter().all(Option::is_some));
    let e = tape.gradient(&out, &model.trainable_weights()).unwrap_err();
    assert!(e.to_string().contains("scalar"), "{e}");
    // A weight of another model is not on this tape.
    let other = quickstart_model();
    let g = tape
        .gradient(&out.mean_all().unwrap(), &other.trainable_weights())
        .unwrap();
    assert!(g.iter().all(Option::is_none));
    let mut opt = SGD::new();
    let e = opt
        .apply(vec![None], model.trainable_weights_mut())
        .unwrap_err();
    assert!(e.to_string().contains("gradients for"), "{e}");
}
