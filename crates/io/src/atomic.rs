//! Writes that respect what is at the path, and reads with a bound.
//!
//! - A regular file (or nothing) at the path is replaced atomically: temp sibling, fsync, rename,
//!   fsync of the directory. A kill at any moment leaves either the old or the new file.
//! - A symlink is followed (up to 40 hops) and its final target is replaced, so the link survives.
//! - A FIFO, a character device (`/dev/null`, `/dev/stdout`) or `-` is written in place: renaming
//!   over them would destroy them (as root, `/dev/null` for the whole machine).
//! - A directory save writes a complete sibling directory and swaps it in with one
//!   `renameat2(RENAME_EXCHANGE)` where the kernel has it, so the path always holds a loadable model.
//! - Temp files and directories left by killed writers are removed by the next save to the path.
use crate::error::{IoError, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Largest read from a non-regular file (pipe, character device, `/proc` file): such files have no
/// length to check first, and `/dev/zero` never ends. Copy bigger inputs to a regular file.
pub const MAX_NON_REGULAR_BYTES: u64 = 256 << 20;

/// Fault injection for the crash-consistency tests: when `KERUST_IO_CRASH_AT` names this step,
/// the process aborts here, as a `kill -9` between two steps of a save would stop it.
fn crash_point(step: &str) {
    if let Some(v) = std::env::var_os("KERUST_IO_CRASH_AT") {
        if v == step {
            std::process::abort();
        }
    }
}

/// The steps [`crash_point`] names, in the order a save passes them (for tests and docs).
pub const CRASH_STEPS: &[&str] = &[
    "file:written",
    "file:renamed",
    "dir:filled",
    "dir:swapped",
    "dir:moved-aside",
];

fn no_name(path: &Path) -> IoError {
    IoError::io(
        path,
        "name the file",
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "path has no file name"),
    )
}

/// The prefix every temp sibling of `path` starts with: `.name.` (name cut to 100 bytes so the
/// temp name stays under the 255-byte limit of most file systems).
fn temp_prefix(path: &Path) -> Result<String> {
    let name = path.file_name().ok_or_else(|| no_name(path))?;
    let name: String = name.to_string_lossy().chars().take(100).collect();
    Ok(format!(".{name}."))
}

/// A sibling temp name: `.name.<pid>.<nanos>.<kind>` in the same directory (rename stays atomic).
fn temp_sibling(path: &Path, kind: &str) -> Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Ok(parent_dir(path).join(format!(
        "{}{}.{nanos}.{kind}",
        temp_prefix(path)?,
        std::process::id()
    )))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether process `pid` is running (`None` where this cannot be told: no `/proc`).
fn pid_alive(pid: u32) -> Option<bool> {
    if !Path::new("/proc/self").exists() {
        return None;
    }
    Some(Path::new(&format!("/proc/{pid}")).exists())
}

/// Remove temp files and directories of `path` left by writers that are no longer running.
/// Returns how many were removed.
pub fn remove_stale_temps(path: &Path) -> usize {
    let Ok(prefix) = temp_prefix(path) else {
        return 0;
    };
    let Ok(entries) = std::fs::read_dir(parent_dir(path)) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let mut parts = rest.split('.');
        let (Some(pid), Some(nanos), Some(kind), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(pid), true, true) = (
            pid.parse::<u32>(),
            nanos.bytes().all(|b| b.is_ascii_digit()),
            kind == "tmp" || kind == "old",
        ) else {
            continue;
        };
        if pid == std::process::id() || pid_alive(pid) != Some(false) {
            continue;
        }
        let p = e.path();
        let gone = match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&p).is_ok(),
            Ok(_) => std::fs::remove_file(&p).is_ok(),
            Err(_) => false,
        };
        removed += usize::from(gone);
    }
    removed
}

/// Where the path is missing because a writer without `RENAME_EXCHANGE` was killed between moving
/// the previous save aside and renaming the new one in, move the previous save back.
fn restore_moved_aside(target: &Path) {
    if let Some(old) = moved_aside(target) {
        let _ = std::fs::rename(old, target);
    }
}

