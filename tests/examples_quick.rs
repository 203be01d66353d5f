//! Every example still runs: each is run with `--quick` (few epochs / samples), and the figures it
//! writes with `--report` are checked — exact where the lecture's numbers are deterministic
//! (baselines, the single-neuron RNN, tokenizer output, parameter counts).
//!
//! Examples that need the lecture datasets read `KERUST_DATA`; without it they print a skip reason
//! and exit successfully, and the test writes a visible KERUST-SKIP line with that reason.
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The profile folder this test binary was built into (`target/release` or `target/debug`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/examples_quick-<hash>
    exe.parent()
        .and_then(Path::parent)
        .expect("test binary lives in target/<profile>/deps")
        .to_path_buf()
}

/// Build all examples once, with the same profile as this test (a no-op after `cargo test --workspace`).
fn build_examples() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        // `--workspace`: the feature set `cargo test --workspace` (CI) resolved, so its example
        // binaries are reused; `-p kerust` resolved fewer dev-dependency features (rustix through
        // tempfile) and rebuilt kerust-datasets, kerust and every example (2.5 min in CI).
        cmd.args(["build", "--examples", "--workspace"]);
        if profile_dir().file_name().and_then(|s| s.to_str()) == Some("release") {
            cmd.arg("--release");
        }
        // Cargo gives this test package-specific variables (CARGO_PKG_NAME, CARGO_MANIFEST_DIR, …);
        // build scripts that watch them (ring's does) would see a change and rebuild every time.
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("CARGO_PKG_")
                || k.starts_with("CARGO_MANIFEST_")
                || matches!(
                    k.as_ref(),
                    "CARGO_CRATE_NAME"
                        | "CARGO_PRIMARY_PACKAGE"
                        | "CARGO_TARGET_TMPDIR"
                        | "OUT_DIR"
                )
            {
                cmd.env_remove(&key);
            }
        }
        let status = cmd
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("run cargo build --examples");
        assert!(status.success(), "cargo build --examples failed");
    });
}

#[derive(Clone)]
struct Run {
    stdout: String,
    report: Option<Value>,
    out_dir: PathBuf,
}

/// [`run_example`] once per (example, arguments) for every test that only reads the run: the
/// tweets notebook trains eight models, and three tests check different parts of one run.
fn run_example_shared(name: &str, extra: &[&str]) -> Run {
    type Runs = std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<OnceLock<Run>>>>;
    static RUNS: OnceLock<Runs> = OnceLock::new();
    let key = format!("{name} {}", extra.join(" "));
    let cell = RUNS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_default()
        .clone();
    cell.get_or_init(|| run_example(name, extra)).clone()
}

/// Run one example with `--quick --report --out` in a fresh temporary folder.
fn run_example(name: &str, extra: &[&str]) -> Run {
    build_examples();
    let exe = profile_dir()
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(exe.exists(), "example binary {} missing", exe.display());
    // Two tests may run the same example at once: give each run its own folder.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let k = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("kerust-quick-{}-{name}-{k}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let report = dir.join("report.json");
    let out_dir = dir.join("plots");
    let started = std::time::Instant::now();
    let output = Command::new(&exe)
        .arg("--quick")
        .arg("--report")
        .arg(&report)
        .arg("--out")
        .arg(&out_dir)
        .args(extra)
        .output()
        .expect("run example");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        output.status.success(),
        "{name} --quick failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    eprintln!("{name} --quick: {:.1}s", started.elapsed().as_secs_f64());
    let report = std::fs::read_to_string(&report)
        .ok()
        .map(|t| serde_json::from_str(&t).expect("--report writes valid JSON"));
    Run {
        stdout,
        report,
        out_dir,
    }
}

/// A skipped data example must say why; returns the report when it ran.
fn ran_or_skipped(run: &Run, name: &str) -> Option<Value> {
    match &run.report {
        Some(r) => Some(r.clone()),
        None => {
            assert!(
                run.stdout.contains("SKIP"),
                "{name} wrote no report and printed no skip reason:\n{}",
                run.stdout
            );
            // The examples' "no data folder" line is the unset KERUST_DATA; group it with the rest.
            let line = run
                .stdout
                .lines()
                .find(|l| l.contains("SKIP"))
                .unwrap_or("SKIP");
            let reason = if line.contains("no data folder") {
                "KERUST_DATA unset"
            } else {
                line.trim()
            };
            kerust_test_support::skip(name, reason);
            None
        }
    }
}

fn num(r: &Value, key: &str) -> f64 {
    r.get(key)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("report lacks number {key}: {r}"))
}

