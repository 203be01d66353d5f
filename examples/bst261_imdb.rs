//! Harvard BST 261, lecture 9 (RNNs), the IMDb parts:
//!
//! * the model summaries: `Embedding(10000, 8, input_length=20) → Flatten → Dense(1, sigmoid)`,
//!   `Embedding(10000, 32) → SimpleRNN(32)` in both modes (322,080 params) and four stacked
//!   SimpleRNN(32) (328,320) — printed always, no data needed;
//! * with `imdb.npz` in the data folder (`cargo xtask download imdb`): the Embedding + Flatten
//!   classifier on the first 20 words (RMSprop, 10 epochs, batch 32, validation_split 0.2; lecture
//!   ≈ 75 %), and `Embedding(10000, 32) → SimpleRNN(32) → Dense(1, sigmoid)` on 100 words with
//!   RMSprop (10 epochs, batch 128; lecture "up to 85 %" validation accuracy);
//! * with the raw reviews (`--imdb-dir DIR/aclImdb`, else `aclImdb/` in the data folder or the
//!   download cache: `cargo xtask download aclImdb`) and GloVe (`--glove glove.6B.100d.txt`, else
//!   `glove.6B/glove.6B.100d.txt` there: `cargo xtask download glove.6B`): the GloVe 200-sample
//!   experiment — Tokenizer(10000) on the training texts, maxlen 100, 200 shuffled training and
//!   10,000 validation reviews, `Embedding(10000, 100) → Flatten → Dense(32, relu) → Dense(1,
//!   sigmoid)` (1,320,065 params) with the frozen GloVe `embedding_matrix`, then the same model
//!   without pretrained embeddings, both scored on the test reviews (lecture: 56 %).
//!
//! ```sh
//! cargo run --release --example bst261_imdb -- --data DIR_WITH_IMDB_NPZ --out plots --report imdb.json \
//!     [--imdb-dir aclImdb] [--glove glove.6B.100d.txt]
//! ```
mod common;

use clap::Parser;
use common::{plot, save_plot, section, AnyResult, CommonArgs, Report};
use kerust::datasets::load_aclimdb;
use kerust::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(about = "BST 261 lecture 9: IMDb word embeddings and SimpleRNN")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
    /// The raw Large Movie Review Dataset folder (`aclImdb`, holding `train/` and `test/`) for the
    /// GloVe experiment (default: `aclImdb` in the data folder or the download cache).
    #[arg(long, value_name = "DIR")]
    imdb_dir: Option<PathBuf>,
    /// GloVe vectors in `glove.6B.100d.txt` format for the GloVe experiment (default:
    /// `glove.6B/glove.6B.100d.txt` in the data folder or the download cache).
    #[arg(long, value_name = "FILE")]
    glove: Option<PathBuf>,
    /// Words whose 10 nearest GloVe neighbours (cosine) to print and report as
    /// `glove.most_similar.<word>` (the lecture's "frog"); needs the GloVe vectors.
    #[arg(long, value_name = "WORD[,WORD...]", value_delimiter = ',')]
    similar: Vec<String>,
    /// "A is to B as C is to ?": the 10 words nearest to B − A + C (e.g. `man,king,woman`),
    /// reported as `glove.analogy`; needs the GloVe vectors.
    #[arg(long, value_name = "A,B,C", value_delimiter = ',', num_args = 1)]
    analogy: Vec<String>,
}

/// Neighbours printed and reported per word.
const TOPN: usize = 10;

const MAX_FEATURES: usize = 10000;

/// `Sequential([Embedding(10000, 32), SimpleRNN(32, return_sequences=...) × stack])` over
/// variable-length id sequences, as the slides print it.
fn rnn_stack(return_sequences: &[bool]) -> AnyResult<Sequential> {
    let mut m = Sequential::new();
    m.add(Input::with_shape(vec![None]).dtype("int32"))?;
    m.add(Embedding::new(MAX_FEATURES, 32))?;
    for &r in return_sequences {
        m.add(SimpleRNN::new(32).return_sequences(r))?;
    }
    Ok(m)
}

