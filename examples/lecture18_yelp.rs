//! Lecture 18 (TAU class 18), "Yelp!": review polarity with `Tokenizer(num_words=10000)`, sequences
//! padded/truncated "post" to 100 ids, an 80/20 `train_test_split`, and four models trained with
//! `validation_split=0.1`, `EarlyStopping(monitor='val_loss', patience=5)`, batch 30, up to 100 epochs
//! (`binary_crossentropy`, `adam`, accuracy):
//!
//! * MLP `Embedding(10001, 50) → Dense(10, relu) → Dense(1, sigmoid)` — 500,571 params (lecture
//!   test accuracy 0.5871);
//! * RNN `Embedding → SimpleRNN(10, return_sequences=True) → SimpleRNN(1, sigmoid)` — 500,672 (0.8164);
//! * `Embedding → Conv1D(5, 2) → SimpleRNN(10, return_sequences=True) → SimpleRNN(1, sigmoid)` —
//!   500,727 (0.8257);
//! * `Embedding → LSTM(10, return_sequences=True) → LSTM(1, sigmoid)` — 502,538 (0.9228).
//!
//! The four models are built and summarised always, with no data. Training needs the Yelp polarity
//! CSVs (`cargo xtask download yelp_review_polarity`, ~160 MB), looked up in `--data DIR`, else
//! `$KERUST_DATA`, else the platform cache the download writes to; `--sample N` trains on the first N
//! reviews. Without the data the example says how to get it and exits with status 2 — except with
//! `--quick` alone, which only checks the models (and the parameter counts in `--report`).
//!
//! The MLP has no layer that reduces over time: it predicts once per word, `(None, None, 1)`. The
//! lecture's 2022 Keras accepted review labels `(n,)` against that output; Keras 3 and tf_keras refuse
//! ("must have the same rank"), so here each word's prediction is scored against its review's label
//! (targets repeated to `(n, 100, 1)`), and its accuracy is the per-word accuracy.
//!
//! `--probe [--neuron N]` adds the lecture's "Beyond the black box" slide: Keras's feature
//! extractor `Model(lstm.inputs, lstm.get_layer(<first LSTM>).output)` (sharing the trained
//! weights) gives the first LSTM's per-token output; neuron N (default 0) over the first few test
//! reviews is standardized to 0–1 over those reviews and coloured cold (blue) to hot (red) in
//! `probe.html` (a `<span>` per token, its value in `title`) and `probe.png` under `--out`; the
//! report gets `probe.neuron`, `probe.tokens`, `probe.min` and `probe.max` (raw outputs). With
//! `--quick` and no data the probe runs on the untrained LSTM over the lecture's own example
//! sentences (tokenizer fitted on them), which checks the plumbing only: the colours mean nothing
//! until the model is trained (`probe.trained` says which).
//!
//! ```sh
//! cargo xtask download yelp_review_polarity
//! cargo run --release --example lecture18_yelp -- --sample 2000 --out plots --report yelp.json
//! cargo run --release --example lecture18_yelp -- --sample 20000 --probe --neuron 0 --out plots
//! ```
mod common;

use clap::Parser;
use common::probe::{self, ProbedText};
use common::{plot, save_plot, section, AnyResult, CommonArgs, Report};
use kerust::datasets::{default_data_dir, load_yelp_polarity_csv};
use kerust::prelude::*;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Lecture 18: Yelp polarity with MLP, SimpleRNN, Conv1D + SimpleRNN and LSTM")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// Stream train.csv/test.csv batch by batch (LazyCsv + a Tokenizer fitted from an iterator,
    /// tokenized on the fly by 2 worker threads) instead of loading them; reports peak_rss_mb.
    #[arg(long)]
    stream: bool,
    /// Train on the first N reviews of the Yelp training CSV instead of all 560,000.
    #[arg(long, value_name = "N")]
    sample: Option<usize>,
    /// Upper limit on epochs (the lecture's 100, stopped early by EarlyStopping(patience=5)).
    #[arg(long, value_name = "N")]
    epochs: Option<usize>,
    /// Probe the first LSTM's neuron --neuron over a few test reviews ("Beyond the black box").
    #[arg(long)]
    probe: bool,
    /// Which of the first LSTM's 10 neurons --probe colours (the lecture shows the first, 0).
    #[arg(long, value_name = "N", default_value_t = 0)]
    neuron: usize,
}