fn assert_plot(run: &Run, file: &str) {
    let p = run.out_dir.join(file);
    let meta = std::fs::metadata(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert!(meta.len() > 1000, "{} is suspiciously small", p.display());
}

#[test]
fn quickstart_runs_without_data() {
    let run = run_example("quickstart", &[]);
    let r = run.report.as_ref().expect("quickstart always reports");
    let acc = num(r, "test_accuracy");
    // It must have learned: a constant predictor scores `majority_accuracy` (1/3 here); --quick
    // measured 0.49.
    let majority = num(r, "majority_accuracy");
    assert!(
        acc >= majority + 0.1,
        "quickstart did not learn: test accuracy {acc}, constant predictor {majority}"
    );
    assert!(num(r, "params") > 0.0);
    assert!(run.stdout.contains("Total params"), "{}", run.stdout);
    assert_plot(&run, "quickstart_accuracy.png");
}

#[test]
fn seq2seq_reverse_runs_without_data() {
    let run = run_example("seq2seq_reverse", &[]);
    let r = run.report.as_ref().expect("seq2seq_reverse always reports");
    for key in ["test_digit_accuracy", "test_string_accuracy"] {
        let acc = num(r, key);
        assert!((0.0..=1.0).contains(&acc), "{key} {acc}");
    }
    // Two LSTM(64) (on 10 one-hot digits, then on the repeated 64-d code) and Dense(10) per step.
    assert_eq!(
        num(r, "params"),
        (4 * (10 + 64 + 1) * 64 + 4 * (64 + 64 + 1) * 64 + 650) as f64
    );
    assert!(
        run.stdout.contains("repeat_vector (RepeatVecto"),
        "{}",
        run.stdout
    );
}

#[test]
fn lecture18_fortune500_reproduces_the_deterministic_figures() {
    let run = run_example("lecture18_fortune500", &[]);
    let Some(r) = ran_or_skipped(&run, "lecture18_fortune500") else {
        return;
    };
    assert!((num(&r, "baselines.mean_mse") - 0.3516210190443937).abs() < 1e-12);
    assert!((num(&r, "baselines.last_value_mse") - 0.033289150367058463).abs() < 1e-12);
    assert!((num(&r, "single_neuron.mse") - 0.03900926352398098).abs() < 1e-6);
    let w: Vec<f64> = r["single_neuron.w"]
        .as_array()
        .expect("w list")
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (got, want) in w.iter().zip([-0.07161043, 1.15476269, 0.25800392]) {
        assert!((got - want).abs() < 1e-6, "w {w:?}");
    }
    assert_eq!(num(&r, "simple_rnn.params"), 3.0);
    assert_eq!(num(&r, "stacked.params"), 207.0);
    // kerust's SimpleRNN models (not the example's own f64 loop) must beat the best constant
    // predictor, the mean (its MSE is baselines.mean_mse = 0.352); --quick measured 0.143 and 0.068.
    let mean_mse = num(&r, "baselines.mean_mse");
    for key in ["simple_rnn.mse", "stacked.mse"] {
        let mse = num(&r, key);
        assert!(
            mse < 0.6 * mean_mse,
            "{key} = {mse}: no better than predicting the mean ({mean_mse})"
        );
    }
    assert!(run.stdout.contains("Total params: 207"), "{}", run.stdout);
    // plot_series(X[1, :], 100, y[1], y_label="MMM"): row 1 of the file is AOS.
    assert_eq!(r["mmm_series.ticker"], Value::String("AOS".into()));
    assert_plot(&run, "mmm_series.png");
    for f in [
        "single_neuron_loss.png",
        "single_neuron_scatter.png",
        "simple_rnn_scatter.png",
        "stacked_scatter.png",
        "mse_comparison.png",
    ] {
        assert_plot(&run, f);
    }
}

#[test]
fn lecture18_text_intro_matches_the_tokenizer_slides() {
    let run = run_example("lecture18_text_intro", &[]);
    let r = run.report.as_ref().expect("text intro always reports");
    let wi = &r["word_index"];
    for (w, i) in [
        ("i", 1),
        ("love", 2),
        ("stats", 3),
        ("so", 4),
        ("much", 5),
        ("ml", 6),
        ("too", 7),
        ("ds", 8),
        ("nn", 9),
    ] {
        assert_eq!(wi[w].as_i64(), Some(i), "word_index {wi}");
    }
    assert_eq!(
        r["text_sequences"],
        serde_json::json!([[1, 2, 3, 4, 5], [1, 2, 6, 7], [1, 2, 8], [1, 2, 9]])
    );
    assert_eq!(
        r["padded"],
        serde_json::json!([[1, 2, 3, 4], [1, 2, 6, 7], [1, 2, 8, 0], [1, 2, 9, 0]])
    );
    assert_eq!(r["embedded_shape"], serde_json::json!([4, 4, 3]));
    assert_eq!(num(r, "embedding_params"), 33.0);
    assert_eq!(r["embedding_shared_rows_equal"], Value::Bool(true));
    assert!(num(r, "embedding_max_abs") <= 0.05);
}

#[test]
fn lecture18_text_intro_conv1d_matches_np_convolve() {
    let run = run_example("lecture18_text_intro", &[]);
    let r = run.report.as_ref().expect("text intro always reports");
    let list = |key: &str| -> Vec<f64> {
        r[key]
            .as_array()
            .unwrap_or_else(|| panic!("report lacks list {key}: {r}"))
            .iter()
            .map(|v| v.as_f64().expect("number"))
            .collect()
    };
    let close = |got: Vec<f64>, want: &[f64], key: &str| {
        assert_eq!(got.len(), want.len(), "{key}: {got:?}");
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{key}: {got:?} vs {want:?}");
        }
    };
    // np.convolve([0,1,2,1,0], [0.2,0.6,0.2][::-1], 'same') on the slide.
    let lecture = [0.2, 1.0, 1.6, 1.0, 0.2];
    close(list("conv1d.same"), &lecture, "conv1d.same");
    close(
        list("conv1d.np_convolve_same"),
        &lecture,
        "conv1d.np_convolve_same",
    );
    close(list("conv1d.formula"), &lecture, "conv1d.formula");
    close(list("conv1d.valid"), &[1.0, 1.6, 1.0], "conv1d.valid");
    // numpy's own answers for the asymmetric kernel [0.1, 0.6, 0.3].
    close(
        list("conv1d.asymmetric_conv1d"),
        &[0.3, 1.2, 1.6, 0.8, 0.1],
        "conv1d.asymmetric_conv1d",
    );
    close(
        list("conv1d.asymmetric_np_convolve"),
        &[0.1, 0.8, 1.6, 1.2, 0.3],
        "conv1d.asymmetric_np_convolve",
    );
    assert_eq!(num(r, "conv1d.params"), 3.0);
    assert_eq!(r["conv1d.all_agree"], Value::Bool(true));
    assert_plot(&run, "conv1d_same.png");
}

#[test]
fn bst261_imdb_prints_the_lecture_summaries() {
    let run = run_example("bst261_imdb", &[]);
    let r = run.report.as_ref().expect("summaries need no data");
    assert_eq!(num(r, "flatten.params"), 80_161.0);
    assert_eq!(num(r, "simple_rnn.params"), 322_080.0);
    assert_eq!(num(r, "simple_rnn_sequences.params"), 322_080.0);
    assert_eq!(num(r, "stacked.params"), 328_320.0);
    assert!(run.stdout.contains("(None, None, 32)"), "{}", run.stdout);
}

