//! `kerust-test-support`: helpers every crate's tests share so that a skipped test is visible.
//!
//! libtest captures `print!`/`eprint!` of passing tests, so a test that returns early looks
//! exactly like one that ran. [`skip`] writes one `KERUST-SKIP` line straight to the process's
//! stderr handle (not captured), and `.ci/run` counts those lines and their reasons at the end.
use std::io::Write;
use std::path::PathBuf;

/// The marker `.ci/run` greps for; the text after `reason=` is grouped in the summary.
pub const SKIP_MARKER: &str = "KERUST-SKIP";

/// Report that `test` is skipped because of `reason` (one line on uncaptured stderr).
pub fn skip(test: &str, reason: &str) {
    let line = format!("{SKIP_MARKER} test={test} reason={reason}\n");
    // A failed write to stderr cannot be reported anywhere better; the test still returns.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// `KERUST_PYTHON` (a Python with tensorflow-cpu, keras, h5py and tensorboard; `.ci/run` sets
/// it), or `None` after reporting the skip of `test`.
pub fn python(test: &str) -> Option<PathBuf> {
    match std::env::var_os("KERUST_PYTHON") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            skip(test, "KERUST_PYTHON unset");
            None
        }
    }
}

/// `KERUST_DATA` (the lecture data folder), or `None` after reporting the skip of `test`.
pub fn data_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("KERUST_DATA") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            skip(test, "KERUST_DATA unset");
            None
        }
    }
}

/// `KERUST_DATA/<file>` when it exists, or `None` after reporting the skip of `test` (with
/// "KERUST_DATA unset" or "KERUST_DATA lacks <file>" as the reason).
pub fn data_file(test: &str, file: &str) -> Option<PathBuf> {
    let dir = data_dir(test)?;
    let path = dir.join(file);
    if path.exists() {
        Some(path)
    } else {
        skip(test, &format!("KERUST_DATA lacks {file}"));
        None
    }
}
