//! Models that take raw strings (TextVectorization first) through every file format: Keras 3
//! `.keras` fixtures (vocabulary in assets, tf_idf weights in the weights file) load and predict
//! what Keras predicted; kerust's own saves round-trip in `.keras`, `.h5` and the native
//! directory; with `KERUST_PYTHON` set, Keras loads kerust's `.keras` and predicts the same.
mod common;
use common::{fixture, scratch};
use kerust_io::{load_model, save_model};
use kerust_layers::{
    set_random_seed, Adam, Data, Dense, Embedding, FitArgs, GlobalAveragePooling1D, Input, Model,
    ModelCore, Sequential, SymbolicCall, TextVectorization,
};
use kerust_tensor::Tensor;
use serde_json::Value as Json;
use std::io::Read;
use std::path::{Path, PathBuf};

fn case(name: &str) -> Json {
    let text = std::fs::read_to_string(fixture(&format!("{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn strings(v: &Json) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn vectorizer(m: &ModelCore) -> &TextVectorization {
    m.layers()
        .into_iter()
        .find_map(|l| l.as_any().downcast_ref::<TextVectorization>())
        .expect("the model has a TextVectorization")
}

fn assert_close(got: &[f32], want: &[f32], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= tol, "{what}[{i}]: {g} vs {w}");
    }
}

/// A Keras 3 `.keras` fixture predicts what Keras predicted, with Keras's vocabulary and ids.
fn check_keras_fixture(name: &str) {
    let c = case(name);
    let mut m = load_model(fixture(&format!("{name}.keras"))).unwrap();
    let texts = strings(&c["texts"]);
    let tv = vectorizer(&m);
    assert_eq!(tv.get_vocabulary(), strings(&c["vocabulary"]), "{name}");
    let want_vec: Vec<f32> = c["vectorized"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
        })
        .collect();
    let got_vec: Vec<f32> = match tv.call_texts(&texts).unwrap() {
        Data::Int(t) => t.data().iter().map(|&x| x as f32).collect(),
        Data::Float(t) => t.to_vec().unwrap(),
        Data::Text(_) => unreachable!(),
    };
    assert_close(&got_vec, &want_vec, 1e-5, &format!("{name} vectorized"));
    let want: Vec<f32> = c["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    let p = m.predict(texts).unwrap().to_vec().unwrap();
    assert_close(&p, &want, 1e-5, &format!("{name} predictions"));
}

#[test]
fn keras_int_model_fixture_predicts_like_keras() {
    check_keras_fixture("text_vec_int");
}

#[test]
fn keras_tf_idf_bigram_model_fixture_predicts_like_keras() {
    check_keras_fixture("text_vec_tfidf");
}

const TRAIN: [&str; 12] = [
    "the fire spread near the school",
    "forest fire near la ronge",
    "smoke from wildfires pours into the town",
    "evacuation orders after the fire",
    "flood waters rise in the city",
    "i love fruits",
    "summer is lovely",
    "my car is so fast",
    "what a goal",
    "this is ridiculous",
    "london is cool",
    "love skiing",
];

/// The notebook's model_1: strings → TextVectorization → Embedding → pooling → Dense(sigmoid).
fn trained_string_model() -> Model {
    let mut tv = TextVectorization::new()
        .max_tokens(60)
        .output_sequence_length(7);
    tv.adapt(&TRAIN).unwrap();
    set_random_seed(3);
    let inputs = Input::new(&[1]).dtype("string").tensor();
    let x = tv.clone().apply(&inputs).unwrap();
    let x = Embedding::new(60, 4).apply(&x).unwrap();
    let x = GlobalAveragePooling1D::new().apply(&x).unwrap();
    let out = Dense::new(1).activation("sigmoid").apply(&x).unwrap();
    let mut m = Model::new(&[&inputs], &[&out]).unwrap();
    m.compile(Adam::new().learning_rate(0.05), "binary_crossentropy", &[])
        .unwrap();
    let y: Vec<f32> = (0..TRAIN.len()).map(|i| (i < 5) as u8 as f32).collect();
    let y = Tensor::from_vec(y, &[TRAIN.len(), 1]).unwrap();
    m.fit(TRAIN, &y, FitArgs::new().epochs(3).batch_size(4).verbose(0))
        .unwrap();
    m
}

const NEW: [&str; 3] = ["wildfire near my school", "I love London", "zebra"];

/// The same as a `Sequential` (Keras `Sequential([Input(shape=(1,), dtype="string"), tv, ...])`).
fn sequential_string_model() -> Sequential {
    let mut tv = TextVectorization::new()
        .output_mode("multi_hot")
        .max_tokens(30)
        .pad_to_max_tokens(true);
    tv.adapt(&TRAIN).unwrap();
    set_random_seed(5);
    let mut m = Sequential::new();
    m.add(Input::new(&[1]).dtype("string")).unwrap();
    m.add(tv).unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    m
}

#[test]
fn string_models_round_trip_in_every_format() {
    for (tag, m) in [
        ("functional", trained_string_model().into_core()),
        ("sequential", sequential_string_model().into_core()),
    ] {
        round_trip(tag, m);
    }
}

fn round_trip(tag: &str, mut m: ModelCore) {
    let want = m.predict(NEW).unwrap().to_vec().unwrap();
    let vocab = vectorizer(&m).get_vocabulary();
    let dir = scratch(&format!("text_vectorization_round_trip_{tag}"));
    for file in ["native_dir", "model.keras", "model.h5"] {
        let path = dir.join(file);
        save_model(&m, &path).unwrap();
        let mut again = load_model(&path).unwrap();
        assert_eq!(vectorizer(&again).get_vocabulary(), vocab, "{tag} {file}");
        let got = again.predict(NEW).unwrap().to_vec().unwrap();
        assert_eq!(got, want, "{tag} {file}");
        // The loaded model saves again (a second generation keeps the vocabulary too).
        let path2 = dir.join(format!("again_{file}"));
        save_model(&again, &path2).unwrap();
        let got2 = load_model(&path2).unwrap().predict(NEW).unwrap();
        assert_eq!(
            got2.to_vec().unwrap(),
            want,
            "{tag} {file} second generation"
        );
    }
}

fn zip_member(path: &Path, name: &str) -> Option<Vec<u8>> {
    let f = std::fs::File::open(path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut m = z.by_name(name).ok()?;
    let mut buf = Vec::new();
    m.read_to_end(&mut buf).unwrap();
    Some(buf)
}

#[test]
fn kerust_keras_files_keep_the_vocabulary_in_assets_like_keras() {
    let m = trained_string_model();
    let dir = scratch("text_vectorization_assets");
    let path = dir.join("m.keras");
    save_model(&m, &path).unwrap();
    let cfg: Json = serde_json::from_slice(&zip_member(&path, "config.json").unwrap()).unwrap();
    let tv_cfg = cfg["config"]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["class_name"] == "TextVectorization")
        .unwrap();
    assert!(tv_cfg["config"]["vocabulary"].is_null(), "{tv_cfg}");
    assert_eq!(tv_cfg["config"]["output_sequence_length"], 7);
    let vocab = vectorizer(&m).get_vocabulary();
    for member in [
        "assets/layers/text_vectorization/vocabulary.txt",
        "assets/layers/text_vectorization/_lookup_layer/vocabulary.txt",
    ] {
        let bytes = zip_member(&path, member).expect(member);
        assert_eq!(String::from_utf8(bytes).unwrap(), vocab.join("\n"));
    }
    // A fixed vocabulary (constructor `vocabulary=`) stays in the config, as in Keras.
    let tv = TextVectorization::new().vocabulary(&["fire", "love"]);
    let inputs = Input::new(&[1]).dtype("string").tensor();
    let x = tv.apply(&inputs).unwrap();
    let x = Embedding::new(4, 2).apply(&x).unwrap();
    let fixed = Model::new(&[&inputs], &[&x]).unwrap();
    let path = dir.join("fixed.keras");
    save_model(&fixed, &path).unwrap();
    assert!(zip_member(&path, "assets/layers/text_vectorization/vocabulary.txt").is_none());
    let back = load_model(&path).unwrap();
    assert_eq!(
        vectorizer(&back).get_vocabulary(),
        ["", "[UNK]", "fire", "love"]
    );
}

#[test]
fn a_keras_file_without_its_vocabulary_asset_loads_unadapted() {
    // Rewrite the Keras fixture without its assets: the layer must then ask for adapt().
    let src = std::fs::File::open(fixture("text_vec_int.keras")).unwrap();
    let mut z = zip::ZipArchive::new(src).unwrap();
    let dir = scratch("text_vectorization_no_asset");
    let path = dir.join("no_assets.keras");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        if f.name().starts_with("assets/") {
            continue;
        }
        let name = f.name().to_string();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).unwrap();
        w.start_file(name, opts).unwrap();
        std::io::Write::write_all(&mut w, &buf).unwrap();
    }
    w.finish().unwrap();
    let mut m = load_model(&path).unwrap();
    let e = m.predict(["fire"]).unwrap_err().to_string();
    assert!(e.contains("call adapt() first"), "{e}");
}

