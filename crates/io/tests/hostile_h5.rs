//! `.h5` and `.keras` files whose datasets would inflate far past what the model in their config
//! needs — deflate bombs beside the weights, weights larger than the config, a config sized to a
//! bomb, a chunk larger than its dataset, padding — are refused from their headers, before a value
//! is decoded: memory follows the model, not the file (issue 24 item 1, issue 26 item 2).
//!
//! The files are kerust's own saves rewritten with `hdf5-pure` (chunked, deflated datasets).
//! `peak_rss_of_hostile_loads` (ignored: `cargo test --release -p kerust-io --test hostile_h5 --
//! --ignored`) scales them to 1 GiB of declared values and loads each in a child process,
//! printing its peak RSS (VmHWM) and asserting it stays under 600 MB.

#![allow(clippy::result_large_err)] // IoError is large by design (see the crate root)
use hdf5_pure::{FileBuilder as PureFile, GroupBuilder, LibVer};
use kerust_hdf5::{AttrValue, Data, Dataset, File, Group, Hdf5Error};
use kerust_io::{keras_h5, keras_zip, load_model, IoError};
use kerust_layers::{Dense, Input, Sequential};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// What a rewritten dataset holds.
#[derive(Clone)]
enum Fill {
    /// Zeros of this shape in deflated chunks of `chunk`: a few bytes per MiB in the file.
    Zeros { shape: Vec<u64>, chunk: Vec<u64> },
    /// `n` pseudo-random floats, stored plainly: as large in the file as in memory.
    Noise { n: usize },
}

/// Replace (or, at the root, add) the dataset at `path` with `fill`. A `path` without a leading
/// `/` matches by its last components (`bias:0`), since layer names carry a global counter.
#[derive(Clone)]
struct Edit {
    path: String,
    fill: Fill,
}

impl Edit {
    fn matches(&self, d: &Dataset) -> bool {
        if self.path.starts_with('/') {
            d.path() == self.path
        } else {
            d.path().ends_with(&format!("/{}", self.path))
        }
    }
}

fn edit(path: &str, fill: Fill) -> Edit {
    Edit {
        path: path.to_string(),
        fill,
    }
}

fn zeros(shape: &[u64], chunk: &[u64]) -> Fill {
    Fill::Zeros {
        shape: shape.to_vec(),
        chunk: chunk.to_vec(),
    }
}

fn to_pure(v: &AttrValue) -> hdf5_pure::AttrValue {
    use hdf5_pure::AttrValue as P;
    match v {
        AttrValue::Str(s) => P::VarLenString(s.clone()),
        AttrValue::StrArray(v) => P::VarLenStringArray(v.clone()),
        AttrValue::Int(x) => P::I64(*x),
        AttrValue::Ints(v) => P::I64Array(v.clone()),
        AttrValue::UInt(x) => P::U64(*x),
        AttrValue::UInts(v) => P::U64Array(v.clone()),
        AttrValue::Float(x) => P::F64(*x),
        AttrValue::Floats(v) => P::F64Array(v.clone()),
    }
}

fn write_fill(b: &mut hdf5_pure::DatasetBuilder, fill: &Fill) {
    match fill {
        Fill::Zeros { shape, chunk } => {
            let n: u64 = shape.iter().product();
            b.with_f32_data(&vec![0.0; n as usize])
                .with_shape(shape)
                .with_chunks(chunk)
                .with_deflate(9);
        }
        Fill::Noise { n } => {
            let mut s = 0x9E37_79B9_7F4A_7C15u64;
            let v: Vec<f32> = (0..*n)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    (s >> 40) as f32 / (1u64 << 24) as f32
                })
                .collect();
            b.with_f32_data(&v).with_shape(&[*n as u64]);
        }
    }
}

fn write_dataset(b: &mut hdf5_pure::DatasetBuilder, d: &Dataset) {
    match d.data() {
        Data::F32(v) => b.with_f32_data(v),
        Data::F64(v) => b.with_f64_data(v),
        Data::I64(v) => b.with_i64_data(v),
        Data::Str(v) => b.with_vlen_strings(&v.iter().map(String::as_str).collect::<Vec<_>>()),
        other => panic!("test copier: add {:?}", other.dtype()),
    };
    let shape: Vec<u64> = d.shape().iter().map(|&x| x as u64).collect();
    b.with_shape(&shape);
    for (name, v) in d.attrs() {
        b.set_attr(name, to_pure(v));
    }
}

