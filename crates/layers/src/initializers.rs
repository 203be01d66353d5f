//! Keras weight initializers (`glorot_uniform`, `orthogonal`, ...) and their config dictionaries.
use crate::error::{LayerError, Result};
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// A Keras initializer. Defaults follow Keras (`RandomUniform(-0.05, 0.05)`, `Orthogonal(gain=1)`).
#[derive(Debug, Clone, PartialEq)]
pub enum Initializer {
    /// `zeros`.
    Zeros,
    /// `ones`.
    Ones,
    /// `constant`: every weight set to the value.
    Constant(f32),
    /// `random_uniform`: uniform in `[minval, maxval)`.
    RandomUniform {
        /// Lower bound (default -0.05).
        minval: f32,
        /// Upper bound (default 0.05).
        maxval: f32,
    },
    /// `random_normal`: normal with `mean` and `stddev`.
    RandomNormal {
        /// Mean (default 0).
        mean: f32,
        /// Standard deviation (default 0.05).
        stddev: f32,
    },
    /// `truncated_normal`: normal with `mean` and `stddev`, redrawn beyond two standard deviations.
    TruncatedNormal {
        /// Mean (default 0).
        mean: f32,
        /// Standard deviation before truncation (default 0.05).
        stddev: f32,
    },
    /// `glorot_uniform`: uniform in ±sqrt(6 / (fan_in + fan_out)).
    GlorotUniform,
    /// `glorot_normal`: truncated normal with stddev sqrt(2 / (fan_in + fan_out)).
    GlorotNormal,
    /// `he_uniform`: uniform in ±sqrt(6 / fan_in).
    HeUniform,
    /// `he_normal`: truncated normal with stddev sqrt(2 / fan_in).
    HeNormal,
    /// `lecun_uniform`: uniform in ±sqrt(3 / fan_in).
    LecunUniform,
    /// `lecun_normal`: truncated normal with stddev sqrt(1 / fan_in).
    LecunNormal,
    /// `orthogonal`: a random orthogonal matrix times `gain`.
    Orthogonal {
        /// Multiplier of the orthogonal matrix (default 1).
        gain: f32,
    },
}

/// Keras `compute_fans`: the last axis is fan_out, the one before fan_in, earlier axes are the
/// receptive field of a convolution kernel.
fn fans(shape: &[usize]) -> (f32, f32) {
    match shape.len() {
        0 => (1.0, 1.0),
        1 => (shape[0] as f32, shape[0] as f32),
        2 => (shape[0] as f32, shape[1] as f32),
        n => {
            let rf: usize = shape[..n - 2].iter().product();
            ((shape[n - 2] * rf) as f32, (shape[n - 1] * rf) as f32)
        }
    }
}

fn truncated_normal(n: usize, mean: f32, std: f32, rng: &mut Rng) -> Vec<f32> {
    (0..n)
        .map(|_| loop {
            let z = rng.normal();
            if z.abs() <= 2.0 {
                break mean + std * z;
            }
        })
        .collect()
}

/// Orthogonal matrix via modified Gram–Schmidt on a normal matrix (sign-fixed like Keras's QR).
fn orthogonal(shape: &[usize], gain: f32, rng: &mut Rng) -> Vec<f32> {
    let cols = *shape.last().unwrap_or(&1);
    let rows: usize = shape[..shape.len().saturating_sub(1)]
        .iter()
        .product::<usize>()
        .max(1);
    // Work on the tall orientation: n vectors of length m with n <= m.
    let (m, n) = if rows >= cols {
        (rows, cols)
    } else {
        (cols, rows)
    };
    let mut q: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..m).map(|_| rng.normal() as f64).collect())
        .collect();
    for j in 0..n {
        for k in 0..j {
            let (done, rest) = q.split_at_mut(j);
            let (qj, qk) = (&mut rest[0], &done[k]);
            let d: f64 = qj.iter().zip(qk).map(|(a, b)| a * b).sum();
            qj.iter_mut().zip(qk).for_each(|(a, b)| *a -= d * b);
        }
        let norm = q[j].iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
        for v in q[j].iter_mut() {
            *v /= norm;
        }
    }
    let mut out = vec![0.0f32; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            let v = if rows >= cols { q[c][r] } else { q[r][c] };
            out[r * cols + c] = gain * v as f32;
        }
    }
    out
}

