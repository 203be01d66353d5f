//! What every lecture example shares: the `--data/--out/--report/--quick` flags, finding the data,
//! the JSON report of figures, and the PNG plots (plotters).
// Each example uses only some of these helpers.
#![allow(dead_code)]

pub mod plot;
pub mod probe;

use clap::Args;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The error type of every example `main` and its helpers. On error `main` prints `Error: ` and
/// the [`Failure`]'s `Debug`, which is the error's `Display` text and its causes (what, where, how
/// to fix) instead of the struct's fields; the exit code is 1.
pub type AnyResult<T> = Result<T, Failure>;

/// An error on its way out of `main`, shown as a person reads it.
pub struct Failure(Box<dyn Error>);

impl<E: Into<Box<dyn Error>>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.into())
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::fmt::Debug for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(c) = cause {
            // thiserror's `transparent` repeats the message: print only new text.
            if !self.0.to_string().contains(&c.to_string()) {
                write!(f, "\n  caused by: {c}")?;
            }
            cause = c.source();
        }
        Ok(())
    }
}

/// Flags every example understands.
#[derive(Args, Debug, Clone)]
pub struct CommonArgs {
    /// Folder holding the lecture datasets (default: $KERUST_DATA).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Folder to write the lecture's plots into as PNG (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the figures of this run as a JSON object to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Reduced run (few epochs / samples) that only proves the example still works.
    #[arg(long)]
    pub quick: bool,
    /// Seed for weight initialisation and shuffling (`keras.utils.set_random_seed`; 0 is kerust's default).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

impl CommonArgs {
    /// `--data`, else `$KERUST_DATA`, else `None`.
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.data.clone().or_else(|| {
            std::env::var_os(kerust::datasets::DATA_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
    }

    /// The path of `file` inside the data folder. Without a data folder, or when the file is not
    /// there, prints why and returns `None`: the caller then exits successfully (a skip, not a failure).
    pub fn data_file(&self, example: &str, file: &str) -> Option<PathBuf> {
        let Some(dir) = self.data_dir() else {
            println!(
                "SKIP {example}: no data folder. Pass --data DIR or set {}=DIR (a folder holding {file}).",
                kerust::datasets::DATA_ENV
            );
            return None;
        };
        let path = dir.join(file);
        if !path.exists() {
            println!(
                "SKIP {example}: {} does not exist. Point --data / {} at the folder with the lecture datasets.",
                path.display(),
                kerust::datasets::DATA_ENV
            );
            return None;
        }
        Some(path)
    }

    /// `--out DIR/name`, creating the folder; `None` without `--out`.
    pub fn out_file(&self, name: &str) -> AnyResult<Option<PathBuf>> {
        match &self.out {
            None => Ok(None),
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create --out folder {}: {e}", dir.display()))?;
                Ok(Some(dir.join(name)))
            }
        }
    }

    /// Epochs to run: the lecture's count, or `quick` of them with `--quick`.
    pub fn epochs(&self, lecture: usize, quick: usize) -> usize {
        if self.quick {
            quick
        } else {
            lecture
        }
    }
}

/// The figures of one run, keyed like `simple_rnn.mse`; written with `--report`.
#[derive(Default)]
pub struct Report {
    entries: BTreeMap<String, Value>,
    started: Option<Instant>,
}

impl Report {
    pub fn new(example: &str, args: &CommonArgs) -> Self {
        let mut r = Report {
            entries: BTreeMap::new(),
            started: Some(Instant::now()),
        };
        r.set("example", example);
        r.set("quick", args.quick);
        r.set("seed", args.seed);
        r
    }

    /// Record one figure.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.entries.insert(key.to_string(), value.into());
    }

    /// Record an f32 figure (JSON has no NaN: non-finite values become null).
    pub fn set_f(&mut self, key: &str, value: f64) {
        let v = if value.is_finite() {
            json!(value)
        } else {
            Value::Null
        };
        self.entries.insert(key.to_string(), v);
    }

    /// Record a list of numbers.
    pub fn set_list(&mut self, key: &str, values: &[f32]) {
        self.entries.insert(
            key.to_string(),
            Value::Array(values.iter().map(|&v| f64_json(v as f64)).collect()),
        );
    }

    /// Look a figure up (tests use this through the written file).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key)
    }

    /// Write the JSON file given by `--report`, if any (adds the wall time).
    pub fn write(mut self, args: &CommonArgs) -> AnyResult<()> {
        if let Some(t) = self.started {
            self.set_f("wall_seconds", t.elapsed().as_secs_f64());
        }
        let Some(path) = &args.report else {
            return Ok(());
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(&self.entries)?;
        std::fs::write(path, text + "\n")
            .map_err(|e| format!("cannot write --report {}: {e}", path.display()))?;
        println!("report written to {}", path.display());
        Ok(())
    }
}

fn f64_json(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

/// Print a section heading like the lecture's slide titles.
pub fn section(title: &str) {
    println!("\n=== {title} ===");
}

/// Mean squared error between targets and predictions (`np.mean((y - y_pred)**2)`), in f64.
pub fn mse(y: &[f32], y_pred: &[f32]) -> f64 {
    let n = y.len().max(1) as f64;
    y.iter()
        .zip(y_pred)
        .map(|(&a, &b)| {
            let d = a as f64 - b as f64;
            d * d
        })
        .sum::<f64>()
        / n
}

/// Accuracy of the best constant predictor (always the most frequent label): the score a model
/// must beat to have learned anything. The examples report it so their tests can demand more.
pub fn majority_accuracy(labels: &[i64]) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for &l in labels {
        *counts.entry(l).or_insert(0usize) += 1;
    }
    counts.values().copied().max().unwrap_or(0) as f64 / labels.len().max(1) as f64
}

/// Row-wise argmax of a `[n, k]` probability matrix.
pub fn argmax_rows(p: &[f32], k: usize) -> Vec<i64> {
    p.chunks(k.max(1))
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = j;
                }
            }
            best as i64
        })
        .collect()
}

/// Save a plot if `--out` was given, telling the user where it went.
pub fn save_plot(
    args: &CommonArgs,
    name: &str,
    draw: impl FnOnce(&Path) -> AnyResult<()>,
) -> AnyResult<()> {
    if let Some(path) = args.out_file(name)? {
        draw(&path)?;
        println!("plot saved: {}", path.display());
    }
    Ok(())
}

/// `datetime.datetime.now().strftime("%Y%m%d-%H%M%S")` in UTC (the TensorBoard run folder name).
pub fn utc_stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's days → civil date.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
