//! Atomic file replacement: write a temp file in the same directory, fsync, rename.

use std::io::Write;
use std::path::Path;

use crate::{Hdf5Error, Result};

/// Replace `path` with `bytes` so that a crash leaves either the old file or the new one,
/// never a torn mix: the rename is atomic within one directory.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
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
}
