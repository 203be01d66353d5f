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
        cmd.args(["build", "--examples", "-p", "kerust"]);
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

struct Run {
    stdout: String,
    report: Option<Value>,
    out_dir: PathBuf,
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

#[test]
fn nlp_disaster_tweets_baseline_matches_the_notebook() {
    let run = run_example("nlp_disaster_tweets", &[]);
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

    // The shared TextVectorization: Keras's vocabulary (checked against tf.keras 2 on this split).
    assert_eq!(num(&r, "avg_tokens"), 15.0);
    assert_eq!(num(&r, "vocab.size"), 10_000.0);
    assert_eq!(
        r["vocab.top5"],
        serde_json::json!(["", "[UNK]", "the", "a", "in"])
    );
    assert_eq!(
        r["vocab.bottom5"],
        serde_json::json!(["pages", "paeds", "pads", "padres", "paddytomlinson1"])
    );
    assert!(
        run.stdout
            .contains("= [264, 3, 232, 4, 13, 698, 0, 0, 0, 0, 0, 0, 0, 0, 0]"),
        "{}",
        run.stdout
    );
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
        serde_json::json!(["model_0", "model_2", "model_3"])
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
    // The notebook's 10 % split of the (here --quick, 320-tweet) training data.
    assert_eq!(num(&r, "model_7.n_train"), 32.0);
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
    let run = run_example("lab8_shapes", &[]);
    let Some(r) = ran_or_skipped(&run, "lab8_shapes") else {
        return;
    };
    assert_eq!(num(&r, "mlp.params"), 3_779.0);
    assert_eq!(num(&r, "lstm.params"), 4_451.0);
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
fn lab8_sst_has_the_lecture_vocabulary_and_model() {
    let run = run_example("lab8_sst", &[]);
    let Some(r) = ran_or_skipped(&run, "lab8_sst") else {
        return;
    };
    assert_eq!(num(&r, "vocab_size"), 4_823.0);
    assert_eq!(num(&r, "wrong.params"), 112.0);
    assert_eq!(num(&r, "lstm.params"), 162_722.0);
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

#[test]
fn lecture18_yelp_trains_on_a_yelp_polarity_csv() {
    // A small file in the download's layout and format ("label","text", labels 1/2, `\n` escapes)
    // stands in for the 560,000 reviews.
    let dir = empty_data_dir("yelp-data");
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
fn nlp_disaster_tweets_trains_the_transformer_model() {
    let run = run_example("nlp_disaster_tweets", &[]);
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