/// Keras `pad_sequences(x, maxlen)` (pre-padding, pre-truncation) as an int tensor.
fn padded(x: &[Vec<i64>], maxlen: usize, limit: usize) -> AnyResult<IntTensor> {
    let n = x.len().min(limit);
    let m = pad_sequences(&x[..n], PadSequences::new().maxlen(maxlen))?;
    Ok(IntTensor::from_vec(m.into_vec(), &[n, maxlen])?)
}

fn labels(y: &[i64], limit: usize) -> AnyResult<Tensor> {
    let n = y.len().min(limit);
    Ok(Tensor::from_vec(
        y[..n].iter().map(|&v| v as f32).collect(),
        &[n, 1],
    )?)
}

fn main() -> AnyResult<()> {
    let args = Args::parse();
    let a = &args.common;
    set_random_seed(a.seed);
    let mut report = Report::new("bst261_imdb", a);

    section("Embedding(10000, 8, input_length=20) → Flatten → Dense(1, sigmoid)");
    let mut flat = Sequential::new();
    flat.add(Input::new(&[20]).dtype("int32"))?;
    flat.add(Embedding::new(MAX_FEATURES, 8).input_length(20))?;
    flat.add(Flatten::new())?;
    flat.add(Dense::new(1).activation("sigmoid"))?;
    flat.summary();
    report.set("flatten.params", flat.count_params());

    section("Embedding(10000, 32) → SimpleRNN(32)");
    let last = rnn_stack(&[false])?;
    last.summary();
    section("Embedding(10000, 32) → SimpleRNN(32, return_sequences=True)");
    let seqs = rnn_stack(&[true])?;
    seqs.summary();
    section("Embedding(10000, 32) → 3 × SimpleRNN(32, return_sequences=True) → SimpleRNN(32)");
    let stacked = rnn_stack(&[true, true, true, false])?;
    stacked.summary();
    println!("(lecture: 322,080 / 322,080 / 328,320 params; 2,080 per SimpleRNN(32))");
    report.set("simple_rnn.params", last.count_params());
    report.set("simple_rnn_sequences.params", seqs.count_params());
    report.set("stacked.params", stacked.count_params());

    let vectors = word_vectors(&args, &mut report)?;
    npz_experiments(a, &mut flat, &mut report)?;
    glove_experiment(&args, vectors, &mut report)?;
    report.write(a)
}

/// `[[word, cosine], …]` as the report stores a neighbour list.
fn neighbours_json(list: &[(String, f64)]) -> serde_json::Value {
    serde_json::Value::Array(
        list.iter()
            .map(|(w, c)| serde_json::json!([w, c]))
            .collect(),
    )
}

/// `--similar` / `--analogy`: GloVe's nearest neighbours by cosine (the slide's "frog") and a
/// vector-difference analogy. Returns the loaded vectors so the GloVe experiment does not read
/// the 400,000-word file twice. Without either flag nothing is loaded.
fn word_vectors(args: &Args, report: &mut Report) -> AnyResult<Option<GloveVectors>> {
    if args.similar.is_empty() && args.analogy.is_empty() {
        return Ok(None);
    }
    if !args.analogy.is_empty() && args.analogy.len() != 3 {
        return Err(format!(
            "--analogy takes three words A,B,C (\"A is to B as C is to ?\"), got {}",
            args.analogy.len()
        )
        .into());
    }
    let root = data_root(&args.common);
    let Some(path) = locate(
        &args.glove,
        root.as_ref()
            .map(|r| r.join("glove.6B").join("glove.6B.100d.txt")),
        "--glove",
    )?
    else {
        return Err(
            "--similar / --analogy need GloVe vectors: pass --glove FILE (a glove.6B.*d.txt; \
                    `cargo xtask download glove.6B --dir DIR` fetches them)"
                .into(),
        );
    };
    section("GloVe word vectors: nearest neighbours by cosine similarity");
    let started = std::time::Instant::now();
    let glove = GloveVectors::load(&path)?;
    println!(
        "{} words × {} dimensions from {} [{:.1}s]",
        glove.words.len(),
        glove.dim,
        path.display(),
        started.elapsed().as_secs_f64()
    );
    report.set("glove.file", path.display().to_string());
    report.set("glove.vectors", glove.words.len());
    report.set("glove.dim", glove.dim);
    for word in &args.similar {
        let list = glove.most_similar(word, TOPN)?;
        println!("closest to {word:?}:");
        for (k, (w, c)) in list.iter().enumerate() {
            println!("  {}. {w}  {c:.4}", k + 1);
        }
        if word == "frog" {
            println!(
                "  (lecture, from the GloVe site: frogs, toad, litoria, leptodactylidae, rana, \
                 lizard, eleutherodactylus)"
            );
        }
        report.set(
            &format!("glove.most_similar.{word}"),
            neighbours_json(&list),
        );
    }
    if let [x, y, z] = args.analogy.as_slice() {
        let list = glove.analogy(x, y, z, TOPN)?;
        println!("{x} is to {y} as {z} is to … (cosine to {y} − {x} + {z}):");
        for (k, (w, c)) in list.iter().enumerate() {
            println!("  {}. {w}  {c:.4}", k + 1);
        }
        report.set("glove.analogy.words", serde_json::json!([x, y, z]));
        report.set("glove.analogy", neighbours_json(&list));
    }
    Ok(Some(glove))
}

