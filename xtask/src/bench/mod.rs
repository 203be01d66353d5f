//! `cargo xtask bench`: the kerust workload suite side by side with Keras and PyTorch (issue #9).
//! kerust runs in-process; each peer runs in a Python worker per workload; repetitions alternate
//! kerust → Keras → PyTorch, and the report gives medians, ratios, peak RSS, the recurrent scaling
//! grid and GEMM efficiency against the measured sgemm and the theoretical peak.
mod data;
mod machine;
mod peer;
mod report;
mod rss;
mod scaling;
mod stats;
mod workloads;

use clap::Parser;
use peer::{Framework, PeerRun, Worker};
use report::WorkloadResult;
use std::path::PathBuf;
use std::sync::Arc;

/// Command line of `cargo xtask bench`.
#[derive(Parser, Debug)]
#[command(
    name = "cargo xtask bench",
    about = "kerust vs Keras/PyTorch workload suite (issue #9)"
)]
struct Options {
    /// Python interpreter with TensorFlow + Keras 3 to run the Keras side.
    #[arg(long, value_name = "PYTHON")]
    keras: Option<String>,
    /// Python interpreter with PyTorch to run the PyTorch side.
    #[arg(long, value_name = "PYTHON")]
    torch: Option<String>,
    /// Comma-separated workload names to run (`scaling` selects the scaling grid).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Repetitions per workload and framework (the median is reported).
    #[arg(long, default_value_t = 3)]
    reps: usize,
    /// Write the machine-readable report here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Full scaling grid (batch 1…1024, seq 15…500, units 16…512) instead of the reduced one.
    #[arg(long)]
    full: bool,
    /// Skip the scaling grid.
    #[arg(long)]
    no_scaling: bool,
    /// Where to draw the scaling PNG.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "target/bench/lstm_scaling.png"
    )]
    plot: PathBuf,
    /// List the workload names and exit.
    #[arg(long)]
    list: bool,
}

