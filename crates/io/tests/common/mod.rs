//! Shared helpers for the io integration tests: fixture paths, npy inputs, prediction checks.
#![allow(dead_code)]
pub mod models;
use kerust_io::{read_npy, AnyModel};
use kerust_layers::Data;
use std::path::PathBuf;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A fresh scratch directory for one test.
pub fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kerust_io_{test}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn inputs(model: &str, n: usize) -> Vec<Data> {
    (0..n)
        .map(|i| {
            read_npy(fixture(&format!("{model}.x{i}.npy")))
                .unwrap()
                .to_data()
                .unwrap()
        })
        .collect()
}

pub fn predict(m: &mut AnyModel, x: &[Data]) -> Vec<Vec<f32>> {
    m.predict_multi(x.to_vec(), 32)
        .unwrap()
        .iter()
        .map(|t| t.to_vec().unwrap())
        .collect()
}

#[track_caller]
pub fn assert_close(got: &[f32], want: &[f32], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol,
            "{what}: element {i}: got {g}, want {w}"
        );
    }
}