/// How many test reviews the probe colours ("a few test reviews").
const PROBE_REVIEWS: usize = 4;

/// Texts for the probe when there is no data: the lecture's LSTM motivation sentence and the
/// first test reviews its `df_test.head(3)` shows (as far as the slide prints them).
const PROBE_DEMO: [(&str, i64); 3] = [
    ("I hated this bar, though the bartender was so handsome and the drink he made me was absolutely delicious.", 1),
    ("Was not impressed, and will not return.", 0),
    ("This place really is horrible... Every time I go the service is slow and the food is cold.", 0),
];

const MAX_FEATURES: usize = 10000;
const SEQ_LEN: usize = 100;
const N_CELLS: usize = 10;
const BATCH_SIZE: usize = 30;
const WORDS_EMBED_DIM: usize = 50;
/// Exit status when training was asked for but the data is missing.
const NO_DATA: i32 = 2;

/// `(report key, title, lecture's evaluate() output)` of the four models, in lecture order.
const MODELS: [(&str, &str, &str); 4] = [
    (
        "mlp",
        "Yelp with MLP",
        "500,571 params; evaluate [0.6664084792137146, 0.5871875286102295]",
    ),
    (
        "rnn",
        "Yelp with RNN",
        "500,672 params; evaluate [0.44967198371887207, 0.8164107203483582]",
    ),
    (
        "conv1d_rnn",
        "1D Convolution Layers: Conv1D(filters=5, kernel_size=2) before the RNN",
        "500,727 params; evaluate [0.4487762749195099, 0.825705349445343]",
    ),
    (
        "lstm",
        "Yelp with LSTM",
        "502,538 params; evaluate [0.22240985929965973, 0.9227678775787354]",
    ),
];

/// The lecture's `Sequential([...])` for each model, compiled like the lecture.
fn build(key: &str) -> AnyResult<Sequential> {
    let mut m = Sequential::new();
    m.add(Input::with_shape(vec![None]).dtype("int32"))?;
    m.add(Embedding::new(MAX_FEATURES + 1, WORDS_EMBED_DIM))?;
    match key {
        "mlp" => {
            m.add(Dense::new(N_CELLS).activation("relu"))?;
            m.add(Dense::new(1).activation("sigmoid"))?;
        }
        "rnn" => {
            m.add(SimpleRNN::new(N_CELLS).return_sequences(true))?;
            m.add(SimpleRNN::new(1).activation("sigmoid"))?;
        }
        "conv1d_rnn" => {
            m.add(Conv1D::new(5, 2).strides(1))?;
            m.add(SimpleRNN::new(N_CELLS).return_sequences(true))?;
            m.add(SimpleRNN::new(1).activation("sigmoid"))?;
        }
        _ => {
            m.add(LSTM::new(N_CELLS).return_sequences(true))?;
            m.add(LSTM::new(1).activation("sigmoid"))?;
        }
    }
    m.compile("adam", "binary_crossentropy", &["accuracy"])?;
    Ok(m)
}

/// Where the Yelp CSVs are looked for: `--data`, `$KERUST_DATA`, else the download cache.
fn yelp_dir(a: &CommonArgs) -> Option<PathBuf> {
    a.data_dir()
        .or_else(|| default_data_dir().ok())
        .map(|d| d.join("yelp_review_polarity_csv"))
}

/// Padded ids `[n, 100]` and labels of the rows `idx`.
fn take(x: &[i64], y: &[i64], idx: &[usize]) -> AnyResult<(IntTensor, Vec<i64>)> {
    let mut ids = Vec::with_capacity(idx.len() * SEQ_LEN);
    for &i in idx {
        ids.extend_from_slice(&x[i * SEQ_LEN..(i + 1) * SEQ_LEN]);
    }
    Ok((
        IntTensor::from_vec(ids, &[idx.len(), SEQ_LEN])?,
        idx.iter().map(|&i| y[i]).collect(),
    ))
}

/// Targets shaped for the model's output: `(n, 1)`, or `(n, 100, 1)` for the per-word MLP.
fn targets(labels: &[i64], per_word: bool) -> AnyResult<Tensor> {
    let n = labels.len();
    Ok(if per_word {
        let v = labels
            .iter()
            .flat_map(|&l| std::iter::repeat_n(l as f32, SEQ_LEN))
            .collect();
        Tensor::from_vec(v, &[n, SEQ_LEN, 1])?
    } else {
        Tensor::from_vec(labels.iter().map(|&l| l as f32).collect(), &[n, 1])?
    })
}