/// The previous save a killed fallback writer left as `.NAME.<pid>.<nanos>.old` while the path
/// itself is missing (the newest such directory), if any.
pub fn moved_aside(target: &Path) -> Option<PathBuf> {
    if std::fs::symlink_metadata(target).is_ok() {
        return None;
    }
    let (Ok(prefix), Ok(entries)) = (temp_prefix(target), std::fs::read_dir(parent_dir(target)))
    else {
        return None;
    };
    let newest = entries
        .flatten()
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(&prefix) && n.ends_with(".old") && e.path().is_dir()
        })
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
    newest.map(|e| e.path())
}

/// fsync a directory so a rename inside it survives a crash (best effort off Unix).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Follow symlinks at `path` (relative links resolve against the link's directory) to the path
/// that a write should replace. A dangling link resolves to the path it names.
pub fn resolve_target(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link =
                    std::fs::read_link(&p).map_err(|e| IoError::io(&p, "read the link", e))?;
                p = if link.is_absolute() {
                    link
                } else {
                    parent_dir(&p).join(link)
                };
            }
            _ => return Ok(p),
        }
    }
    Err(IoError::format(
        path,
        "/",
        "more than 40 symbolic links in a chain (a loop?); point the path at a real file",
    ))
}

/// What is at a path a save is about to write.
enum Target {
    /// Nothing, or a regular file: replace atomically.
    Replace(Option<std::fs::Permissions>),
    /// A FIFO or character device: write in place.
    Stream,
}

#[cfg(unix)]
fn is_stream(ft: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    ft.is_fifo() || ft.is_char_device()
}
#[cfg(not(unix))]
fn is_stream(_: &std::fs::FileType) -> bool {
    false
}

fn classify(target: &Path) -> Result<Target> {
    match std::fs::metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Target::Replace(None)),
        Err(e) => Err(IoError::io(target, "inspect the output path", e)),
        Ok(m) if m.is_file() => Ok(Target::Replace(Some(m.permissions()))),
        Ok(m) if is_stream(&m.file_type()) => Ok(Target::Stream),
        Ok(m) if m.is_dir() => Err(IoError::format(
            target,
            "/",
            "a directory exists at this path; a single-file format cannot replace it (remove it, or pick another name)",
        )),
        Ok(_) => Err(IoError::format(
            target,
            "/",
            "the path is a block device or socket; write to a regular file, a FIFO or '-' (stdout) instead",
        )),
    }
}

/// Write `bytes` to `path`: atomically replacing a regular file (through symlinks), in place
/// for a FIFO, a character device or `-` (stdout). Stale temps of killed writers are removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(bytes)
            .and_then(|_| out.flush())
            .map_err(|e| IoError::io(path, "write to stdout", e));
    }
    let target = resolve_target(path)?;
    match classify(&target)? {
        Target::Stream => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(|e| IoError::io(&target, "open for writing", e))?;
            f.write_all(bytes)
                .and_then(|_| f.flush())
                .map_err(|e| IoError::io(&target, "write", e))
        }
        Target::Replace(perms) => replace_file(&target, bytes, perms),
    }
}

