//! Atomic saves: write a temp file (or directory) next to the target, fsync, then rename over it,
//! so an interrupted save leaves the previous model loadable.
use crate::error::{IoError, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A sibling temp name: `.name.<pid>.<nanos>.tmp` in the same directory (rename stays atomic).
fn temp_sibling(path: &Path) -> Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| {
        IoError::io(
            path,
            "name the file",
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "path has no file name"),
        )
    })?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    Ok(parent_dir(path).join(format!(
        ".{}.{}.{nanos}.tmp",
        name.to_string_lossy(),
        std::process::id()
    )))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// fsync a directory so a rename inside it survives a crash (best effort off Unix).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Replace `path` with `bytes` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_sibling(path)?;
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| IoError::io(&tmp, "create the temp file", e))?;
        f.write_all(bytes)
            .map_err(|e| IoError::io(&tmp, "write", e))?;
        f.sync_all().map_err(|e| IoError::io(&tmp, "fsync", e))?;
        std::fs::rename(&tmp, path).map_err(|e| IoError::io(path, "rename the temp file over", e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    sync_dir(&parent_dir(path));
    result
}

/// Replace the directory `path` with one filled by `fill` atomically: `fill` writes into a temp
/// sibling directory; the old directory is moved aside only once the new one is complete.
pub fn write_dir_atomic(path: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    if path.is_file() {
        return Err(IoError::format(
            path,
            "/",
            "a file with this name exists; a native saved model is a directory (use .h5 or .keras for single files)",
        ));
    }
    let tmp = temp_sibling(path)?;
    std::fs::create_dir_all(&tmp).map_err(|e| IoError::io(&tmp, "create the temp directory", e))?;
    if let Err(e) = fill(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    sync_dir(&tmp);
    let old = if path.exists() {
        let old = temp_sibling(path)?.with_extension("old");
        std::fs::rename(path, &old)
            .map_err(|e| IoError::io(path, "move the previous save aside", e))?;
        Some(old)
    } else {
        None
    };
    if let Err(e) = std::fs::rename(&tmp, path) {
        if let Some(old) = &old {
            let _ = std::fs::rename(old, path);
        }
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(IoError::io(path, "rename the temp directory into place", e));
    }
    sync_dir(&parent_dir(path));
    if let Some(old) = old {
        let _ = std::fs::remove_dir_all(old);
    }
    Ok(())
}

/// Write `bytes` to `dir/name` and fsync it (inside a temp directory being filled).
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::File::create(path).map_err(|e| IoError::io(path, "create", e))?;
    f.write_all(bytes)
        .map_err(|e| IoError::io(path, "write", e))?;
    f.sync_all().map_err(|e| IoError::io(path, "fsync", e))
}

/// Read a whole file, refusing files larger than `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| IoError::io(path, "open", e))?;
    let mut buf = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| IoError::io(path, "read", e))?;
    if buf.len() as u64 > limit {
        return Err(IoError::TooLarge {
            file: path.to_path_buf(),
            object: "/".into(),
            what: "the file",
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_file_and_directory_replacement() {
        let dir = std::env::temp_dir().join(format!("kerust_io_atomic_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("a.bin");
        write_atomic(&f, b"one").unwrap();
        write_atomic(&f, b"two").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"two");
        let d = dir.join("saved");
        write_dir_atomic(&d, |t| write_synced(&t.join("x"), b"1")).unwrap();
        // A failing save leaves the previous directory untouched.
        let e = write_dir_atomic(&d, |t| {
            write_synced(&t.join("x"), b"2")?;
            Err(IoError::format(t, "x", "simulated crash"))
        });
        assert!(e.is_err());
        assert_eq!(std::fs::read(d.join("x")).unwrap(), b"1");
        write_dir_atomic(&d, |t| write_synced(&t.join("x"), b"3")).unwrap();
        assert_eq!(std::fs::read(d.join("x")).unwrap(), b"3");
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with("tmp"))
            .collect();
        assert!(leftovers.is_empty());
        assert!(read_limited(&f, 2).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
