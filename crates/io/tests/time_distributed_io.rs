//! Issue 19 item 6: `RepeatVector` / `TimeDistributed` models through `.keras` and `.h5` both ways.
//! Keras 3 wrote seq_td.keras / seq_td.k3.h5 (tools/keras_reference/time_distributed_reference.py,
//! which also recorded the inputs and Keras's predictions in the layers crate's fixture); kerust
//! loads them, saves its own files, reloads them, and (with `KERUST_PYTHON`) real Keras loads
//! kerust's files and predicts the same.
mod common;
use common::*;
use kerust_io::{load_model, read_npy, save_model, write_npy, NpyArray, NpyData};
use kerust_layers::ModelCore;
use kerust_tensor::Tensor;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// The seq2seq inputs and Keras's predictions for them.
fn reference() -> (Tensor, Vec<f32>) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../layers/tests/fixtures/time_distributed.json");
    let f: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let case = &f["seq2seq"];
    let floats = |v: &Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    let dims: Vec<usize> = case["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    (
        Tensor::from_vec(floats(&case["x"]), &dims).unwrap(),
        floats(&case["predict"]),
    )
}

fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-5, "{what}[{i}]: kerust {g}, keras {w}");
    }
}

fn predict(m: &mut ModelCore, x: &Tensor) -> Vec<f32> {
    m.predict(x).unwrap().to_vec().unwrap()
}

#[test]
fn keras_files_with_time_distributed_load_and_predict_like_keras() {
    let (x, want) = reference();
    for file in ["seq_td.keras", "seq_td.k3.h5"] {
        let mut m = load_model(fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let classes: Vec<&str> = m.layers().iter().map(|l| l.class_name()).collect();
        assert_eq!(
            classes,
            ["LSTM", "RepeatVector", "LSTM", "TimeDistributed"],
            "{file}"
        );
        assert_close(file, &predict(&mut m, &x), &want);
    }
}

#[test]
fn kerust_files_with_time_distributed_round_trip_and_load_in_keras() {
    let (x, want) = reference();
    let mut m = load_model(fixture("seq_td.keras")).unwrap();
    let dir = scratch("time_distributed");
    let xin = dir.join("x0.npy");
    write_npy(&xin, &NpyArray::from_tensor(&x).unwrap()).unwrap();
    // (file, flavour, prediction prefix): Keras 3 reads both; tf.keras 2 (tf_keras) the legacy .h5.
    let mut jobs = Vec::new();
    for file in ["m.keras", "m.h5"] {
        let p = dir.join(file);
        save_model(&m, &p).unwrap();
        let mut back = load_model(&p).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_close(&format!("kerust {file}"), &predict(&mut back, &x), &want);
        let flavours: &[&str] = if file.ends_with(".h5") {
            &["keras3", "tf2"]
        } else {
            &["keras3"]
        };
        for flavour in flavours {
            let prefix = dir.join(format!("{file}_{flavour}_pred"));
            jobs.push((file, *flavour, p.clone(), prefix));
        }
    }
    if let Some(py) = std::env::var_os("KERUST_PYTHON") {
        // One Python for all jobs: importing TensorFlow costs seconds, a check milliseconds.
        let lines: String = jobs
            .iter()
            .map(|(_, flavour, p, prefix)| {
                format!(
                    "{flavour}\t{}\t{}\t{}\n",
                    p.display(),
                    xin.display(),
                    prefix.display()
                )
            })
            .collect();
        let jobs_file = dir.join("jobs.tsv");
        std::fs::write(&jobs_file, lines).unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tools/keras_reference/io_load_check.py");
        let out = Command::new(&py)
            .arg(&script)
            .arg("--jobs")
            .arg(&jobs_file)
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "Keras could not load kerust's files:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (file, flavour, _, prefix) in &jobs {
            let got = match read_npy(format!("{}0.npy", prefix.display())).unwrap().data {
                NpyData::Float(v) => v,
                NpyData::Int(_) => panic!("float predictions expected"),
            };
            assert_close(&format!("{flavour} on kerust's {file}"), &got, &want);
        }
    } else {
        eprintln!("skipping the Keras side: set KERUST_PYTHON to a python with keras (e.g. /root/.cache/kerust/venv/bin/python)");
    }
    assert_close("loaded model", &predict(&mut m, &x), &want);
}
