//! Atomic file replacement: write a temp file in the same directory, fsync, rename. A symlink is
//! followed (its target is replaced, the link kept); a FIFO or character device (`/dev/null`) is
//! written in place, since renaming over it would destroy it; a directory is refused.

use std::io::Write;
use std::path::Path;

use crate::{Hdf5Error, Result};

/// Replace `path` with `bytes` so that a crash leaves either the old file or the new one,
/// never a torn mix: the rename is atomic within one directory.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    // Follow a symlink chain to the file it names (a dangling link: the path it names).
    let mut target = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&target) {
            Ok(link) => {
                target = match target.parent() {
                    Some(d) if link.is_relative() => d.join(link),
                    _ => link,
                }
            }
            Err(_) => break,
        }
    }
    match std::fs::metadata(&target) {
        Ok(m) if m.is_dir() => {
            return Err(Hdf5Error::Io {
                file: target,
                action: "replace (a directory is at this path)",
                source: std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
            })
        }
        Ok(m) if !m.is_file() => {
            // A FIFO or device: write through it.
            let io = |source| Hdf5Error::Io {
                file: target.clone(),
                action: "write",
                source,
            };
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(io)?;
            return f.write_all(bytes).map_err(io);
        }
        _ => {}
    }
    replace(&target, bytes)
}

fn replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |action: &'static str| {
        move |source| Hdf5Error::Io {
            file: path.to_path_buf(),
            action,
            source,
        }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path.file_name().ok_or_else(|| {
        io("name the file")(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "path has no file name",
        ))
    })?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let tmp = dir.join(format!(
        ".{}.{}.{nanos}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io("create temporary file"))?;
        f.write_all(bytes).map_err(io("write"))?;
        f.sync_all().map_err(io("fsync"))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(io("rename temporary file over"))
    })();
    if result.is_err() {
        // Best effort: the error that matters is the one already in `result`.
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    // Persist the rename itself; directories cannot be opened for sync on every platform.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_contents_and_leaves_no_temp_file() {
        let dir = std::env::temp_dir().join(format!("kerust_hdf5_atomic_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.h5");
        write_atomic(&p, b"old").unwrap();
        write_atomic(&p, b"new contents").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new contents");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        let err = write_atomic(&dir.join("missing_dir/x.h5"), b"x").unwrap_err();
        assert!(err.to_string().contains("missing_dir"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_and_devices_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        let dir = std::env::temp_dir().join(format!("kerust_hdf5_links_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("real.h5"), b"old").unwrap();
        let link = dir.join("link.h5");
        std::os::unix::fs::symlink("real.h5", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(dir.join("real.h5")).unwrap(), b"new");
        let null = dir.join("null.h5");
        std::os::unix::fs::symlink("/dev/null", &null).unwrap();
        write_atomic(&null, b"gone").unwrap();
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        assert!(write_atomic(&dir, b"x").is_err());
        assert!(dir.is_dir());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