/// The runs on Keras's pre-tokenized `imdb.npz`: Embedding + Flatten on 20 words, SimpleRNN on 100.
fn npz_experiments(a: &CommonArgs, flat: &mut Sequential, report: &mut Report) -> AnyResult<()> {
    let Some(dir) = a.data_dir() else {
        println!(
            "\nSKIP training: no data folder. IMDb is not mirrored with the lecture data: run \
             `cargo xtask download imdb` (it writes into {} or the cache folder) and pass --data DIR.",
            kerust::datasets::DATA_ENV
        );
        return Ok(());
    };
    if !dir.join("imdb.npz").exists() {
        println!(
            "\nSKIP training: {} has no imdb.npz. Get it with `cargo xtask download imdb --dir {}`.",
            dir.display(),
            dir.display()
        );
        return Ok(());
    }
    let (train, test) = ImdbLoadData::new()
        .num_words(MAX_FEATURES)
        .load_from(&dir.join("imdb.npz"))?;
    let limit = if a.quick { 2000 } else { usize::MAX };

    section("Word embeddings on the first 20 words (RMSprop, 10 epochs, batch 32)");
    let x_train = padded(&train.x, 20, limit)?;
    let x_test = padded(&test.x, 20, limit)?;
    let (y_train, y_test) = (
        labels(train.y.as_slice().unwrap_or(&[]), limit)?,
        labels(test.y.as_slice().unwrap_or(&[]), limit)?,
    );
    flat.compile(RMSprop::new(), "binary_crossentropy", &["accuracy"])?;
    let started = std::time::Instant::now();
    let h = flat.fit(
        &x_train,
        &y_train,
        FitArgs::new()
            .epochs(a.epochs(10, 1))
            .batch_size(32)
            .validation_split(0.2),
    )?;
    let secs = started.elapsed().as_secs_f64();
    let ev = flat.evaluate(&x_test, &y_test, 32)?;
    let val = h.get("val_accuracy").unwrap_or(&[]).to_vec();
    let test_acc = ev.get("accuracy").unwrap_or(f32::NAN);
    println!(
        "final val_accuracy {:.4}; test accuracy {test_acc:.4} (lecture ≈ 0.75) [{secs:.1}s]",
        val.last().copied().unwrap_or(f32::NAN)
    );
    report.set_list("flatten.val_accuracy", &val);
    report.set_f("flatten.test_accuracy", test_acc as f64);
    report.set_f("flatten.seconds", secs);

    section("SimpleRNN(32) on the first 100 words (RMSprop, 10 epochs, batch 128)");
    let x_train = padded(&train.x, 100, limit)?;
    let mut rnn = rnn_stack(&[false])?;
    rnn.add(Dense::new(1).activation("sigmoid"))?;
    rnn.compile(RMSprop::new(), "binary_crossentropy", &["accuracy"])?;
    let started = std::time::Instant::now();
    let h = rnn.fit(
        &x_train,
        &y_train,
        FitArgs::new()
            .epochs(a.epochs(10, 1))
            .batch_size(128)
            .validation_split(0.2),
    )?;
    let secs = started.elapsed().as_secs_f64();
    let rnn_val = h.get("val_accuracy").unwrap_or(&[]).to_vec();
    let best = rnn_val.iter().copied().fold(f32::NAN, f32::max);
    println!("best val_accuracy {best:.4} (lecture: up to 0.85) [{secs:.1}s]");
    report.set_list("simple_rnn.val_accuracy", &rnn_val);
    report.set_f("simple_rnn.best_val_accuracy", best as f64);
    report.set_f("simple_rnn.seconds", secs);
    save_plot(a, "imdb_val_accuracy.png", |p| {
        plot::lines(
            p,
            "IMDb validation accuracy",
            "Epoch",
            "val_accuracy",
            &[
                ("Embedding+Flatten (20 words)", &val),
                ("SimpleRNN(32) (100 words)", &rnn_val),
            ],
        )
    })?;
    Ok(())
}