/// Keras's predictions and vocabulary for each model file kerust wrote, all in one Python
/// (importing TensorFlow takes seconds).
fn keras_check(
    py: &std::ffi::OsStr,
    paths: &[PathBuf],
    texts: &[&str],
) -> Vec<(Vec<f32>, Vec<String>)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tools/keras_reference/text_vectorization_fixtures.py");
    let mut cmd = std::process::Command::new(py);
    cmd.arg(script).arg("--check");
    for path in paths {
        let case_path = path.with_extension("case.json");
        std::fs::write(
            &case_path,
            serde_json::json!({ "texts": texts }).to_string(),
        )
        .unwrap();
        cmd.arg(path).arg(case_path);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "Keras could not load {paths:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("{\"predictions\""))
        .collect();
    assert_eq!(lines.len(), paths.len(), "one answer per file:\n{stdout}");
    lines
        .iter()
        .map(|line| {
            let got: Json = serde_json::from_str(line).unwrap();
            let p = got["predictions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect();
            (p, strings(&got["vocabulary"]))
        })
        .collect()
}

/// kerust → Keras: Keras loads kerust's `.keras` (vocabulary asset, tf_idf weights) and `.h5`
/// (vocabulary in the config) and predicts the same.
#[test]
fn keras_loads_kerust_string_models() {
    let Some(py) = kerust_test_support::python("keras_loads_kerust_string_models")
        .map(std::path::PathBuf::into_os_string)
    else {
        return;
    };
    let dir = scratch("text_vectorization_keras_check");
    let tfidf = load_model(fixture("text_vec_tfidf.keras")).unwrap();
    let mut cases = Vec::new();
    for (tag, mut m) in [
        ("int", trained_string_model().into_core()),
        ("tfidf", tfidf.into_core()),
        (
            "sequential_multi_hot",
            sequential_string_model().into_core(),
        ),
    ] {
        let want = m.predict(NEW).unwrap().to_vec().unwrap();
        let vocab = vectorizer(&m).get_vocabulary();
        for ext in ["keras", "h5"] {
            let path = dir.join(format!("{tag}.{ext}"));
            save_model(&m, &path).unwrap();
            cases.push((format!("{tag}.{ext}"), path, want.clone(), vocab.clone()));
        }
    }
    let paths: Vec<PathBuf> = cases.iter().map(|c| c.1.clone()).collect();
    let answers = keras_check(&py, &paths, &NEW);
    for ((name, _, want, vocab), (p, v)) in cases.iter().zip(answers) {
        assert_eq!(&v, vocab, "{name}");
        assert_close(&p, want, 1e-5, &format!("Keras predictions of {name}"));
    }
}
