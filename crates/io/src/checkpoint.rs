//! `ModelCheckpoint`: a callback that saves the model (or its weights) after each epoch,
//! optionally only when the monitored metric improves, to a path with Keras placeholders
//! such as `ckpt-{epoch:02d}-{val_loss:.2f}.keras`.
use crate::error::IoError;
use kerust_layers::{Callback, LayerError, Logs, ModelCore};
use std::path::PathBuf;

/// Keras `ModelCheckpoint(filepath, monitor="val_loss", save_best_only=False,
/// save_weights_only=False, mode="auto")`.
#[derive(Debug, Clone)]
pub struct ModelCheckpoint {
    /// Target path; `{epoch}` (1-based) and any logged value may appear as placeholders.
    pub filepath: String,
    pub monitor: String,
    pub verbose: u8,
    pub save_best_only: bool,
    pub save_weights_only: bool,
    /// `"auto"`, `"min"` or `"max"`.
    pub mode: String,
    /// Best monitored value so far.
    pub best: Option<f32>,
    /// Files written, in order.
    pub saved: Vec<PathBuf>,
    /// The last warning printed (the monitored value was not logged), like Keras's UserWarning.
    pub last_warning: Option<String>,
}

impl ModelCheckpoint {
    pub fn new(filepath: &str) -> Self {
        Self {
            filepath: filepath.to_string(),
            monitor: "val_loss".into(),
            verbose: 0,
            save_best_only: false,
            save_weights_only: false,
            mode: "auto".into(),
            best: None,
            saved: Vec::new(),
            last_warning: None,
        }
    }
    pub fn monitor(mut self, monitor: &str) -> Self {
        self.monitor = monitor.to_string();
        self
    }
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }
    pub fn save_best_only(mut self, b: bool) -> Self {
        self.save_best_only = b;
        self
    }
    pub fn save_weights_only(mut self, b: bool) -> Self {
        self.save_weights_only = b;
        self
    }
    pub fn mode(mut self, mode: &str) -> Self {
        self.mode = mode.to_string();
        self
    }

    /// Whether larger monitored values are better (Keras's `auto`: metrics with "acc" or "fmeasure").
    fn maximize(&self) -> Result<bool, LayerError> {
        match self.mode.as_str() {
            "max" => Ok(true),
            "min" => Ok(false),
            "auto" => Ok(self.monitor.contains("acc") || self.monitor.starts_with("fmeasure")),
            other => Err(LayerError::config(
                "ModelCheckpoint",
                format!("mode must be 'auto', 'min' or 'max', got '{other}'"),
            )),
        }
    }
}

