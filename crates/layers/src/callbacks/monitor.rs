//! What EarlyStopping and ReduceLROnPlateau share (Keras `MonitorCallback`): the monitored key, the
//! direction of improvement (`mode`), `min_delta`, and the warning when the key is not logged.
use super::warn;
use crate::error::{LayerError, Result};
use crate::model::Logs;

/// Keras `mode`: which direction counts as an improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Inferred from the monitored name: losses go down, accuracy-like metrics go up.
    Auto,
    /// Lower is better (losses, errors).
    Min,
    /// Higher is better (accuracy and other scores).
    Max,
}

impl Mode {
    /// Parse `"auto" | "min" | "max"`; anything else warns and falls back to `Auto`, as Keras does.
    pub fn parse(mode: &str, callback: &str) -> Mode {
        match mode {
            "auto" => Mode::Auto,
            "min" => Mode::Min,
            "max" => Mode::Max,
            other => {
                warn(&format!(
                    "{callback} mode '{other}' is unknown, fallback to auto mode."
                ));
                Mode::Auto
            }
        }
    }
}

/// Metrics Keras marks with `_direction = "up"` (bigger is better).
const UP: &[&str] = &[
    "accuracy",
    "acc",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "auc",
    "precision",
    "recall",
    "f1_score",
    "fbeta_score",
    "r2_score",
];

/// Metrics Keras marks with `_direction = "down"`.
const DOWN: &[&str] = &[
    "loss",
    "mse",
    "mae",
    "mape",
    "msle",
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "root_mean_squared_error",
    "rmse",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "hinge",
    "kl_divergence",
];

/// `true` when larger values of the metric `name` are better; `None` when it cannot be told.
/// Multi-output names (`dense_1_accuracy`, `dense_1_loss`) are matched by their suffix.
pub fn higher_is_better(name: &str) -> Option<bool> {
    let base = name.strip_prefix("val_").unwrap_or(name).to_lowercase();
    let matches = |list: &[&str]| {
        list.iter()
            .any(|m| base == *m || base.ends_with(&format!("_{m}")))
    };
    if matches(DOWN) {
        Some(false)
    } else if matches(UP) {
        Some(true)
    } else {
        None
    }
}

/// The monitored quantity and how to compare it.
#[derive(Debug, Clone)]
pub struct Monitor {
    /// The logs key watched (`val_loss`, `accuracy`, ...).
    pub monitor: String,
    /// Which direction is an improvement.
    pub mode: Mode,
    /// Absolute minimum change that counts as an improvement.
    pub min_delta: f32,
    /// Resolved direction (`Some(true)` = max) after the first epoch.
    greater: Option<bool>,
    /// The last "not available" warning, kept so callers (and tests) can see it.
    pub last_warning: Option<String>,
}

impl Monitor {
    /// Watch `monitor` in direction `mode`; changes smaller than `min_delta` are not improvements.
    pub fn new(monitor: &str, mode: Mode, min_delta: f32) -> Self {
        Self {
            monitor: monitor.to_string(),
            mode,
            min_delta: min_delta.abs(),
            greater: None,
            last_warning: None,
        }
    }

    /// Fix the direction (Keras `_set_monitor_op`); an `auto` name it cannot place is an error.
    pub fn resolve(&mut self, callback: &str) -> Result<bool> {
        if let Some(g) = self.greater {
            return Ok(g);
        }
        let g = match self.mode {
            Mode::Min => false,
            Mode::Max => true,
            Mode::Auto => higher_is_better(&self.monitor).ok_or_else(|| {
                LayerError::config(
                    callback,
                    format!(
                        "monitor='{}': cannot tell whether that metric should be maximized or \
                         minimized; pass mode(\"max\") or mode(\"min\")",
                        self.monitor
                    ),
                )
            })?,
        };
        self.greater = Some(g);
        Ok(g)
    }

    /// Keras `_is_improvement`: better than `reference` by more than `min_delta` (always true
    /// without a reference).
    pub fn is_improvement(&self, current: f32, reference: Option<f32>) -> bool {
        let Some(r) = reference else {
            return true;
        };
        if self.greater.unwrap_or(false) {
            current - self.min_delta > r
        } else {
            current + self.min_delta < r
        }
    }

    /// The monitored value, or a Keras-style warning naming the keys that are available.
    pub fn value(&mut self, logs: &Logs, what: &str) -> Option<f32> {
        let v = logs.get(&self.monitor);
        if v.is_none() {
            let keys: Vec<&str> = logs.keys().collect();
            let msg = format!(
                "{what} conditioned on metric `{}` which is not available. Available metrics are: {}",
                self.monitor,
                keys.join(",")
            );
            warn(&msg);
            self.last_warning = Some(msg);
        }
        v
    }

    /// Forget the resolved direction (a new `fit`).
    pub fn reset(&mut self) {
        self.greater = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directions_follow_keras() {
        assert_eq!(higher_is_better("val_loss"), Some(false));
        assert_eq!(higher_is_better("val_accuracy"), Some(true));
        assert_eq!(higher_is_better("dense_1_accuracy"), Some(true));
        assert_eq!(higher_is_better("mae"), Some(false));
        assert_eq!(higher_is_better("val_AUC"), Some(true));
        assert_eq!(higher_is_better("something"), None);
        assert_eq!(Mode::parse("bogus", "EarlyStopping"), Mode::Auto);
    }

    #[test]
    fn min_delta_needs_a_real_improvement() {
        let mut m = Monitor::new("val_loss", Mode::Auto, -0.1);
        assert!(!m.resolve("t").unwrap());
        assert!(m.is_improvement(1.0, None));
        assert!(!m.is_improvement(0.95, Some(1.0)));
        assert!(m.is_improvement(0.85, Some(1.0)));
        let mut up = Monitor::new("val_accuracy", Mode::Auto, 0.0);
        assert!(up.resolve("t").unwrap());
        assert!(up.is_improvement(0.6, Some(0.5)));
        assert!(!up.is_improvement(0.5, Some(0.5)));
        let mut unknown = Monitor::new("weird", Mode::Auto, 0.0);
        assert!(unknown.resolve("EarlyStopping").is_err());
    }

    #[test]
    fn missing_key_warns_with_available_keys() {
        let mut m = Monitor::new("val_loss", Mode::Auto, 0.0);
        let mut logs = Logs::new();
        logs.insert("loss", 1.0);
        logs.insert("accuracy", 0.5);
        assert_eq!(m.value(&logs, "Early stopping"), None);
        let w = m.last_warning.unwrap();
        assert!(w.contains("Available metrics are: loss,accuracy"), "{w}");
    }
}
