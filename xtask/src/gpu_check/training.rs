//! Whole models on the device, the way a user runs them: the tweets LSTM / GRU / Bidirectional-LSTM
//! workloads of `cargo xtask bench` (Embedding(10000, 128) → head(64) → Dense(1, sigmoid), Adam,
//! binary cross-entropy, batch 32, 5 epochs) trained from the same initial weights on the CPU and
//! on the device (`model.to_device`), their validation accuracies compared (within one point),
//! predict over 762 rows timed, and the device-trained model saved as `.keras`, `.h5` and native,
//! loaded back on the CPU and its predictions compared with the device's (1e-5).
//!
//! The data is synthetic but learnable (a row is positive when two or more of its tokens come from
//! the first tenth of the vocabulary), so an accuracy that drops on the device means something.
use super::report::{Report, FORWARD_TOL};
use kerust_layers::{Adam, Bidirectional, Dense, Embedding, FitArgs, Input, Sequential, GRU, LSTM};
use kerust_tensor::{cuda_backend, Device, IntTensor, Rng, Tensor};
use serde_json::json;
use std::time::Instant;

/// Sizes of one run: the bench's tweets workload by default, smaller in tests.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub train: usize,
    pub val: usize,
    pub len: usize,
    pub vocab: usize,
    pub epochs: usize,
}

impl Sizes {
    /// The tweets workload: 6851 training and 762 validation rows of 15 ids, 10000 words, 5 epochs.
    pub const TWEETS: Sizes = Sizes {
        train: 6851,
        val: 762,
        len: 15,
        vocab: 10000,
        epochs: 5,
    };
}

/// The recurrent head between the embedding and the output.
#[derive(Debug, Clone, Copy)]
pub enum Head {
    Lstm,
    Gru,
    BiLstm,
}

