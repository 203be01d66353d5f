//! Files written by this crate must read in h5py (and Keras when installed). Needs a Python with
//! h5py: `KERUST_PYTHON` or `python3`; prints the reason and passes when there is none.

mod common;

use std::path::Path;
use std::process::Command;

use common::{fixture_path, sample_file};
use kerust_hdf5::{File, FileBuilder};

fn python_with_h5py() -> Result<String, String> {
    let py = std::env::var("KERUST_PYTHON").unwrap_or_else(|_| "python3".into());
    match Command::new(&py).args(["-c", "import h5py"]).output() {
        Ok(o) if o.status.success() => Ok(py),
        Ok(o) => Err(format!(
            "`{py} -c 'import h5py'` failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("cannot run `{py}`: {e}")),
    }
}

#[test]
fn h5py_and_keras_read_files_written_by_rust() {
    let py = match python_with_h5py() {
        Ok(p) => p,
        Err(why) => {
            kerust_test_support::skip(
                "h5py_and_keras_read_files_written_by_rust",
                &format!("no Python with h5py ({why})"),
            );
            return;
        }
    };
    let dir = std::env::temp_dir().join(format!("kerust_hdf5_interop_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    sample_file().save(dir.join("rust_sample.h5")).unwrap();
    for (src, dst) in [
        ("keras3_model.h5", "rust_keras3_model.h5"),
        ("keras3.weights.h5", "rust_keras3.weights.h5"),
        ("tfkeras2_model.h5", "rust_tfkeras2_model.h5"),
    ] {
        let f = File::open(fixture_path(src)).unwrap();
        FileBuilder::from_file(f).save(dir.join(dst)).unwrap();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tools/keras_reference/hdf5_interop_check.py");
    let out = Command::new(&py)
        .arg(&script)
        .arg(&dir)
        .arg(fixture_path(""))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "{py} {} failed:\n{stdout}\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("OK h5py reads rust_sample.h5"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}
