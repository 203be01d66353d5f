//! Keras-style progress output for `fit`: a live bar on a terminal (`verbose=1`) or a line per epoch.
use super::logs::Logs;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// Progress of one epoch.
pub struct EpochProgress {
    verbose: u8,
    steps: usize,
    start: Instant,
    bar: Option<ProgressBar>,
}

impl EpochProgress {
    /// Start an epoch of `steps` batches; prints `Epoch e/E` like Keras when verbose.
    pub fn start(verbose: u8, epoch: usize, epochs: usize, steps: usize) -> Self {
        if verbose > 0 {
            println!("Epoch {}/{}", epoch + 1, epochs);
        }
        let bar = (verbose == 1 && std::io::stdout().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::stdout());
            b.set_style(
                ProgressStyle::with_template("{pos:>4}/{len} {bar:20} {elapsed} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("━━ "),
            );
            b
        });
        Self {
            verbose,
            steps,
            start: Instant::now(),
            bar,
        }
    }

    /// After batch `step` (0-based).
    pub fn update(&self, step: usize, logs: &Logs) {
        if let Some(b) = &self.bar {
            b.set_position(step as u64 + 1);
            b.set_message(logs.format());
        }
    }

    /// End of epoch with the final logs (including validation).
    pub fn finish(self, logs: &Logs) {
        if self.verbose == 0 {
            return;
        }
        let secs = self.start.elapsed().as_secs_f64();
        let per_step = secs * 1000.0 / self.steps.max(1) as f64;
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
        println!(
            "{0}/{0} - {secs:.0}s - {per_step:.0}ms/step{1}",
            self.steps,
            logs.format()
        );
    }
}
