//! TensorBoard writes real event files: framing and CRCs checked here, and — when KERUST_PYTHON
//! points at a Python with tensorflow/tensorboard — read back by TensorBoard's own loaders.
use kerust_layers::callbacks::event_file::masked_crc32c;
use kerust_layers::*;
use kerust_tensor::{Rng, Tensor};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

fn varint(b: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let byte = b[*pos];
        *pos += 1;
        v |= ((byte & 0x7f) as u64) << shift;
        if byte < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// (field, wire type, payload) of each top-level protobuf field.
fn fields(b: &[u8]) -> Vec<(u64, u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let key = varint(b, &mut pos);
        let (field, wire) = (key >> 3, (key & 7) as u8);
        let payload = match wire {
            0 => {
                let start = pos;
                varint(b, &mut pos);
                b[start..pos].to_vec()
            }
            1 => {
                pos += 8;
                b[pos - 8..pos].to_vec()
            }
            2 => {
                let n = varint(b, &mut pos) as usize;
                pos += n;
                b[pos - n..pos].to_vec()
            }
            5 => {
                pos += 4;
                b[pos - 4..pos].to_vec()
            }
            w => panic!("unexpected wire type {w}"),
        };
        out.push((field, wire, payload));
    }
    out
}

/// Every record of an event file, with both CRCs checked.
fn records(path: &Path) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let len_bytes = &bytes[pos..pos + 8];
        let len = u64::from_le_bytes(len_bytes.try_into().unwrap()) as usize;
        let crc = u32::from_le_bytes(bytes[pos + 8..pos + 12].try_into().unwrap());
        assert_eq!(crc, masked_crc32c(len_bytes), "length CRC");
        let data = &bytes[pos + 12..pos + 12 + len];
        let crc = u32::from_le_bytes(bytes[pos + 12 + len..pos + 16 + len].try_into().unwrap());
        assert_eq!(crc, masked_crc32c(data), "data CRC");
        out.push(data.to_vec());
        pos += 16 + len;
    }
    out
}

/// tag → [(step, value)] decoded from the records of the single event file in `dir`.
fn scalars(dir: &Path) -> (String, Vec<(String, i64, f32)>) {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_str().unwrap().to_string();
    assert!(
        name.starts_with("events.out.tfevents.") && name.ends_with(".v2"),
        "{name}"
    );
    let recs = records(&files[0]);
    let first = fields(&recs[0]);
    let version = first
        .iter()
        .find(|(f, _, _)| *f == 3)
        .map(|(_, _, p)| String::from_utf8(p.clone()).unwrap())
        .expect("first event is file_version");
    let mut out = Vec::new();
    for rec in &recs[1..] {
        let ev = fields(rec);
        let mut step = 0i64;
        for (f, _, p) in &ev {
            if *f == 2 {
                step = varint(p, &mut 0) as i64;
            }
        }
        let summary = &ev.iter().find(|(f, _, _)| *f == 5).expect("summary").2;
        for (_, _, value) in fields(summary) {
            let vf = fields(&value);
            let tag =
                String::from_utf8(vf.iter().find(|(f, _, _)| *f == 1).unwrap().2.clone()).unwrap();
            let v = &vf.iter().find(|(f, w, _)| *f == 2 && *w == 5).unwrap().2;
            out.push((tag, step, f32::from_le_bytes(v[..4].try_into().unwrap())));
        }
    }
    (version, out)
}

fn train(dir: &Path) -> callbacks::History {
    let mut rng = Rng::seed(4);
    let x = Tensor::rand_uniform(&[48, 3], -1.0, 1.0, &mut rng).unwrap();
    let xv = x.to_vec().unwrap();
    let y: Vec<f32> = xv
        .chunks(3)
        .map(|r| (r[0] + r[1] > 0.0) as u8 as f32)
        .collect();
    let y = Tensor::from_vec(y, &[48, 1]).unwrap();
    let mut m = Sequential::new();
    m.add(Dense::new(1).activation("sigmoid").input_shape(&[3]))
        .unwrap();
    m.set_seed(1);
    m.compile(
        Adam::new().learning_rate(0.05),
        "binary_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    m.fit(
        &x,
        &y,
        FitArgs::new()
            .epochs(3)
            .batch_size(16)
            .verbose(0)
            .validation_split(0.25)
            .callback(TensorBoard::new(dir)),
    )
    .unwrap()
}

