//! Callbacks inside `fit`: batch hooks run live between updates, TerminateOnNaN stops at the bad
//! batch, CSVLogger writes Keras's exact file, LambdaCallback sees every hook.
use kerust_layers::*;
use kerust_tensor::Tensor;
use serde_json::Value as Json;
use std::cell::RefCell;
use std::rc::Rc;

fn data(n: usize) -> (Tensor, Tensor) {
    let x = Tensor::from_vec((0..n).map(|i| i as f32 / n as f32).collect(), &[n, 1]).unwrap();
    let y = Tensor::from_vec((0..n).map(|i| 2.0 * i as f32 / n as f32).collect(), &[n, 1]).unwrap();
    (x, y)
}

fn model() -> Sequential {
    let mut m = Sequential::new();
    m.add(Dense::new(1).input_shape(&[1])).unwrap();
    m.set_seed(5);
    m.compile(SGD::new().learning_rate(0.1), "mse", &[])
        .unwrap();
    m
}

/// Records the kernel after every batch and changes the learning rate between batches.
struct BatchProbe {
    kernels: Rc<RefCell<Vec<f32>>>,
    batches: Rc<RefCell<Vec<(usize, f32)>>>,
}
impl Callback for BatchProbe {
    fn on_train_batch_end(&mut self, m: &mut ModelCore, batch: usize, logs: &Logs) -> Result<()> {
        self.kernels
            .borrow_mut()
            .push(m.get_weights()[0].to_vec()?[0]);
        self.batches
            .borrow_mut()
            .push((batch, logs.get("loss").unwrap()));
        // From the second batch on, freeze training through the optimizer: lr 0.
        if batch == 1 {
            if let Some(o) = m.optimizer_mut() {
                o.set_learning_rate(0.0);
            }
        }
        Ok(())
    }
}

#[test]
fn batch_callbacks_run_between_updates() {
    let (x, y) = data(40);
    let mut m = model();
    let kernels = Rc::new(RefCell::new(Vec::new()));
    let batches = Rc::new(RefCell::new(Vec::new()));
    m.fit(
        &x,
        &y,
        FitArgs::new()
            .epochs(1)
            .batch_size(8)
            .verbose(0)
            .shuffle(false)
            .callback(BatchProbe {
                kernels: kernels.clone(),
                batches: batches.clone(),
            }),
    )
    .unwrap();
    let k = kernels.borrow();
    let b = batches.borrow();
    assert_eq!(
        b.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
    // Each hook saw the weights right after its own batch: they moved in batches 0 and 1, and the
    // lr set to 0 after batch 1 froze them for the rest — impossible if hooks were replayed.
    assert_ne!(k[0], k[1]);
    assert_eq!(k[2], k[1]);
    assert_eq!(k[4], k[1]);
    assert_eq!(m.get_weights()[0].to_vec().unwrap()[0], k[1]);
}

fn nan_targets() -> (Tensor, Tensor) {
    let (x, y) = data(40);
    let mut yv = y.to_vec().unwrap();
    yv[20] = f32::NAN; // batch 2 when batch_size = 8 and no shuffling
    (x, Tensor::from_vec(yv, &[40, 1]).unwrap())
}

#[test]
fn terminate_on_nan_stops_at_the_bad_batch() {
    let (x, y) = nan_targets();
    let mut m = model();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s2 = seen.clone();
    let h = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(5)
                .batch_size(8)
                .verbose(0)
                .shuffle(false)
                .callback(TerminateOnNaN::new())
                .callback(
                    LambdaCallback::new().on_train_batch_end(move |b, _| s2.borrow_mut().push(b)),
                ),
        )
        .unwrap();
    assert_eq!(*seen.borrow(), vec![0, 1, 2], "no batch after the NaN one");
    assert_eq!(
        h.get("loss").unwrap().len(),
        1,
        "one (partial) epoch recorded"
    );
    assert!(h.get("loss").unwrap()[0].is_nan());
    // raise_error: a typed error instead of a clean stop.
    let mut m = model();
    let err = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(2)
                .batch_size(8)
                .verbose(0)
                .shuffle(false)
                .callback(TerminateOnNaN::new().raise_error(true)),
        )
        .unwrap_err();
    assert!(matches!(err, LayerError::Data(_)), "{err}");
    assert!(err.to_string().contains("at batch 2"), "{err}");
    // Without the callback, training runs on (NaN weights) and does not panic either.
    let mut m = model();
    let h = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(2)
                .batch_size(8)
                .verbose(0)
                .shuffle(false),
        )
        .unwrap();
    assert_eq!(h.get("loss").unwrap().len(), 2);
}

