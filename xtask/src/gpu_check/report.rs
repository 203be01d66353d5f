//! What gpu-check found: one line per parity check and per timing, printed and written as JSON.
use kerust_tensor::Tensor;
use serde_json::{json, Value as Json};
use std::path::Path;

/// Forward results must agree to this, relative to `max(1, |cpu|)`.
pub const FORWARD_TOL: f32 = 1e-5;
/// Gradients must agree to this, relative to `max(1, |cpu|)`.
pub const GRADIENT_TOL: f32 = 1e-4;

/// One parity check: the largest scaled difference between the CPU and the CUDA result.
#[derive(Debug, Clone)]
pub struct Parity {
    pub name: String,
    pub max_err: f32,
    pub tol: f32,
    /// Set when the CUDA side failed to run at all.
    pub error: Option<String>,
}

impl Parity {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.max_err <= self.tol
    }
}

/// Everything gpu-check measured.
#[derive(Debug, Default)]
pub struct Report {
    device: String,
    pub parity: Vec<Parity>,
    pub timings: Vec<(String, Json)>,
}

/// `max |a - b| / max(1, |a|)` over two tensors of the same shape, wherever they live.
pub fn scaled_max_err(cpu: &Tensor, gpu: &Tensor) -> Result<f32, String> {
    if cpu.shape() != gpu.shape() {
        return Err(format!(
            "shapes differ: cpu {:?}, cuda {:?}",
            cpu.shape(),
            gpu.shape()
        ));
    }
    let (a, b) = (
        cpu.to_vec().map_err(|e| e.to_string())?,
        gpu.to_vec().map_err(|e| e.to_string())?,
    );
    let mut worst = 0.0f32;
    for (x, y) in a.iter().zip(&b) {
        let e = (x - y).abs() / x.abs().max(1.0);
        // A NaN on either side is a failure, never a pass.
        if !e.is_finite() {
            return Ok(f32::INFINITY);
        }
        worst = worst.max(e);
    }
    Ok(worst)
}

impl Report {
    pub fn new(device: &str) -> Self {
        Self {
            device: device.to_string(),
            ..Self::default()
        }
    }

    /// Record one comparison (or the error that prevented it) and print it.
    pub fn compare(&mut self, name: &str, tol: f32, result: Result<(Tensor, Tensor), String>) {
        match result.and_then(|(c, g)| scaled_max_err(&c, &g)) {
            Ok(e) => self.push(name, e, tol, None),
            Err(e) => self.push(name, f32::INFINITY, tol, Some(e)),
        }
    }

    /// Print one check's verdict and keep it.
    fn push(&mut self, name: &str, max_err: f32, tol: f32, error: Option<String>) {
        let p = Parity {
            name: name.to_string(),
            max_err,
            tol,
            error,
        };
        let verdict = if p.passed() { "ok  " } else { "FAIL" };
        match &p.error {
            Some(e) => println!("{verdict} {name}: {e}"),
            None => println!("{verdict} {name}: max err {max_err:.2e} (tol {tol:.0e})"),
        }
        self.parity.push(p);
    }

    /// Record a measured difference that must stay within `tol` (an accuracy gap, say).
    pub fn within(&mut self, name: &str, err: f32, tol: f32) {
        let err = if err.is_finite() { err } else { f32::INFINITY };
        self.push(name, err, tol, None);
    }

    /// Record a timing or other measured figure.
    pub fn figure(&mut self, name: &str, value: Json) {
        println!("{name}: {value}");
        self.timings.push((name.to_string(), value));
    }

    pub fn failures(&self) -> usize {
        self.parity.iter().filter(|p| !p.passed()).count()
    }

    pub fn print_summary(&self) {
        println!(
            "gpu-check: {} parity checks, {} failed; {} figures",
            self.parity.len(),
            self.failures(),
            self.timings.len()
        );
    }

    fn to_json(&self) -> Json {
        json!({
            "device": self.device,
            "status": if self.device == "none" { "no CUDA device" } else { "ran" },
            "parity": self.parity.iter().map(|p| json!({
                "name": p.name,
                "max_err": if p.max_err.is_finite() { json!(p.max_err) } else { Json::Null },
                "tol": p.tol,
                "passed": p.passed(),
                "error": p.error,
            })).collect::<Vec<_>>(),
            "figures": self.timings.iter().map(|(k, v)| (k.clone(), v.clone()))
                .collect::<serde_json::Map<_, _>>(),
        })
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(&self.to_json()).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_error_is_relative_above_one_and_fails_on_nan() {
        let a = Tensor::from_vec(vec![100.0, 0.5], &[2]).unwrap();
        let b = Tensor::from_vec(vec![100.01, 0.5], &[2]).unwrap();
        let e = scaled_max_err(&a, &b).unwrap();
        assert!((e - 1e-4).abs() < 1e-6, "{e}");
        let n = Tensor::from_vec(vec![f32::NAN, 0.5], &[2]).unwrap();
        assert!(scaled_max_err(&a, &n).unwrap().is_infinite());
        let s = Tensor::from_vec(vec![1.0], &[1]).unwrap();
        assert!(scaled_max_err(&a, &s).is_err());
    }

    #[test]
    fn a_failed_run_counts_as_a_failure() {
        let mut r = Report::new("test");
        let t = Tensor::zeros(&[2]).unwrap();
        r.compare("same", FORWARD_TOL, Ok((t.clone(), t)));
        r.compare("broken", FORWARD_TOL, Err("no kernel".into()));
        assert_eq!(r.failures(), 1);
    }
}