impl Initializer {
    /// Draw a tensor of `shape`.
    pub fn init(&self, shape: &[usize], rng: &mut Rng) -> Result<Tensor> {
        let n: usize = shape.iter().product();
        let (fan_in, fan_out) = fans(shape);
        let uniform = |limit: f32, rng: &mut Rng| {
            (0..n)
                .map(|_| rng.uniform(-limit, limit))
                .collect::<Vec<_>>()
        };
        // Keras divides by the stddev of a unit normal truncated at ±2.
        let tn =
            |scale: f32, rng: &mut Rng| truncated_normal(n, 0.0, scale.sqrt() / 0.879_625_7, rng);
        let data = match self {
            Initializer::Zeros => vec![0.0; n],
            Initializer::Ones => vec![1.0; n],
            Initializer::Constant(v) => vec![*v; n],
            Initializer::RandomUniform { minval, maxval } => {
                (0..n).map(|_| rng.uniform(*minval, *maxval)).collect()
            }
            Initializer::RandomNormal { mean, stddev } => {
                (0..n).map(|_| mean + stddev * rng.normal()).collect()
            }
            Initializer::TruncatedNormal { mean, stddev } => {
                truncated_normal(n, *mean, *stddev, rng)
            }
            Initializer::GlorotUniform => uniform((6.0 / (fan_in + fan_out)).sqrt(), rng),
            Initializer::GlorotNormal => tn(2.0 / (fan_in + fan_out), rng),
            Initializer::HeUniform => uniform((6.0 / fan_in).sqrt(), rng),
            Initializer::HeNormal => tn(2.0 / fan_in, rng),
            Initializer::LecunUniform => uniform((3.0 / fan_in).sqrt(), rng),
            Initializer::LecunNormal => tn(1.0 / fan_in, rng),
            Initializer::Orthogonal { gain } => orthogonal(shape, *gain, rng),
        };
        Ok(Tensor::from_vec(data, shape)?)
    }

