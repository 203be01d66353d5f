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

/// One file for Keras to load and predict from, with what kerust predicted.
struct Job {
    flavour: &'static str,
    model: PathBuf,
    inputs: String,
    prefix: String,
    weights: Option<PathBuf>,
    want: Vec<Vec<f32>>,
    what: String,
}

/// A test's Keras checks, run by one Python process at the end: importing TensorFlow takes
/// seconds, loading one small model milliseconds (one process per check made this file ~5 min).
struct KerasChecks {
    py: PathBuf,
    dir: PathBuf,
    jobs: Vec<Job>,
}

impl KerasChecks {
    fn new(py: PathBuf, tag: &str) -> Self {
        KerasChecks {
            py,
            dir: scratch(&format!("interop_{tag}")),
            jobs: Vec::new(),
        }
    }

    fn check(&mut self, m: &mut ModelCore, x: &[Data], tag: &str) {
        self.check_flavours(m, x, tag, true);
    }

    /// Save `m` in every format; Keras 3 (and tf.keras 2 for `.h5` when `tf2`) will load each
    /// and predict, compared in `run` (1e-5).
    fn check_flavours(&mut self, m: &mut ModelCore, x: &[Data], tag: &str, tf2: bool) {
        let dir = self.dir.join(tag);
        std::fs::create_dir_all(&dir).unwrap();
        let want: Vec<Vec<f32>> = m
            .predict_multi(x.to_vec(), 32)
            .unwrap()
            .iter()
            .map(|t| t.to_vec().unwrap())
            .collect();
        let inputs = write_inputs(&dir, x);
        for file in ["m.keras", "m.h5", "w.weights.h5", "w.h5"] {
            let p = dir.join(file);
            if file.starts_with('w') {
                save_weights(m, &p).unwrap();
            } else {
                save_model(m, &p).unwrap();
            }
        }
        // Whole files, then weights-only files loaded into the Keras model of the same format.
        for (file, flavour, weights) in [
            ("m.keras", "keras3", None),
            ("m.h5", "keras3", None),
            ("m.h5", "tf2", None),
            ("m.keras", "keras3", Some("w.weights.h5")),
            ("m.h5", "tf2", Some("w.h5")),
        ] {
            if flavour == "tf2" && !tf2 {
                continue;
            }
            let n = self.jobs.len();
            self.jobs.push(Job {
                flavour,
                model: dir.join(file),
                inputs: inputs.clone(),
                prefix: dir.join(format!("pred{n}_")).to_str().unwrap().to_string(),
                weights: weights.map(|w| dir.join(w)),
                want: want.clone(),
                what: format!("{tag} {} via {flavour}", weights.unwrap_or(file)),
            });
        }
    }

    /// Run every job in one Python and compare each job's outputs, count first.
    fn run(self) {
        assert!(!self.jobs.is_empty(), "no Keras checks were queued");
        let lines: String = self
            .jobs
            .iter()
            .map(|j| {
                let mut cols = vec![
                    j.flavour.to_string(),
                    j.model.to_str().unwrap().to_string(),
                    j.inputs.clone(),
                    j.prefix.clone(),
                ];
                if let Some(w) = &j.weights {
                    cols.push(w.to_str().unwrap().to_string());
                }
                cols.join("\t") + "\n"
            })
            .collect();
        let jobs_file = self.dir.join("jobs.tsv");
        std::fs::write(&jobs_file, lines).unwrap();
        let out = Command::new(&self.py)
            .arg(script())
            .arg("--jobs")
            .arg(&jobs_file)
            .output()
            .expect("run python");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "Keras could not load some of kerust's files:\n{stderr}"
        );
        for (k, job) in self.jobs.iter().enumerate() {
            // Keras writes one file per output: exactly as many as kerust's, or the models disagree.
            let written = (0..)
                .take_while(|i| Path::new(&format!("{}{i}.npy", job.prefix)).exists())
                .count();
            assert_eq!(
                written,
                job.want.len(),
                "job {k}, {}: Keras predicted {written} outputs, kerust {}",
                job.what,
                job.want.len()
            );
            for (i, w) in job.want.iter().enumerate() {
                let got = match read_npy(format!("{}{i}.npy", job.prefix)).unwrap().data {
                    NpyData::Float(v) => v,
                    NpyData::Int(_) => panic!("float predictions expected"),
                };
                assert_close(&got, w, 1e-5, &format!("{}, output {i}", job.what));
            }
        }
        std::fs::remove_dir_all(&self.dir).unwrap();
    }
}

#[test]
fn kerust_files_load_in_keras_and_predict_the_same() {
    let Some(py) = python("kerust_files_load_in_keras_and_predict_the_same") else {
        return;
    };
    let mut keras = KerasChecks::new(py, "files");
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
    keras.check(&mut rnn, &[Data::Int(ids)], "rnn");

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
    keras.check(&mut dense, &[Data::Float(x)], "dense");

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
    keras.check(&mut f, &xs, "functional");
    keras.run();
}

#[test]
fn recurrent_conv_and_merge_models_load_in_keras_and_predict_the_same() {
    let Some(py) = python("recurrent_conv_and_merge_models_load_in_keras_and_predict_the_same")
    else {
        return;
    };
    let mut keras = KerasChecks::new(py, "recurrent");
    let mut seqs = [
        ("lstm", lstm_model()),
        ("gru", gru_model()),
        ("bilstm", bidirectional_model()),
        ("conv1d", conv1d_model()),
        ("float_seq", float_seq_model()),
        ("conv2d", conv2d_model()),
    ];
    for (tag, (m, x)) in seqs.iter_mut() {
        keras.check(m, x, tag);
    }
    let (mut d, xd) = siamese_model();
    keras.check(&mut d, &xd, "siamese");
    let (mut e, xe) = merge_model();
    keras.check(&mut e, &xe, "merge");
    keras.run();
}

#[test]
fn attention_models_load_in_keras3_and_predict_the_same() {
    let Some(py) = python("attention_models_load_in_keras3_and_predict_the_same") else {
        return;
    };
    // tf.keras 2 builds MultiHeadAttention from another config layout; Keras 3 only.
    let mut keras = KerasChecks::new(py, "attention");
    let (mut m, x) = attention_model();
    keras.check_flavours(&mut m, &x, "attention", false);
    // keras-hub layers load where keras-hub is installed (io_load_check.py imports it).
    let (mut t, xt) = transformer_model();
    keras.check_flavours(&mut t, &xt, "transformer", false);
    keras.run();
}
