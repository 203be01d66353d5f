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
