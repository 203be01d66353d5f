//! kerust → Keras: files written by kerust load in real Keras (`keras.models.load_model`, and
//! tf.keras for `.h5`) and predict what kerust predicts. Needs `KERUST_PYTHON` pointing at a Python
//! with keras + tf_keras (`.ci/run` sets it); otherwise each test writes a visible KERUST-SKIP line.
mod common;
use common::models::*;
use common::*;
use kerust_io::{npy, read_npy, save_model, save_weights, NpyArray, NpyData};
use kerust_layers::{
    Adam, Data, Dense, Dropout, Embedding, Flatten, Input, Model, ModelCore, Reshape, Sequential,
    SimpleRNN, SymbolicCall,
};
use kerust_tensor::{IntTensor, Rng, Tensor};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `KERUST_PYTHON`, or `None` after a visible skip line naming `test`.
fn python(test: &str) -> Option<PathBuf> {
    kerust_test_support::python(test)
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/keras_reference/io_load_check.py")
}

fn write_inputs(dir: &Path, x: &[Data]) -> String {
    x.iter()
        .enumerate()
        .map(|(i, d)| {
            let a = match d {
                Data::Float(t) => NpyArray::from_tensor(t).unwrap(),
                Data::Int(t) => NpyArray::int(t.shape(), t.data().to_vec()),
                Data::Text(_) => unreachable!("no text models here"),
            };
            let p = dir.join(format!("x{i}.npy"));
            npy::write_npy(&p, &a).unwrap();
            p.to_str().unwrap().to_string()
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn keras_predict(
    py: &Path,
    flavour: &str,
    model: &Path,
    inputs: &str,
    weights: Option<&Path>,
    n: usize,
) -> Vec<Vec<f32>> {
    let prefix = model.with_extension("").to_str().unwrap().to_string() + "_pred";
    let mut cmd = Command::new(py);
    cmd.arg(script())
        .args([flavour, model.to_str().unwrap(), inputs, &prefix]);
    if let Some(w) = weights {
        cmd.arg(w);
    }
    let out = cmd.output().expect("run python");
    assert!(
        out.status.success(),
        "{flavour} could not load {}:\n{}",
        model.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    // Keras writes one file per output: exactly `n` of them, or the models disagree on outputs.
    let written = (0..)
        .take_while(|i| Path::new(&format!("{prefix}{i}.npy")).exists())
        .count();
    assert_eq!(
        written,
        n,
        "{flavour} predicted {written} outputs for {}, kerust {n}",
        model.display()
    );
    (0..n)
        .map(
            |i| match read_npy(format!("{prefix}{i}.npy")).unwrap().data {
                NpyData::Float(v) => v,
                NpyData::Int(_) => panic!("float predictions expected"),
            },
        )
        .collect()
}

fn check(py: &Path, m: &mut ModelCore, x: &[Data], tag: &str) {
    check_flavours(py, m, x, tag, true);
}

/// Save `m` in every format, load each in Keras 3 (and tf.keras 2 for `.h5` when `tf2`), and
/// compare predictions (1e-5).
fn check_flavours(py: &Path, m: &mut ModelCore, x: &[Data], tag: &str, tf2: bool) {
    let dir = scratch(&format!("interop_{tag}"));
    let want: Vec<Vec<f32>> = m
        .predict_multi(x.to_vec(), 32)
        .unwrap()
        .iter()
        .map(|t| t.to_vec().unwrap())
        .collect();
    let inputs = write_inputs(&dir, x);
    for (file, flavour) in [("m.keras", "keras3"), ("m.h5", "keras3"), ("m.h5", "tf2")] {
        if flavour == "tf2" && !tf2 {
            continue;
        }
        let p = dir.join(file);
        save_model(m, &p).unwrap();
        let got = keras_predict(py, flavour, &p, &inputs, None, want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_close(
                g,
                w,
                1e-5,
                &format!("{tag} {file} via {flavour}, output {i}"),
            );
        }
    }
    // Weights-only files load into the Keras model too.
    for (wfile, flavour, arch) in [
        ("w.weights.h5", "keras3", "m.keras"),
        ("w.h5", "tf2", "m.h5"),
    ] {
        if flavour == "tf2" && !tf2 {
            continue;
        }
        let w = dir.join(wfile);
        save_weights(m, &w).unwrap();
        let got = keras_predict(py, flavour, &dir.join(arch), &inputs, Some(&w), want.len());
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_close(
                g,
                w,
                1e-5,
                &format!("{tag} {wfile} via {flavour}, output {i}"),
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn kerust_files_load_in_keras_and_predict_the_same() {
    let Some(py) = python("kerust_files_load_in_keras_and_predict_the_same") else {
        return;
    };
    let mut rnn = Sequential::new();
    rnn.add(Input::new(&[6]).dtype("int32")).unwrap();
    rnn.add(Embedding::new(20, 4)).unwrap();
    rnn.add(SimpleRNN::new(5).return_sequences(true)).unwrap();
    rnn.add(SimpleRNN::new(3)).unwrap();
    rnn.add(Dropout::new(0.2)).unwrap();
    rnn.add(Dense::new(2).activation("softmax")).unwrap();
    rnn.compile(
        Adam::new().learning_rate(0.01),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let ids = IntTensor::from_vec((0..24).map(|i| (i * 7 % 20) as i64).collect(), &[4, 6]).unwrap();
    check(&py, &mut rnn, &[Data::Int(ids)], "rnn");

    let mut dense = Sequential::new();
    dense.add(Input::new(&[4])).unwrap();
    dense.add(Dense::new(8).activation("relu")).unwrap();
    dense.add(Reshape::new(&[2, 4])).unwrap();
    dense.add(Flatten::new()).unwrap();
    dense
        .add(kerust_layers::Activation::new("tanh").unwrap())
        .unwrap();
    dense.add(Dense::new(1).activation("sigmoid")).unwrap();
    let x = Tensor::rand_uniform(&[5, 4], -1.0, 1.0, &mut Rng::seed(3)).unwrap();
    check(&py, &mut dense, &[Data::Float(x)], "dense");

    let a = Input::new(&[3]).name("left").tensor();
    let b = Input::new(&[3]).name("right").tensor();
    let shared = Dense::new(4).activation("tanh").shared();
    let (ha, hb) = (shared.call(&a).unwrap(), shared.call(&b).unwrap());
    let oa = Dense::new(2).apply(&ha).unwrap();
    let ob = Dense::new(1).activation("sigmoid").apply(&hb).unwrap();
    let mut f = Model::new(&[&a, &b], &[&oa, &ob]).unwrap();
    let mut r = Rng::seed(5);
    let xs = [
        Data::Float(Tensor::rand_uniform(&[4, 3], -1.0, 1.0, &mut r).unwrap()),
        Data::Float(Tensor::rand_uniform(&[4, 3], -1.0, 1.0, &mut r).unwrap()),
    ];
    check(&py, &mut f, &xs, "functional");
}

#[test]
fn recurrent_conv_and_merge_models_load_in_keras_and_predict_the_same() {
    let Some(py) = python("recurrent_conv_and_merge_models_load_in_keras_and_predict_the_same")
    else {
        return;
    };
    let mut seqs = [
        ("lstm", lstm_model()),
        ("gru", gru_model()),
        ("bilstm", bidirectional_model()),
        ("conv1d", conv1d_model()),
        ("float_seq", float_seq_model()),
        ("conv2d", conv2d_model()),
    ];
    for (tag, (m, x)) in seqs.iter_mut() {
        check(&py, m, x, tag);
    }
    let (mut d, xd) = siamese_model();
    check(&py, &mut d, &xd, "siamese");
    let (mut e, xe) = merge_model();
    check(&py, &mut e, &xe, "merge");
}

#[test]
fn attention_models_load_in_keras3_and_predict_the_same() {
    let Some(py) = python("attention_models_load_in_keras3_and_predict_the_same") else {
        return;
    };
    // tf.keras 2 builds MultiHeadAttention from another config layout; Keras 3 only.
    let (mut m, x) = attention_model();
    check_flavours(&py, &mut m, &x, "attention", false);
    // keras-hub layers load where keras-hub is installed (io_load_check.py imports it).
    let (mut t, xt) = transformer_model();
    check_flavours(&py, &mut t, &xt, "transformer", false);
}