fn expected(h: &callbacks::History, val: bool) -> Vec<(String, i64, f32)> {
    let mut want = Vec::new();
    for epoch in 0..3 {
        for (k, vals) in &h.history {
            if k.starts_with("val_") == val {
                let tag = format!("epoch_{}", k.strip_prefix("val_").unwrap_or(k));
                want.push((tag, epoch as i64, vals[epoch]));
            }
        }
        if !val {
            want.push(("epoch_learning_rate".into(), epoch as i64, 0.05));
        }
    }
    want
}

#[test]
fn event_files_hold_every_epoch_scalar() {
    let dir = tempfile::tempdir().unwrap();
    let h = train(dir.path());
    let (version, got) = scalars(&dir.path().join("train"));
    assert_eq!(version, "brain.Event:2");
    assert_eq!(got, expected(&h, false));
    let (_, got) = scalars(&dir.path().join("validation"));
    assert_eq!(got, expected(&h, true));
}

#[test]
fn tensorboard_reads_the_files() {
    let Some(py) = kerust_test_support::python("tensorboard_reads_the_files") else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tools/keras_reference/tensorboard_read.py");
    let dir = tempfile::tempdir().unwrap();
    let h = train(dir.path());
    for (sub, val) in [("train", false), ("validation", true)] {
        let out = match std::process::Command::new(&py)
            .arg(&script)
            .arg(dir.path().join(sub))
            .output()
        {
            Ok(o) if o.status.success() => o,
            Ok(o) => {
                let err = String::from_utf8_lossy(&o.stderr);
                if err.contains("ModuleNotFoundError") {
                    kerust_test_support::skip(
                        "tensorboard_reads_the_files",
                        "KERUST_PYTHON lacks tensorflow/tensorboard",
                    );
                    return;
                }
                panic!("TensorBoard could not read the {sub} events: {err}");
            }
            Err(e) => {
                kerust_test_support::skip(
                    "tensorboard_reads_the_files",
                    &format!("KERUST_PYTHON does not run ({e})"),
                );
                return;
            }
        };
        let stdout = String::from_utf8(out.stdout).unwrap();
        let json: Json = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        assert_eq!(json["file_version"], "brain.Event:2");
        for loader in ["accumulator", "summary_iterator"] {
            let mut got = Vec::new();
            for (tag, points) in json[loader].as_object().unwrap() {
                for p in points.as_array().unwrap() {
                    got.push((
                        tag.clone(),
                        p[0].as_i64().unwrap(),
                        p[1].as_f64().unwrap() as f32,
                    ));
                }
            }
            let mut want = expected(&h, val);
            got.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
            want.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
            assert_eq!(got, want, "{loader} on {sub}");
        }
    }
}

#[test]
fn update_freq_writes_batch_scalars_at_global_steps() {
    let dir = tempfile::tempdir().unwrap();
    let x = Tensor::from_vec((0..20).map(|i| i as f32 / 20.0).collect(), &[20, 1]).unwrap();
    let y = Tensor::from_vec((0..20).map(|i| i as f32 / 10.0).collect(), &[20, 1]).unwrap();
    let mut m = Sequential::new();
    m.add(Dense::new(1).input_shape(&[1])).unwrap();
    m.compile("sgd", "mse", &[]).unwrap();
    let batch_losses = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let bl = batch_losses.clone();
    m.fit(
        &x,
        &y,
        FitArgs::new()
            .epochs(2)
            .batch_size(4)
            .verbose(0)
            .callback(TensorBoard::new(dir.path()).update_freq(2))
            .callback(
                LambdaCallback::new()
                    .on_train_batch_end(move |_, l| bl.borrow_mut().push(l.get("loss").unwrap())),
            ),
    )
    .unwrap();
    let (_, got) = scalars(&dir.path().join("train"));
    let batch: Vec<(i64, f32)> = got
        .iter()
        .filter(|(t, _, _)| t == "batch_loss")
        .map(|(_, s, v)| (*s, *v))
        .collect();
    // 5 batches per epoch → global steps 1..=10, written at the even ones.
    let all = batch_losses.borrow();
    let want: Vec<(i64, f32)> = [2, 4, 6, 8, 10]
        .iter()
        .map(|&s| (s, all[s as usize - 1]))
        .collect();
    assert_eq!(batch, want);
    assert_eq!(got.iter().filter(|(t, _, _)| t == "epoch_loss").count(), 2);
}