/// A pandas-like `head(3)` row: the text cut to 50 characters.
fn head(text: &str) -> String {
    let t: String = text.chars().take(47).collect();
    if text.chars().count() > 47 {
        format!("{t}...")
    } else {
        t
    }
}

/// The lecture's "Beyond the black box": the first LSTM's output for neuron `neuron` at every
/// token of `x`'s reviews, through a feature extractor that shares `model`'s weights; written as
/// probe.html / probe.png and reported as `probe.*`.
#[allow(clippy::too_many_arguments)]
fn neuron_probe(
    model: &mut Sequential,
    tokenizer: &Tokenizer,
    x: &IntTensor,
    labels: &[i64],
    neuron: usize,
    trained: bool,
    a: &CommonArgs,
    report: &mut Report,
) -> AnyResult<()> {
    section("Beyond the black box");
    let layer = model
        .layers()
        .iter()
        .find(|l| l.class_name() == "LSTM")
        .map(|l| l.name().to_string())
        .ok_or("the probe needs the model's LSTM layer")?;
    // Keras: Model(inputs=lstm.inputs, outputs=lstm.get_layer(layer).output)
    let inputs = model.inputs()?;
    let output = model.get_layer_handle(&layer)?.output()?;
    let mut extractor = Model::new(&inputs.iter().collect::<Vec<_>>(), &[&output])?;
    let seq = extractor.predict(x.clone())?;
    let (n, t, units) = (seq.shape()[0], seq.shape()[1], seq.shape()[2]);
    let values = seq.to_vec()?;
    let preds = model.predict(x.clone())?.to_vec()?;
    let ids = x.data();
    let index_word = tokenizer.index_word();
    let texts: Vec<ProbedText> = (0..n)
        .map(|r| ProbedText {
            caption: format!(
                "review {r}: label {} ({}), LSTM predicts {:.3}",
                labels[r],
                if labels[r] == 1 {
                    "positive"
                } else {
                    "negative"
                },
                preds[r]
            ),
            // Post-padded: the review's tokens are the non-zero ids before the padding.
            tokens: (0..t)
                .filter(|&s| ids[r * t + s] != 0)
                .map(|s| {
                    let word = index_word
                        .get(&ids[r * t + s])
                        .cloned()
                        .unwrap_or_else(|| "?".into());
                    (word, values[(r * t + s) * units + neuron])
                })
                .collect(),
        })
        .collect();
    let tokens: usize = texts.iter().map(|p| p.tokens.len()).sum();
    let (lo, hi) = probe::min_max(&texts);
    println!(
        "neuron {neuron} of '{layer}' (output {:?}) over {n} reviews, {tokens} tokens: raw output from {lo:.4} to {hi:.4}{}",
        seq.shape(),
        if trained {
            ""
        } else {
            " — UNTRAINED model on the lecture's example sentences (no Yelp data): the colours mean nothing yet"
        }
    );
    for p in &texts {
        let line: Vec<String> = p
            .tokens
            .iter()
            .map(|(w, v)| format!("{w}:{:.2}", probe::standardize(*v, (lo, hi))))
            .collect();
        println!("{}\n  {}", p.caption, line.join(" "));
    }
    println!("(lecture: the first neuron over a few test reviews, pictured in images/lstm_black_box.png)");
    report.set("probe.neuron", neuron);
    report.set("probe.layer", layer.as_str());
    report.set("probe.reviews", n);
    report.set("probe.tokens", tokens);
    report.set_f("probe.min", lo as f64);
    report.set_f("probe.max", hi as f64);
    report.set("probe.trained", trained);
    let title = format!("LSTM '{layer}', neuron {neuron}: cold (low) to hot (high)");
    if let Some(path) = a.out_file("probe.html")? {
        std::fs::write(&path, probe::html(&title, &texts))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("probe saved: {}", path.display());
    }
    save_plot(a, "probe.png", |p| probe::png(p, &title, &texts))
}

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    if args.neuron >= N_CELLS {
        return Err(format!(
            "--neuron {} is out of range: the first LSTM has {N_CELLS} neurons (0..{})",
            args.neuron,
            N_CELLS - 1
        )
        .into());
    }
    set_random_seed(a.seed);
    let mut report = Report::new("lecture18_yelp", a);

    let mut models: Vec<(&str, Sequential)> = Vec::new();
    for (key, title, lecture) in MODELS {
        section(&format!("{title} — summary"));
        let m = build(key)?;
        m.summary();
        println!("(lecture: {lecture})");
        report.set(&format!("{key}.params"), m.count_params());
        models.push((key, m));
    }

    let dir = yelp_dir(a);
    let found = dir
        .as_ref()
        .filter(|d| d.join("train.csv").exists() && d.join("test.csv").exists());
    let Some(dir) = found else {
        let where_ = dir
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| "(no data folder: pass --data DIR or set KERUST_DATA)".into());
        let how = format!(
            "Yelp polarity is not downloaded: {where_} has no train.csv/test.csv.\n\
             Get it (~160 MB) with `cargo xtask download yelp_review_polarity` (writes into $KERUST_DATA, \
             else the platform cache, where this example looks), or\n\
             `cargo xtask download yelp_review_polarity --dir DIR` and pass --data DIR."
        );
        report.set("data_found", false);
        if a.quick && args.sample.is_none() {
            // The quick check proves the four models; training needs the download.
            println!("\nSKIP training: {how}");
            if args.probe {
                let (_, lstm) = models
                    .iter_mut()
                    .find(|(k, _)| *k == "lstm")
                    .ok_or("the LSTM model is missing")?;
                let texts: Vec<&str> = PROBE_DEMO.iter().map(|t| t.0).collect();
                let mut tokenizer = Tokenizer::new().num_words(MAX_FEATURES);
                tokenizer.fit_on_texts(&texts)?;
                let ids = pad_sequences(
                    &tokenizer.texts_to_sequences(&texts)?,
                    PadSequences::new()
                        .padding("post")
                        .truncating("post")
                        .maxlen(SEQ_LEN),
                )?
                .into_vec();
                let labels: Vec<i64> = PROBE_DEMO.iter().map(|t| t.1).collect();
                let (x, labels) = take(&ids, &labels, &(0..texts.len()).collect::<Vec<_>>())?;
                neuron_probe(
                    lstm,
                    &tokenizer,
                    &x,
                    &labels,
                    args.neuron,
                    false,
                    a,
                    &mut report,
                )?;
            }
            return report.write(a);
        }
        report.write(a)?;
        eprintln!("\nerror: training was requested but {how}");
        std::process::exit(NO_DATA);
    };
    report.set("data_found", true);
    if args.stream {
        return stream::train(&args, dir, models, report);
    }

    section("Yelp!");
    let started = std::time::Instant::now();
    let mut train = load_yelp_polarity_csv(&dir.join("train.csv"))?;
    let test = load_yelp_polarity_csv(&dir.join("test.csv"))?;
    println!(
        "read in {:.1}s\n({}, 2)\n({}, 2)",
        started.elapsed().as_secs_f64(),
        train.len(),
        test.len()
    );
    println!("     label  text");
    for i in 0..test.len().min(3) {
        println!("{i:>2}      {}  {}", test.labels[i], head(&test.texts[i]));
    }
    let file_rows = train.len();
    report.set("n_reviews_file", file_rows);
    let sample = args
        .sample
        .or(if a.quick { Some(2000) } else { None })
        .map(|n| n.min(train.len()));
    if let Some(n) = sample {
        train.texts.truncate(n);
        train.labels.truncate(n);
        let pos = train.labels.iter().filter(|&&l| l == 1).count();
        println!(
            "--sample: using the first {n} of the file's {file_rows} reviews ({pos} positive, {} negative); the lecture uses all 560,000",
            n - pos
        );
    }
    report.set("n_reviews", train.len());

    section("Yelp! But with sequences");
    let started = std::time::Instant::now();
    let mut tokenizer = Tokenizer::new().num_words(MAX_FEATURES);
    tokenizer.fit_on_texts(&train.texts)?;
    let sequences = tokenizer.texts_to_sequences(&train.texts)?;
    let x = pad_sequences(
        &sequences,
        PadSequences::new()
            .padding("post")
            .truncating("post")
            .maxlen(SEQ_LEN),
    )?
    .into_vec();
    println!(
        "tokenized and padded in {:.1}s ({} distinct words, the 9,999 most frequent kept)",
        started.elapsed().as_secs_f64(),
        tokenizer.word_index().len()
    );
    // The lecture does not seed the split; 42 makes runs comparable.
    let split = train_test_split()
        .test_size(0.2)
        .random_state(42)
        .split(train.len())?;
    let (x_train, l_train) = take(&x, &train.labels, &split.train)?;
    let (x_test, l_test) = take(&x, &train.labels, &split.test)?;
    // The full set's ids and texts are ~1 GB together; only the tensors are needed from here on.
    drop((x, sequences, train, test));
    println!(
        "({}, {SEQ_LEN})\n({}, {SEQ_LEN})",
        l_train.len(),
        l_test.len()
    );
    report.set("n_train", l_train.len());
    report.set("n_test", l_test.len());

    let epochs = args.epochs.unwrap_or(if a.quick { 1 } else { 100 });
    report.set("max_epochs", epochs);
    let mut curves: Vec<(&str, Vec<f32>)> = Vec::new();
    let mut accs: Vec<(&str, f32)> = Vec::new();
    let mut trained_lstm = None;
    for ((key, title, lecture), (_, mut model)) in MODELS.into_iter().zip(models) {
        section(title);
        let per_word = key == "mlp";
        let started = std::time::Instant::now();
        let history = model.fit(
            &x_train,
            &targets(&l_train, per_word)?,
            FitArgs::new()
                .validation_split(0.1)
                .callback(EarlyStopping::new().monitor("val_loss").patience(5))
                .batch_size(BATCH_SIZE)
                .epochs(epochs)
                .verbose(if a.quick { 0 } else { 2 }),
        )?;
        let secs = started.elapsed().as_secs_f64();
        let logs = model.evaluate(&x_test, &targets(&l_test, per_word)?, 32)?;
        let (loss, acc) = (
            logs.get("loss").unwrap_or(f32::NAN),
            logs.get("accuracy").unwrap_or(f32::NAN),
        );
        let val_loss = history.get("val_loss").unwrap_or(&[]).to_vec();
        println!(
            "{key}.evaluate(X_test, y_test): [{loss}, {acc}]   ({} epochs, {secs:.1}s)",
            val_loss.len()
        );
        println!("(lecture: {lecture})");
        report.set_f(&format!("{key}.test_loss"), loss as f64);
        report.set_f(&format!("{key}.test_accuracy"), acc as f64);
        report.set(&format!("{key}.epochs_run"), val_loss.len());
        report.set_f(&format!("{key}.seconds"), secs);
        report.set_list(&format!("{key}.val_loss"), &val_loss);
        curves.push((key, val_loss));
        accs.push((key, acc));
        if key == "lstm" {
            trained_lstm = Some(model);
        }
    }
    if let (true, Some(lstm)) = (args.probe, trained_lstm.as_mut()) {
        let k = PROBE_REVIEWS.min(l_test.len());
        let (x, labels) = take(x_test.data(), &l_test, &(0..k).collect::<Vec<_>>())?;
        neuron_probe(
            lstm,
            &tokenizer,
            &x,
            &labels,
            args.neuron,
            true,
            a,
            &mut report,
        )?;
    }

    let series: Vec<(&str, &[f32])> = curves.iter().map(|(k, v)| (*k, v.as_slice())).collect();
    save_plot(a, "yelp_val_loss.png", |p| {
        plot::lines(p, "Yelp: validation loss", "Epoch", "val_loss", &series)
    })?;
    save_plot(a, "yelp_test_accuracy.png", |p| {
        plot::bars(p, "Yelp: test accuracy", "accuracy", &accs)
    })?;
    report.write(a)
}