fn csv_fixture() -> Json {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/callbacks_csv.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn epochs(fx: &Json, keep_val: bool) -> Vec<Logs> {
    fx["epochs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let mut l = Logs::new();
            for (k, v) in e.as_object().unwrap() {
                if keep_val || !k.starts_with("val_") {
                    l.insert(k, v.as_f64().unwrap() as f32);
                }
            }
            l
        })
        .collect()
}

fn drive(cb: &mut CSVLogger, logs: &[Logs], first_epoch: usize) {
    let mut m = model();
    cb.on_train_begin(&mut m, &Logs::new()).unwrap();
    for (i, l) in logs.iter().enumerate() {
        cb.on_epoch_end_mut(&mut m, first_epoch + i, &mut l.clone())
            .unwrap();
    }
    cb.on_train_end(&mut m, &Logs::new()).unwrap();
}

#[test]
fn csv_logger_writes_keras_files() {
    let fx = csv_fixture();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("a.csv");
    drive(&mut CSVLogger::new(&p), &epochs(&fx, true), 0);
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        fx["with_val"].as_str().unwrap()
    );
    let p = dir.path().join("b.csv");
    drive(&mut CSVLogger::new(&p), &epochs(&fx, false), 0);
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        fx["no_val"].as_str().unwrap()
    );
    let p = dir.path().join("c.csv");
    let all = epochs(&fx, true);
    drive(&mut CSVLogger::new(&p).separator(';'), &all[..1], 0);
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        fx["semicolon"].as_str().unwrap()
    );
    drive(
        &mut CSVLogger::new(&p).separator(';').append(true),
        &all[1..],
        0,
    );
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        fx["appended"].as_str().unwrap()
    );
    // An unwritable path is a typed I/O error naming the file.
    let mut bad = CSVLogger::new(dir.path().join("no/such/dir/x.csv"));
    let err = bad.on_train_begin(&mut model(), &Logs::new()).unwrap_err();
    assert!(matches!(err, LayerError::Io { .. }), "{err}");
}

#[test]
fn csv_logger_in_fit_has_one_row_per_epoch() {
    let (x, y) = data(40);
    let mut m = model();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("log.csv");
    let h = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(3)
                .verbose(0)
                .validation_split(0.25)
                .callback(CSVLogger::new(&p)),
        )
        .unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "epoch,loss,val_loss");
    assert_eq!(lines.len(), 4);
    let last: Vec<f64> = lines[3].split(',').map(|v| v.parse().unwrap()).collect();
    assert_eq!(last[0], 2.0);
    assert_eq!(last[1] as f32, h.get("loss").unwrap()[2]);
    assert_eq!(last[2] as f32, h.get("val_loss").unwrap()[2]);
}

#[test]
fn lambda_callback_sees_every_hook_in_order() {
    let (x, y) = data(16);
    let mut m = model();
    let ev = Rc::new(RefCell::new(Vec::<String>::new()));
    let (a, b, c, d, e, f) = (
        ev.clone(),
        ev.clone(),
        ev.clone(),
        ev.clone(),
        ev.clone(),
        ev.clone(),
    );
    m.fit(
        &x,
        &y,
        FitArgs::new().epochs(2).batch_size(8).verbose(0).callback(
            LambdaCallback::new()
                .on_train_begin(move |_| a.borrow_mut().push("train_begin".into()))
                .on_epoch_begin(move |e, _| b.borrow_mut().push(format!("epoch_begin {e}")))
                .on_train_batch_begin(move |i, _| c.borrow_mut().push(format!("batch_begin {i}")))
                .on_train_batch_end(move |i, _| d.borrow_mut().push(format!("batch_end {i}")))
                .on_epoch_end(move |i, l| {
                    assert!(l.get("loss").is_some());
                    e.borrow_mut().push(format!("epoch_end {i}"))
                })
                .on_train_end(move |_| f.borrow_mut().push("train_end".into())),
        ),
    )
    .unwrap();
    let got = ev.borrow().join("|");
    assert_eq!(
        got,
        "train_begin|epoch_begin 0|batch_begin 0|batch_end 0|batch_begin 1|batch_end 1|\
         epoch_end 0|epoch_begin 1|batch_begin 0|batch_end 0|batch_begin 1|batch_end 1|epoch_end 1|\
         train_end"
    );
}