fn replace_file(target: &Path, bytes: &[u8], perms: Option<std::fs::Permissions>) -> Result<()> {
    remove_stale_temps(target);
    let tmp = temp_sibling(target, "tmp")?;
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| IoError::io(&tmp, "create the temp file", e))?;
        if let Some(p) = perms {
            // Keep the old file's mode (a 0600 checkpoint stays private).
            let _ = f.set_permissions(p);
        }
        f.write_all(bytes)
            .map_err(|e| IoError::io(&tmp, "write", e))?;
        f.sync_all().map_err(|e| IoError::io(&tmp, "fsync", e))?;
        crash_point("file:written");
        std::fs::rename(&tmp, target)
            .map_err(|e| IoError::io(target, "rename the temp file over", e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    crash_point("file:renamed");
    sync_dir(&parent_dir(target));
    result
}

/// Swap two paths in one step (Linux `renameat2(RENAME_EXCHANGE)`). `Ok(false)` when the kernel
/// or file system cannot, so the caller falls back.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    // Test hook: exercise the fallback on kernels that have the exchange.
    if std::env::var_os("KERUST_IO_NO_EXCHANGE").is_some() {
        return Ok(false);
    }
    let ca = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let cb = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated strings alive for the call; the syscall only
    // reads them. RENAME_EXCHANGE (2) swaps the two names atomically.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            2 as libc::c_uint,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ENOSYS) | Some(libc::EINVAL) | Some(libc::EOPNOTSUPP) => Ok(false),
        _ => Err(e),
    }
}
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// Replace the directory `path` with one filled by `fill`: `fill` writes into a temp sibling
/// directory; once complete it is swapped in with one atomic exchange (or, where the kernel has
/// none, the old one is moved aside first and a kill in that moment leaves it as `.name.*.old`).
pub fn write_dir_atomic(path: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let target = resolve_target(path)?;
    match std::fs::metadata(&target) {
        Ok(m) if !m.is_dir() => {
            return Err(IoError::format(
                &target,
                "/",
                "something other than a directory exists at this path; a native saved model is a directory (use .h5 or .keras for single files, or remove it)",
            ))
        }
        _ => {}
    }
    restore_moved_aside(&target);
    remove_stale_temps(&target);
    let tmp = temp_sibling(&target, "tmp")?;
    std::fs::create_dir_all(&tmp).map_err(|e| IoError::io(&tmp, "create the temp directory", e))?;
    if let Err(e) = fill(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    sync_dir(&tmp);
    crash_point("dir:filled");
    let parent = parent_dir(&target);
    if !target.exists() {
        if let Err(e) = std::fs::rename(&tmp, &target) {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(IoError::io(
                &target,
                "rename the temp directory into place",
                e,
            ));
        }
        sync_dir(&parent);
        return Ok(());
    }
    match exchange(&tmp, &target) {
        Ok(true) => {
            // `tmp` now holds the previous save.
            crash_point("dir:swapped");
            sync_dir(&parent);
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(())
        }
        Ok(false) => {
            let old = temp_sibling(&target, "old")?;
            std::fs::rename(&target, &old)
                .map_err(|e| IoError::io(&target, "move the previous save aside", e))?;
            crash_point("dir:moved-aside");
            if let Err(e) = std::fs::rename(&tmp, &target) {
                let _ = std::fs::rename(&old, &target);
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(IoError::io(
                    &target,
                    "rename the temp directory into place",
                    e,
                ));
            }
            sync_dir(&parent);
            let _ = std::fs::remove_dir_all(old);
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(IoError::io(&target, "swap the new directory into place", e))
        }
    }
}

/// Write `bytes` to `dir/name` and fsync it (inside a temp directory being filled).
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::File::create(path).map_err(|e| IoError::io(path, "create", e))?;
    f.write_all(bytes)
        .map_err(|e| IoError::io(path, "write", e))?;
    f.sync_all().map_err(|e| IoError::io(path, "fsync", e))
}

fn too_large(path: &Path, size: u64, limit: u64) -> IoError {
    IoError::TooLarge {
        file: path.to_path_buf(),
        object: "/".into(),
        what: "the file",
        size,
        limit,
    }
}

/// Open `path` for a bounded read: refuses a directory, and a regular file longer than `limit`
/// before reading a byte. Returns the file and the most bytes it may yield.
pub fn open_limited(path: &Path, limit: u64) -> Result<(std::fs::File, u64)> {
    let f = std::fs::File::open(path).map_err(|e| IoError::io(path, "open", e))?;
    let m = f.metadata().map_err(|e| IoError::io(path, "inspect", e))?;
    if m.is_dir() {
        return Err(IoError::format(
            path,
            "/",
            "this is a directory; expected a file (a native saved model is loaded with load_model)",
        ));
    }
    if m.is_file() {
        if m.len() > limit {
            return Err(too_large(path, m.len(), limit));
        }
        Ok((f, limit))
    } else {
        Ok((f, limit.min(MAX_NON_REGULAR_BYTES)))
    }
}

