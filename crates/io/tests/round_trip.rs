//! kerust → file → kerust for every registered layer type in all three formats (plus both
//! weights-only layouts): same config, same weights, same predictions; the native directory also
//! keeps the optimizer state so training resumes exactly; ModelCheckpoint saves like Keras.
mod common;
use common::models::*;
use common::*;
use kerust_io::{load_model, load_weights, save_model, save_weights, Assets, ModelCheckpoint};
use kerust_layers::{
    registry::REGISTERED, Activation, Adam, AnyModel, Data, Dense, Dropout, Embedding, FitArgs,
    Flatten, Input, Model, ModelCore, Reshape, Sequential, SimpleRNN, SymbolicCall,
};
use kerust_tensor::{IntTensor, Rng, Tensor};

fn rnn_model() -> (Sequential, Vec<Data>) {
    let mut m = Sequential::new();
    m.add(Input::new(&[6]).dtype("int32")).unwrap();
    m.add(Embedding::new(20, 4).mask_zero(true)).unwrap();
    m.add(SimpleRNN::new(5).return_sequences(true)).unwrap();
    m.add(SimpleRNN::new(3)).unwrap();
    m.add(Dropout::new(0.2)).unwrap();
    m.add(Dense::new(2).activation("softmax")).unwrap();
    let x = IntTensor::from_vec((0..24).map(|i| (i * 7 % 20) as i64).collect(), &[4, 6]).unwrap();
    (m, vec![Data::Int(x)])
}

fn dense_model() -> (Sequential, Vec<Data>) {
    let mut m = Sequential::new();
    m.add(Input::new(&[4])).unwrap();
    m.add(Dense::new(8).activation("relu")).unwrap();
    m.add(Reshape::new(&[2, 4])).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Activation::new("tanh").unwrap()).unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    let x = Tensor::rand_uniform(&[5, 4], -1.0, 1.0, &mut Rng::seed(3)).unwrap();
    (m, vec![Data::Float(x)])
}

fn functional_model() -> (Model, Vec<Data>) {
    let a = Input::new(&[3]).name("left").tensor();
    let b = Input::new(&[3]).name("right").tensor();
    let shared = Dense::new(4).activation("tanh").shared();
    let (ha, hb) = (shared.call(&a).unwrap(), shared.call(&b).unwrap());
    let oa = Dense::new(2).apply(&ha).unwrap();
    let ob = Dense::new(1).activation("sigmoid").apply(&hb).unwrap();
    let m = Model::new(&[&a, &b], &[&oa, &ob]).unwrap();
    let mut r = Rng::seed(5);
    let x = vec![
        Data::Float(Tensor::rand_uniform(&[4, 3], -1.0, 1.0, &mut r).unwrap()),
        Data::Float(Tensor::rand_uniform(&[4, 3], -1.0, 1.0, &mut r).unwrap()),
    ];
    (m, x)
}

fn outputs(m: &mut ModelCore, x: &[Data]) -> Vec<Vec<f32>> {
    m.predict_multi(x.to_vec(), 32)
        .unwrap()
        .iter()
        .map(|t| t.to_vec().unwrap())
        .collect()
}

