//! The lecture models that use convolution, pooling and merge layers: summaries (shapes and
//! parameter counts as Keras prints them), masks through a model, and a Siamese model that learns.
use kerust_layers::*;
use kerust_tensor::{IntTensor, Rng, Tensor};

#[test]
fn lecture_conv1d_text_model_summary() {
    // Embedding(10001, 50) → Conv1D(5, 2) → SimpleRNN(10, return_sequences) → SimpleRNN(1).
    let mut m = Sequential::new();
    m.add(Embedding::new(10001, 50)).unwrap();
    m.add(Conv1D::new(5, 2).strides(1)).unwrap();
    m.add(SimpleRNN::new(10).return_sequences(true)).unwrap();
    m.add(SimpleRNN::new(1).activation("sigmoid")).unwrap();
    m.compile("adam", "binary_crossentropy", &["accuracy"])
        .unwrap();
    let x = IntTensor::from_vec((0..2 * 6).map(|v| v % 7).collect(), &[2, 6]).unwrap();
    m.fit(
        &x,
        Tensor::zeros(&[2, 1]).unwrap(),
        FitArgs::new().epochs(1).verbose(0),
    )
    .unwrap();
    let s = m.summary_string();
    assert!(s.contains("(None, None, 5)"), "{s}");
    assert!(s.contains("505"), "{s}");
    assert!(s.contains("Total params: 500,727"), "{s}");
}

#[test]
fn lecture_cnn_summary_and_prediction_shape() {
    let mut m = Sequential::new();
    m.add(
        Conv2D::new(32, (3, 3))
            .activation("relu")
            .input_shape(&[28, 28, 1]),
    )
    .unwrap();
    m.add(MaxPool2D::new().pool_size((2, 2))).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(10).activation("softmax")).unwrap();
    let s = m.summary_string();
    assert!(s.contains("(None, 26, 26, 32)"), "{s}");
    assert!(s.contains("(None, 13, 13, 32)"), "{s}");
    assert!(s.contains("(None, 5408)"), "{s}");
    // 320 + 5408·10 + 10
    assert!(s.contains("Total params: 54,410"), "{s}");
    let x = Tensor::rand_uniform(&[3, 28, 28, 1], 0.0, 1.0, &mut Rng::seed(0)).unwrap();
    let p = m.predict(&x).unwrap();
    assert_eq!(p.shape(), &[3, 10]);
    // Training with the conv as first layer (no gradient into the input data) moves its kernel.
    m.compile("adam", "sparse_categorical_crossentropy", &["accuracy"])
        .unwrap();
    let before = m.get_weights()[0].clone();
    let y = Tensor::from_vec(vec![1.0, 4.0, 7.0], &[3, 1]).unwrap();
    m.fit(&x, &y, FitArgs::new().epochs(1).verbose(0)).unwrap();
    assert!(m.get_weights()[0].max_abs_diff(&before).unwrap() > 0.0);
    // A 2-D input is a typed error naming the layer, not a panic.
    let err = m.predict(Tensor::zeros(&[3, 28]).unwrap()).unwrap_err();
    assert!(err.to_string().contains("28"), "{err}");
}

#[test]
fn masked_average_pooling_inside_a_model() {
    // With mask_zero the padded steps must not change the prediction.
    let mut m = Sequential::new();
    m.add(Embedding::new(20, 4).mask_zero(true)).unwrap();
    m.add(GlobalAveragePooling1D::new()).unwrap();
    m.add(Dense::new(1)).unwrap();
    let a = IntTensor::from_vec(vec![3, 5, 0, 0, 0], &[1, 5]).unwrap();
    let b = IntTensor::from_vec(vec![3, 5], &[1, 2]).unwrap();
    let pa = m.predict(&a).unwrap().to_vec().unwrap();
    let pb = m.predict(&b).unwrap().to_vec().unwrap();
    assert!((pa[0] - pb[0]).abs() < 1e-6, "{pa:?} vs {pb:?}");
    let c = IntTensor::from_vec(vec![3, 5, 7, 0, 0], &[1, 5]).unwrap();
    let pc = m.predict(&c).unwrap().to_vec().unwrap();
    assert!((pa[0] - pc[0]).abs() > 1e-6, "an unmasked step must count");
}

#[test]
fn siamese_cosine_model_learns_duplicates() {
    // Quora-style: two id sequences, shared embedding + Conv1D + pooling, cosine Dot. (A linear
    // conv and average pooling keep unrelated pairs near cosine 0, so a small Dense separates them.)
    let t = 8;
    let q1 = Input::new(&[t]).dtype("int32").name("q1").tensor();
    let q2 = Input::new(&[t]).dtype("int32").name("q2").tensor();
    let embed = Embedding::new(50, 8).name("embed").shared();
    let conv = Conv1D::new(8, 3).name("conv").shared();
    let pool = GlobalAveragePooling1D::new().shared();
    let v1 = pool
        .call(&conv.call(&embed.call(&q1).unwrap()).unwrap())
        .unwrap();
    let v2 = pool
        .call(&conv.call(&embed.call(&q2).unwrap()).unwrap())
        .unwrap();
    let cos = Dot::new(1)
        .normalize(true)
        .apply_multi(&[&v1, &v2])
        .unwrap();
    assert_eq!(cos[0].shape(), &vec![None, Some(1)]);
    let out = Dense::new(1).activation("sigmoid").apply(&cos[0]).unwrap();
    let mut model = Model::new(&[&q1, &q2], &[&out]).unwrap();
    // 50·8 + (3·8·8 + 8) + (1 + 1)
    assert_eq!(model.count_params(), 400 + 200 + 2);
    model.set_seed(1);
    model
        .compile(
            Adam::new().learning_rate(0.05),
            "binary_crossentropy",
            &["accuracy"],
        )
        .unwrap();
    // Half the pairs are the same question (label 1), half unrelated random ones (label 0).
    let n = 256;
    let mut rng = Rng::seed(3);
    let (mut a, mut b, mut y) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let s: Vec<i64> = (0..t).map(|_| rng.below(49) as i64 + 1).collect();
        a.extend(&s);
        if i % 2 == 0 {
            b.extend(&s);
            y.push(1.0);
        } else {
            b.extend((0..t).map(|_| rng.below(49) as i64 + 1));
            y.push(0.0);
        }
    }
    let xa = IntTensor::from_vec(a, &[n, t]).unwrap();
    let xb = IntTensor::from_vec(b, &[n, t]).unwrap();
    let y = Tensor::from_vec(y, &[n, 1]).unwrap();
    let h = model
        .fit(
            vec![Data::from(&xa), Data::from(&xb)],
            &y,
            FitArgs::new().epochs(20).batch_size(32).verbose(0),
        )
        .unwrap();
    let loss = h.get("loss").unwrap();
    let acc = h.get("accuracy").unwrap();
    assert!(loss.last().unwrap() < &(loss[0] * 0.8), "loss {loss:?}");
    assert!(*acc.last().unwrap() > 0.9, "accuracy {acc:?}");
}