/// Runs the subcommand; `args` are the words after `bench`.
pub fn run(args: &[String]) -> Result<(), String> {
    let o = match Options::try_parse_from(
        std::iter::once("bench".to_string()).chain(args.iter().cloned()),
    ) {
        Ok(o) => o,
        // --help / --version: clap prints them to stdout and exits 0.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => return Err(e.to_string()),
    };
    if o.list {
        for n in workloads::NAMES {
            println!("{n}");
        }
        println!("scaling");
        return Ok(());
    }
    for n in &o.only {
        if n != "scaling" && !workloads::NAMES.contains(&n.as_str()) {
            return Err(format!(
                "unknown workload '{n}'; known: {}, scaling",
                workloads::NAMES.join(", ")
            ));
        }
    }
    if o.reps == 0 {
        return Err("--reps must be at least 1".into());
    }
    let selected: Vec<&str> = workloads::NAMES
        .iter()
        .copied()
        .filter(|n| o.only.is_empty() || o.only.iter().any(|s| s == n))
        .collect();
    let run_scaling = !o.no_scaling && (o.only.is_empty() || o.only.iter().any(|s| s == "scaling"));

    println!("measuring the machine (sgemm 1024³) ...");
    let machine = machine::Machine::detect(1024);
    println!("{}", machine.describe());
    if !cfg!(not(debug_assertions)) {
        println!(
            "warning: this is a debug build; run `cargo xtask bench` (release) for real numbers"
        );
    }

    let scratch = std::env::temp_dir().join(format!("kerust-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let mut peers: Vec<(Framework, String, serde_json::Value)> = Vec::new();
    for (fw, py) in [(Framework::Keras, &o.keras), (Framework::Torch, &o.torch)] {
        if let Some(py) = py {
            match peer::probe(fw, py, &scratch) {
                Ok(v) => {
                    println!("{}: {py} {v}", fw.label());
                    peers.push((fw, py.clone(), v));
                }
                Err(e) => println!("{} side skipped: {e}", fw.label()),
            }
        }
    }

    let needs_corpus = selected.iter().any(|n| n.ends_with("_137k"));
    let corpus = Arc::new(if needs_corpus {
        data::corpus(workloads::CORPUS_SIZE, 137)
    } else {
        Vec::new()
    });
    let corpus_file = scratch.join("corpus.txt");
    if needs_corpus && !peers.is_empty() {
        std::fs::write(&corpus_file, corpus.join("\n") + "\n")
            .map_err(|e| format!("{}: {e}", corpus_file.display()))?;
    }

    let rss_resettable = rss::reset_peak();
    if !rss_resettable {
        println!(
            "note: /proc/self/clear_refs is not writable; kerust RSS is the process peak so far"
        );
    }
    let mut results = Vec::new();
    println!();
    println!("{}", report::header(&peers));
    for name in &selected {
        let r = run_workload(
            name,
            &o,
            &peers,
            &corpus,
            needs_corpus.then_some(&corpus_file),
            &scratch,
        );
        println!("{}", report::row(&r, &peers));
        results.push(r);
    }

    let mut scaling_json = serde_json::Value::Null;
    if run_scaling {
        let cell = match scaling::step_time(
            scaling::Cell::Lstm,
            scaling::Point {
                batch: 1,
                seq: 1,
                units: 1,
            },
        ) {
            Err(workloads::Skip::Unavailable(m)) => {
                println!("\nLSTM scaling unavailable: {m}; measuring SimpleRNN instead");
                scaling::Cell::SimpleRnn
            }
            _ => scaling::Cell::Lstm,
        };
        match scaling::run(cell, o.full, machine.sgemm_gflops) {
            Ok(rows) => {
                match scaling::plot(&o.plot, cell, &rows, machine.sgemm_gflops) {
                    Ok(()) => println!("scaling plot: {}", o.plot.display()),
                    Err(e) => println!("scaling plot failed: {e}"),
                }
                scaling_json =
                    scaling::to_json(cell, &rows, machine.sgemm_gflops, machine.peak_gflops);
            }
            Err(e) => println!("scaling {e}"),
        }
    }

    println!("\n{}", report::summary(&results, &peers));
    if let Some(path) = &o.json {
        let doc = report::to_json(&machine, &peers, &results, scaling_json, o.reps);
        let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
        println!("json: {}", path.display());
    }
    std::fs::remove_dir_all(&scratch).ok();
    Ok(())
}

/// All repetitions of one workload, alternating kerust and the peers.
fn run_workload(
    name: &str,
    o: &Options,
    peers: &[(Framework, String, serde_json::Value)],
    corpus: &Arc<Vec<String>>,
    corpus_file: Option<&PathBuf>,
    scratch: &std::path::Path,
) -> WorkloadResult {
    let mut result = WorkloadResult::new(name, peers.iter().map(|p| p.0));
    let mut kerust = match workloads::prepare(name, corpus) {
        Ok(rep) => Some(rep),
        Err(e) => {
            result.kerust.note = Some(e.to_string());
            None
        }
    };
    let mut workers: Vec<Option<Worker>> = Vec::new();
    for (i, (fw, py, _)) in peers.iter().enumerate() {
        match Worker::start(*fw, py, name, corpus_file.map(|p| p.as_path()), scratch) {
            Ok(w) => workers.push(Some(w)),
            Err(PeerRun::Unavailable(m)) => {
                result.peers[i].note = Some(format!("unavailable: {m}"));
                workers.push(None);
            }
            Err(PeerRun::Failed(m)) => {
                result.peers[i].note = Some(format!("failed: {m}"));
                workers.push(None);
            }
            Err(PeerRun::Ok { .. }) => workers.push(None),
        }
    }
    for _ in 0..o.reps {
        if let Some(rep) = kerust.as_mut() {
            rss::reset_peak();
            let cpu0 = rss::cpu_seconds();
            match rep() {
                Ok(s) => {
                    let cpu = rss::cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
                    result.kerust.push(s, rss::peak_mb(), cpu)
                }
                Err(e) => {
                    result.kerust.note = Some(e.to_string());
                    kerust = None;
                }
            }
        }
        for (i, w) in workers.iter_mut().enumerate() {
            if let Some(worker) = w {
                match worker.run() {
                    PeerRun::Ok {
                        seconds,
                        rss_mb,
                        cpu_s,
                    } => result.peers[i].push(seconds, rss_mb, cpu_s),
                    PeerRun::Unavailable(m) => {
                        result.peers[i].note = Some(format!("unavailable: {m}"));
                        *w = None;
                    }
                    PeerRun::Failed(m) => {
                        result.peers[i].note = Some(format!("failed: {m}"));
                        *w = None;
                    }
                }
            }
        }
    }
    for w in workers.into_iter().flatten() {
        w.finish();
    }
    result
}