/// Python `str.format` for the subset Keras checkpoint paths use: `{name}`, `{name:02d}`,
/// `{name:.2f}`, `{name:.3e}`; `{{` and `}}` are literal braces.
pub fn format_filepath(template: &str, epoch: usize, logs: &Logs) -> Result<String, LayerError> {
    let err = |m: String| LayerError::config("ModelCheckpoint filepath", m);
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        if rest[i + 1..].starts_with(c as char) {
            out.push(c as char);
            rest = &rest[i + 2..];
            continue;
        }
        if c == b'}' {
            return Err(err(format!("unmatched '}}' in '{template}'")));
        }
        let end = rest[i..]
            .find('}')
            .ok_or_else(|| err(format!("unclosed '{{' in '{template}'")))?;
        let field = &rest[i + 1..i + end];
        let (name, spec) = field.split_once(':').unwrap_or((field, ""));
        let value: f64 = if name == "epoch" {
            (epoch + 1) as f64
        } else {
            logs.get(name).ok_or_else(|| {
                err(format!(
                    "'{{{name}}}' is not a logged value; available: epoch, {}",
                    logs.keys().collect::<Vec<_>>().join(", ")
                ))
            })? as f64
        };
        out.push_str(&format_value(value, spec, name == "epoch").map_err(err)?);
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn format_value(v: f64, spec: &str, is_int: bool) -> Result<String, String> {
    if spec.is_empty() {
        return Ok(if is_int {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        });
    }
    let kind = spec.chars().last().unwrap_or('f');
    let body = &spec[..spec.len() - kind.len_utf8()];
    let (width, prec) = match body.split_once('.') {
        Some((w, p)) => (w, p.parse::<usize>().ok()),
        None => (body, None),
    };
    let zero = width.starts_with('0');
    let width: usize = width.trim_start_matches('0').parse().unwrap_or(0);
    let s = match kind {
        'd' => format!("{}", v.round() as i64),
        'f' => format!("{:.*}", prec.unwrap_or(6), v),
        'e' => {
            // Python writes e+05 / e-03; Rust writes e5 / e-3.
            let s = format!("{:.*e}", prec.unwrap_or(6), v);
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
            format!("{m}e{sign}{digits:0>2}")
        }
        other => {
            return Err(format!(
                "unsupported format type '{other}' in '{spec}'; use d, f or e"
            ))
        }
    };
    Ok(if zero {
        let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
        format!("{sign}{digits:0>w$}", w = width.saturating_sub(sign.len()))
    } else {
        format!("{s:>width$}")
    })
}

fn to_layer_error(e: IoError) -> LayerError {
    let path = match &e {
        IoError::Io { file, .. } | IoError::Format { file, .. } => file.display().to_string(),
        _ => "ModelCheckpoint".to_string(),
    };
    LayerError::Io {
        path,
        message: e.to_string(),
    }
}

impl Callback for ModelCheckpoint {
    fn on_train_begin(&mut self, _model: &mut ModelCore, _logs: &Logs) -> Result<(), LayerError> {
        self.maximize().map(|_| ())
    }

    fn on_epoch_end(
        &mut self,
        model: &mut ModelCore,
        epoch: usize,
        logs: &Logs,
    ) -> Result<(), LayerError> {
        let maximize = self.maximize()?;
        if self.save_best_only {
            // Keras skips (with a warning) when the monitored value is not logged.
            let Some(current) = logs.get(&self.monitor) else {
                let message = format!(
                    "Can save best model only with {} available, skipping.",
                    self.monitor
                );
                eprintln!("UserWarning: {message}");
                self.last_warning = Some(message);
                return Ok(());
            };
            let better = match self.best {
                None => !current.is_nan(),
                Some(b) if maximize => current > b,
                Some(b) => current < b,
            };
            if !better {
                if self.verbose > 0 {
                    println!(
                        "\nEpoch {}: {} did not improve from {:.5}",
                        epoch + 1,
                        self.monitor,
                        self.best.unwrap_or(f32::NAN)
                    );
                }
                return Ok(());
            }
            if self.verbose > 0 {
                let prev = self.best.map_or("inf".to_string(), |b| format!("{b:.5}"));
                println!(
                    "\nEpoch {}: {} improved from {prev} to {current:.5}",
                    epoch + 1,
                    self.monitor
                );
            }
            self.best = Some(current);
        }
        let path = PathBuf::from(format_filepath(&self.filepath, epoch, logs)?);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| to_layer_error(IoError::io(dir, "create", e)))?;
        }
        if self.verbose > 0 {
            println!("Epoch {}: saving model to {}", epoch + 1, path.display());
        }
        let r = if self.save_weights_only {
            crate::save_weights(model, &path)
        } else {
            crate::save_model(model, &path)
        };
        r.map_err(to_layer_error)?;
        self.saved.push(path);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keras_placeholders() {
        let mut logs = Logs::new();
        logs.insert("loss", 0.5);
        logs.insert("val_loss", 0.12345);
        let f = |t: &str| format_filepath(t, 4, &logs);
        assert_eq!(
            f("w-{epoch:02d}-{val_loss:.2f}.h5").unwrap(),
            "w-05-0.12.h5"
        );
        assert_eq!(f("{epoch}/{loss:.3e}").unwrap(), "5/5.000e-01");
        assert_eq!(f("{epoch:03d}{{x}}").unwrap(), "005{x}");
        assert_eq!(f("{loss:7.3f}").unwrap(), "  0.500");
        assert!(f("{val_acc}").unwrap_err().to_string().contains("val_loss"));
        assert!(f("{epoch").is_err() && f("}").is_err() && f("{loss:x}").is_err());
    }

    #[test]
    fn auto_mode_follows_keras() {
        assert!(ModelCheckpoint::new("x")
            .monitor("val_accuracy")
            .maximize()
            .unwrap());
        assert!(!ModelCheckpoint::new("x").maximize().unwrap());
        assert!(ModelCheckpoint::new("x").mode("up").maximize().is_err());
    }
}
