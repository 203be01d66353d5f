//! The local dataset cache (`KERUST_DATA`, else the platform cache dir): "download on first use" — make sure
//! every file of a registry entry is present, downloading, verifying and extracting what is missing.

use std::path::{Path, PathBuf};

use crate::archive::extract;
use crate::download::{agent, download_file, sha256_file, Expected};
use crate::error::{DatasetsError, Result};
use crate::registry::{lookup, DatasetEntry, RemoteFile};

/// Environment variable naming the data folder.
pub const DATA_ENV: &str = "KERUST_DATA";

/// `$KERUST_DATA` when set and non-empty, else `<platform cache dir>/kerust/datasets`
/// (`~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows).
pub fn default_data_dir() -> Result<PathBuf> {
    if let Some(v) = std::env::var_os(DATA_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(v));
    }
    dirs::cache_dir()
        .map(|d| d.join("kerust").join("datasets"))
        .ok_or_else(|| DatasetsError::invalid(DATA_ENV, "no platform cache folder is known on this system; set KERUST_DATA to a writable folder"))
}

/// A cache rooted at one folder.
#[derive(Clone, Debug)]
pub struct Cache {
    root: PathBuf,
    progress: bool,
}

impl Cache {
    /// The cache at [`default_data_dir`], with progress bars.
    pub fn new() -> Result<Self> {
        Ok(Self::at(default_data_dir()?))
    }

    /// A cache rooted at `root` (created on first download).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Cache {
            root: root.into(),
            progress: true,
        }
    }

    /// Turns progress bars on or off (they are also hidden when stderr is not a terminal).
    pub fn progress(mut self, on: bool) -> Self {
        self.progress = on;
        self
    }

    /// The cache folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `root/rel`.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Makes sure the dataset called `name` is in the cache; returns the cache root.
    pub fn ensure(&self, name: &str) -> Result<PathBuf> {
        self.ensure_entry(&lookup(name)?)
    }

    /// Makes sure every file of `entry` is present: files already there are used as they are (a copy
    /// placed by hand counts); a hand-placed archive is verified and extracted; anything else is downloaded.
    pub fn ensure_entry(&self, entry: &DatasetEntry) -> Result<PathBuf> {
        let agent = agent();
        for file in &entry.files {
            if file.provides.iter().all(|p| self.path(p).exists()) {
                continue;
            }
            let dest = self.path(&file.file_name);
            if dest.exists() {
                if file.extract.is_some() {
                    self.verify_local(file, &dest)?;
                }
            } else {
                let expected = Expected {
                    sha256: file.sha256.as_deref(),
                    size: file.size,
                };
                download_file(&agent, &file.url, &dest, &expected, self.progress)?;
            }
            if file.extract.is_some() {
                self.unpack(entry, file, &dest)?;
            }
        }
        Ok(self.root.clone())
    }

    /// Checks a hand-placed file against the registry's size and hash.
    fn verify_local(&self, file: &RemoteFile, path: &Path) -> Result<()> {
        if let Some(want) = file.size {
            let got = std::fs::metadata(path)
                .map_err(|e| DatasetsError::io("cannot read", path, e))?
                .len();
            if got != want {
                return Err(DatasetsError::SizeMismatch {
                    url: file.url.clone(),
                    dest: path.to_path_buf(),
                    expected: want,
                    got,
                });
            }
        }
        if let Some(want) = &file.sha256 {
            let got = sha256_file(path)?;
            if !want.eq_ignore_ascii_case(&got) {
                return Err(DatasetsError::ChecksumMismatch {
                    url: file.url.clone(),
                    dest: path.to_path_buf(),
                    expected: want.clone(),
                    got,
                });
            }
        }
        Ok(())
    }

    /// Extracts into a private temporary folder, checks member hashes, then moves the members into place.
    fn unpack(&self, entry: &DatasetEntry, file: &RemoteFile, archive: &Path) -> Result<()> {
        let Some(x) = &file.extract else {
            return Ok(());
        };
        let tmp = self
            .root
            .join(format!(".extract-{}-{}", entry.name, std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let target = if x.into.is_empty() {
            self.root.clone()
        } else {
            self.root.join(&x.into)
        };
        let result = (|| {
            std::fs::create_dir_all(&tmp)
                .map_err(|e| DatasetsError::io("cannot create", &tmp, e))?;
            extract(x.kind, archive, &tmp)?;
            for (member, want) in &x.member_sha256 {
                let rel = Path::new(member)
                    .strip_prefix(&x.into)
                    .unwrap_or(Path::new(member));
                let got = sha256_file(&tmp.join(rel))?;
                if !want.eq_ignore_ascii_case(&got) {
                    return Err(DatasetsError::ChecksumMismatch {
                        url: format!("{} (member {member})", file.url),
                        dest: self.path(member),
                        expected: want.clone(),
                        got,
                    });
                }
            }
            std::fs::create_dir_all(&target)
                .map_err(|e| DatasetsError::io("cannot create", &target, e))?;
            let children =
                std::fs::read_dir(&tmp).map_err(|e| DatasetsError::io("cannot list", &tmp, e))?;
            for child in children {
                let child = child.map_err(|e| DatasetsError::io("cannot list", &tmp, e))?;
                let to = target.join(child.file_name());
                // Keep whatever is already there (e.g. files placed by hand).
                if !to.exists() {
                    std::fs::rename(child.path(), &to)
                        .map_err(|e| DatasetsError::io("cannot move extracted file to", &to, e))?;
                }
            }
            Ok(())
        })();
        let _ = std::fs::remove_dir_all(&tmp);
        result
    }
}
