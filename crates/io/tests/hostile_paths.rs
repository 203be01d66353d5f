//! What is at the path is respected, and what a file claims is checked before it costs memory:
//! unknown extensions, symlinks to devices, zip bombs, endless devices as inputs.
use kerust_io::{load_model, read_npy, save_model, IoError};
use kerust_layers::{Dense, Sequential};
use std::io::Write;
use std::path::{Path, PathBuf};

fn model() -> Sequential {
    let mut m = Sequential::new();
    m.add(Dense::new(2).input_shape(&[3])).unwrap();
    m
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kerust_hostile_{tag}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn an_unknown_extension_is_an_error_listing_the_formats() {
    let dir = scratch("ext");
    let e = save_model(&model(), dir.join("model.onnx")).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains(".onnx") && msg.contains(".keras") && msg.contains(".h5"),
        "{msg}"
    );
    assert!(!dir.join("model.onnx").exists());
    // A directory path without an extension, or an existing directory, is the native format.
    save_model(&model(), dir.join("native")).unwrap();
    std::fs::create_dir(dir.join("v1.2")).unwrap();
    save_model(&model(), dir.join("v1.2")).unwrap();
    assert!(load_model(dir.join("v1.2")).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_model_saved_through_a_symlink_to_dev_null_leaves_dev_null_a_device() {
    use std::os::unix::fs::FileTypeExt;
    let dir = scratch("devnull");
    for name in ["m.h5", "m.keras"] {
        let link = dir.join(name);
        std::os::unix::fs::symlink("/dev/null", &link).unwrap();
        save_model(&model(), &link).unwrap();
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn endless_devices_as_inputs_end_with_a_typed_error() {
    let dir = scratch("zero");
    for name in ["x.npy", "m.keras", "m.h5"] {
        let link = dir.join(name);
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let e = if name.ends_with("npy") {
            read_npy(&link).map(|_| ()).unwrap_err()
        } else {
            load_model(&link).map(|_| ()).unwrap_err()
        };
        let msg = e.to_string();
        assert!(
            msg.contains("limit") || msg.contains("over the limit"),
            "{name}: {msg}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A `.keras` whose weights member is deflated zeros declaring `inflated` bytes.
fn zip_bomb(path: &Path, inflated: usize) {
    let good = path.with_extension("good.keras");
    save_model(&model(), &good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(inflated > u32::MAX as usize);
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().to_string();
        w.start_file(&name, deflate).unwrap();
        if name == "model.weights.h5" {
            let zeros = vec![0u8; 1 << 20];
            for _ in 0..inflated >> 20 {
                w.write_all(&zeros).unwrap();
            }
        } else {
            std::io::copy(&mut f, &mut w).unwrap();
        }
    }
    w.finish().unwrap();
    std::fs::remove_file(good).unwrap();
}

#[test]
fn a_zip_bomb_is_refused_from_its_header() {
    let dir = scratch("bomb");
    let path = dir.join("bomb.keras");
    zip_bomb(&path, 64 << 20);
    assert!(std::fs::metadata(&path).unwrap().len() < 1 << 20);
    let e = load_model(&path).map(|_| ()).unwrap_err();
    assert!(
        matches!(&e, IoError::TooLarge { object, .. } if object == "model.weights.h5"),
        "{e}"
    );
    assert!(e.to_string().contains("zip bomb"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_padded_weights_member_is_refused_by_what_the_model_needs() {
    let dir = scratch("padded");
    let good = dir.join("good.keras");
    save_model(&model(), &good).unwrap();
    let mut src = zip::ZipArchive::new(std::fs::File::open(&good).unwrap()).unwrap();
    let path = dir.join("padded.keras");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().to_string();
        w.start_file(&name, stored).unwrap();
        std::io::copy(&mut f, &mut w).unwrap();
        if name == "model.weights.h5" {
            // Valid HDF5 followed by 40 MiB nobody reads: an 8-parameter model needs ~16 MiB.
            w.write_all(&vec![0u8; 40 << 20]).unwrap();
        }
    }
    w.finish().unwrap();
    let e = load_model(&path).map(|_| ()).unwrap_err();
    assert!(
        matches!(&e, IoError::TooLarge { object, .. } if object == "model.weights.h5"),
        "{e}"
    );
    assert!(e.to_string().contains("architecture"), "{e}");
    assert!(load_model(&good).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Set the sizes of `member` in every local and central zip header of `zip` to `size`.
fn forge_member_size(zip: &mut [u8], member: &str, size: u32) {
    let name = member.as_bytes();
    let mut patched = 0;
    for i in 0..zip.len().saturating_sub(46) {
        let (sizes_at, name_len_at, name_at) = match &zip[i..i + 4] {
            [0x50, 0x4b, 0x03, 0x04] => (i + 18, i + 26, i + 30),
            [0x50, 0x4b, 0x01, 0x02] => (i + 20, i + 28, i + 46),
            _ => continue,
        };
        let len = u16::from_le_bytes([zip[name_len_at], zip[name_len_at + 1]]) as usize;
        if zip.get(name_at..name_at + len) == Some(name) {
            zip[sizes_at..sizes_at + 4].copy_from_slice(&size.to_le_bytes());
            zip[sizes_at + 4..sizes_at + 8].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "local and central header of {member}");
}

#[test]
fn a_member_declaring_more_than_the_archive_holds_is_refused_before_the_model_is_built() {
    // A Dense(4096×4096) config (16.8 M parameters, 67 MB) whose weights member claims 64 MiB
    // in an archive of a few KiB: the claim must not pay for building the model.
    let mut m = Sequential::new();
    m.add(Dense::new(8).input_shape(&[8])).unwrap();
    let dir = scratch("liar");
    let good = dir.join("small.keras");
    save_model(&m, &good).unwrap();
    let mut src = zip::ZipArchive::new(std::fs::File::open(&good).unwrap()).unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
        if name == "config.json" {
            let text = String::from_utf8(bytes).unwrap();
            let big = text
                .replace("[null,8]", "[null,4096]")
                .replace("\"units\":8", "\"units\":4096");
            assert_ne!(big, text);
            bytes = big.into_bytes();
        }
        w.start_file(&name, stored).unwrap();
        w.write_all(&bytes).unwrap();
    }
    let mut zip = w.finish().unwrap().into_inner();
    forge_member_size(&mut zip, "model.weights.h5", 64 << 20);
    let path = dir.join("liar.keras");
    std::fs::write(&path, &zip).unwrap();
    for e in [
        load_model(&path).map(|_| ()).unwrap_err(),
        kerust_io::keras_zip::load_keras_bytes(&zip, &path)
            .map(|_| ())
            .unwrap_err(),
    ] {
        assert!(
            matches!(&e, IoError::TooLarge { object, what, .. } if object == "model.weights.h5" && what.contains("archive")),
            "{e:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
