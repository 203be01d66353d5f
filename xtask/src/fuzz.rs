//! `cargo xtask fuzz [--minutes N] [TARGET...]`: run the libFuzzer targets in `fuzz/` one after
//! another, N minutes each (default 10), with the committed seed corpora. New inputs go to
//! `target/fuzz-corpus/TARGET` (not into the repository); a crash stops with its artifact path,
//! to be turned into a regression test.
use std::path::Path;
use std::process::Command;

const USAGE: &str = "usage: cargo xtask fuzz [--minutes N] [TARGET...]\n  needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`); targets: fuzz/fuzz_targets/*.rs";

/// The target names: the files in `fuzz/fuzz_targets`.
fn targets(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join("fuzz/fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".rs"))
                .map(str::to_string)
        })
        .collect();
    names.sort();
    Ok(names)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut minutes = 10.0f64;
    let mut only = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            "--minutes" => {
                minutes = it
                    .next()
                    .and_then(|m| m.parse().ok())
                    .filter(|m: &f64| *m > 0.0)
                    .ok_or(format!("--minutes needs a positive number\n{USAGE}"))?
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{USAGE}")),
            s => only.push(s.to_string()),
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("xtask has no parent directory")?
        .to_path_buf();
    let all = targets(&root)?;
    if let Some(bad) = only.iter().find(|t| !all.contains(t)) {
        return Err(format!(
            "unknown fuzz target '{bad}'; known: {}",
            all.join(", ")
        ));
    }
    let chosen = if only.is_empty() { all } else { only };
    let secs = (minutes * 60.0).round().max(1.0) as u64;
    for t in &chosen {
        let work = root.join("target/fuzz-corpus").join(t);
        std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
        println!("== fuzz {t} for {secs} s");
        let status = Command::new("cargo")
            .current_dir(root.join("fuzz"))
            .args(["+nightly", "fuzz", "run", t])
            .arg(&work)
            .arg(root.join("fuzz/corpus").join(t))
            .arg("--")
            .arg(format!("-max_total_time={secs}"))
            .arg("-rss_limit_mb=2048")
            .status()
            .map_err(|e| format!("could not run cargo fuzz ({e}); {USAGE}"))?;
        if !status.success() {
            return Err(format!(
                "fuzz target '{t}' failed (a crash, or cargo-fuzz/nightly missing); see fuzz/artifacts/{t}/"
            ));
        }
    }
    Ok(())
}
