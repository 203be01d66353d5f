//! `cargo xtask bench`: the kerust workload suite side by side with Keras and PyTorch (issues #9,
//! #27). kerust runs in-process; each peer runs in a Python worker per workload and measures every
//! configuration it has for it (Keras with/without XLA, steps_per_execution, unroll; PyTorch with
//! fused Adam, torch.compile; predict through predict() and a direct call). Every process is pinned
//! to the same cores; each round runs the frameworks in a rotated order; the report gives each
//! peer's fastest configuration, cold and steady times, per-round ratios with their spread, CPU
//! ratios, final losses, output checks, load averages, the recurrent scaling grid and GEMM
//! efficiency against the measured sgemm and the theoretical peak.
mod affinity;
mod data;
mod machine;
mod markdown;
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
    /// Repetitions (rounds) per workload, framework and configuration (the median is reported).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// CPUs every process is pinned to (sched_setaffinity; inherited by the Python workers), e.g.
    /// `0,1` or `0-3`. Default: the CPUs this process may already use.
    #[arg(long, value_name = "LIST")]
    cpus: Option<String>,
    /// Render docs markdown from the JSON report into FILE (between the generated-block markers;
    /// the rest of FILE is kept). With --from-json, nothing is measured.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Read a JSON report written by --json instead of measuring (use with --markdown).
    #[arg(long, value_name = "FILE")]
    from_json: Option<PathBuf>,
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
    if let Some(json) = &o.from_json {
        let md = o
            .markdown
            .as_ref()
            .ok_or("--from-json renders markdown: give --markdown FILE")?;
        let text = std::fs::read_to_string(json).map_err(|e| format!("{}: {e}", json.display()))?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", json.display()))?;
        markdown::write(md, &doc)?;
        println!("markdown: {}", md.display());
        return Ok(());
    }
    let cpus = match &o.cpus {
        Some(list) => affinity::parse_list(list)?,
        None => affinity::current().unwrap_or_default(),
    };
    if !cpus.is_empty() {
        affinity::pin(&cpus)?;
    }
    println!(
        "pinned to CPUs {:?} (every framework; the Python workers inherit it)",
        affinity::current().unwrap_or_default()
    );
    let selected: Vec<&str> = workloads::NAMES
        .iter()
        .copied()
        .filter(|n| o.only.is_empty() || o.only.iter().any(|s| s == n))
        .collect();
    let run_scaling = !o.no_scaling && (o.only.is_empty() || o.only.iter().any(|s| s == "scaling"));

    println!("measuring the machine (sgemm 1024³) ...");
    let mut machine = machine::Machine::detect(1024);
    machine.cpus_pinned = affinity::current().unwrap_or_default();
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
        let before = machine::loadavg();
        let mut r = run_workload(
            name,
            &o,
            &peers,
            &corpus,
            needs_corpus.then_some(&corpus_file),
            &scratch,
        );
        r.load_before = before;
        r.load_after = machine::loadavg();
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
        if let Some(md) = &o.markdown {
            markdown::write(md, &doc)?;
            println!("markdown: {}", md.display());
        }
    } else if o.markdown.is_some() {
        return Err("--markdown renders the JSON report: give --json FILE too".into());
    }
    std::fs::remove_dir_all(&scratch).ok();
    Ok(())
}

/// Who runs in a round: kerust or peer `i`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Turn {
    Kerust,
    Peer(usize),
}

/// Round `round`'s order: kerust, then the peers, rotated left by `round`.
fn rotated(round: usize, peers: usize) -> Vec<Turn> {
    let mut order: Vec<Turn> = std::iter::once(Turn::Kerust)
        .chain((0..peers).map(Turn::Peer))
        .collect();
    let n = order.len();
    order.rotate_left(round % n);
    order
}

/// All rounds of one workload: every round runs kerust and every configuration of every peer,
/// the frameworks in a rotated order.
fn run_workload(
    name: &str,
    o: &Options,
    peers: &[(Framework, String, serde_json::Value)],
    corpus: &Arc<Vec<String>>,
    corpus_file: Option<&PathBuf>,
    scratch: &std::path::Path,
) -> WorkloadResult {
    let mut result = WorkloadResult::new(name, peers.iter().map(|p| p.0), o.reps);
    result.kerust.threads = serde_json::json!({
        "rayon": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "RAYON_NUM_THREADS": std::env::var("RAYON_NUM_THREADS").ok(),
        "affinity": affinity::current(),
    });
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
            Ok(w) => {
                result.peers[i].threads = w.threads.clone();
                for (c, why) in &w.skipped {
                    result.peers[i].config_mut(c).note = Some(format!("skipped: {why}"));
                }
                workers.push(Some(w));
            }
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
    for round in 0..o.reps {
        for turn in rotated(round, peers.len()) {
            match turn {
                Turn::Kerust => {
                    if let Some(rep) = kerust.as_mut() {
                        rss::reset_peak();
                        let cpu0 = rss::cpu_seconds();
                        let cfg = result.kerust.config_mut("default");
                        match rep() {
                            Ok(m) => {
                                let cpu = rss::cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
                                cfg.push(&m, rss::peak_mb(), cpu)
                            }
                            Err(e) => {
                                cfg.note = Some(e.to_string());
                                kerust = None;
                            }
                        }
                    }
                }
                Turn::Peer(i) => {
                    let Some(worker) = workers[i].as_mut() else {
                        continue;
                    };
                    let configs = worker.configs.clone();
                    let mut dead = false;
                    for c in &configs {
                        if result.peers[i].config_mut(c).note.is_some() {
                            continue; // failed in an earlier round
                        }
                        let run = worker.run(c);
                        let cfg = result.peers[i].config_mut(c);
                        match run {
                            PeerRun::Ok {
                                measured,
                                rss_mb,
                                cpu_s,
                            } => cfg.push(&measured, rss_mb, cpu_s),
                            PeerRun::Unavailable(m) => cfg.note = Some(format!("unavailable: {m}")),
                            PeerRun::Failed(m) => {
                                // A dead worker fails every later call: stop asking it.
                                dead = m.contains("exited early") || m.contains("worker stdin");
                                cfg.note = Some(format!("failed: {m}"));
                            }
                        }
                        if dead {
                            break;
                        }
                    }
                    if dead {
                        workers[i] = None;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_round_rotates_the_framework_order() {
        use Turn::*;
        assert_eq!(rotated(0, 2), vec![Kerust, Peer(0), Peer(1)]);
        assert_eq!(rotated(1, 2), vec![Peer(0), Peer(1), Kerust]);
        assert_eq!(rotated(2, 2), vec![Peer(1), Kerust, Peer(0)]);
        assert_eq!(rotated(3, 2), rotated(0, 2));
        assert_eq!(rotated(5, 0), vec![Kerust]);
    }
}
