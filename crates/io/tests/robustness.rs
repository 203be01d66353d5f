//! Fuzz-ish robustness: truncations, random byte flips and overwritten size-like fields in every
//! loader's inputs (Keras `.h5`, `.keras` and its members, native directory files, `.npy`) must
//! give errors, never panics or huge allocations. Bounded by iterations and time (a few seconds).
mod common;
use common::*;
use kerust_io::{keras_h5, keras_zip, native, npy};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// xorshift64*: deterministic, seedable from KERUST_IO_FUZZ_SEED for longer sessions.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seed() -> u64 {
    std::env::var("KERUST_IO_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15)
}

fn budget() -> (usize, Duration) {
    let secs = std::env::var("KERUST_IO_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    (
        if secs > 1.0 { usize::MAX } else { 300 },
        Duration::from_secs_f64(secs),
    )
}

fn mutate(orig: &[u8], r: &mut Rng) -> Vec<u8> {
    let mut b = orig.to_vec();
    match r.below(4) {
        0 => b.truncate(r.below(orig.len())),
        1 => {
            for _ in 0..1 + r.below(8) {
                let i = r.below(b.len());
                b[i] ^= 1 << r.below(8);
            }
        }
        2 => {
            // Overwrite a word with an extreme value: sizes, offsets, counts.
            let i = r.below(b.len().saturating_sub(8));
            let v: u64 = [u64::MAX, 1 << 40, 0, 0xFFFF_FFFF, 1 << 31][r.below(5)];
            let n = [1, 2, 4, 8][r.below(4)].min(b.len() - i);
            b[i..i + n].copy_from_slice(&v.to_le_bytes()[..n]);
        }
        _ => {
            let i = r.below(b.len());
            let n = r.below(64).min(b.len() - i);
            b.drain(i..i + n);
        }
    }
    b
}

/// Run `load` on mutations of `orig` until the iteration or time budget is spent.
fn fuzz(name: &str, orig: &[u8], mut load: impl FnMut(Vec<u8>)) {
    let mut r = Rng(seed() ^ name.len() as u64 ^ orig.len() as u64);
    let (iters, time) = budget();
    let start = Instant::now();
    let mut n = 0;
    while n < iters && start.elapsed() < time {
        load(mutate(orig, &mut r));
        n += 1;
    }
    eprintln!("{name}: {n} mutations without a panic");
}

#[test]
fn keras_h5_loaders_survive_mutations() {
    for f in ["seq_rnn.tf2.h5", "func_shared.k3.h5", "seq_lstm_gru.k3.h5"] {
        let orig = std::fs::read(fixture(f)).unwrap();
        fuzz(f, &orig, |b| {
            // The two-step loader `load_model` uses, then the whole-file one.
            let _ = keras_h5::load_h5_bytes(b.clone(), Path::new(f));
            if let Ok(file) = kerust_hdf5::File::from_bytes(b) {
                let _ = keras_h5::load_h5_file(&file, Path::new(f));
            }
        });
    }
    // Weights-only files into a real model.
    let model = kerust_io::load_model(fixture("seq_rnn.keras")).unwrap();
    for f in ["seq_rnn.k3.weights.h5", "seq_rnn.tf2.weights_only.h5"] {
        let orig = std::fs::read(fixture(f)).unwrap();
        fuzz(f, &orig, |b| {
            if let Ok(file) = kerust_hdf5::File::from_bytes(b) {
                let mut m = model.clone();
                let _ = keras_h5::load_weights_file(&mut m, &file, Path::new(f));
            }
        });
    }
}

fn zip_with(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, b) in members {
        w.start_file(
            *n,
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
        w.write_all(b).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn keras_zip_loader_survives_mutations() {
    for f in ["seq_rnn.keras", "func_shared.keras", "seq_lstm_gru.keras"] {
        let orig = std::fs::read(fixture(f)).unwrap();
        let p = Path::new(f);
        fuzz(f, &orig, |b| {
            let _ = keras_zip::load_keras_bytes(&b, p);
        });
        // Mutate the members themselves (the zip CRC would reject most whole-file flips).
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(&orig[..])).unwrap();
        let mut get = |n: &str| {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut z.by_name(n).unwrap(), &mut v).unwrap();
            v
        };
        let (cfg, weights) = (get("config.json"), get("model.weights.h5"));
        fuzz(&format!("{f}!config.json"), &cfg, |c| {
            let _ = keras_zip::load_keras_bytes(
                &zip_with(&[("config.json", c), ("model.weights.h5", weights.clone())]),
                p,
            );
        });
        fuzz(&format!("{f}!model.weights.h5"), &weights, |w| {
            let _ = keras_zip::load_keras_bytes(
                &zip_with(&[("config.json", cfg.clone()), ("model.weights.h5", w)]),
                p,
            );
        });
    }
}

#[test]
fn native_loader_and_npy_survive_mutations() {
    let dir = scratch("fuzz_native");
    let mut m = kerust_io::load_model(fixture("seq_dense.keras")).unwrap();
    let x = npy::read_npy(fixture("seq_dense.x0.npy"))
        .unwrap()
        .to_data()
        .unwrap();
    let y = kerust_tensor::Tensor::zeros(&[5, 1]).unwrap();
    m.fit(x, y, kerust_layers::FitArgs::new().epochs(1).verbose(0))
        .unwrap();
    let saved = dir.join("saved");
    kerust_io::save_model(&m, &saved).unwrap();
    for member in [
        "config.json",
        "weights.safetensors",
        "optimizer.safetensors",
    ] {
        let orig = std::fs::read(saved.join(member)).unwrap();
        let target = dir.join(format!("mut_{member}"));
        fuzz(member, &orig, |b| {
            let _ = std::fs::remove_dir_all(&target);
            std::fs::create_dir_all(&target).unwrap();
            for other in [
                "config.json",
                "weights.safetensors",
                "optimizer.safetensors",
            ] {
                let bytes = if other == member {
                    b.clone()
                } else {
                    std::fs::read(saved.join(other)).unwrap()
                };
                std::fs::write(target.join(other), bytes).unwrap();
            }
            let _ = native::load_native(&target);
        });
    }
    for f in ["seq_rnn.x0.npy", "seq_dense.y_k30.npy"] {
        let orig = std::fs::read(fixture(f)).unwrap();
        fuzz(f, &orig, |b| {
            let _ = npy::parse_npy(&b, Path::new(f));
        });
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn config_claiming_more_weights_than_stored_is_refused() {
    // Rewrite seq_rnn.keras's Embedding to claim 2^40 x 2^20 weights: an error, not an allocation.
    let orig = std::fs::read(fixture("seq_rnn.keras")).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&orig[..])).unwrap();
    let mut get = |n: &str| {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut z.by_name(n).unwrap(), &mut v).unwrap();
        v
    };
    let (cfg, weights) = (get("config.json"), get("model.weights.h5"));
    let mut v: serde_json::Value = serde_json::from_slice(&cfg).unwrap();
    v["config"]["layers"][1]["config"]["input_dim"] = serde_json::json!(1u64 << 40);
    v["config"]["layers"][1]["config"]["output_dim"] = serde_json::json!(1u64 << 20);
    let bytes = zip_with(&[
        ("config.json", v.to_string().into_bytes()),
        ("model.weights.h5", weights),
    ]);
    let e = keras_zip::load_keras_bytes(&bytes, Path::new("evil.keras"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("evil.keras") && e.contains("Embedding"), "{e}");
}