impl Head {
    fn name(self) -> &'static str {
        match self {
            Head::Lstm => "lstm64",
            Head::Gru => "gru64",
            Head::BiLstm => "bilstm64",
        }
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Ids `[n, len]` in `1..vocab` with trailing zero padding, and their labels `[n, 1]`.
fn data(n: usize, s: Sizes, rng: &mut Rng) -> Result<(IntTensor, Tensor), String> {
    let hot = (s.vocab / 10).max(1) as i64;
    let mut ids = vec![0i64; n * s.len];
    let mut y = Vec::with_capacity(n);
    for row in ids.chunks_mut(s.len) {
        let used = 3.min(s.len) + rng.below(s.len - 3.min(s.len) + 1);
        for v in row.iter_mut().take(used) {
            *v = 1 + rng.below(s.vocab - 1) as i64;
        }
        let hits = row.iter().filter(|&&v| v > 0 && v <= hot).count();
        y.push(if hits >= 2 { 1.0 } else { 0.0 });
    }
    Ok((
        IntTensor::from_vec(ids, &[n, s.len]).map_err(err)?,
        Tensor::from_vec(y, &[n, 1]).map_err(err)?,
    ))
}

/// A compiled tweets model with this head (weights drawn from the global seed).
fn model(head: Head, s: Sizes) -> Result<Sequential, String> {
    kerust_layers::random::set_random_seed(31);
    let mut m = Sequential::new();
    m.add(Input::new(&[s.len]).dtype("int32")).map_err(err)?;
    m.add(Embedding::new(s.vocab, 128)).map_err(err)?;
    match head {
        Head::Lstm => m.add(LSTM::new(64)),
        Head::Gru => m.add(GRU::new(64)),
        Head::BiLstm => m.add(Bidirectional::new(LSTM::new(64)).map_err(err)?),
    }
    .map_err(err)?;
    m.add(Dense::new(1).activation("sigmoid")).map_err(err)?;
    m.set_seed(7);
    m.compile(Adam::new(), "binary_crossentropy", &["accuracy"])
        .map_err(err)?;
    Ok(m)
}

fn sync(device: Device) -> Result<(), String> {
    match device {
        Device::Cuda(i) => cuda_backend::synchronize(i).map_err(err),
        Device::Cpu => Ok(()),
    }
}

/// One model trained on `device`: its fit time, validation accuracy and the model itself.
struct Trained {
    model: Sequential,
    fit_s: f64,
    val_accuracy: f32,
}

fn train(head: Head, s: Sizes, device: Device, sets: &Sets) -> Result<Trained, String> {
    let mut m = model(head, s)?;
    m.to_device(device).map_err(err)?;
    let args = FitArgs::new().epochs(s.epochs).batch_size(32).verbose(0);
    let t = Instant::now();
    m.fit(&sets.x, &sets.y, args).map_err(err)?;
    sync(device)?;
    let fit_s = t.elapsed().as_secs_f64();
    let logs = m.evaluate(&sets.xv, &sets.yv, 32).map_err(err)?;
    let val_accuracy = logs
        .get("accuracy")
        .ok_or("evaluate returned no accuracy")?;
    Ok(Trained {
        model: m,
        fit_s,
        val_accuracy,
    })
}

/// Training and validation data of one run.
struct Sets {
    x: IntTensor,
    y: Tensor,
    xv: IntTensor,
    yv: Tensor,
}

/// Median seconds of `predict` over the validation rows on the model's device.
fn time_predict(m: &mut Sequential, xv: &IntTensor, device: Device) -> Result<f64, String> {
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        m.predict(xv).map_err(err)?;
        sync(device)?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// Save the device-trained model in every format, load each on the CPU and compare predictions.
fn save_and_reload(
    r: &mut Report,
    name: &str,
    m: &mut Sequential,
    xv: &IntTensor,
) -> Result<(), String> {
    let want = m.predict(xv).map_err(err)?;
    let dir = std::env::temp_dir().join(format!("kerust-gpu-check-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(err)?;
    for file in ["model.keras", "model.h5", "model_native"] {
        let path = dir.join(file);
        let result = (|| -> Result<(Tensor, Tensor), String> {
            kerust_io::save_model(m, &path).map_err(err)?;
            let mut loaded = kerust_io::load_model(&path).map_err(err)?;
            loaded.to_device(Device::Cpu).map_err(err)?;
            Ok((loaded.predict(xv).map_err(err)?, want.clone()))
        })();
        r.compare(
            &format!("train.{name}.saved_{file}_on_cpu"),
            FORWARD_TOL,
            result,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// One head: CPU run, device run, accuracy within a point, predict timing, save/load on the CPU.
fn check_head(
    r: &mut Report,
    head: Head,
    s: Sizes,
    device: Device,
    sets: &Sets,
) -> Result<(), String> {
    let name = head.name();
    let cpu = train(head, s, Device::Cpu, sets)?;
    let mut dev = train(head, s, device, sets)?;
    r.figure(
        &format!("train.{name}_{}ep", s.epochs),
        json!({
            "cpu_s": cpu.fit_s,
            "device_s": dev.fit_s,
            "cpu_val_accuracy": cpu.val_accuracy,
            "device_val_accuracy": dev.val_accuracy,
        }),
    );
    r.within(
        &format!("train.{name}.val_accuracy_gap"),
        (cpu.val_accuracy - dev.val_accuracy).abs(),
        0.01,
    );
    let predict_s = time_predict(&mut dev.model, &sets.xv, device)?;
    r.figure(&format!("predict.{name}_{}rows_s", s.val), json!(predict_s));
    save_and_reload(r, name, &mut dev.model, &sets.xv)
}

/// Every head on `device` (the CUDA device in gpu-check; the CPU in this module's test).
pub fn check_all_on(r: &mut Report, s: Sizes, device: Device) {
    let mut rng = Rng::seed(905);
    let sets = match data(s.train, s, &mut rng).and_then(|(x, y)| {
        let (xv, yv) = data(s.val, s, &mut rng)?;
        Ok(Sets { x, y, xv, yv })
    }) {
        Ok(sets) => sets,
        Err(e) => return r.compare("train.data", 0.0, Err(e)),
    };
    for head in [Head::Lstm, Head::Gru, Head::BiLstm] {
        if let Err(e) = check_head(r, head, s, device, &sets) {
            r.compare(&format!("train.{}", head.name()), 0.0, Err(e));
        }
    }
}

/// The tweets workloads on `cuda:0`.
pub fn check_all(r: &mut Report) {
    check_all_on(r, Sizes::TWEETS, Device::Cuda(0));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The harness itself, run CPU against CPU on a small problem: every check passes, the
    /// model learns (so the accuracy comparison means something) and all three formats reload.
    #[test]
    fn the_training_check_passes_cpu_against_cpu_and_the_data_is_learnable() {
        let s = Sizes {
            train: 600,
            val: 200,
            len: 10,
            vocab: 200,
            epochs: 3,
        };
        let mut r = Report::new("cpu");
        check_all_on(&mut r, s, Device::Cpu);
        for p in &r.parity {
            assert!(p.passed(), "{}: {:?} (err {})", p.name, p.error, p.max_err);
        }
        assert_eq!(r.parity.len(), 3 * 4, "{:?}", r.parity);
        let (_, lstm) = r
            .timings
            .iter()
            .find(|(k, _)| k == "train.lstm64_3ep")
            .unwrap();
        let acc = lstm["cpu_val_accuracy"].as_f64().unwrap();
        assert!(
            acc > 0.7,
            "the synthetic task was not learned: accuracy {acc}"
        );
    }
}
