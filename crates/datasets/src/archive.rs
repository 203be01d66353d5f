//! Safe extraction of downloaded `.zip` and `.tar.gz`/`.tgz` archives: member names that are absolute,
//! contain `..`, or are links are refused; data is streamed (no buffer sized from a header) and the
//! total is capped.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};

use crate::error::{DatasetsError, Result};

/// Upper bound on the bytes one archive may expand to (GloVe 6B, the largest, is about 2.1 GB).
pub const MAX_EXTRACTED_BYTES: u64 = 32 << 30;

/// Archive formats the registry uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchiveKind {
    Zip,
    TarGz,
}

/// Extracts `archive` into the existing folder `dest`.
pub fn extract(kind: ArchiveKind, archive: &Path, dest: &Path) -> Result<()> {
    match kind {
        ArchiveKind::Zip => extract_zip(archive, dest),
        ArchiveKind::TarGz => extract_tar_gz(archive, dest),
    }
}

/// `name` as a relative path below the extraction folder, or why it is refused.
fn safe_relative(name: &str) -> std::result::Result<PathBuf, &'static str> {
    if name.contains('\0') {
        return Err("name contains a NUL byte");
    }
    let mut out = PathBuf::new();
    for c in Path::new(name).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            Component::ParentDir => return Err("path contains '..'"),
            Component::RootDir | Component::Prefix(_) => return Err("absolute path"),
        }
    }
    if out.as_os_str().is_empty() {
        return Err("empty path");
    }
    Ok(out)
}

/// Copies one member's bytes to `target`, counting them against the running total.
fn write_member(
    archive: &Path,
    reader: &mut dyn Read,
    target: &Path,
    total: &mut u64,
    format: &'static str,
) -> Result<()> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| DatasetsError::io("cannot create", parent, e))?;
    }
    let mut out =
        File::create(target).map_err(|e| DatasetsError::io("cannot create", target, e))?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).map_err(|e| DatasetsError::Archive {
            path: archive.to_path_buf(),
            format,
            message: format!("member {}: {e}", target.display()),
        })?;
        if n == 0 {
            break;
        }
        *total += n as u64;
        if *total > MAX_EXTRACTED_BYTES {
            return Err(DatasetsError::TooLarge {
                path: archive.to_path_buf(),
                what: "extracted content",
                declared: *total,
                limit: MAX_EXTRACTED_BYTES,
            });
        }
        out.write_all(&buf[..n])
            .map_err(|e| DatasetsError::io("cannot write", target, e))?;
    }
    out.sync_all()
        .map_err(|e| DatasetsError::io("cannot write", target, e))
}

fn extract_zip(archive: &Path, dest: &Path) -> Result<()> {
    let zip_err = |e: zip::result::ZipError| DatasetsError::Archive {
        path: archive.to_path_buf(),
        format: "zip",
        message: e.to_string(),
    };
    let file = File::open(archive).map_err(|e| DatasetsError::io("cannot open", archive, e))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(zip_err)?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut member = zip.by_index(i).map_err(zip_err)?;
        let name = member.name().to_string();
        let rel = safe_relative(&name).map_err(|reason| DatasetsError::UnsafeArchiveEntry {
            archive: archive.to_path_buf(),
            entry: name.clone(),
            reason,
        })?;
        if member.is_symlink() {
            return Err(DatasetsError::UnsafeArchiveEntry {
                archive: archive.to_path_buf(),
                entry: name,
                reason: "symbolic link",
            });
        }
        let target = dest.join(rel);
        if member.is_dir() {
            std::fs::create_dir_all(&target)
                .map_err(|e| DatasetsError::io("cannot create", &target, e))?;
        } else {
            write_member(archive, &mut member, &target, &mut total, "zip")?;
        }
    }
    Ok(())
}

fn extract_tar_gz(archive: &Path, dest: &Path) -> Result<()> {
    let tar_err = |e: std::io::Error| DatasetsError::Archive {
        path: archive.to_path_buf(),
        format: "tar.gz",
        message: e.to_string(),
    };
    let file = File::open(archive).map_err(|e| DatasetsError::io("cannot open", archive, e))?;
    let gz = flate2::read::GzDecoder::new(BufReader::new(file));
    let mut tar = tar::Archive::new(gz);
    let mut total = 0u64;
    for entry in tar.entries().map_err(tar_err)? {
        let mut entry = entry.map_err(tar_err)?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let rel = safe_relative(&name).map_err(|reason| DatasetsError::UnsafeArchiveEntry {
            archive: archive.to_path_buf(),
            entry: name.clone(),
            reason,
        })?;
        let target = dest.join(rel);
        match entry.header().entry_type() {
            tar::EntryType::Directory => {
                std::fs::create_dir_all(&target)
                    .map_err(|e| DatasetsError::io("cannot create", &target, e))?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                write_member(archive, &mut entry, &target, &mut total, "tar.gz")?;
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                return Err(DatasetsError::UnsafeArchiveEntry {
                    archive: archive.to_path_buf(),
                    entry: name,
                    reason: "link",
                })
            }
            // Metadata records carry no file of their own.
            tar::EntryType::XGlobalHeader
            | tar::EntryType::XHeader
            | tar::EntryType::GNULongName
            | tar::EntryType::GNULongLink => {}
            _ => {
                return Err(DatasetsError::UnsafeArchiveEntry {
                    archive: archive.to_path_buf(),
                    entry: name,
                    reason: "not a regular file or folder",
                })
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_relative_rejects_escapes() {
        assert_eq!(
            safe_relative("a/./b.txt").unwrap(),
            PathBuf::from("a/b.txt")
        );
        assert!(safe_relative("../x").is_err());
        assert!(safe_relative("a/../../x").is_err());
        assert!(safe_relative("/etc/passwd").is_err());
        assert!(safe_relative("").is_err());
    }
}