/// `--stream`: the lecture's training read from the CSVs by batch, never whole.
mod stream {
    use super::*;
    use kerust::datasets::lazy_csv::StringRecord;
    use kerust::datasets::parse_yelp_record;
    use std::path::Path;
    use std::sync::Arc;

    fn parse(
        p: &Path,
        line: u64,
        r: &StringRecord,
    ) -> Result<(f32, String), kerust::datasets::DatasetsError> {
        parse_yelp_record(p, line, r).map(|(l, t)| (l as f32, t))
    }

    /// Peak resident set size of this process (`VmHWM`), in MiB.
    fn peak_rss_mb() -> Option<f64> {
        let s = std::fs::read_to_string("/proc/self/status").ok()?;
        let kb: f64 = s
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some(kb / 1024.0)
    }

    pub fn train(
        args: &Args,
        dir: &Path,
        models: Vec<(&str, Sequential)>,
        mut report: Report,
    ) -> AnyResult<()> {
        let a = &args.common;
        section("Yelp! streamed from the CSV (--stream)");
        let path = dir.join("train.csv");
        let file_bytes = std::fs::metadata(&path)?.len();
        report.set("stream", true);
        report.set("file_bytes", file_bytes);
        report.set_f("file_size_mb", file_bytes as f64 / (1 << 20) as f64);
        let started = std::time::Instant::now();
        let sample = args.sample.or(if a.quick { Some(2000) } else { None });
        let mut csv = LazyCsv::open(&path, false, BATCH_SIZE)?;
        report.set("n_reviews_file", csv.rows());
        if let Some(n) = sample {
            csv = csv.take_rows(n);
        }
        // The Tokenizer sees every text once, a chunk at a time, and keeps only the counts.
        let mut tokenizer = Tokenizer::new().num_words(MAX_FEATURES);
        let mut bad = None;
        tokenizer.fit_on_texts_iter(
            TextCsvDataset::texts_of(&csv, parse)?
                .map_while(|r| r.map(|(_, t)| t).map_err(|e| bad = Some(e)).ok()),
        )?;
        if let Some(e) = bad {
            return Err(e.into());
        }
        println!(
            "indexed {} reviews ({:.1} MB) in {} batches and fitted the Tokenizer in {:.1}s ({} distinct words)",
            csv.rows(),
            file_bytes as f64 / 1e6,
            csv.len(),
            started.elapsed().as_secs_f64(),
            tokenizer.word_index().len()
        );
        report.set("n_reviews", csv.rows());
        // validation_split=0.1 as whole batches: the last tenth of the file validates.
        let n_batches = csv.len();
        let n_val = (n_batches / 10).max(1).min(n_batches.saturating_sub(1));
        let pad = PadSequences::new()
            .padding("post")
            .truncating("post")
            .maxlen(SEQ_LEN);
        let tokenizer = Arc::new(tokenizer);
        let all = TextCsvDataset::with_tokenizer(csv, parse, tokenizer.clone(), pad.clone())
            .workers(2)
            .max_queue_size(10);
        let mut test_csv = LazyCsv::open(&dir.join("test.csv"), false, 32)?;
        if let Some(n) = sample {
            test_csv = test_csv.take_rows(n / 4);
        }
        let test = TextCsvDataset::with_tokenizer(test_csv, parse, tokenizer, pad).workers(2);
        report.set("n_train_batches", n_batches - n_val);
        report.set("n_val_batches", n_val);
        let epochs = args.epochs.unwrap_or(if a.quick { 1 } else { 100 });
        report.set("max_epochs", epochs);
        for ((key, title, lecture), (_, mut model)) in MODELS.into_iter().zip(models) {
            section(title);
            let steps = |d: TextCsvDataset| {
                if key == "mlp" {
                    d.label_steps(SEQ_LEN)
                } else {
                    d
                }
            };
            let mut train = steps(all.clone().batches(0..n_batches - n_val));
            let val = steps(all.clone().batches(n_batches - n_val..n_batches));
            let started = std::time::Instant::now();
            let history = model.fit_dataset(
                &mut train,
                FitArgs::new()
                    .validation_dataset(val)
                    .callback(EarlyStopping::new().monitor("val_loss").patience(5))
                    .epochs(epochs)
                    .verbose(if a.quick { 0 } else { 2 }),
            )?;
            let secs = started.elapsed().as_secs_f64();
            let logs = model.evaluate_dataset(&mut steps(test.clone()))?;
            let (loss, acc) = (
                logs.get("loss").unwrap_or(f32::NAN),
                logs.get("accuracy").unwrap_or(f32::NAN),
            );
            let val_loss = history.get("val_loss").unwrap_or(&[]).to_vec();
            println!(
                "{key}.evaluate(test stream): [{loss}, {acc}]   ({} epochs, {secs:.1}s)\n(lecture: {lecture})",
                val_loss.len()
            );
            report.set_f(&format!("{key}.test_loss"), loss as f64);
            report.set_f(&format!("{key}.test_accuracy"), acc as f64);
            report.set(&format!("{key}.epochs_run"), val_loss.len());
            report.set_f(&format!("{key}.seconds"), secs);
            report.set_list(&format!("{key}.val_loss"), &val_loss);
        }
        if let Some(rss) = peak_rss_mb() {
            println!(
                "peak RSS {rss:.1} MB for a {:.1} MB file",
                file_bytes as f64 / 1e6
            );
            report.set_f("peak_rss_mb", rss);
        }
        report.write(a)
    }
}
