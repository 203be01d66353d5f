//! Hostile or broken archives: path traversal, absolute names and links are refused; corrupt zip, gzip and
//! tar data are reported as archive errors; a `.npz` member declaring a huge array is not allocated.

use std::io::Write;
use std::path::Path;

use kerust_datasets::archive::extract;
use kerust_datasets::npy::load_npz;
use kerust_datasets::{ArchiveKind, DatasetsError};

fn zip_with(name: &str) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("ok.txt", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"fine").unwrap();
    w.start_file(name, zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"evil").unwrap();
    w.finish().unwrap().into_inner()
}

/// A one-member tar.gz whose raw header name is `name` (bypassing the tar crate's own path checks).
fn tar_gz_with(name: &str, kind: tar::EntryType, link: Option<&str>) -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    {
        let raw = header.as_old_mut();
        raw.name[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(l) = link {
            raw.linkname[..l.len()].copy_from_slice(l.as_bytes());
        }
    }
    header.set_entry_type(kind);
    header.set_mode(0o644);
    let data: &[u8] = if kind == tar::EntryType::Regular {
        b"evil"
    } else {
        b""
    };
    header.set_size(data.len() as u64);
    header.set_cksum();
    let mut b = tar::Builder::new(Vec::new());
    b.append(&header, data).unwrap();
    let tar = b.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

fn run(kind: ArchiveKind, bytes: &[u8]) -> (tempfile::TempDir, Result<(), DatasetsError>) {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("a.bin");
    std::fs::write(&archive, bytes).unwrap();
    let dest = dir.path().join("out/inner");
    std::fs::create_dir_all(&dest).unwrap();
    let r = extract(kind, &archive, &dest);
    (dir, r)
}

fn assert_unsafe(r: Result<(), DatasetsError>, dir: &Path) {
    let err = r.unwrap_err();
    assert!(
        matches!(err, DatasetsError::UnsafeArchiveEntry { .. }),
        "{err}"
    );
    assert!(!dir.join("out/evil.txt").exists() && !dir.join("evil.txt").exists());
}

#[test]
fn zip_traversal_and_absolute_names_are_refused() {
    for name in ["../evil.txt", "../../evil.txt", "/tmp/kerust-evil.txt"] {
        let (dir, r) = run(ArchiveKind::Zip, &zip_with(name));
        assert_unsafe(r, dir.path());
    }
    assert!(!Path::new("/tmp/kerust-evil.txt").exists());
}

#[test]
fn tar_traversal_and_links_are_refused() {
    let (dir, r) = run(
        ArchiveKind::TarGz,
        &tar_gz_with("../evil.txt", tar::EntryType::Regular, None),
    );
    assert_unsafe(r, dir.path());
    let (dir, r) = run(
        ArchiveKind::TarGz,
        &tar_gz_with("link", tar::EntryType::Symlink, Some("/etc/passwd")),
    );
    assert_unsafe(r, dir.path());
    let (dir, r) = run(
        ArchiveKind::TarGz,
        &tar_gz_with("hard", tar::EntryType::Link, Some("../x")),
    );
    assert_unsafe(r, dir.path());
    // A well-formed member extracts.
    let (dir, r) = run(
        ArchiveKind::TarGz,
        &tar_gz_with("aclImdb/README", tar::EntryType::Regular, None),
    );
    r.unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("out/inner/aclImdb/README")).unwrap(),
        b"evil"
    );
}

#[test]
fn corrupt_archives_are_archive_errors() {
    let (_d, r) = run(ArchiveKind::Zip, b"this is not a zip file at all");
    assert!(
        matches!(r, Err(DatasetsError::Archive { format: "zip", .. })),
        "{r:?}"
    );
    let mut gz = tar_gz_with("a.txt", tar::EntryType::Regular, None);
    gz.truncate(gz.len() - 12);
    let (_d, r) = run(ArchiveKind::TarGz, &gz);
    assert!(matches!(r, Err(DatasetsError::Archive { .. })), "{r:?}");
    let (_d, r) = run(ArchiveKind::TarGz, b"\x1f\x8b garbage");
    assert!(matches!(r, Err(DatasetsError::Archive { .. })), "{r:?}");
}

#[test]
fn npz_with_huge_declared_shape_is_refused() {
    let header = "{'descr': '<i8', 'fortran_order': False, 'shape': (4000000000000,), }\n";
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    npy.extend_from_slice(&(header.len() as u16).to_le_bytes());
    npy.extend_from_slice(header.as_bytes());
    npy.extend_from_slice(&[0u8; 16]);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("x_train.npy", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(&npy).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("imdb.npz");
    std::fs::write(&p, bytes).unwrap();
    let msg = load_npz(&p).unwrap_err().to_string();
    assert!(
        msg.contains("x_train.npy") && msg.contains("only 16 bytes follow"),
        "{msg}"
    );
    // An object array whose pickle claims a 2 GB string is refused the same way.
    let header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }\n";
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    npy.extend_from_slice(&(header.len() as u16).to_le_bytes());
    npy.extend_from_slice(header.as_bytes());
    npy.extend_from_slice(b"\x80\x03X\xff\xff\xff\x7fabc");
    let err = kerust_datasets::npy::parse_npy(&npy, &p).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
}
