//! `cargo xtask gpu-check [--torch PYTHON] [--json FILE]`: the GPU half of kerust verified by one
//! command — CPU-vs-CUDA parity of every tensor op and of the recurrent sequence op (all cells,
//! masks, `go_backwards`, initial states, dropout masks), the tweets LSTM/GRU/BiLSTM trained on the
//! device against the CPU (accuracy, time, predict, save there and load on the CPU), timings of the fused LSTM/GRU against
//! the CPU loop and, given a Python with torch, against PyTorch's cuDNN LSTM.
//!
//! The xtask binary is normally built without CUDA; this command then rebuilds itself with
//! `--features cuda` (cudarc loads the driver at run time, so that build needs no CUDA toolkit)
//! into `target/gpu-check` and runs there. Without a visible GPU it prints `no CUDA device` and
//! exits 0, so the command can run anywhere.
mod ops;
mod recurrent;
mod report;
mod timing;
mod training;

use clap::Parser;
use report::Report;
use std::path::PathBuf;
use std::process::Command;

/// Set in the child that runs with the `cuda` feature, so it never re-spawns itself.
const CHILD_ENV: &str = "KERUST_GPU_CHECK_CHILD";

/// Command line of `cargo xtask gpu-check`.
#[derive(Parser, Debug)]
#[command(
    name = "cargo xtask gpu-check",
    about = "CPU-vs-CUDA parity of every tensor op and recurrent cell (forward 1e-5, gradients \
             1e-4), fused LSTM/GRU timings, PyTorch cuDNN side by side with --torch. Prints \
             `no CUDA device` and exits 0 without a GPU."
)]
struct Options {
    /// Python interpreter with a CUDA build of PyTorch, for the cuDNN side.
    #[arg(long, value_name = "PYTHON")]
    torch: Option<String>,
    /// Also write the results as JSON here.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options, clap::Error> {
    Options::try_parse_from(std::iter::once("gpu-check".to_string()).chain(args.iter().cloned()))
}

/// Runs the subcommand; `args` are the words after `gpu-check`.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = match parse(args) {
        Ok(o) => o,
        // --help: clap prints it to stdout and exits 0.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => return Err(e.to_string()),
    };
    if !cfg!(feature = "cuda") && std::env::var_os(CHILD_ENV).is_none() {
        return respawn_with_cuda(args);
    }
    let count = kerust_tensor::cuda_backend::device_count();
    if count == 0 {
        println!("no CUDA device");
        if let Some(path) = &options.json {
            Report::new("none").write(path)?;
        }
        return Ok(());
    }
    let mut report = Report::new(&format!("cuda:0 of {count}"));
    println!("{count} CUDA device(s); checking cuda:0");
    ops::check_all(&mut report);
    recurrent::check_all(&mut report);
    training::check_all(&mut report);
    timing::run(&mut report, options.torch.as_deref());
    report.print_summary();
    if let Some(path) = &options.json {
        report.write(path)?;
        println!("wrote {}", path.display());
    }
    match report.failures() {
        0 => Ok(()),
        n => Err(format!("{n} GPU check(s) failed (see above)")),
    }
}

/// Build xtask with `--features cuda` into its own target dir and run this command there.
fn respawn_with_cuda(args: &[String]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    println!("building xtask with --features cuda (target/gpu-check) ...");
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "run",
            "--release",
            "-p",
            "xtask",
            "--features",
            "cuda",
            "--target-dir",
            "target/gpu-check",
            "--",
            "gpu-check",
        ])
        .args(args)
        .env(CHILD_ENV, "1")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("gpu-check (cuda build) exited with {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags_and_refuses_unknown_ones() {
        let o = parse(&[
            "--torch".into(),
            "py".into(),
            "--json".into(),
            "x.json".into(),
        ])
        .unwrap();
        assert_eq!(o.torch.as_deref(), Some("py"));
        assert_eq!(o.json, Some(PathBuf::from("x.json")));
        assert!(parse(&["--torch".into()]).is_err());
        assert!(parse(&["--gpu".into()]).is_err());
        let help = parse(&["--help".into()]).unwrap_err();
        assert!(!help.use_stderr(), "--help is not an error");
    }
}