/// BST 261's GloVe recipe: cut reviews after 100 words, train on 200, validate on 10,000,
/// consider the top 10,000 words, 100-d vectors.
const GLOVE_MAXLEN: usize = 100;
const TRAINING_SAMPLES: usize = 200;
const VALIDATION_SAMPLES: usize = 10000;
const EMBEDDING_DIM: usize = 100;

/// `Embedding(10000, 100, input_length=100) → Flatten → Dense(32, relu) → Dense(1, sigmoid)`.
fn glove_architecture(name: &str) -> AnyResult<Sequential> {
    let mut m = Sequential::new().name(name);
    m.add(Input::new(&[GLOVE_MAXLEN]).dtype("int32"))?;
    m.add(Embedding::new(MAX_FEATURES, EMBEDDING_DIM).input_length(GLOVE_MAXLEN))?;
    m.add(Flatten::new())?;
    m.add(Dense::new(32).activation("relu"))?;
    m.add(Dense::new(1).activation("sigmoid"))?;
    Ok(m)
}

/// The first layer's weight matrix (the Embedding's `embeddings`), row-major.
fn embedding_weights(model: &Sequential) -> AnyResult<Vec<f32>> {
    let layers = model.layers();
    let layer = layers.first().ok_or("model has no layers")?;
    let p = layer.params();
    let p = p.first().ok_or("first layer has no weights")?;
    Ok(p.value.to_vec()?)
}

