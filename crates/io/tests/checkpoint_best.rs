//! `ModelCheckpoint(save_best_only=True, save_weights_only=True)` inside `fit`: it writes exactly on
//! the epochs where `val_loss` improved, the file holds that epoch's weights, and no temp file of
//! the atomic write is left behind.
use kerust_io::{load_weights, ModelCheckpoint};
use kerust_layers::{
    clone_model, Adam, Callback, Dense, FitArgs, Logs, ModelCore, Result, Sequential,
};
use kerust_tensor::{Rng, Tensor};
use std::cell::RefCell;
use std::rc::Rc;

/// Records the weights at the end of every epoch.
struct Snapshots(Rc<RefCell<Vec<Vec<Tensor>>>>);
impl Callback for Snapshots {
    fn on_epoch_end(&mut self, m: &mut ModelCore, _epoch: usize, _logs: &Logs) -> Result<()> {
        self.0.borrow_mut().push(m.get_weights());
        Ok(())
    }
}

#[test]
fn save_best_only_writes_the_improving_epochs_weights() {
    let mut r = Rng::seed(21);
    let x = Tensor::rand_uniform(&[40, 4], -1.0, 1.0, &mut r).unwrap();
    let xv = x.to_vec().unwrap();
    let y: Vec<f32> = xv
        .chunks(4)
        .map(|c| (c[0] - c[2] > 0.0) as u8 as f32)
        .collect();
    // Validation labels disagree with half of the training rule, so val_loss goes up and down.
    let yv: Vec<f32> = y
        .iter()
        .enumerate()
        .map(|(i, &t)| if i % 2 == 0 { 1.0 - t } else { t })
        .collect();
    let y = Tensor::from_vec(y, &[40, 1]).unwrap();
    let yv = Tensor::from_vec(yv, &[40, 1]).unwrap();
    let mut m = Sequential::new();
    m.add(Dense::new(1).activation("sigmoid").input_shape(&[4]))
        .unwrap();
    m.compile(Adam::new().learning_rate(0.2), "binary_crossentropy", &[])
        .unwrap();
    let dir = std::env::temp_dir().join(format!("kerust-ckpt-best-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("best.weights.h5");
    let ckpt = Rc::new(RefCell::new(
        ModelCheckpoint::new(path.to_str().unwrap())
            .monitor("val_loss")
            .save_best_only(true)
            .save_weights_only(true),
    ));
    let snaps = Rc::new(RefCell::new(Vec::new()));
    let h = m
        .fit(
            &x,
            &y,
            FitArgs::new()
                .epochs(8)
                .batch_size(8)
                .verbose(0)
                .validation_data(&x, &yv)
                .callback(ckpt.clone())
                .callback(Snapshots(snaps.clone())),
        )
        .unwrap();
    let vl = h.get("val_loss").unwrap();
    // Keras: save when strictly better than the best so far (the first epoch always is).
    let mut best = f32::INFINITY;
    let mut improving = Vec::new();
    for (e, &v) in vl.iter().enumerate() {
        if v < best {
            best = v;
            improving.push(e);
        }
    }
    assert!(
        improving.len() < vl.len(),
        "the data should give a non-improving epoch: {vl:?}"
    );
    assert_eq!(ckpt.borrow().saved.len(), improving.len(), "{vl:?}");
    let best_epoch = *improving.last().unwrap();
    let mut fresh = clone_model(&m).unwrap();
    load_weights(&mut fresh, &path).unwrap();
    for (got, want) in fresh.get_weights().iter().zip(&snaps.borrow()[best_epoch]) {
        assert_eq!(got.to_vec().unwrap(), want.to_vec().unwrap());
    }
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        names,
        vec!["best.weights.h5".to_string()],
        "temp files left"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn save_best_only_warns_and_skips_when_the_monitor_is_not_logged() {
    let x = Tensor::from_vec(vec![0.5, -0.5, 1.0, 0.0], &[2, 2]).unwrap();
    let y = Tensor::from_vec(vec![1.0, 0.0], &[2, 1]).unwrap();
    let mut m = Sequential::new();
    m.add(Dense::new(1).activation("sigmoid").input_shape(&[2]))
        .unwrap();
    m.compile(Adam::new(), "binary_crossentropy", &[]).unwrap();
    let dir = std::env::temp_dir().join(format!("kerust-ckpt-nokey-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("best.keras");
    // No validation data: "val_loss" is never logged.
    let ckpt = Rc::new(RefCell::new(
        ModelCheckpoint::new(path.to_str().unwrap()).save_best_only(true),
    ));
    m.fit(
        &x,
        &y,
        FitArgs::new().epochs(2).verbose(0).callback(ckpt.clone()),
    )
    .unwrap();
    let c = ckpt.borrow();
    assert!(c.saved.is_empty());
    assert!(!path.exists());
    assert_eq!(
        c.last_warning.as_deref(),
        Some("Can save best model only with val_loss available, skipping.")
    );
}
