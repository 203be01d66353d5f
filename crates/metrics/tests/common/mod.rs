//! Fixture loading and float comparison shared by the fixture tests (NaN is stored as JSON null).

#![allow(dead_code)]

use serde_json::Value;

/// Parses `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

/// A number, with null meaning NaN.
pub fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

pub fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(num).collect()
}

pub fn f32s(v: &Value) -> Vec<f32> {
    f64s(v).into_iter().map(|x| x as f32).collect()
}

pub fn i64s(v: &Value) -> Vec<i64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_i64().expect("integer"))
        .collect()
}

pub fn usizes(v: &Value) -> Vec<usize> {
    i64s(v).into_iter().map(|x| x as usize).collect()
}

/// Equal within `tol` (absolute), NaN equal to NaN.
pub fn close(got: f64, want: f64, tol: f64, ctx: &str) {
    if want.is_nan() {
        assert!(got.is_nan(), "{ctx}: got {got}, want NaN");
    } else {
        assert!(
            (got - want).abs() <= tol,
            "{ctx}: got {got}, want {want} (diff {})",
            (got - want).abs()
        );
    }
}

pub fn close_all(got: &[f64], want: &[f64], tol: f64, ctx: &str) {
    assert_eq!(got.len(), want.len(), "{ctx}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        close(*g, *w, tol, &format!("{ctx}[{i}]"));
    }
}
