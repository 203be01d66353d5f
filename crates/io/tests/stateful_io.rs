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