fn check_all_formats(model: &mut ModelCore, x: &[Data], tag: &str) {
    let dir = scratch(tag);
    let want = outputs(model, x);
    for name in ["m.h5", "m.keras", "m_dir"] {
        let p = dir.join(name);
        save_model(model, &p).unwrap_or_else(|e| panic!("{tag} {name}: {e}"));
        let mut back = load_model(&p).unwrap_or_else(|e| panic!("{tag} {name}: {e}"));
        assert_eq!(outputs(&mut back, x), want, "{tag} {name}");
        assert_eq!(back.get_weights().len(), model.get_weights().len());
        let (a, b) = (back.to_config(), model.to_config());
        assert_eq!(
            a["config"]["layers"], b["config"]["layers"],
            "{tag} {name}: config"
        );
        // Saving again over the old file works (atomic replace).
        save_model(&back, &p).unwrap();
    }
    for name in ["w.h5", "w.weights.h5", "m.keras", "m_dir"] {
        let mut fresh = load_model(dir.join("m.keras")).unwrap();
        let zeros: Vec<_> = fresh
            .get_weights()
            .iter()
            .map(|w| Tensor::zeros(w.shape()).unwrap())
            .collect();
        fresh.set_weights(&zeros).unwrap();
        if name.starts_with('w') {
            save_weights(model, dir.join(name)).unwrap();
        }
        load_weights(&mut fresh, dir.join(name)).unwrap_or_else(|e| panic!("{tag} {name}: {e}"));
        assert_eq!(outputs(&mut fresh, x), want, "{tag} weights {name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_layer_type_round_trips_in_every_format() {
    let (mut a, xa) = rnn_model();
    let (mut b, xb) = dense_model();
    let (mut c, xc) = functional_model();
    check_all_formats(&mut a, &xa, "rnn");
    check_all_formats(&mut b, &xb, "dense");
    check_all_formats(&mut c, &xc, "functional");
    let mut seqs = [
        ("lstm", lstm_model()),
        ("gru", gru_model()),
        ("bilstm", bidirectional_model()),
        ("conv1d", conv1d_model()),
        ("float_seq", float_seq_model()),
        ("conv2d", conv2d_model()),
        ("seq2seq", seq2seq_model()),
    ];
    for (tag, (m, x)) in seqs.iter_mut() {
        check_all_formats(m, x, tag);
    }
    let (mut d, xd) = siamese_model();
    let (mut e, xe) = merge_model();
    let (mut t, xt) = text_model();
    let (mut f, xf) = attention_model();
    check_all_formats(&mut f, &xf, "attention");
    let (mut g, xg) = transformer_model();
    check_all_formats(&mut g, &xg, "transformer");
    check_all_formats(&mut d, &xd, "siamese");
    check_all_formats(&mut e, &xe, "merge");
    check_all_formats(&mut t, &xt, "text");
    // Together the models cover every layer class the registry knows.
    let mut seen: Vec<&str> = vec!["InputLayer"];
    for m in [&*a, &*b, &*c, &*d, &*e, &*t, &*f, &*g]
        .into_iter()
        .chain(seqs.iter().map(|(_, (m, _))| &**m))
    {
        seen.extend(m.layers().iter().map(|l| l.class_name()));
    }
    for class in REGISTERED {
        assert!(seen.contains(class), "no round-trip model uses {class}");
    }
}

fn train_data() -> (Tensor, Tensor) {
    let mut r = Rng::seed(9);
    let x = Tensor::rand_uniform(&[32, 4], -1.0, 1.0, &mut r).unwrap();
    let v = x.to_vec().unwrap();
    let y: Vec<f32> = v
        .chunks(4)
        .map(|c| if c[0] + c[1] > 0.0 { 1.0 } else { 0.0 })
        .collect();
    (x, Tensor::from_vec(y, &[32, 1]).unwrap())
}

#[test]
fn native_directory_resumes_training_exactly() {
    let (mut m, _) = dense_model();
    m.compile(
        Adam::new().learning_rate(0.01),
        "binary_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let (x, y) = train_data();
    let args = || {
        FitArgs::new()
            .epochs(2)
            .batch_size(8)
            .shuffle(false)
            .verbose(0)
    };
    m.fit(&x, &y, args()).unwrap();
    let dir = scratch("resume");
    let p = dir.join("saved");
    let mut tok = kerust_text::Tokenizer::new().oov_token("<OOV>");
    tok.fit_on_texts(&["the cat sat", "the dog"]).unwrap();
    let assets = Assets {
        tokenizer: Some(tok),
        text_vectorization: None,
    };
    kerust_io::save_model_with_assets(&m, &p, &assets).unwrap();
    assert!(p.join("optimizer.safetensors").is_file() && p.join("assets/tokenizer.json").is_file());
    let (mut back, back_assets) = kerust_io::load_model_with_assets(&p).unwrap();
    assert_eq!(
        back_assets.tokenizer.unwrap().to_json(),
        assets.tokenizer.unwrap().to_json()
    );
    assert_eq!(back.optimizer().unwrap().iterations(), 8);
    m.fit(&x, &y, args()).unwrap();
    back.fit(&x, &y, args()).unwrap();
    assert_eq!(
        back.get_weights()
            .iter()
            .map(|w| w.to_vec().unwrap())
            .collect::<Vec<_>>(),
        m.get_weights()
            .iter()
            .map(|w| w.to_vec().unwrap())
            .collect::<Vec<_>>(),
        "training after load continues exactly like training without the round trip"
    );
    let (e1, e2) = (
        m.evaluate(&x, &y, 32).unwrap(),
        back.evaluate(&x, &y, 32).unwrap(),
    );
    assert_eq!(e1, e2);
    // .keras and .h5 keep the compile config (not the slots).
    for name in ["m.keras", "m.h5"] {
        save_model(&m, dir.join(name)).unwrap();
        let l = load_model(dir.join(name)).unwrap();
        assert_eq!(l.compile_config(), m.compile_config(), "{name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn model_checkpoint_saves_best_and_formats_names() {
    let (mut m, _) = dense_model();
    m.compile(
        Adam::new().learning_rate(0.05),
        "binary_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let (x, y) = train_data();
    let dir = scratch("ckpt");
    let every = ModelCheckpoint::new(dir.join("e{epoch:02d}-{loss:.2f}.keras").to_str().unwrap())
        .monitor("loss");
    let best = ModelCheckpoint::new(dir.join("best.weights.h5").to_str().unwrap())
        .monitor("val_loss")
        .save_best_only(true)
        .save_weights_only(true);
    let hist = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(3)
                .batch_size(8)
                .verbose(0)
                .validation_split(0.25)
                .callback(every)
                .callback(best),
        )
        .unwrap();
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    for e in 1..=3 {
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(&format!("e{e:02}-")) && n.ends_with(".keras")),
            "{names:?}"
        );
    }
    assert!(names.contains(&"best.weights.h5".to_string()), "{names:?}");
    assert!(
        !names.iter().any(|n| n.ends_with(".tmp")),
        "no temp files left: {names:?}"
    );
    let _ = hist;
    // The best weights load into the model's architecture.
    let mut fresh: AnyModel =
        load_model(dir.join(names.iter().find(|n| n.ends_with(".keras")).unwrap())).unwrap();
    load_weights(&mut fresh, dir.join("best.weights.h5")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unbuilt_and_unknown_inputs_are_typed_errors() {
    let mut s = Sequential::new();
    s.add(Dense::new(2)).unwrap();
    let dir = scratch("errors");
    let e = save_model(&s, dir.join("x.keras"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("no weights yet"), "{e}");
    assert!(!dir.join("x.keras").exists());
    let e = load_model(dir.join("missing.h5"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("missing.h5"), "{e}");
    std::fs::write(dir.join("junk.keras"), b"PK\x03\x04 not really a zip").unwrap();
    let e = load_model(dir.join("junk.keras"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("junk.keras"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
