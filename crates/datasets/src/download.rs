//! One verified HTTP download: stream to a temporary file next to the destination while hashing, check
//! size and SHA-256, then rename into place. A failed or interrupted download never leaves a file at the
//! destination.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::error::{DatasetsError, Result};

/// Refuse bodies larger than this when the registry has no size (GloVe 6B, the largest, is ~0.86 GB).
pub const MAX_DOWNLOAD_BYTES: u64 = 8 << 30;

/// Progress bars are drawn for downloads at least this large (or of unknown size).
const PROGRESS_MIN_BYTES: u64 = 1 << 20;

/// What to expect of one download.
#[derive(Clone, Debug, Default)]
pub struct Expected<'a> {
    pub sha256: Option<&'a str>,
    pub size: Option<u64>,
}

/// An HTTP agent with timeouts suited to large files (connect and per-read limits, no total limit).
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_per_read(Some(Duration::from_secs(60)))
        .user_agent(concat!("kerust-datasets/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Downloads `url` to `dest`, verifying `expected`; returns the SHA-256 (hex) of what was written.
pub fn download_file(
    agent: &ureq::Agent,
    url: &str,
    dest: &Path,
    expected: &Expected<'_>,
    progress: bool,
) -> Result<String> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| DatasetsError::io("cannot create", parent, e))?;
    let tmp = temp_path(dest);
    let result = fetch_to(agent, url, dest, &tmp, expected, progress).and_then(|sha| {
        std::fs::rename(&tmp, dest)
            .map_err(|e| DatasetsError::io("cannot rename download into", dest, e))?;
        Ok(sha)
    });
    if result.is_err() {
        // Best effort: the temporary file is ours and is useless after a failure.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `.NAME.part-PID` next to `dest`, so the final rename stays on one filesystem.
fn temp_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.part-{}", std::process::id()))
}

fn fetch_to(
    agent: &ureq::Agent,
    url: &str,
    dest: &Path,
    tmp: &Path,
    expected: &Expected<'_>,
    progress: bool,
) -> Result<String> {
    let fail = |reason: String| DatasetsError::Download {
        url: url.to_string(),
        dest: dest.to_path_buf(),
        reason,
    };
    let mut response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(code) => fail(format!("the server answered HTTP {code}")),
        other => fail(other.to_string()),
    })?;
    let declared = response.body().content_length();
    if let (Some(want), Some(got)) = (expected.size, declared) {
        if want != got {
            return Err(DatasetsError::SizeMismatch {
                url: url.to_string(),
                dest: dest.to_path_buf(),
                expected: want,
                got,
            });
        }
    }
    let limit = expected.size.unwrap_or(MAX_DOWNLOAD_BYTES);
    if declared.is_some_and(|d| d > limit) {
        return Err(DatasetsError::TooLarge {
            path: dest.to_path_buf(),
            what: "download (Content-Length)",
            declared: declared.unwrap_or(0),
            limit,
        });
    }
    let total_hint = declared.or(expected.size);
    let bar = if progress && !matches!(total_hint, Some(t) if t < PROGRESS_MIN_BYTES) {
        let bar = match total_hint {
            Some(t) => indicatif::ProgressBar::new(t),
            None => indicatif::ProgressBar::new_spinner(),
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(
            dest.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        Some(bar)
    } else {
        None
    };

    let mut file = File::create(tmp).map_err(|e| DatasetsError::io("cannot create", tmp, e))?;
    let mut reader = response.body_mut().as_reader();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut received: u64 = 0;
    loop {
        let n = reader.read(&mut buf).map_err(|e| {
            fail(match declared {
                Some(d) => format!("connection failed after {received} of {d} bytes: {e}"),
                None => format!("connection failed after {received} bytes: {e}"),
            })
        })?;
        if n == 0 {
            break;
        }
        received += n as u64;
        if received > limit {
            return Err(DatasetsError::TooLarge {
                path: dest.to_path_buf(),
                what: "download body",
                declared: received,
                limit,
            });
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])
            .map_err(|e| DatasetsError::io("cannot write", tmp, e))?;
        if let Some(b) = &bar {
            b.inc(n as u64);
        }
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(d) = declared {
        if received != d {
            return Err(fail(format!(
                "body truncated: received {received} of {d} bytes"
            )));
        }
    }
    if let Some(want) = expected.size {
        if received != want {
            return Err(DatasetsError::SizeMismatch {
                url: url.to_string(),
                dest: dest.to_path_buf(),
                expected: want,
                got: received,
            });
        }
    }
    file.sync_all()
        .map_err(|e| DatasetsError::io("cannot write", tmp, e))?;
    let got = hex(&hasher.finalize());
    match expected.sha256 {
        Some(want) if !want.eq_ignore_ascii_case(&got) => Err(DatasetsError::ChecksumMismatch {
            url: url.to_string(),
            dest: dest.to_path_buf(),
            expected: want.to_string(),
            got,
        }),
        Some(_) => Ok(got),
        None => {
            eprintln!("note: no SHA-256 is pinned for {url}; downloaded {received} bytes with sha256 {got}");
            Ok(got)
        }
    }
}

/// SHA-256 of a local file, as lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(|e| DatasetsError::io("cannot open", path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| DatasetsError::io("cannot read", path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("abc");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(temp_path(&p).parent(), p.parent());
    }
}
