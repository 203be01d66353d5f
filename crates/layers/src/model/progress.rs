//! Keras-style progress output for `fit`: a live bar on a terminal (`verbose=1`), then the Keras 2
//! epoch line (`8/8 [====...] - 0s 3ms/step - loss: ...`, or the `verbose=2` one-liner).
use super::logs::Logs;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::cell::Cell;
use std::io::IsTerminal;
use std::time::Instant;

/// Width of Keras's `[=====]` bar.
const BAR_WIDTH: usize = 30;

/// Progress of one epoch.
pub struct EpochProgress {
    verbose: u8,
    steps: usize,
    done: Cell<usize>,
    start: Instant,
    bar: Option<ProgressBar>,
}

/// Keras's `_format_time`: ` 3ms/step`, ` 2s/epoch`, ` 850us/step`.
pub fn format_time(secs: f64, unit: &str) -> String {
    if secs >= 1.0 || secs == 0.0 {
        format!(" {secs:.0}s/{unit}")
    } else if secs >= 1e-3 {
        format!(" {:.0}ms/{unit}", secs * 1e3)
    } else {
        format!(" {:.0}us/{unit}", secs * 1e6)
    }
}

/// `current/target [=====>....]` as Keras 2 draws it.
pub fn keras_bar(current: usize, target: usize) -> String {
    let digits = target.max(1).to_string().len();
    let mut bar = format!("{current:>digits$}/{target} [");
    let prog = if target == 0 {
        1.0
    } else {
        current as f64 / target as f64
    };
    let filled = ((BAR_WIDTH as f64 * prog) as usize).min(BAR_WIDTH);
    if filled > 0 {
        bar.push_str(&"=".repeat(filled - 1));
        bar.push(if current < target { '>' } else { '=' });
    }
    bar.push_str(&".".repeat(BAR_WIDTH - filled));
    bar.push(']');
    bar
}

impl EpochProgress {
    /// Start an epoch of `steps` batches; prints `Epoch e/E` like Keras (when verbose and there is
    /// more than one epoch).
    pub fn start(verbose: u8, epoch: usize, epochs: usize, steps: usize) -> Self {
        if verbose > 0 && epochs > 1 {
            println!("Epoch {}/{}", epoch + 1, epochs);
        }
        let bar = (verbose == 1 && std::io::stdout().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::stdout());
            b.set_style(
                ProgressStyle::with_template("{pos:>4}/{len} [{bar:30}] - ETA: {eta} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=>."),
            );
            b
        });
        Self {
            verbose,
            steps,
            done: Cell::new(0),
            start: Instant::now(),
            bar,
        }
    }

    /// After batch `step` (0-based).
    pub fn update(&self, step: usize, logs: &Logs) {
        self.done.set(step + 1);
        if let Some(b) = &self.bar {
            b.set_position(step as u64 + 1);
            b.set_message(logs.format());
        }
    }

    /// The epoch's closing line (without newline) for `verbose` 1 or 2; `None` when silent.
    pub fn final_line(&self, logs: &Logs, secs: f64) -> Option<String> {
        let done = self.done.get();
        let per_step = secs / done.max(1) as f64;
        match self.verbose {
            0 => None,
            1 => Some(format!(
                "{} - {secs:.0}s{}{}",
                keras_bar(done, self.steps),
                format_time(per_step, "step"),
                logs.format()
            )),
            _ => {
                let digits = self.steps.max(1).to_string().len();
                Some(format!(
                    "{done:>digits$}/{} - {secs:.0}s{} -{} -{}",
                    self.steps,
                    logs.format(),
                    format_time(secs, "epoch"),
                    format_time(per_step, "step")
                ))
            }
        }
    }

    /// End of epoch with the final logs (including validation and callback additions).
    pub fn finish(self, logs: &Logs) {
        let secs = self.start.elapsed().as_secs_f64();
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
        if let Some(line) = self.final_line(logs, secs) {
            println!("{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_match_keras_2() {
        assert_eq!(keras_bar(3, 3), "3/3 [==============================]");
        assert_eq!(keras_bar(1, 3), "1/3 [=========>....................]");
        assert_eq!(format_time(0.189, "step"), " 189ms/step");
        assert_eq!(format_time(0.000_5, "step"), " 500us/step");
        let mut logs = Logs::new();
        logs.insert("loss", 0.9745);
        logs.insert("accuracy", 0.4167);
        let p = EpochProgress::start(1, 0, 1, 3);
        for s in 0..3 {
            p.update(s, &logs);
        }
        assert_eq!(
            p.final_line(&logs, 0.567).unwrap(),
            "3/3 [==============================] - 1s 189ms/step - loss: 0.9745 - accuracy: 0.4167"
        );
        let p2 = EpochProgress::start(2, 0, 1, 3);
        for s in 0..3 {
            p2.update(s, &logs);
        }
        assert_eq!(
            p2.final_line(&logs, 0.085).unwrap(),
            "3/3 - 0s - loss: 0.9745 - accuracy: 0.4167 - 85ms/epoch - 28ms/step"
        );
    }
}