/// Read a whole file, refusing more than `limit` bytes (and more than
/// [`MAX_NON_REGULAR_BYTES`] from a pipe or device): the length is checked before reading, and
/// the read stops one byte past the bound, so `/dev/zero` cannot grow the buffer.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let (f, cap) = open_limited(path, limit)?;
    let mut buf = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| IoError::io(path, "read", e))?;
    if buf.len() as u64 > cap {
        return Err(too_large(path, buf.len() as u64, cap));
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("kerust_io_atomic_{tag}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp") || n.ends_with(".old"))
            .collect()
    }

    #[test]
    fn atomic_file_and_directory_replacement() {
        let dir = scratch("basic");
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
        assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
        assert!(matches!(
            read_limited(&f, 2),
            Err(IoError::TooLarge { size: 3, .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_survives_and_its_target_is_replaced() {
        let dir = scratch("symlink");
        let real = dir.join("real.bin");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.join("link.bin");
        std::os::unix::fs::symlink("real.bin", &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        // A dangling link creates the file it names.
        let dangling = dir.join("dangling.bin");
        std::os::unix::fs::symlink(dir.join("made.bin"), &dangling).unwrap();
        write_atomic(&dangling, b"x").unwrap();
        assert_eq!(std::fs::read(dir.join("made.bin")).unwrap(), b"x");
        // A loop is an error, not a hang.
        let (a, b) = (dir.join("la"), dir.join("lb"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        assert!(matches!(
            write_atomic(&a, b"x"),
            Err(IoError::Format { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn dev_null_and_a_fifo_are_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        write_atomic(Path::new("/dev/null"), b"discarded").unwrap();
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        let dir = scratch("fifo");
        let fifo = dir.join("out.fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.map(|s| s.success()).unwrap_or(false) {
            eprintln!("skipped the FIFO half: mkfifo is not available");
            return;
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomic(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        // A bounded read of a character device ends.
        let e = read_limited(Path::new("/dev/zero"), 1 << 10).unwrap_err();
        assert!(matches!(e, IoError::TooLarge { limit: 1024, .. }), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_is_not_replaced_by_a_file_nor_a_file_by_a_directory() {
        let dir = scratch("kinds");
        let d = dir.join("model.keras");
        std::fs::create_dir(&d).unwrap();
        let e = write_atomic(&d, b"zip").unwrap_err();
        assert!(e.to_string().contains("directory exists"), "{e}");
        assert!(d.is_dir());
        let f = dir.join("native");
        std::fs::write(&f, b"keep").unwrap();
        assert!(write_dir_atomic(&f, |_| Ok(())).is_err());
        assert_eq!(std::fs::read(&f).unwrap(), b"keep");
        assert!(read_limited(&d, 10).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stale_temps_of_dead_writers_are_removed_by_the_next_save() {
        if pid_alive(1).is_none() {
            eprintln!("skipped: no /proc to tell dead writers from live ones");
            return;
        }
        let dir = scratch("stale");
        let f = dir.join("m.h5");
        // A pid above the kernel's pid_max cannot be running.
        let dead = dir.join(".m.h5.4194305.17.tmp");
        std::fs::write(&dead, b"half").unwrap();
        let dead_dir = dir.join(".m.h5.4194306.18.old");
        std::fs::create_dir(&dead_dir).unwrap();
        // One of a live writer (ourselves) and an unrelated dotfile stay.
        let live = dir.join(format!(".m.h5.{}.19.tmp", std::process::id()));
        std::fs::write(&live, b"busy").unwrap();
        let other = dir.join(".m.h5.notes");
        std::fs::write(&other, b"mine").unwrap();
        write_atomic(&f, b"v").unwrap();
        assert!(!dead.exists() && !dead_dir.exists());
        assert!(live.exists() && other.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
