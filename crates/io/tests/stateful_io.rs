//! Issue 19 item 3: stateful models saved by Keras 3 (`.keras`, `.h5`: functional, `batch_shape`,
//! a stateful Bidirectional GRU then LSTM) and tf.keras 2 (`.h5`: Sequential, `batch_input_shape`
//! on a stateful LSTM then SimpleRNN) load stateful, with their fixed batch size, and fed the same
//! chunks in the same order predict what Keras predicted (1e-5), also after `reset_states()`;
//! saving one again keeps `stateful` and the batch size.
mod common;
use common::*;
use kerust_io::{load_model, save_model};
use kerust_tensor::Tensor;
use serde_json::Value;

fn io_fixture() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("stateful.io.json")).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

/// Chunks in order, `reset_states`, the first chunk again: the three predictions.
fn run_chunks(m: &mut kerust_io::AnyModel, f: &Value) -> Vec<Vec<f32>> {
    let dim = |k: &str| f[k].as_u64().unwrap() as usize;
    let (b, t, d) = (dim("batch"), dim("time"), dim("features"));
    let chunk = |i: usize| Tensor::from_vec(floats(&f["chunks"][i]), &[b, t, d]).unwrap();
    let mut ys = Vec::new();
    for i in 0..2 {
        ys.push(m.predict_batch_size(chunk(i), b).unwrap().to_vec().unwrap());
    }
    m.reset_states().unwrap();
    ys.push(m.predict_batch_size(chunk(0), b).unwrap().to_vec().unwrap());
    ys
}

#[test]
fn stateful_keras_files_predict_what_keras_predicts_across_chunks() {
    let f = io_fixture();
    let batch = f["batch"].as_u64().unwrap() as usize;
    let dir = scratch("stateful_resave");
    for (name, spec) in f["models"].as_object().unwrap() {
        for file in spec["files"].as_array().unwrap() {
            let file = file.as_str().unwrap();
            let mut m = load_model(fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(m.is_stateful(), "{file}: loaded without stateful layers");
            let got = run_chunks(&mut m, &f);
            for (k, (g, w)) in got.iter().zip(spec["y"].as_array().unwrap()).enumerate() {
                assert_close(g, &floats(w), 1e-5, &format!("{name} ({file}) call {k}"));
            }
            // Another batch size is refused with the fixed one in the message.
            let err = m
                .predict(Tensor::zeros(&[batch + 1, 4, 2]).unwrap())
                .unwrap_err();
            assert!(
                err.to_string().contains(&format!("batch size {batch}")),
                "{err}"
            );
            // Saved again (both formats), the model keeps `stateful` and its batch size.
            for ext in ["keras", "h5"] {
                let path = dir.join(format!("{name}.{ext}"));
                m.reset_states().unwrap();
                save_model(&m, &path).unwrap();
                let mut back = load_model(&path).unwrap();
                assert!(back.is_stateful(), "{name}.{ext}");
                let again = run_chunks(&mut back, &f);
                assert_eq!(
                    again,
                    run_chunks(&mut m, &f),
                    "{name}.{ext} after a round trip"
                );
            }
        }
    }
}

/// kerust → Keras: a stateful model kerust saves (`.keras`, `.h5` read by Keras 3 and tf.keras 2)
/// loads stateful in Keras and, fed two batches in one predict call (the second continuing the
/// first), predicts what kerust predicts (1e-5).
#[test]
fn kerust_stateful_files_load_in_keras_and_predict_the_same() {
    use kerust_layers::{Bidirectional, Input, Model, SymbolicCall, GRU, LSTM};
    use std::process::Command;
    let Some(py) =
        kerust_test_support::python("kerust_stateful_files_load_in_keras_and_predict_the_same")
    else {
        return;
    };
    let (b, t, d) = (3, 4, 2);
    let x = Input::new(&[t, d]).batch_size(b).tensor();
    let h = Bidirectional::new(GRU::new(3).stateful(true).return_sequences(true))
        .unwrap()
        .apply(&x)
        .unwrap();
    let y = LSTM::new(2).stateful(true).apply(&h).unwrap();
    let mut m = Model::new(&[&x], &[&y]).unwrap();
    let data =
        Tensor::rand_uniform(&[2 * b, t, d], -1.0, 1.0, &mut kerust_tensor::Rng::seed(7)).unwrap();
    let want = m
        .predict_batch_size(data.clone(), b)
        .unwrap()
        .to_vec()
        .unwrap();
    m.reset_states().unwrap();
    let dir = scratch("stateful_interop");
    let xp = dir.join("x0.npy");
    kerust_io::npy::write_npy(&xp, &kerust_io::NpyArray::from_tensor(&data).unwrap()).unwrap();
    let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tools/keras_reference/io_load_check.py");
    for (file, flavour) in [("m.keras", "keras3"), ("m.h5", "keras3"), ("m.h5", "tf2")] {
        let p = dir.join(file);
        save_model(&m, &p).unwrap();
        let prefix = dir.join(format!("{flavour}_{file}_pred"));
        let out = Command::new(&py)
            .arg(&script)
            .args([flavour, p.to_str().unwrap(), xp.to_str().unwrap()])
            .arg(&prefix)
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "{flavour} could not load {file}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = match kerust_io::read_npy(format!("{}0.npy", prefix.display()))
            .unwrap()
            .data
        {
            kerust_io::NpyData::Float(v) => v,
            kerust_io::NpyData::Int(_) => panic!("float predictions expected"),
        };
        assert_close(&got, &want, 1e-5, &format!("{file} via {flavour}"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