fn copy_group(gb: &mut GroupBuilder, g: &Group, edits: &[Edit]) {
    for (name, v) in g.attrs() {
        gb.set_attr(name, to_pure(v));
    }
    for d in g.datasets() {
        match edits.iter().find(|e| e.matches(d)) {
            Some(e) => write_fill(gb.create_dataset(d.name()), &e.fill),
            None => write_dataset(gb.create_dataset(d.name()), d),
        }
    }
    for child in g.groups() {
        let mut cb = gb.create_group(child.name());
        copy_group(&mut cb, child, edits);
        gb.add_group(cb.finish());
    }
}

/// kerust's HDF5 `bytes` again, with `edits` applied and root attributes replaced by `attrs`.
fn rewrite(bytes: &[u8], edits: &[Edit], attrs: &[(&str, String)]) -> Vec<u8> {
    let file = File::from_bytes(bytes.to_vec()).unwrap();
    let mut fb = PureFile::new();
    fb.with_libver_bounds(LibVer::V110, LibVer::V110);
    for (name, v) in file.attrs() {
        let v = match attrs.iter().find(|(n, _)| n == name) {
            Some((_, s)) => hdf5_pure::AttrValue::VarLenString(s.clone()),
            None => to_pure(v),
        };
        fb.set_attr(name, v);
    }
    for d in file.datasets() {
        match edits.iter().find(|e| e.matches(d)) {
            Some(e) => write_fill(fb.create_dataset(d.name()), &e.fill),
            None => write_dataset(fb.create_dataset(d.name()), d),
        }
    }
    for e in edits {
        let name = e.path.trim_start_matches('/');
        if e.path.starts_with('/') && !name.contains('/') && !file.contains(name) {
            write_fill(fb.create_dataset(name), &e.fill);
        }
    }
    for g in file.groups() {
        let mut gb = fb.create_group(g.name());
        copy_group(&mut gb, g, edits);
        fb.add_group(gb.finish());
    }
    fb.finish().unwrap()
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kerust_hostile_h5_{tag}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `Input(n) → Dense(units)`, built (so it can be saved).
fn dense(n: usize, units: usize) -> Sequential {
    let mut m = Sequential::new();
    m.add(Input::new(&[n])).unwrap();
    m.add(Dense::new(units)).unwrap();
    m
}

/// The `.h5` bytes of `dense(4, 1)` with `edits`.
fn tiny_h5(dir: &Path, edits: &[Edit]) -> Vec<u8> {
    let p = dir.join("tiny.h5");
    keras_h5::save_h5(&dense(4, 1), &p).unwrap();
    rewrite(&std::fs::read(&p).unwrap(), edits, &[])
}

/// The `.h5` bytes of `Input(n) → Dense(n)` with zero weights as deflated chunks: the config is
/// edited from a small model's, so the big model is never built here.
fn config_sized_bomb(dir: &Path, n: u64) -> Vec<u8> {
    let p = dir.join("small.h5");
    keras_h5::save_h5(&dense(8, 8), &p).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    let file = File::from_bytes(bytes.clone()).unwrap();
    let cfg = file
        .attr_str("model_config")
        .unwrap()
        .replace("[null,8]", &format!("[null,{n}]"))
        .replace("\"units\":8", &format!("\"units\":{n}"));
    assert!(cfg.contains(&format!("\"units\":{n}")), "{cfg}");
    let rows = (16u64 << 20) / (4 * n).max(1);
    let edits = [
        edit("kernel:0", zeros(&[n, n], &[rows.clamp(1, n), n])),
        edit("bias:0", zeros(&[n], &[n])),
    ];
    rewrite(&bytes, &edits, &[("model_config", cfg)])
}

/// The `.keras` bytes of `dense(4, 1)` with `edits` applied to its `model.weights.h5`.
fn tiny_keras(edits: &[Edit]) -> Vec<u8> {
    let good = keras_zip::keras_bytes(&dense(4, 1), Path::new("tiny.keras")).unwrap();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(good)).unwrap();
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name == "model.weights.h5" {
            bytes = rewrite(&bytes, edits, &[]);
        }
        w.start_file(&name, stored).unwrap();
        w.write_all(&bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A refusal for size, from the headers: not a shape mismatch found after decoding.
fn assert_refused_for_size(e: &IoError, what: &str) {
    assert!(
        matches!(
            e,
            IoError::TooLarge { .. }
                | IoError::Hdf5(Hdf5Error::TooLarge { .. } | Hdf5Error::OverBudget { .. })
        ),
        "{what}: {e:?}"
    );
}

/// The refusal of values inflating past 16 × the file: says how to fix it (no Limits to raise).
fn assert_refused_for_expansion(e: &IoError) {
    assert!(
        matches!(e, IoError::TooLarge { what, .. } if what.contains("decompression bomb")),
        "{e:?}"
    );
    assert!(e.to_string().contains("h5repack"), "{e}");
}

fn load_h5(bytes: &[u8], dir: &Path, name: &str) -> Result<(), IoError> {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    load_model(&p).map(|_| ())
}

#[test]
fn the_rewriter_keeps_a_loadable_model() {
    // Without edits the rewritten files load: the refusals below come from the edits.
    let dir = scratch("identity");
    load_h5(&tiny_h5(&dir, &[]), &dir, "same.h5").unwrap();
    keras_zip::load_keras_bytes(&tiny_keras(&[]), Path::new("same.keras")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_deflate_bomb_beside_the_weights_is_refused_before_decoding() {
    let dir = scratch("bomb");
    // 16 MiB of zeros beside a 5-parameter model, in a file of a few KiB.
    let bomb = [edit("/padding", zeros(&[4 << 20], &[1 << 20]))];
    let h5 = tiny_h5(&dir, &bomb);
    assert!(h5.len() < 256 << 10, "{}", h5.len());
    let e = load_h5(&h5, &dir, "bomb.h5").unwrap_err();
    assert_refused_for_expansion(&e);
    assert!(e.to_string().contains("bomb.h5"), "{e}");
    // The same inside a .keras: the member is small, what it inflates to is not.
    let keras = tiny_keras(&bomb);
    let e = keras_zip::load_keras_bytes(&keras, Path::new("bomb.keras"))
        .map(|_| ())
        .unwrap_err();
    assert_refused_for_size(&e, ".keras");
    assert!(e.to_string().contains("bomb.keras!model.weights.h5"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn weights_larger_than_the_config_are_refused_before_decoding() {
    let dir = scratch("bigkernel");
    // The config says a 4×1 kernel; the file declares 4×2^20 (16 MiB) of deflated zeros.
    let h5 = tiny_h5(
        &dir,
        &[edit("kernel:0", zeros(&[4, 1 << 20], &[4, 1 << 18]))],
    );
    let e = load_h5(&h5, &dir, "big.h5").unwrap_err();
    assert_refused_for_size(&e, "deflated kernel");
    // Stored plainly (a 32 MiB file): within the file's size, over what the model can use.
    let h5 = tiny_h5(&dir, &[edit("kernel:0", Fill::Noise { n: 8 << 20 })]);
    let e = load_h5(&h5, &dir, "big_plain.h5").unwrap_err();
    assert!(
        matches!(&e, IoError::Hdf5(Hdf5Error::OverBudget { budget, .. }) if budget.contains("architecture")),
        "{e:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_config_sized_to_a_deflate_bomb_is_refused_by_the_expansion_bound() {
    let dir = scratch("cfgbomb");
    // A 2048×2048 Dense whose 16 MiB of zero weights deflate to a few KiB.
    let h5 = config_sized_bomb(&dir, 2048);
    assert!(h5.len() < 256 << 10, "{}", h5.len());
    let e = load_h5(&h5, &dir, "cfg.h5").unwrap_err();
    assert_refused_for_expansion(&e);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_chunk_larger_than_its_dataset_is_refused_before_it_is_inflated() {
    let dir = scratch("chunk");
    // Four values in a 16 MiB chunk: the dataset declares 16 bytes, its chunk inflates 16 MiB.
    let h5 = tiny_h5(&dir, &[edit("bias:0", zeros(&[1], &[4 << 20]))]);
    let e = load_h5(&h5, &dir, "chunk.h5").unwrap_err();
    assert!(
        matches!(&e, IoError::TooLarge { object, .. } | IoError::Hdf5(Hdf5Error::OverBudget { object, .. }) if object.contains("one chunk")),
        "{e:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_padded_file_loads_within_the_model_budget_and_is_refused_past_it() {
    let dir = scratch("padded");
    // 8 MiB of padding fits the 16 MiB a model gets for structure and assets: it loads.
    let h5 = tiny_h5(&dir, &[edit("/padding", Fill::Noise { n: 2 << 20 })]);
    load_h5(&h5, &dir, "pad8.h5").unwrap();
    // 20 MiB does not: refused before a value is decoded, naming the budget.
    let h5 = tiny_h5(&dir, &[edit("/padding", Fill::Noise { n: 5 << 20 })]);
    let e = load_h5(&h5, &dir, "pad20.h5").unwrap_err();
    assert!(
        matches!(&e, IoError::Hdf5(Hdf5Error::OverBudget { .. })),
        "{e:?}"
    );
    assert!(e.to_string().contains("16 bytes a parameter"), "{e}");
    // load_weights into a built model is bounded by that model the same way.
    let p = dir.join("pad20.h5");
    let mut m = dense(4, 1);
    let e = kerust_io::load_weights(&mut m, &p).unwrap_err();
    assert!(
        matches!(&e, IoError::Hdf5(Hdf5Error::OverBudget { .. })),
        "{e:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Peak resident memory of this process so far, in kB (Linux `VmHWM`).
fn vm_hwm_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Child side of `peak_rss_of_hostile_loads`: load the file `KERUST_HOSTILE_LOAD` names and
/// print the outcome with the peak RSS.
#[test]
#[ignore = "run by peak_rss_of_hostile_loads in a child process"]
fn child_load() {
    let Ok(p) = std::env::var("KERUST_HOSTILE_LOAD") else {
        return;
    };
    let outcome = match load_model(&p) {
        Ok(_) => "loaded".to_string(),
        Err(e) => format!("refused: {e}"),
    };
    println!(
        "KERUST-RSS {} kB | {}",
        vm_hwm_kb().unwrap_or(0),
        outcome.replace('\n', " ")
    );
}

#[test]
#[ignore = "heavy: writes files declaring 1 GiB and loads each in a child process"]
fn peak_rss_of_hostile_loads() {
    let dir = scratch("rss");
    let gib_zeros = zeros(&[1 << 28], &[16 << 20]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("valid.h5 (Input 4 → Dense 1)", tiny_h5(&dir, &[])),
        (
            "bomb.h5 (1 GiB deflated zeros beside the weights)",
            tiny_h5(&dir, &[edit("/padding", gib_zeros.clone())]),
        ),
        (
            "kernel.h5 (kernel declared 4×2^26, 1 GiB, deflated)",
            tiny_h5(
                &dir,
                &[edit("kernel:0", zeros(&[4, 1 << 26], &[4, 1 << 22]))],
            ),
        ),
        (
            "config.h5 (Dense 16384×16384 config, 1 GiB of deflated zero weights)",
            config_sized_bomb(&dir, 16384),
        ),
        (
            "chunk.h5 (bias of 1 value in a 1 GiB deflated chunk)",
            tiny_h5(&dir, &[edit("bias:0", zeros(&[1], &[1 << 28]))]),
        ),
        (
            "padded.h5 (valid, plus 200 MiB stored padding)",
            tiny_h5(&dir, &[edit("/padding", Fill::Noise { n: 50 << 20 })]),
        ),
        (
            "bomb.keras (model.weights.h5 with 1 GiB deflated zeros)",
            tiny_keras(&[edit("/padding", gib_zeros)]),
        ),
    ];
    let mut worst = 0;
    for (i, (what, bytes)) in cases.iter().enumerate() {
        let ext = if what.contains(".keras") {
            "keras"
        } else {
            "h5"
        };
        let p = dir.join(format!("case{i}.{ext}"));
        std::fs::write(&p, bytes).unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["child_load", "--exact", "--ignored", "--nocapture"])
            .env("KERUST_HOSTILE_LOAD", &p)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find(|l| l.starts_with("KERUST-RSS"))
            .unwrap_or_else(|| panic!("{what}: no result; {stdout}"));
        let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        println!("{what}: file {} bytes; {line}", bytes.len());
        if i > 0 {
            assert!(line.contains("refused"), "{what}: {line}");
        }
        worst = worst.max(kb);
    }
    println!("worst peak RSS: {} MB", worst / 1024);
    assert!(worst < 600 * 1024, "a hostile load peaked at {worst} kB");
    std::fs::remove_dir_all(&dir).unwrap();
}