#[test]
fn bst261_imdb_trains_on_an_imdb_npz() {
    // The datasets crate's tiny imdb.npz (same format as Keras's) stands in for the download.
    let dir = std::env::temp_dir().join(format!("kerust-quick-{}-imdb-data", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/datasets/tests/fixtures/imdb_tiny.npz");
    std::fs::copy(&fixture, dir.join("imdb.npz")).expect("copy fixture");
    let data = dir.to_string_lossy().to_string();
    let run = run_example("bst261_imdb", &["--data", &data]);
    let r = run.report.as_ref().expect("report");
    let acc = num(r, "flatten.test_accuracy");
    assert!((0.0..=1.0).contains(&acc), "{acc}");
    assert!(num(r, "simple_rnn.best_val_accuracy").is_finite());
    assert_plot(&run, "imdb_val_accuracy.png");
}

#[test]
fn bst261_imdb_runs_the_glove_experiment_on_a_tiny_aclimdb_tree() {
    // A hand-made aclImdb tree (6 reviews per folder) and a 100-d GloVe-format file stand in
    // for aclImdb_v1.tar.gz and glove.6B.100d.txt; an empty --data keeps imdb.npz out of it.
    let dir = empty_data_dir("aclimdb-glove");
    let root = dir.join("aclImdb");
    let (good, bad) = (
        [
            "great movie",
            "a good film",
            "great acting and a good story",
        ],
        [
            "bad movie",
            "an awful film",
            "bad acting and an awful story",
        ],
    );
    for split in ["train", "test"] {
        for (folder, texts, rating) in [("pos", good, 9), ("neg", bad, 2)] {
            let d = root.join(split).join(folder);
            std::fs::create_dir_all(&d).expect("review folder");
            for k in 0..6 {
                let text = format!("{} {}", texts[k % 3], texts[(k + 1) % 3]);
                std::fs::write(d.join(format!("{k}_{rating}.txt")), text).expect("review");
            }
        }
    }
    // "zebra" is in the file but not in the reviews; "great" … "awful" are in both.
    let words = ["movie", "great", "bad", "film", "awful", "zebra"];
    let vectors: Vec<Vec<f32>> = (0..words.len())
        .map(|k| {
            (0..100)
                .map(|j| ((k * 100 + j) as f32 * 0.37).sin() * 0.5)
                .collect()
        })
        .collect();
    let text: String = words
        .iter()
        .zip(&vectors)
        .map(|(w, v)| {
            let cells: Vec<String> = v.iter().map(|x| x.to_string()).collect();
            format!("{w} {}\n", cells.join(" "))
        })
        .collect();
    let glove = dir.join("glove.tiny.100d.txt");
    std::fs::write(&glove, text).expect("write glove");
    let data = dir.join("no-npz");
    std::fs::create_dir_all(&data).expect("data dir");
    let run = run_example(
        "bst261_imdb",
        &[
            "--data",
            &data.to_string_lossy(),
            "--imdb-dir",
            &root.to_string_lossy(),
            "--glove",
            &glove.to_string_lossy(),
        ],
    );
    let r = run.report.as_ref().expect("report");
    assert_eq!(r["glove.status"], Value::String("ran".into()), "{r}");
    // 12 training reviews: half train, half validate; all 12 test reviews are scored.
    assert_eq!(num(r, "glove.n_reviews"), 12.0);
    assert_eq!(num(r, "glove.n_train"), 6.0);
    assert_eq!(num(r, "glove.n_val"), 6.0);
    assert_eq!(num(r, "glove.n_test"), 12.0);
    // Embedding(10000, 100) + Dense(10000 → 32) + Dense(32 → 1), as in the book's summary.
    assert_eq!(num(r, "glove.params"), 1_320_065.0);
    assert_eq!(num(r, "glove.trainable_params"), 320_065.0);
    assert_eq!(num(r, "glove.non_trainable_params"), 1_000_000.0);
    assert_eq!(num(r, "no_glove.params"), 1_320_065.0);
    assert_eq!(num(r, "no_glove.trainable_params"), 1_320_065.0);
    assert!(
        run.stdout.contains("Non-trainable params: 1,000,000"),
        "{}",
        run.stdout
    );
    // Frozen means frozen, and the rows are the file's vectors for the known words.
    let before = r["glove.embedding_checksum_before"]
        .as_str()
        .expect("checksum");
    assert_eq!(Some(before), r["glove.embedding_checksum_after"].as_str());
    assert_eq!(r["glove.embedding_unchanged"], Value::Bool(true));
    assert_eq!(num(r, "glove.words_found"), 5.0);
    assert_eq!(num(r, "glove.rows_matching_glove"), 5.0);
    let sample = r["glove.sample_rows"].as_object().expect("sample rows");
    assert_eq!(sample.len(), 3);
    for (word, row) in sample {
        let k = words.iter().position(|w| w == word).expect("a GloVe word");
        let got: Vec<f32> = row
            .as_array()
            .expect("row")
            .iter()
            .map(|v| v.as_f64().expect("number") as f32)
            .collect();
        assert_eq!(got, vectors[k][..5], "{word}");
    }
    // The trainable embedding of the second model did move.
    assert_eq!(r["no_glove.embedding_changed"], Value::Bool(true));
    for key in ["glove", "no_glove"] {
        assert_eq!(
            r[&format!("{key}.val_acc")].as_array().map(Vec::len),
            Some(2)
        );
        let acc = num(r, &format!("{key}.test_acc"));
        assert!((0.0..=1.0).contains(&acc), "{key} {acc}");
    }
    assert_plot(&run, "glove_accuracy.png");
    assert_plot(&run, "glove_loss.png");
}

/// Keras's `text_vectorizer` on the notebook's split, from tools/keras_reference/.
fn tweets_keras_fixture() -> Value {
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tweets_text_vectorizer.json");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("fixture is JSON")
}

#[test]
fn nlp_disaster_tweets_baseline_matches_the_notebook() {
    let run = run_example_shared("nlp_disaster_tweets", &[]);
    let Some(r) = ran_or_skipped(&run, "nlp_disaster_tweets") else {
        return;
    };
    assert_eq!(num(&r, "n_train"), 6851.0);
    assert_eq!(num(&r, "n_val"), 762.0);
    assert!((num(&r, "baseline.accuracy") - 79.26509186351706).abs() < 1e-9);
    assert!((num(&r, "baseline.precision") - 0.8111390004213173).abs() < 1e-9);
    assert!((num(&r, "baseline.recall") - 0.7926509186351706).abs() < 1e-9);
    assert!((num(&r, "baseline.f1") - 0.7862189758049549).abs() < 1e-9);
    assert_eq!(
        r["baseline.preds_first20"],
        serde_json::json!([1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])
    );
    assert_plot(&run, "tweets_results.png");

    // The shared TextVectorization against Keras's on the same split
    // (tools/keras_reference/tweets_vectorizer_reference.py writes the fixture).
    let keras = tweets_keras_fixture();
    assert_eq!(r["n_train"], keras["n_train"]);
    assert_eq!(r["n_val"], keras["n_val"]);
    assert_eq!(r["avg_tokens"], keras["avg_tokens"]);
    assert_eq!(r["vocab.size"], keras["vocab_size"]);
    assert_eq!(r["vocab.top5"], keras["vocab_top5"]);
    assert_eq!(r["vocab.bottom5"], keras["vocab_bottom5"]);
    let sample_ids: Vec<i64> = keras["sample_ids"]
        .as_array()
        .expect("sample_ids")
        .iter()
        .map(|v| v.as_i64().expect("id"))
        .collect();
    let ids = format!(
        "text_vectorizer([{:?}]) = {sample_ids:?}",
        keras["sample_sentence"].as_str().expect("sample_sentence"),
    );
    assert!(run.stdout.contains(&ids), "want {ids}:\n{}", run.stdout);
    // Every deep model must beat the constant predictor (the validation split's majority class,
    // 54 %); --quick (one epoch on all 6,851 training tweets) measured 76–79 %.
    let majority = num(&r, "val_majority_accuracy");
    assert_eq!(r["val_majority_accuracy"], keras["val_majority_rate"]);
    for key in ["model_1", "model_2", "model_3", "model_4", "model_5"] {
        let acc = num(&r, &format!("{key}.accuracy")) / 100.0;
        assert!(
            acc >= majority + 0.1,
            "{key} accuracy {acc}: did not learn (constant predictor {majority})"
        );
    }
    // The notebook's summaries: one new Embedding(10000, 128) per model.
    for (key, params) in [
        ("model_1", 1_280_129.0),
        ("model_2", 1_329_473.0),
        ("model_3", 1_317_313.0),
        ("model_4", 1_378_945.0),
        ("model_5", 1_300_545.0),
    ] {
        assert_eq!(num(&r, &format!("{key}.params")), params, "{key}");
        assert_eq!(num(&r, &format!("{key}.trainable_params")), params, "{key}");
        let acc = num(&r, &format!("{key}.accuracy"));
        assert!((0.0..=100.0).contains(&acc), "{key} accuracy {acc}");
        for m in ["precision", "recall", "f1"] {
            let v = num(&r, &format!("{key}.{m}"));
            assert!((0.0..=1.0).contains(&v), "{key}.{m} = {v}");
        }
        assert!(num(&r, &format!("{key}.train_seconds")) >= 0.0);
        // Weighted recall is accuracy.
        assert!((num(&r, &format!("{key}.recall")) * 100.0 - acc).abs() < 1e-9);
    }
    assert!(
        run.stdout.contains("Total params: 1,378,945"),
        "{}",
        run.stdout
    );
    assert!(
        r["glove"]
            .as_str()
            .is_some_and(|s| s.starts_with("skipped")),
        "{r}"
    );
    assert_eq!(
        r["ensemble.members"],
        serde_json::json!(["model_0", "model_2"])
    );
    let e = num(&r, "ensemble.accuracy");
    assert!((0.0..=100.0).contains(&e), "{e}");
    assert_eq!(r["save_load.equal"], Value::Bool(true));
    assert_eq!(
        num(&r, "save_load.accuracy_saved"),
        num(&r, "save_load.accuracy_loaded")
    );
    assert!(num(&r, "speed.best_seconds_per_prediction") > 0.0);
    assert!(num(&r, "speed.baseline_seconds_per_prediction") > 0.0);
    assert_eq!(r["test_samples.probs"].as_array().map(Vec::len), Some(10));
    for f in ["tweets_f1.png", "tweets_speed_score.png"] {
        assert_plot(&run, f);
    }
    // Embedding projector files: every vocabulary word but the padding '' (index 0).
    let meta = std::fs::read_to_string(run.out_dir.join("embedding_metadata.tsv")).unwrap();
    let lines: Vec<&str> = meta.lines().collect();
    assert_eq!(lines.len(), 9_999);
    assert_eq!(&lines[..3], ["[UNK]", "the", "a"]);
    let vectors = std::fs::read_to_string(run.out_dir.join("embedding_vectors.tsv")).unwrap();
    assert_eq!(vectors.lines().count(), 9_999);
    assert!(vectors.lines().all(|l| l.split('\t').count() == 128));
    assert!(run.out_dir.join("best_model").is_dir());
}

#[test]
fn nlp_disaster_tweets_runs_models_6_and_7_on_a_tiny_glove_file() {
    // A hand-made GloVe-format file (8 values per word) stands in for glove.6B.*d.txt.
    let dir = std::env::temp_dir().join(format!("kerust-quick-{}-glove", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let words = [
        "the",
        "a",
        "in",
        "to",
        "of",
        "and",
        "fire",
        "flood",
        "storm",
        "love",
        "news",
        "crash",
        "killed",
        "emergency",
        "police",
        "bomb",
        "disaster",
        "people",
        "video",
        "burning",
    ];
    let text: String = words
        .iter()
        .enumerate()
        .map(|(k, w)| {
            let v: Vec<String> = (0..8)
                .map(|j| format!("{:.4}", (k as f64 * 1.7 + j as f64 * 0.9).sin()))
                .collect();
            format!("{w} {}\n", v.join(" "))
        })
        .collect();
    let glove = dir.join("glove.tiny.8d.txt");
    std::fs::write(&glove, text).expect("write glove");
    let glove = glove.to_string_lossy().to_string();
    let run = run_example("nlp_disaster_tweets", &["--glove", &glove]);
    let Some(r) = ran_or_skipped(&run, "nlp_disaster_tweets") else {
        return;
    };
    assert_eq!(num(&r, "glove.dim"), 8.0);
    assert_eq!(num(&r, "glove.words_found"), words.len() as f64);
    for key in ["model_6", "model_7"] {
        // Frozen Embedding(10000, 8) + Dense(64) + Dense(1).
        assert_eq!(num(&r, &format!("{key}.params")), 80_000.0 + 576.0 + 65.0);
        assert_eq!(num(&r, &format!("{key}.trainable_params")), 576.0 + 65.0);
        let f1 = num(&r, &format!("{key}.f1"));
        assert!((0.0..=1.0).contains(&f1), "{key} f1 {f1}");
    }
    assert_eq!(r["model_6.embedding_unchanged"], Value::Bool(true));
    // The notebook's 10 % split of the training data (lecture 686 of 6,851).
    assert_eq!(num(&r, "n_train_deep"), 6851.0);
    assert_eq!(num(&r, "model_7.n_train"), 686.0);
    assert_eq!(
        r["ensemble.members"],
        serde_json::json!(["model_0", "model_2", "model_6"])
    );
    assert!(
        run.stdout.contains("Non-trainable params: 80,000"),
        "{}",
        run.stdout
    );
}

#[test]
fn lab8_shapes_has_the_lecture_architectures() {
    let run = run_example_shared("lab8_shapes", &[]);
    let Some(r) = ran_or_skipped(&run, "lab8_shapes") else {
        return;
    };
    assert_eq!(num(&r, "mlp.params"), 3_779.0);
    assert_eq!(num(&r, "lstm.params"), 4_451.0);
    // The LSTM shape demo on df_train[features].iloc[:1], and every draw_curve cell of the lab.
    assert_eq!(r["lstm_demo.input_shape"], serde_json::json!([1, 55]));
    assert_eq!(r["lstm_demo.output_shape"], serde_json::json!([1, 32]));
    for i in [0, 1, 3, 4, 5] {
        let class = r[format!("draw_curve.{i}.class").as_str()].as_str();
        assert!(
            class.is_some_and(|c| ["ellipse", "square", "triangle"].contains(&c)),
            "draw_curve({i}): class {class:?}"
        );
        assert_plot(&run, &format!("shapes_curve_{i}.png"));
    }
    // Both must beat the constant predictor (1/3); --quick measured MLP 0.54, LSTM 0.92.
    let majority = num(&r, "majority_accuracy");
    for (key, margin) in [("mlp.test_accuracy", 0.1), ("lstm.test_accuracy", 0.3)] {
        let acc = num(&r, key);
        assert!(
            acc >= majority + margin,
            "{key} = {acc}: did not learn (constant predictor {majority})"
        );
    }
}

#[test]
fn lab8_shapes_trains_through_keras_classifier() {
    let run = run_example_shared("lab8_shapes", &[]);
    let Some(r) = ran_or_skipped(&run, "lab8_shapes") else {
        return;
    };
    // KerasClassifier on the string labels: classes_ is np.unique(y), predictions are the names,
    // and its score (evaluate's accuracy) matches counting the predicted names.
    assert!(
        run.stdout
            .contains(r#"classes_: ["ellipse", "square", "triangle"]"#),
        "{}",
        run.stdout
    );
    let acc = num(&r, "keras_classifier.accuracy");
    assert_eq!(acc, num(&r, "lstm.test_accuracy"));
    for key in ["mlp", "lstm"] {
        let (score, counted) = (
            num(&r, &format!("{key}.score")),
            num(&r, &format!("{key}.test_accuracy")),
        );
        assert!(
            (score - counted).abs() < 1e-6,
            "{key}: {score} vs {counted}"
        );
    }
}

#[test]
fn lab8_sst_has_the_lecture_vocabulary_and_model() {
    let run = run_example("lab8_sst", &[]);
    let Some(r) = ran_or_skipped(&run, "lab8_sst") else {
        return;
    };
    assert_eq!(num(&r, "vocab_size"), 4_823.0);
    assert_eq!(num(&r, "wrong.params"), 112.0);
    assert_eq!(num(&r, "lstm.params"), 162_722.0);
    // The LSTM must beat the constant predictor on the test reviews (~0.5); --quick measured 0.81
    // (0.71–0.81 over seeds 0–3), the lab 0.80.
    let majority = num(&r, "majority_accuracy");
    let acc = num(&r, "lstm.test_accuracy");
    assert!(
        acc >= majority + 0.15,
        "lstm.test_accuracy = {acc}: did not learn (constant predictor {majority})"
    );
}

#[test]
fn lab8_mnist_cnn_has_the_lab_architectures() {
    let run = run_example("lab8_mnist_cnn", &[]);
    let Some(r) = ran_or_skipped(&run, "lab8_mnist_cnn") else {
        return;
    };
    // 320 + 18,496 + 16,010; 64 + 2,112 + 31,370; 25,120 + 330 (Keras counts).
    assert_eq!(num(&r, "cnn.params"), 34_826.0);
    assert_eq!(num(&r, "cnn_1x1.params"), 33_546.0);
    assert_eq!(num(&r, "cnn_28x28.params"), 25_450.0);
    for key in ["cnn", "cnn_1x1", "cnn_28x28"] {
        let acc = num(&r, &format!("{key}.test_accuracy"));
        assert!((0.0..=1.0).contains(&acc), "{key}: {acc}");
        assert!(num(&r, &format!("{key}.train_seconds")) > 0.0);
    }
    assert_eq!(num(&r, "n_train"), 2000.0);
    assert_eq!(num(&r, "n_test"), 500.0);
    // Every variant goes through the lab's KerasClassifier; the headline is the 3x3 CNN.
    assert_eq!(
        num(&r, "keras_classifier.accuracy"),
        num(&r, "cnn.test_accuracy")
    );
    for key in ["cnn", "cnn_1x1", "cnn_28x28"] {
        assert_eq!(
            num(&r, &format!("keras_classifier.{key}.accuracy")),
            num(&r, &format!("{key}.test_accuracy"))
        );
    }
    // Only the test CSV is mirrored: the run must say it is not the lab's split.
    if r["split"].as_str().unwrap_or("").contains("80/20") {
        assert!(
            run.stdout.contains("does NOT use the lab's data split"),
            "{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("Total params: 34,826"),
        "{}",
        run.stdout
    );
    for f in [
        "mnist_loss.png",
        "mnist_accuracy.png",
        "mnist_test_accuracy.png",
        "mnist_digits.png",
    ] {
        assert_plot(&run, f);
    }
}

/// A fresh empty folder: a `--data` without the Yelp download, whatever this machine has cached.
fn empty_data_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kerust-quick-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn lecture18_yelp_builds_the_lecture_models_without_data() {
    let dir = empty_data_dir("yelp-none");
    let run = run_example("lecture18_yelp", &["--data", &dir.to_string_lossy()]);
    let r = run.report.as_ref().expect("the models need no data");
    assert_eq!(num(r, "mlp.params"), 500_571.0);
    assert_eq!(num(r, "rnn.params"), 500_672.0);
    assert_eq!(num(r, "conv1d_rnn.params"), 500_727.0);
    assert_eq!(num(r, "lstm.params"), 502_538.0);
    assert_eq!(r["data_found"], Value::Bool(false));
    assert!(run.stdout.contains("SKIP training"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("cargo xtask download yelp_review_polarity"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(None, None, 5)"), "{}", run.stdout);
}

#[test]
fn lecture18_yelp_exits_non_zero_when_training_without_data() {
    // Asking for training (--sample N, or a full run) without the download is an error (status 2)
    // that says how to get the data; only `--quick` alone treats it as a skip.
    build_examples();
    let exe = profile_dir()
        .join("examples")
        .join(format!("lecture18_yelp{}", std::env::consts::EXE_SUFFIX));
    let dir = empty_data_dir("yelp-train-none");
    let out = Command::new(&exe)
        .args(["--sample", "100", "--data"])
        .arg(&dir)
        .output()
        .expect("run lecture18_yelp");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cargo xtask download yelp_review_polarity"),
        "{stderr}"
    );
}

/// A small file in the Yelp download's layout and format ("label","text", labels 1/2, `\n`
/// escapes) standing in for the 560,000 reviews: 300 training and 20 test rows.
fn yelp_csv_dir(name: &str) -> PathBuf {
    let dir = empty_data_dir(name);
    let csv_dir = dir.join("yelp_review_polarity_csv");
    std::fs::create_dir_all(&csv_dir).expect("temp dir");
    let (good, bad) = (["great", "friendly", "tasty"], ["awful", "rude", "cold"]);
    let filler = ["the", "food", "staff", "was", "and", "very", "place", "we"];
    let mut state = 7u64;
    let mut next = move |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % n
    };
    let mut rows = |n: usize| -> String {
        (0..n)
            .map(|_| {
                let label = 1 + next(2);
                let words: Vec<&str> = (0..5 + next(20))
                    .map(|i| match i % 4 {
                        0 if label == 2 => good[next(3)],
                        0 => bad[next(3)],
                        _ => filler[next(filler.len())],
                    })
                    .collect();
                format!("\"{label}\",\"{}.\\nThe end.\"\n", words.join(" "))
            })
            .collect()
    };
    std::fs::write(csv_dir.join("train.csv"), rows(300)).expect("write train.csv");
    std::fs::write(csv_dir.join("test.csv"), rows(20)).expect("write test.csv");
    dir
}

#[test]
fn lecture18_yelp_trains_on_a_yelp_polarity_csv() {
    let dir = yelp_csv_dir("yelp-data");
    let run = run_example(
        "lecture18_yelp",
        &["--data", &dir.to_string_lossy(), "--sample", "200"],
    );
    let r = run.report.as_ref().expect("report");
    assert_eq!(r["data_found"], Value::Bool(true));
    assert_eq!(num(r, "n_reviews"), 200.0);
    assert_eq!(num(r, "n_train"), 160.0);
    assert_eq!(num(r, "n_test"), 40.0);
    for key in ["mlp", "rnn", "conv1d_rnn", "lstm"] {
        let acc = num(r, &format!("{key}.test_accuracy"));
        assert!((0.0..=1.0).contains(&acc), "{key}: {acc}");
        assert!(num(r, &format!("{key}.test_loss")).is_finite(), "{key}");
        assert_eq!(num(r, &format!("{key}.epochs_run")), 1.0, "{key}");
    }
    assert_plot(&run, "yelp_val_loss.png");
    assert_plot(&run, "yelp_test_accuracy.png");
}

/// probe.html: one `<span>` per token, each with a background colour and its value in `title`.
fn assert_probe_html(run: &Run, tokens: usize) {
    let html = std::fs::read_to_string(run.out_dir.join("probe.html")).expect("probe.html");
    let spans: Vec<&str> = html.split("<span ").skip(1).collect();
    assert_eq!(spans.len(), tokens, "{html}");
    for s in spans {
        assert!(
            s.starts_with("style=\"background-color:#") && s.contains(" title=\""),
            "{s}"
        );
    }
    assert_plot(run, "probe.png");
}

#[test]
fn lecture18_yelp_probe_runs_without_data() {
    // No data: the untrained LSTM over the lecture's three example sentences (19 + 7 + 18 tokens).
    let dir = empty_data_dir("yelp-probe-none");
    let run = run_example(
        "lecture18_yelp",
        &["--data", &dir.to_string_lossy(), "--probe", "--neuron", "3"],
    );
    let r = run.report.as_ref().expect("report");
    assert_eq!(num(r, "probe.neuron"), 3.0);
    assert_eq!(num(r, "probe.tokens"), 44.0);
    assert_eq!(r["probe.trained"], Value::Bool(false));
    assert!(num(r, "probe.min") < num(r, "probe.max"), "{r}");
    assert!(run.stdout.contains("UNTRAINED"), "{}", run.stdout);
    assert_probe_html(&run, 44);
    // Neuron 10 does not exist in LSTM(10): a clear error, not a panic.
    let exe = profile_dir()
        .join("examples")
        .join(format!("lecture18_yelp{}", std::env::consts::EXE_SUFFIX));
    let out = Command::new(&exe)
        .args(["--quick", "--probe", "--neuron", "10", "--data"])
        .arg(&dir)
        .output()
        .expect("run lecture18_yelp");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--neuron 10 is out of range"), "{stderr}");
}

#[test]
fn lecture18_yelp_probe_colours_a_trained_lstm() {
    let dir = yelp_csv_dir("yelp-probe-data");
    let run = run_example(
        "lecture18_yelp",
        &[
            "--data",
            &dir.to_string_lossy(),
            "--sample",
            "200",
            "--probe",
        ],
    );
    let r = run.report.as_ref().expect("report");
    assert_eq!(num(r, "probe.neuron"), 0.0);
    assert_eq!(num(r, "probe.reviews"), 4.0);
    assert_eq!(r["probe.trained"], Value::Bool(true));
    let tokens = num(r, "probe.tokens") as usize;
    assert!(tokens > 4, "{r}");
    assert!(num(r, "probe.min") < num(r, "probe.max"), "{r}");
    assert_probe_html(&run, tokens);
}

#[test]
fn lecture18_quora_has_the_lecture_siamese_lstm() {
    let run = run_example("lecture18_quora", &[]);
    let Some(r) = ran_or_skipped(&run, "lecture18_quora") else {
        return;
    };
    // Embedding(50000 + 2, 128) + LSTM(128) on 128 features + Dot + Dense(1) on 1 feature; the
    // shared Embedding and LSTM count once although each is called on both questions.
    let embedding = (50_000 + 2) * 128;
    let lstm = 4 * 128 * (128 + 128 + 1);
    let dense = 1 + 1;
    assert_eq!(num(&r, "params"), (embedding + lstm + dense) as f64);
    assert_eq!(num(&r, "params"), 6_531_842.0);
    assert!(
        run.stdout.contains("Total params: 6,531,842"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Connected to"), "{}", run.stdout);
    assert!(
        run.stdout.contains("['embedding[0][0]',") && run.stdout.contains("'embedding[1][0]']"),
        "the LSTM is called on both embeddings:\n{}",
        run.stdout
    );
    // sklearn's test_size=0.1 rounds the test count up.
    let (n, n_train, n_val) = (num(&r, "n_pairs"), num(&r, "n_train"), num(&r, "n_val"));
    assert_eq!(n_val, (n * 0.1).ceil(), "{r}");
    assert_eq!(n_train + n_val, n);
    for key in ["val_accuracy", "majority_baseline", "pair_probability"] {
        let v = num(&r, key);
        assert!((0.0..=1.0).contains(&v), "{key} = {v}");
    }
    assert!(num(&r, "majority_baseline") >= 0.5);
    // EarlyStopping restored the best epoch: evaluate gives that epoch's val_loss again.
    let best = num(&r, "best_epoch");
    assert!(best >= 1.0 && best <= num(&r, "epochs_run"), "{r}");
    let val_loss = num(&r, "val_loss");
    let best_val_loss = num(&r, "best_epoch_val_loss");
    assert!(
        (val_loss - best_val_loss).abs() <= 1e-4 * best_val_loss.abs().max(1.0),
        "evaluate {val_loss} vs history at best epoch {best_val_loss}"
    );
    assert!(num(&r, "seconds") > 0.0);
    assert_plot(&run, "quora_loss.png");
}

#[test]
fn bst261_imdb_reports_glove_nearest_neighbours_and_analogies() {
    // The datasets crate's unit-test file: 8 words, "twin" a copy of "queen" (a tie in file order).
    let dir = empty_data_dir("glove-similar");
    let glove = dir.join("small.3d.txt");
    std::fs::write(
        &glove,
        "king 0.5 0.7 -0.2\nqueen 0.45 0.1 0.6\nman 0.3 0.8 -0.5\nwoman 0.25 0.2 0.3\n\
         frog -0.6 0.1 0.05\ntoad -0.55 0.15 0.1\ntwin 0.45 0.1 0.6\nzero 0 0 0\n",
    )
    .expect("write glove");
    let data = dir.join("no-data");
    std::fs::create_dir_all(&data).expect("data dir");
    let (data, glove) = (data.to_string_lossy(), glove.to_string_lossy());
    let run = run_example(
        "bst261_imdb",
        &[
            "--data",
            &data,
            "--glove",
            &glove,
            "--similar",
            "frog,queen",
            "--analogy",
            "man,king,woman",
        ],
    );
    let r = run.report.as_ref().expect("report");
    let list = |key: &str| -> Vec<(String, f64)> {
        r[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} missing: {r}"))
            .iter()
            .map(|p| {
                (
                    p[0].as_str().expect("word").to_string(),
                    p[1].as_f64().expect("cosine"),
                )
            })
            .collect()
    };
    // numpy: cosine with every other row, sorted by (-cos, row).
    let frog = list("glove.most_similar.frog");
    assert_eq!(frog.len(), 7, "all other words when fewer than 10");
    assert_eq!(frog[0].0, "toad");
    assert!((frog[0].1 - 0.9907920241997857).abs() < 1e-12);
    let queen = list("glove.most_similar.queen");
    assert_eq!(queen[0], ("twin".to_string(), 1.0));
    let analogy = list("glove.analogy");
    let words: Vec<&str> = analogy.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(words, ["queen", "twin", "zero", "toad", "frog"]);
    // An unknown word is an error that names it, not a panic.
    let exe = profile_dir()
        .join("examples")
        .join(format!("bst261_imdb{}", std::env::consts::EXE_SUFFIX));
    let out = Command::new(&exe)
        .args([
            "--quick",
            "--data",
            &data,
            "--glove",
            &glove,
            "--similar",
            "Frog",
        ])
        .output()
        .expect("run bst261_imdb");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("\"Frog\" is not among the 8 words"),
        "{stderr}"
    );
}

#[test]
fn bst261_text_walks_the_vectorising_slides() {
    let run = run_example("bst261_text", &[]);
    let r = run.report.as_ref().expect("needs no data");
    // The bag of 3-grams of "Data science rocks my socks off!" is the slide's 15 tokens, in
    // tf.keras's vocabulary order (checked with TextVectorization(standardize=None, ngrams=3)).
    assert_eq!(num(r, "ngrams.count"), 15.0);
    assert_eq!(r["ngrams.matches_slide"], Value::Bool(true));
    assert_eq!(r["ngrams.tokens"][0], Value::String("socks off".into()));
    assert_eq!(r["ngrams.tokens"][14], Value::String("Data".into()));
    assert_eq!(
        r["one_hot_encoding"]["Rome"],
        serde_json::json!([1, 0, 0, 0])
    );
    assert_eq!(
        r["one_hot_encoding"]["France"],
        serde_json::json!([0, 0, 0, 1])
    );
    // tf_keras.preprocessing.text.hashing_trick(review, n, hash_function='md5'), tf_keras 2.21
    // (tools/keras_reference/bst261_text_reference.py prints every Keras number held here).
    assert_eq!(
        r["hashing_trick.reviews.n10"],
        serde_json::json!([
            [5, 5, 8, 6],
            [5, 5, 8, 8, 2, 8, 5, 6, 9, 8],
            [6, 2, 3, 7, 6, 1]
        ])
    );
    assert_eq!(
        r["hashing_trick.reviews.n1000"],
        serde_json::json!([
            [14, 662, 908, 951],
            [14, 662, 908, 638, 137, 593, 464, 573, 468, 161],
            [132, 848, 453, 88, 384, 352]
        ])
    );
    assert_eq!(num(r, "hashing.words"), 27.0);
    assert_eq!(num(r, "hashing_trick.n50.collisions"), 2.0);
    assert_eq!(num(r, "hashing_trick.n1000.collisions"), 0.0);
    assert_eq!(num(r, "one_hot.n50.collisions"), 2.0);
    assert_eq!(
        r["walk.slide_padded"],
        serde_json::json!([
            [5, 6, 11, 32, 0, 0, 0, 0, 0, 0],
            [5, 6, 11, 14, 66, 3, 49, 55, 98, 121],
            [31, 12, 2, 77, 33, 78, 0, 0, 0, 0]
        ])
    );
    assert_eq!(
        r["walk.sequences"],
        serde_json::json!([
            [1, 2, 3, 4],
            [1, 2, 3, 5, 6, 7, 8, 9, 10, 11],
            [12, 13, 14, 15, 16, 17]
        ])
    );
    assert_eq!(r["walk.embedded_shape"], serde_json::json!([3, 10, 3]));
    assert_eq!(r["walk.slide_shape"], serde_json::json!([3, 10, 3]));
    assert_eq!(num(r, "walk.padding_positions"), 10.0);
    assert_eq!(r["walk.same_word_same_vector"], Value::Bool(true));
    assert_eq!(num(r, "simple_rnn.params"), 322_080.0);
    assert_eq!(num(r, "simple_rnn_sequences.params"), 322_080.0);
    assert_eq!(num(r, "stacked.params"), 328_320.0);
    assert_eq!(
        r["simple_rnn.output_shape_5_words"],
        serde_json::json!([1, 32])
    );
    assert_eq!(
        r["simple_rnn_sequences.output_shape_5_words"],
        serde_json::json!([1, 5, 32])
    );
    assert_plot(&run, "hashing_collisions.png");
}

#[test]
fn lab8_sst_prints_the_word2id_cells_and_the_embedding_shape() {
    let run = run_example("lab8_sst", &[]);
    let Some(r) = ran_or_skipped(&run, "lab8_sst") else {
        return;
    };
    assert_eq!(
        r["classes_first_100"],
        serde_json::json!(["positive", "negative"])
    );
    assert_eq!(num(&r, "word2id.the"), 51.0);
    assert_eq!(r["id2word.51"], Value::String("the".into()));
    assert_eq!(r["word2id.a_great_cast"], serde_json::json!([7, 8, 9]));
    assert_eq!(r["id2word.7_8_9"], Value::String("a great cast".into()));
    assert_eq!(r["review_1.class"], Value::String("positive".into()));
    assert!(r["review_1.tokens"]
        .as_str()
        .unwrap_or("")
        .starts_with("a great cast and a wonderful but sometimes confusing OOV movie"));
    assert_eq!(r["review_8.class"], Value::String("negative".into()));
    assert_eq!(
        r["ids_first_rows"][0],
        serde_json::json!([0, 1, 2, 3, 4, 5, 2, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6])
    );
    assert_eq!(r["embedding_demo.input_shape"], serde_json::json!([1, 55]));
    assert_eq!(
        r["embedding_demo.output_shape"],
        serde_json::json!([1, 55, 32])
    );
}

#[test]
fn nlp_disaster_tweets_has_the_exploration_layer_demos_and_both_save_formats() {
    let run = run_example_shared("nlp_disaster_tweets", &[]);
    let Some(r) = ran_or_skipped(&run, "nlp_disaster_tweets") else {
        return;
    };
    // train_df.head() and train_df.sample(frac=1, random_state=42).head(), as in the notebook.
    assert_eq!(r["train_head.id"], serde_json::json!([1, 4, 5, 6, 7]));
    assert_eq!(r["shuffled_head.index"][0], serde_json::json!(2644));
    assert_eq!(
        r["shuffled_head.id"].as_array().map(|a| a[..3].to_vec()),
        Some(vec![
            serde_json::json!(3796),
            serde_json::json!(3185),
            serde_json::json!(7769)
        ])
    );
    assert_eq!(num(&r, "value_counts.0"), 4342.0);
    assert_eq!(num(&r, "value_counts.1"), 3271.0);
    assert_eq!(num(&r, "total_training_samples"), 7613.0);
    if r.get("total_test_samples").is_some() {
        assert_eq!(num(&r, "total_test_samples"), 3263.0);
        assert_eq!(num(&r, "total_samples"), 10876.0);
        assert_eq!(r["test_head.id"], serde_json::json!([0, 2, 3, 9, 11]));
    }
    assert_eq!(r["sample_embed.shape"], serde_json::json!([1, 15, 128]));
    assert_eq!(
        r["conv1d_demo.shapes"],
        serde_json::json!([[1, 15, 128], [1, 11, 32], [1, 32]])
    );
    assert_eq!(r["conv1d_demo.max_pool_is_time_max"], Value::Bool(true));
    // model_1 saved as .h5 and as a native directory; both reloads predict bit-identically.
    assert_eq!(r["save_load.model_1.h5_equal"], Value::Bool(true));
    assert_eq!(r["save_load.model_1.native_equal"], Value::Bool(true));
    for f in ["model_1.h5", "model_1_SavedModel_format"] {
        assert!(run.out_dir.join(f).exists(), "{f} not written");
    }
    assert!(
        run.stdout.contains("A USE directory is NOT supported"),
        "{}",
        run.stdout
    );
    assert!(r["model_6.stand_in"]
        .as_str()
        .is_some_and(|s| s.contains("not supported")));
}

/// Run a built example binary with `args` (no `--quick`), returning its output.
fn run_bare(name: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    build_examples();
    let exe = profile_dir()
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    Command::new(&exe)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", exe.display()))
}

#[test]
fn every_example_answers_help_with_status_0() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&examples)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            let name = p.file_stem()?.to_str()?.to_string();
            let runnable = if p.is_dir() {
                p.join("main.rs").exists()
            } else {
                p.extension().is_some_and(|x| x == "rs")
            };
            runnable.then_some(name)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    for name in &names {
        let out = run_bare(name, &["--help".as_ref()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name} --help: {:?}", out.status);
        assert!(stdout.to_lowercase().contains("usage"), "{name}: {stdout}");
    }
}

#[test]
fn predict_prints_errors_for_people_and_refuses_before_writing() {
    use kerust::io::{save_model, write_npy, NpyArray, NpyData};
    use kerust::layers::{Dense, Input, Sequential};
    let dir = std::env::temp_dir().join(format!("kerust-predict-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut m = Sequential::new();
    m.add(Input::new(&[3])).unwrap();
    m.add(Dense::new(2)).unwrap();
    let model = dir.join("m.h5");
    save_model(&m, &model).unwrap();
    let npy = |name: &str, shape: &[usize], n: usize| {
        let p = dir.join(name);
        let a = NpyArray {
            shape: shape.to_vec(),
            data: NpyData::Float(vec![0.5; n]),
        };
        write_npy(&p, &a).unwrap();
        p
    };
    let x = npy("x.npy", &[4, 3], 12);
    let scalar = npy("scalar.npy", &[], 1);
    let empty = npy("empty.npy", &[0, 3], 0);
    let out = dir.join("out.npy");
    let refused = |args: &[&std::ffi::OsStr], says: &str| {
        let o = run_bare("predict", args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {stderr}");
        // The Display text a person reads, not a Debug struct.
        assert!(stderr.starts_with("predict: "), "{stderr}");
        assert!(
            !stderr.contains(" { ") && !stderr.contains("Err("),
            "{stderr}"
        );
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    };
    let (m_, x_, o_) = (model.as_os_str(), x.as_os_str(), out.as_os_str());
    refused(
        &[m_, x_, o_, "--save-as".as_ref(), "m.onnx".as_ref()],
        ".keras",
    );
    refused(&[m_, scalar.as_os_str(), o_], "scalar");
    refused(&[m_, empty.as_os_str(), o_], "no samples");
    refused(&[dir.join("missing.h5").as_os_str(), x_, o_], "missing.h5");
    refused(
        &[m_, x_, o_, "--batch-size".as_ref(), "0".as_ref()],
        "batch",
    );
    // And the good case writes its output.
    let o = run_bare("predict", &[m_, x_, o_]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nlp_disaster_tweets_trains_the_transformer_model() {
    let run = run_example_shared("nlp_disaster_tweets", &[]);
    let Some(r) = ran_or_skipped(&run, "nlp_disaster_tweets") else {
        return;
    };
    // TokenAndPositionEmbedding(10000, 15, 128): 1,281,920; TransformerEncoder(128, 4) on 128
    // features: 99,584; Dense(1): 129 (Keras 3 + keras-hub count the same).
    assert_eq!(num(&r, "model_8.params"), 1_381_633.0);
    assert_eq!(r["model_8.name"], "model_8_transformer");
    let acc = num(&r, "model_8.accuracy");
    assert!((0.0..=100.0).contains(&acc), "model_8 accuracy {acc}");
    assert!((num(&r, "model_8.recall") * 100.0 - acc).abs() < 1e-9);
    assert_eq!(r["model_8.val_accuracy"].as_array().map(Vec::len), Some(1));
}
