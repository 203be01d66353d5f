//! EarlyStopping and ReduceLROnPlateau against Keras 3, driven by the same monitor sequences
//! (fixture from tools/keras_reference/callbacks_monitor.py), plus their behaviour inside `fit`.
use kerust_layers::*;
use kerust_tensor::Tensor;
use serde_json::Value as Json;

fn fixture() -> Json {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/callbacks_monitor.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn tiny_model() -> Sequential {
    let mut m = Sequential::new();
    m.add(Dense::new(1).use_bias(false).input_shape(&[1]))
        .unwrap();
    m.compile(SGD::new().learning_rate(0.01), "mse", &["accuracy"])
        .unwrap();
    m
}

fn seq(fx: &Json, case: &Json) -> Vec<f32> {
    fx["sequences"][case["sequence"].as_str().unwrap()]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect()
}

fn logs(monitor: &str, v: f32) -> Logs {
    let mut l = Logs::new();
    l.insert("loss", 1.0);
    l.insert(monitor, v);
    l
}

#[test]
fn early_stopping_matches_keras() {
    let fx = fixture();
    let cases = fx["early_stopping"].as_array().unwrap();
    assert_eq!(cases.len(), 30);
    for case in cases {
        let kw = &case["kwargs"];
        let monitor = kw["monitor"].as_str().unwrap();
        let mut cb = EarlyStopping::new()
            .monitor(monitor)
            .patience(kw["patience"].as_u64().unwrap() as usize);
        if let Some(d) = kw.get("min_delta") {
            cb = cb.min_delta(d.as_f64().unwrap() as f32);
        }
        if let Some(b) = kw.get("baseline") {
            cb = cb.baseline(b.as_f64().unwrap() as f32);
        }
        if let Some(m) = kw.get("mode") {
            cb = cb.mode(m.as_str().unwrap());
        }
        if let Some(r) = kw.get("restore_best_weights") {
            cb = cb.restore_best_weights(r.as_bool().unwrap());
        }
        if let Some(s) = kw.get("start_from_epoch") {
            cb = cb.start_from_epoch(s.as_u64().unwrap() as usize);
        }
        let mut model = tiny_model();
        model.stop_training = false;
        cb.on_train_begin(&mut model, &Logs::new()).unwrap();
        let mut run = 0;
        for (epoch, v) in seq(&fx, case).into_iter().enumerate() {
            model
                .set_weights(&[Tensor::from_vec(vec![epoch as f32], &[1, 1]).unwrap()])
                .unwrap();
            cb.on_epoch_end_mut(&mut model, epoch, &mut logs(monitor, v))
                .unwrap();
            run += 1;
            if model.stop_training {
                break;
            }
        }
        cb.on_train_end(&mut model, &Logs::new()).unwrap();
        let what = format!("{case}");
        assert_eq!(run, case["epochs_run"].as_u64().unwrap() as usize, "{what}");
        assert_eq!(
            cb.stopped_epoch as u64,
            case["stopped_epoch"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(
            cb.best_epoch as u64,
            case["best_epoch"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(cb.wait as u64, case["wait"].as_u64().unwrap(), "{what}");
        let w = model.get_weights()[0].to_vec().unwrap()[0];
        assert_eq!(w as f64, case["final_weight"].as_f64().unwrap(), "{what}");
    }
}

#[test]
fn reduce_lr_on_plateau_matches_keras() {
    let fx = fixture();
    let cases = fx["reduce_lr_on_plateau"].as_array().unwrap();
    assert_eq!(cases.len(), 15);
    for case in cases {
        let kw = &case["kwargs"];
        let monitor = kw["monitor"].as_str().unwrap();
        let mut cb = ReduceLROnPlateau::new()
            .monitor(monitor)
            .factor(kw["factor"].as_f64().unwrap() as f32)
            .patience(kw["patience"].as_u64().unwrap() as usize);
        if let Some(c) = kw.get("cooldown") {
            cb = cb.cooldown(c.as_u64().unwrap() as usize);
        }
        if let Some(m) = kw.get("min_lr") {
            cb = cb.min_lr(m.as_f64().unwrap() as f32);
        }
        if let Some(d) = kw.get("min_delta") {
            cb = cb.min_delta(d.as_f64().unwrap() as f32);
        }
        let mut model = tiny_model();
        cb.on_train_begin(&mut model, &Logs::new()).unwrap();
        let want_lr = case["lr_after_epoch"].as_array().unwrap();
        let want_logged = case["logged_learning_rate"].as_array().unwrap();
        for (epoch, v) in seq(&fx, case).into_iter().enumerate() {
            let mut l = logs(monitor, v);
            cb.on_epoch_end_mut(&mut model, epoch, &mut l).unwrap();
            let lr = model.optimizer().unwrap().learning_rate();
            let close = |a: f32, b: f64| ((a as f64 - b) / b).abs() < 1e-5;
            assert!(
                close(lr, want_lr[epoch].as_f64().unwrap()),
                "{case} epoch {epoch}: lr {lr}"
            );
            let logged = l.get("learning_rate").unwrap();
            assert!(
                close(logged, want_logged[epoch].as_f64().unwrap()),
                "{case} epoch {epoch}"
            );
        }
    }
}

fn data() -> (Tensor, Tensor) {
    let x = Tensor::from_vec((0..40).map(|i| i as f32 / 40.0).collect(), &[40, 1]).unwrap();
    let y = Tensor::from_vec((0..40).map(|i| 2.0 * i as f32 / 40.0).collect(), &[40, 1]).unwrap();
    (x, y)
}

#[test]
fn early_stopping_in_fit_stops_and_restores_best_weights() {
    let (x, y) = data();
    let mut m = Sequential::new();
    m.add(Dense::new(1).input_shape(&[1])).unwrap();
    m.set_seed(1);
    // A learning rate this large diverges, so val_loss gets worse after the first epochs.
    m.compile(SGD::new().learning_rate(3.0), "mse", &[])
        .unwrap();
    let es = std::rc::Rc::new(std::cell::RefCell::new(
        EarlyStopping::new().patience(2).restore_best_weights(true),
    ));
    let h = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(30)
                .batch_size(8)
                .verbose(0)
                .validation_split(0.25)
                .callback(es.clone()),
        )
        .unwrap();
    let vl = h.get("val_loss").unwrap();
    assert!(vl.len() < 30, "stopped early: {vl:?}");
    // The best epoch's weights are back: evaluating on the validation part gives the best val_loss.
    let xv = Tensor::from_vec((30..40).map(|i| i as f32 / 40.0).collect(), &[10, 1]).unwrap();
    let yv = Tensor::from_vec((30..40).map(|i| 2.0 * i as f32 / 40.0).collect(), &[10, 1]).unwrap();
    let now = m.evaluate(&xv, &yv, 32).unwrap().get("loss").unwrap();
    let best = vl.iter().cloned().fold(f32::INFINITY, f32::min);
    assert!(
        (now - best).abs() <= 1e-4 * best.abs().max(1.0),
        "{now} vs best {best} in {vl:?}"
    );
}

#[test]
fn missing_monitor_key_warns_and_training_continues() {
    let (x, y) = data();
    let mut m = tiny_model();
    let es = std::rc::Rc::new(std::cell::RefCell::new(None::<String>));
    // No validation data: val_loss is never logged; Keras warns every epoch and never stops.
    struct Probe(
        EarlyStopping,
        std::rc::Rc<std::cell::RefCell<Option<String>>>,
    );
    impl Callback for Probe {
        fn on_epoch_end(&mut self, m: &mut ModelCore, e: usize, l: &Logs) -> Result<()> {
            self.0.on_epoch_end(m, e, l)?;
            *self.1.borrow_mut() = self.0.last_warning().map(str::to_string);
            Ok(())
        }
    }
    let h = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(3)
                .verbose(0)
                .callback(Probe(EarlyStopping::new(), es.clone())),
        )
        .unwrap();
    assert_eq!(h.get("loss").unwrap().len(), 3);
    let w = es.borrow().clone().expect("a warning");
    assert!(
        w.contains("`val_loss` which is not available. Available metrics are: loss,accuracy"),
        "{w}"
    );
    // A key whose direction cannot be inferred in auto mode is a typed error, like Keras's ValueError.
    let err = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(1)
                .verbose(0)
                .callback(EarlyStopping::new().monitor("val_foo")),
        )
        .unwrap_err();
    assert!(matches!(err, LayerError::Config { .. }), "{err}");
    assert!(err.to_string().contains("mode(\"max\")"), "{err}");
}

#[test]
fn learning_rate_callbacks_log_learning_rate_like_keras_3() {
    let (x, y) = data();
    let mut m = tiny_model();
    let h = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(4)
                .verbose(0)
                .callback(LearningRateScheduler::new(|epoch, lr| {
                    if epoch < 2 {
                        lr
                    } else {
                        lr * 0.5
                    }
                })),
        )
        .unwrap();
    assert_eq!(h.keys(), vec!["loss", "accuracy", "learning_rate"]);
    assert_eq!(
        h.get("learning_rate").unwrap(),
        &[0.01, 0.01, 0.005, 0.0025]
    );
    assert_eq!(m.optimizer().unwrap().learning_rate(), 0.0025);
    // Without such a callback Keras 3 logs no learning rate.
    let h = m.fit(&x, &y, FitArgs::new().epochs(1).verbose(0)).unwrap();
    assert_eq!(h.keys(), vec!["loss", "accuracy"]);
    // factor >= 1 is rejected like Keras's ValueError.
    let err = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .verbose(0)
                .callback(ReduceLROnPlateau::new().factor(1.0)),
        )
        .unwrap_err();
    assert!(err.to_string().contains("factor >= 1.0"), "{err}");
}