/// FNV-1a over the bit patterns: equal checksums ⇔ (almost surely) bit-identical weights.
fn checksum(values: &[f32]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The data folder (`--data` / `KERUST_DATA`), else the download cache `cargo xtask download` fills.
fn data_root(a: &CommonArgs) -> Option<PathBuf> {
    a.data_dir()
        .or_else(|| kerust::datasets::default_data_dir().ok())
}

/// An explicit path must exist (a typo is an error); a default one may be missing (a skip).
fn locate(
    given: &Option<PathBuf>,
    default: Option<PathBuf>,
    flag: &str,
) -> AnyResult<Option<PathBuf>> {
    match given {
        Some(p) if p.exists() => Ok(Some(p.clone())),
        Some(p) => Err(format!("{flag} {}: no such file or folder", p.display()).into()),
        None => Ok(default.filter(|p| p.exists())),
    }
}

/// `pad_sequences([sequences[i] for i in idx], maxlen=100)` and the matching labels.
fn rows(seqs: &[Vec<i64>], labels: &[i64], idx: &[usize]) -> AnyResult<(IntTensor, Tensor)> {
    let picked: Vec<&[i64]> = idx.iter().map(|&i| seqs[i].as_slice()).collect();
    let m = pad_sequences(&picked, PadSequences::new().maxlen(GLOVE_MAXLEN))?;
    let x = IntTensor::from_vec(m.into_vec(), &[idx.len(), GLOVE_MAXLEN])?;
    let y = Tensor::from_vec(
        idx.iter().map(|&i| labels[i] as f32).collect(),
        &[idx.len(), 1],
    )?;
    Ok((x, y))
}

/// One model of the experiment: compile (rmsprop, binary_crossentropy, acc), summary, 10 epochs of
/// batch 32 with the validation reviews, then `evaluate` on the test reviews.
struct GloveRun {
    history: History,
    test_acc: f32,
}

fn fit_and_test(
    a: &CommonArgs,
    model: &mut Sequential,
    key: &str,
    report: &mut Report,
    (x_train, y_train): &(IntTensor, Tensor),
    (x_val, y_val): &(IntTensor, Tensor),
    (x_test, y_test): &(IntTensor, Tensor),
) -> AnyResult<GloveRun> {
    model.compile("rmsprop", "binary_crossentropy", &["acc"])?;
    model.summary();
    let (total, trainable) = (model.count_params(), model.count_trainable_params());
    println!(
        "params: {total} (book: 1,320,065), trainable {trainable}, non-trainable {}",
        total - trainable
    );
    report.set(&format!("{key}.params"), total);
    report.set(&format!("{key}.trainable_params"), trainable);
    report.set(&format!("{key}.non_trainable_params"), total - trainable);
    let started = std::time::Instant::now();
    let history = model.fit(
        x_train,
        y_train,
        FitArgs::new()
            .epochs(a.epochs(10, 2))
            .batch_size(32)
            .validation_data(x_val, y_val),
    )?;
    let secs = started.elapsed().as_secs_f64();
    let ev = model.evaluate(x_test, y_test, 32)?;
    let test_acc = ev.get("acc").unwrap_or(f32::NAN);
    for k in ["acc", "val_acc", "loss", "val_loss"] {
        report.set_list(&format!("{key}.{k}"), history.get(k).unwrap_or(&[]));
    }
    report.set_f(&format!("{key}.test_acc"), test_acc as f64);
    report.set_f(&format!("{key}.seconds"), secs);
    let val = history.get("val_acc").unwrap_or(&[]);
    println!(
        "final val_acc {:.4}, best {:.4}; test acc {test_acc:.4} [{secs:.1}s]",
        val.last().copied().unwrap_or(f32::NAN),
        val.iter().copied().fold(f32::NAN, f32::max)
    );
    Ok(GloveRun { history, test_acc })
}

/// The lecture's "pretrained word embeddings on 200 reviews" experiment, and the same model without
/// them. Needs the raw reviews; the GloVe model also needs the vectors. Missing files are a skip.
fn glove_experiment(
    args: &Args,
    preloaded: Option<GloveVectors>,
    report: &mut Report,
) -> AnyResult<()> {
    let a = &args.common;
    let root = data_root(a);
    let imdb = locate(
        &args.imdb_dir,
        root.as_ref().map(|r| r.join("aclImdb")),
        "--imdb-dir",
    )?;
    let glove_path = locate(
        &args.glove,
        root.as_ref()
            .map(|r| r.join("glove.6B").join("glove.6B.100d.txt")),
        "--glove",
    )?;
    let where_ = root
        .as_ref()
        .map(|r| r.display().to_string())
        .unwrap_or_else(|| "DIR".into());
    let Some(imdb) = imdb else {
        println!(
            "\nSKIP GloVe experiment: no raw IMDb reviews (aclImdb/train, aclImdb/test). Get them with \
             `cargo xtask download aclImdb --dir {where_}` (ai.stanford.edu aclImdb_v1.tar.gz, 84 MB) \
             and pass --data {where_} or --imdb-dir {where_}/aclImdb. For the pretrained model also \
             `cargo xtask download glove.6B --dir {where_}` (nlp.stanford.edu glove.6B.zip, 822 MB) \
             and pass --glove {where_}/glove.6B/glove.6B.100d.txt."
        );
        report.set("glove.status", "skipped: no aclImdb folder");
        return Ok(());
    };
    section(
        "GloVe: raw IMDb reviews, Tokenizer(num_words=10000), maxlen 100, 200 training samples",
    );
    let train = load_aclimdb(&imdb, "train")?;
    let test = load_aclimdb(&imdb, "test")?;
    let mut tokenizer = Tokenizer::new().num_words(MAX_FEATURES);
    tokenizer.fit_on_texts(&train.texts)?;
    let sequences = tokenizer.texts_to_sequences(&train.texts)?;
    let n = sequences.len();
    println!(
        "Found {} unique tokens. (lecture: 88582)",
        tokenizer.word_index().len()
    );
    println!("Shape of data tensor: ({n}, {GLOVE_MAXLEN})");
    println!("Shape of label tensor: ({n},)");
    // np.random.shuffle(indices): the reviews come all negative, then all positive.
    let mut indices: Vec<usize> = (0..n).collect();
    RandomState::new(a.seed as u32).shuffle(&mut indices);
    let n_train = if n >= 2 * TRAINING_SAMPLES {
        TRAINING_SAMPLES
    } else {
        println!("(only {n} reviews: training on {} of them)", n / 2);
        n / 2
    };
    let val_cap = if a.quick { 1000 } else { VALIDATION_SAMPLES };
    let n_val = val_cap.min(n - n_train);
    let train_xy = rows(&sequences, &train.labels, &indices[..n_train])?;
    let val_xy = rows(
        &sequences,
        &train.labels,
        &indices[n_train..n_train + n_val],
    )?;
    let test_seqs = tokenizer.texts_to_sequences(&test.texts)?;
    let mut test_idx: Vec<usize> = (0..test_seqs.len()).collect();
    if a.quick {
        // A balanced subset: the test reviews are ordered too.
        RandomState::new(a.seed as u32).shuffle(&mut test_idx);
        test_idx.truncate(1000);
    }
    let test_xy = rows(&test_seqs, &test.labels, &test_idx)?;
    println!(
        "train {n_train}, validation {n_val}, test {} reviews",
        test_idx.len()
    );
    report.set("glove.imdb_dir", imdb.display().to_string());
    report.set("glove.unique_tokens", tokenizer.word_index().len());
    report.set("glove.n_reviews", n);
    report.set("glove.n_train", n_train);
    report.set("glove.n_val", n_val);
    report.set("glove.n_test", test_idx.len());

    // (model, history) for the plots; the GloVe model's test accuracy for the comparison.
    let mut curves: Vec<(&str, History)> = Vec::new();
    let mut glove_test = None;
    match &glove_path {
        None => {
            println!(
                "\nSKIP the pretrained model: no GloVe vectors. Get them with `cargo xtask download \
                 glove.6B --dir {where_}` (nlp.stanford.edu glove.6B.zip, 822 MB) and pass --data {where_} \
                 or --glove {where_}/glove.6B/glove.6B.100d.txt."
            );
            report.set("glove.status", "skipped: no glove.6B.100d.txt");
        }
        Some(path) => {
            section("Pretrained GloVe embedding (frozen) → Flatten → Dense(32, relu) → Dense(1, sigmoid)");
            let glove = match preloaded {
                Some(g) => g,
                None => GloveVectors::load(path)?,
            };
            println!(
                "Found {} word vectors. (lecture: 400000)",
                glove.words.len()
            );
            let word_index: HashMap<String, usize> = tokenizer
                .word_index()
                .iter()
                .filter_map(|(w, &i)| usize::try_from(i).ok().map(|i| (w.clone(), i)))
                .collect();
            let matrix = glove.embedding_matrix(&word_index, MAX_FEATURES, EMBEDDING_DIM)?;
            let matrix = Tensor::from_vec(
                matrix.iter().copied().collect(),
                &[MAX_FEATURES, EMBEDDING_DIM],
            )?;
            // The words whose rows come from the file (index < 10000, in GloVe), in word_index order.
            let known: Vec<(&String, usize)> = tokenizer
                .word_index()
                .iter()
                .filter_map(|(w, &i)| {
                    let i = usize::try_from(i).ok().filter(|&i| i < MAX_FEATURES)?;
                    glove.get(w).map(|_| (w, i))
                })
                .collect();
            println!(
                "{} of the top {MAX_FEATURES} words have a GloVe vector",
                known.len()
            );
            report.set("glove.status", "ran");
            report.set("glove.file", path.display().to_string());
            report.set("glove.vectors", glove.words.len());
            report.set("glove.words_found", known.len());

            let mut model = glove_architecture("glove")?;
            // model.layers[0].set_weights([embedding_matrix]); model.layers[0].trainable = False
            let first = model.layers().first().map(|l| l.name().to_string());
            let layer = first
                .and_then(|name| model.get_layer_mut(&name))
                .ok_or("the model has no Embedding layer")?;
            layer.set_weights(std::slice::from_ref(&matrix))?;
            layer.set_trainable(false);
            let before = embedding_weights(&model)?;
            let run = fit_and_test(a, &mut model, "glove", report, &train_xy, &val_xy, &test_xy)?;
            println!("(lecture: validation accuracy in the high 50s; test accuracy 56 %)");
            let after = embedding_weights(&model)?;
            let (c0, c1) = (checksum(&before), checksum(&after));
            println!(
                "frozen embedding checksum before {c0}, after {c1}: {}",
                if c0 == c1 { "unchanged" } else { "CHANGED" }
            );
            // Row i of the trained model is still the GloVe vector of the word with index i.
            let matching = known
                .iter()
                .filter(|(w, i)| {
                    let row = &after[i * EMBEDDING_DIM..(i + 1) * EMBEDDING_DIM];
                    glove.get(w).is_some_and(|v| v.iter().eq(row.iter()))
                })
                .count();
            println!(
                "{matching} of {} GloVe rows equal the file's vectors after training",
                known.len()
            );
            let sample: serde_json::Map<String, serde_json::Value> = known
                .iter()
                .take(3)
                .map(|(w, i)| {
                    let row = &after[i * EMBEDDING_DIM..i * EMBEDDING_DIM + 5];
                    ((*w).clone(), serde_json::json!(row))
                })
                .collect();
            report.set("glove.embedding_checksum_before", c0.clone());
            report.set("glove.embedding_checksum_after", c1.clone());
            report.set("glove.embedding_unchanged", c0 == c1 && before == after);
            report.set("glove.rows_matching_glove", matching);
            report.set("glove.sample_rows", serde_json::Value::Object(sample));
            glove_test = Some(run.test_acc);
            curves.push(("GloVe", run.history));
        }
    }

    section("The same model without pretrained word embeddings");
    let mut model = glove_architecture("no_glove")?;
    let before = embedding_weights(&model)?;
    let run = fit_and_test(
        a, &mut model, "no_glove", report, &train_xy, &val_xy, &test_xy,
    )?;
    let changed = checksum(&before) != checksum(&embedding_weights(&model)?);
    report.set("no_glove.embedding_changed", changed);
    match glove_test {
        Some(g) => println!(
            "\ntest accuracy: with GloVe {g:.4}, without {:.4} (lecture, with GloVe: 0.56)",
            run.test_acc
        ),
        None => println!("\ntest accuracy without GloVe {:.4}", run.test_acc),
    }
    curves.push(("no GloVe", run.history));
    // plt.plot(epochs, acc / val_acc) and (loss / val_loss), both models on one chart each.
    for (file, metric, title) in [
        (
            "glove_accuracy.png",
            "acc",
            "Training and validation accuracy",
        ),
        ("glove_loss.png", "loss", "Training and validation loss"),
    ] {
        let named: Vec<(String, &[f32])> = curves
            .iter()
            .flat_map(|(name, h)| {
                [
                    (
                        format!("{name} training {metric}"),
                        h.get(metric).unwrap_or(&[]),
                    ),
                    (
                        format!("{name} validation {metric}"),
                        h.get(&format!("val_{metric}")).unwrap_or(&[]),
                    ),
                ]
            })
            .collect();
        let series: Vec<(&str, &[f32])> = named.iter().map(|(n, s)| (n.as_str(), *s)).collect();
        save_plot(a, file, |p: &Path| {
            plot::lines(
                p,
                &format!("IMDb, 200 reviews: {title}"),
                "Epoch",
                metric,
                &series,
            )
        })?;
    }
    Ok(())
}
