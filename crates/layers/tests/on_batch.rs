//! Issue 19 item 4: `train_on_batch` / `test_on_batch` / `predict_on_batch` against Keras 3
//! (tools/keras_reference/on_batch_reference.py): the same calls from the same weights return the
//! same values and leave the same weights, to 1e-5.
use kerust_layers::*;
use kerust_tensor::Tensor;
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/on_batch.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-5, "{what}[{i}]: kerust {g}, keras {w}");
    }
}

fn model(f: &Value) -> Sequential {
    let mut m = Sequential::new();
    m.add(Dense::new(3).activation("tanh").input_shape(&[4]))
        .unwrap();
    m.add(Dense::new(3).activation("softmax")).unwrap();
    let shapes: Vec<Vec<usize>> = m.get_weights().iter().map(|w| w.shape().to_vec()).collect();
    let init: Vec<Tensor> = f["initial"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&shapes)
        .map(|(w, s)| Tensor::from_vec(floats(w), s).unwrap())
        .collect();
    m.set_weights(&init).unwrap();
    m
}

fn rows(t: &Tensor, r: &Value) -> Tensor {
    let (a, b) = (
        r[0].as_u64().unwrap() as usize,
        r[1].as_u64().unwrap() as usize,
    );
    t.select_rows(&(a..b).collect::<Vec<_>>()).unwrap()
}

#[test]
fn batch_level_calls_return_what_keras_returns() {
    let f = fixture();
    let x = Tensor::from_vec(floats(&f["x"]), &[8, 4]).unwrap();
    let y = Tensor::from_vec(floats(&f["y"]), &[8]).unwrap();
    let sw = Tensor::from_vec(floats(&f["sample_weight"]), &[8]).unwrap();
    let cw: Vec<(usize, f32)> = f["class_weight"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_u64().unwrap() as usize,
                p[1].as_f64().unwrap() as f32,
            )
        })
        .collect();
    let mut m = model(&f);
    let mut plain = model(&f);
    m.compile(
        SGD::new().learning_rate(0.1),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    for call in f["calls"].as_array().unwrap() {
        let r = &call["rows"];
        let (bx, by, bw) = (rows(&x, r), rows(&y, r), rows(&sw, r));
        let name = call["call"].as_str().unwrap();
        let logs = match name {
            "train" => m.train_on_batch(&bx, &by),
            "train_sample_weight" => {
                m.train_on_batch_with(&bx, &by, OnBatchArgs::new().sample_weight(bw))
            }
            "train_class_weight" => {
                m.train_on_batch_with(&bx, &by, OnBatchArgs::new().class_weight(cw.clone()))
            }
            "test" => m.test_on_batch(&bx, &by),
            "test_sample_weight" => {
                m.test_on_batch_with(&bx, &by, OnBatchArgs::new().sample_weight(bw))
            }
            other => panic!("unknown call {other}"),
        }
        .unwrap();
        let want = &call["returned"];
        if let Some(d) = want.as_object() {
            // return_dict=True
            for (k, v) in d {
                assert_close(
                    &format!("{name} {k}"),
                    &[logs.get(k).unwrap()],
                    &[v.as_f64().unwrap() as f32],
                );
            }
        } else {
            assert_eq!(logs.keys().collect::<Vec<_>>(), vec!["loss", "accuracy"]);
            assert_close(name, &logs.values(), &floats(want));
        }
    }
    let p = m
        .predict_on_batch(rows(&x, &serde_json::json!([0, 5])))
        .unwrap();
    assert_eq!(p.shape(), &[5, 3]);
    assert_close(
        "predict_on_batch",
        &p.to_vec().unwrap(),
        &floats(&f["predict_on_batch"]),
    );
    for (i, (w, want)) in m
        .get_weights()
        .iter()
        .zip(f["after"].as_array().unwrap())
        .enumerate()
    {
        assert_close(&format!("weight {i}"), &w.to_vec().unwrap(), &floats(want));
    }
    // Compiled without metrics: the logs hold the loss alone (Keras returns the bare scalar).
    plain.set_weights(&m.get_weights()).unwrap();
    plain
        .compile(
            SGD::new().learning_rate(0.1),
            "sparse_categorical_crossentropy",
            &[],
        )
        .unwrap();
    let logs = plain
        .train_on_batch(
            rows(&x, &serde_json::json!([0, 4])),
            rows(&y, &serde_json::json!([0, 4])),
        )
        .unwrap();
    assert_close(
        "no metrics",
        &logs.values(),
        &[f["no_metrics_train_on_batch"].as_f64().unwrap() as f32],
    );
}

#[test]
fn batch_level_calls_reject_bad_input_with_typed_errors() {
    let f = fixture();
    let x = Tensor::from_vec(floats(&f["x"]), &[8, 4]).unwrap();
    let y = Tensor::from_vec(floats(&f["y"]), &[8]).unwrap();
    let mut m = model(&f);
    assert!(matches!(
        m.train_on_batch(&x, &y).unwrap_err(),
        LayerError::NotCompiled("train_on_batch")
    ));
    m.compile(SGD::new(), "sparse_categorical_crossentropy", &[])
        .unwrap();
    let short = Tensor::from_vec(vec![1.0; 3], &[3]).unwrap();
    assert!(matches!(
        m.test_on_batch_with(&x, &y, OnBatchArgs::new().sample_weight(short))
            .unwrap_err(),
        LayerError::SampleWeightShape { .. }
    ));
    assert!(matches!(
        m.train_on_batch_with(&x, &y, OnBatchArgs::new().class_weight([(0, 1.0)]))
            .unwrap_err(),
        LayerError::ClassWeightMissing { label: 1, .. }
    ));
    let y_short = Tensor::from_vec(vec![0.0; 5], &[5]).unwrap();
    assert!(matches!(
        m.train_on_batch(&x, &y_short).unwrap_err(),
        LayerError::Data(_)
    ));
}
