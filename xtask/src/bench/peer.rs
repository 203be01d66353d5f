//! The Python peers (Keras, PyTorch): one worker process per workload running
//! `xtask/bench/{keras,torch}_bench.py`, driven over stdin/stdout so its runs can alternate with
//! kerust's. Lines starting with `KERUST_BENCH ` carry JSON; anything else the frameworks print is
//! ignored, and their stderr goes to a log file that is quoted when a worker dies.
use super::workloads::Measured;
use serde_json::Value as Json;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

const MARK: &str = "KERUST_BENCH ";

/// Which framework a worker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Keras,
    Torch,
}

impl Framework {
    pub fn label(self) -> &'static str {
        match self {
            Framework::Keras => "keras",
            Framework::Torch => "torch",
        }
    }
    fn script(self) -> PathBuf {
        let file = match self {
            Framework::Keras => "keras_bench.py",
            Framework::Torch => "torch_bench.py",
        };
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("bench")
            .join(file)
    }
    /// What to install when the interpreter lacks the framework (xtask never installs itself).
    pub fn pip_hint(self, python: &str) -> String {
        match self {
            Framework::Keras => format!("{python} -m pip install tensorflow-cpu keras tf-keras"),
            Framework::Torch => format!(
                "{python} -m pip install torch --index-url https://download.pytorch.org/whl/cpu"
            ),
        }
    }
}

/// One measured peer repetition, or why there is none.
#[derive(Debug, Clone)]
pub enum PeerRun {
    Ok {
        measured: Measured,
        rss_mb: Option<f64>,
        cpu_s: Option<f64>,
    },
    Unavailable(String),
    Failed(String),
}

/// A running worker for one workload.
pub struct Worker {
    /// The configurations the worker measures for this workload, in its order.
    pub configs: Vec<String>,
    /// Configurations it could not measure, with why.
    pub skipped: Vec<(String, String)>,
    /// Thread settings and CPU affinity the worker reported.
    pub threads: Json,
    framework: Framework,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    log: PathBuf,
}

/// Asks the interpreter for the framework's versions: `Ok(versions)` or `Err(why, with pip hint)`.
pub fn probe(framework: Framework, python: &str, scratch: &Path) -> Result<Json, String> {
    let mut w = Worker::spawn(framework, python, &["--probe"], scratch)?;
    let msg = w.read_message()?;
    w.finish();
    if let Some(m) = msg.get("missing").and_then(Json::as_str) {
        return Err(format!(
            "{python} cannot import {m}; install it with: {}",
            framework.pip_hint(python)
        ));
    }
    msg.get("versions")
        .cloned()
        .ok_or_else(|| format!("unexpected probe answer {msg}"))
}

impl Worker {
    fn spawn(
        framework: Framework,
        python: &str,
        args: &[&str],
        scratch: &Path,
    ) -> Result<Self, String> {
        let log = scratch.join(format!("{}-worker.log", framework.label()));
        let err = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut child = Command::new(python)
            .arg(framework.script())
            .args(args)
            .env("PYTHONUNBUFFERED", "1")
            .env("TF_CPP_MIN_LOG_LEVEL", "2")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err))
            .spawn()
            .map_err(|e| format!("cannot start {python}: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin pipe")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("no stdout pipe")?);
        Ok(Worker {
            configs: Vec::new(),
            skipped: Vec::new(),
            threads: Json::Null,
            framework,
            child,
            stdin,
            stdout,
            log,
        })
    }

    /// Starts a worker that prepares `workload` (data, model warm-up where the workload has one).
    /// `Err` carries why it produced nothing: the workload is unavailable there, or it failed.
    pub fn start(
        framework: Framework,
        python: &str,
        workload: &str,
        corpus: Option<&Path>,
        scratch: &Path,
    ) -> Result<Self, PeerRun> {
        let corpus_arg = corpus.map(|p| p.display().to_string()).unwrap_or_default();
        let mut args = vec!["--workload", workload];
        if corpus.is_some() {
            args.extend(["--corpus", corpus_arg.as_str()]);
        }
        let mut w = Worker::spawn(framework, python, &args, scratch).map_err(PeerRun::Failed)?;
        let msg = w.read_message().map_err(PeerRun::Failed)?;
        if let Some(u) = msg.get("unavailable").and_then(Json::as_str) {
            w.finish();
            return Err(PeerRun::Unavailable(u.to_string()));
        }
        if let Some(e) = msg.get("error").and_then(Json::as_str) {
            w.finish();
            return Err(PeerRun::Failed(e.to_string()));
        }
        w.configs = msg
            .get("configs")
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if w.configs.is_empty() {
            w.finish();
            return Err(PeerRun::Failed(format!(
                "worker named no configurations: {msg}"
            )));
        }
        w.skipped = msg
            .get("skipped")
            .and_then(Json::as_object)
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default();
        w.threads = msg.get("threads").cloned().unwrap_or(Json::Null);
        Ok(w)
    }

    /// Runs one repetition of configuration `config` in the worker.
    pub fn run(&mut self, config: &str) -> PeerRun {
        if let Err(e) = writeln!(self.stdin, "run {config}").and_then(|_| self.stdin.flush()) {
            return PeerRun::Failed(format!("worker stdin: {e}; {}", self.log_tail()));
        }
        match self.read_message() {
            Ok(m) => match m.get("seconds").and_then(Json::as_f64) {
                Some(s) => PeerRun::Ok {
                    measured: Measured {
                        seconds: s,
                        cold_s: m.get("cold_s").and_then(Json::as_f64).unwrap_or(s),
                        final_loss: m.get("final_loss").and_then(Json::as_f64),
                        check: m.get("check").cloned(),
                    },
                    rss_mb: m.get("rss_mb").and_then(Json::as_f64),
                    cpu_s: m.get("cpu_s").and_then(Json::as_f64),
                },
                None => PeerRun::Failed(
                    m.get("error")
                        .and_then(Json::as_str)
                        .map_or_else(|| format!("unexpected answer {m}"), str::to_string),
                ),
            },
            Err(e) => PeerRun::Failed(e),
        }
    }

    /// Next `KERUST_BENCH` message; other output lines are skipped.
    fn read_message(&mut self) -> Result<Json, String> {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self
                .stdout
                .read_line(&mut line)
                .map_err(|e| format!("reading {} worker: {e}", self.framework.label()))?;
            if n == 0 {
                return Err(format!(
                    "{} worker exited early; {}",
                    self.framework.label(),
                    self.log_tail()
                ));
            }
            if let Some(body) = line.trim_end().strip_prefix(MARK) {
                return serde_json::from_str(body)
                    .map_err(|e| format!("bad message from worker ({e}): {body}"));
            }
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().rev().take(8).collect();
        format!(
            "last stderr lines ({}):\n{}",
            self.log.display(),
            lines.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    }

    /// Asks the worker to quit and waits for it.
    pub fn finish(mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}