    /// Keras class name.
    pub fn class_name(&self) -> &'static str {
        match self {
            Initializer::Zeros => "Zeros",
            Initializer::Ones => "Ones",
            Initializer::Constant(_) => "Constant",
            Initializer::RandomUniform { .. } => "RandomUniform",
            Initializer::RandomNormal { .. } => "RandomNormal",
            Initializer::TruncatedNormal { .. } => "TruncatedNormal",
            Initializer::GlorotUniform => "GlorotUniform",
            Initializer::GlorotNormal => "GlorotNormal",
            Initializer::HeUniform => "HeUniform",
            Initializer::HeNormal => "HeNormal",
            Initializer::LecunUniform => "LecunUniform",
            Initializer::LecunNormal => "LecunNormal",
            Initializer::Orthogonal { .. } => "Orthogonal",
        }
    }

    /// Keras 3 serialized form (`{"module", "class_name", "config", "registered_name"}`).
    pub fn to_config(&self) -> Json {
        let config = match self {
            Initializer::Constant(v) => json!({ "value": v }),
            Initializer::RandomUniform { minval, maxval } => {
                json!({"minval": minval, "maxval": maxval, "seed": null})
            }
            Initializer::RandomNormal { mean, stddev }
            | Initializer::TruncatedNormal { mean, stddev } => {
                json!({"mean": mean, "stddev": stddev, "seed": null})
            }
            Initializer::Orthogonal { gain } => json!({"gain": gain, "seed": null}),
            Initializer::Zeros | Initializer::Ones => json!({}),
            _ => json!({ "seed": null }),
        };
        json!({"module": "keras.initializers", "class_name": self.class_name(), "config": config, "registered_name": null})
    }

    /// Parse a Keras initializer: a string alias (`"glorot_uniform"`, `"uniform"`) or a
    /// `{"class_name", "config"}` dictionary from Keras 2 or 3.
    pub fn from_config(v: &Json) -> Result<Self> {
        let (name, cfg) = match v {
            Json::String(s) => (s.clone(), Json::Null),
            Json::Object(m) => (
                m.get("class_name")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_string(),
                m.get("config").cloned().unwrap_or(Json::Null),
            ),
            _ => {
                return Err(LayerError::config(
                    "initializer",
                    format!("cannot read {v}"),
                ))
            }
        };
        let f = |k: &str, d: f32| cfg.get(k).and_then(Json::as_f64).map_or(d, |x| x as f32);
        Ok(match name.as_str() {
            "Zeros" | "zeros" => Initializer::Zeros,
            "Ones" | "ones" => Initializer::Ones,
            "Constant" | "constant" => Initializer::Constant(f("value", 0.0)),
            "RandomUniform" | "uniform" | "random_uniform" => {
                Initializer::RandomUniform { minval: f("minval", -0.05), maxval: f("maxval", 0.05) }
            }
            "RandomNormal" | "normal" | "random_normal" => Initializer::RandomNormal { mean: f("mean", 0.0), stddev: f("stddev", 0.05) },
            "TruncatedNormal" | "truncated_normal" => {
                Initializer::TruncatedNormal { mean: f("mean", 0.0), stddev: f("stddev", 0.05) }
            }
            "GlorotUniform" | "glorot_uniform" => Initializer::GlorotUniform,
            "GlorotNormal" | "glorot_normal" => Initializer::GlorotNormal,
            "HeUniform" | "he_uniform" => Initializer::HeUniform,
            "HeNormal" | "he_normal" => Initializer::HeNormal,
            "LecunUniform" | "lecun_uniform" => Initializer::LecunUniform,
            "LecunNormal" | "lecun_normal" => Initializer::LecunNormal,
            "Orthogonal" | "orthogonal" => Initializer::Orthogonal { gain: f("gain", 1.0) },
            other => {
                return Err(LayerError::config(
                    "initializer",
                    format!("unknown initializer '{other}'; use one of zeros, ones, constant, uniform, normal, truncated_normal, glorot_uniform, glorot_normal, he_uniform, he_normal, lecun_uniform, lecun_normal, orthogonal"),
                ))
            }
        })
    }
}

impl From<&str> for Initializer {
    /// Keras string aliases; an unknown name falls back to `glorot_uniform` — use
    /// [`Initializer::from_config`] to get an error instead.
    fn from(s: &str) -> Self {
        Initializer::from_config(&Json::String(s.to_string())).unwrap_or(Initializer::GlorotUniform)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthogonal_columns_are_orthonormal() {
        let mut rng = Rng::seed(1);
        for shape in [[6usize, 4], [4, 6], [5, 5]] {
            let w = Initializer::Orthogonal { gain: 1.0 }
                .init(&shape, &mut rng)
                .unwrap();
            let wtw = if shape[0] >= shape[1] {
                w.matmul_t(true, &w, false)
            } else {
                w.matmul_t(false, &w, true)
            }
            .unwrap();
            let k = shape[0].min(shape[1]);
            let v = wtw.to_vec().unwrap();
            for i in 0..k {
                for j in 0..k {
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!(
                        (v[i * k + j] - want).abs() < 1e-5,
                        "{shape:?} {i} {j} {}",
                        v[i * k + j]
                    );
                }
            }
        }
    }

    #[test]
    fn glorot_uniform_respects_limit_and_config_round_trips() {
        let mut rng = Rng::seed(3);
        let w = Initializer::GlorotUniform
            .init(&[10, 20], &mut rng)
            .unwrap();
        let limit = (6.0f32 / 30.0).sqrt();
        assert!(w.to_vec().unwrap().iter().all(|v| v.abs() <= limit));
        for init in [
            Initializer::GlorotUniform,
            Initializer::Orthogonal { gain: 2.0 },
            Initializer::RandomUniform {
                minval: -0.1,
                maxval: 0.2,
            },
        ] {
            assert_eq!(Initializer::from_config(&init.to_config()).unwrap(), init);
        }
        assert!(Initializer::from_config(&Json::String("nope".into())).is_err());
    }
}
