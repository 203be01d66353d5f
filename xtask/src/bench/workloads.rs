//! The fixed suite of issue #9, run in-process by kerust: each workload prepares its data once,
//! then every repetition builds a fresh model and times only `fit` / `predict` / the text pipeline.
//! Training repetitions fit `epochs + 1` epochs: `cold_s` is the fresh model's first `epochs`
//! epochs, `seconds` the `epochs` after the first (steady state), as on the Python side.
use super::data;
use kerust_layers::{
    l2, Adam, Bidirectional, Callback, Conv1D, Data, Dense, Dot, Embedding, FitArgs,
    GlobalAveragePooling1D, GlobalMaxPooling1D, History, Input, Layer, LayerHandle, Logs, Model,
    ModelCore, Sequential, SimpleRNN, GRU, LSTM,
};
use kerust_tensor::{IntTensor, Rng, Tensor};
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

/// Workload names, in report order (the JSON `name` field).
pub const NAMES: [&str; 13] = [
    "fortune500_simplernn1_50ep",
    "fortune500_stacked_30ep",
    "tweets_lstm64_5ep",
    "tweets_gru64_5ep",
    "tweets_bilstm64_5ep",
    "tweets_conv1d32_5ep",
    "tweets_dense_gap_5ep",
    "sst_lstm32_6ep",
    "quora_siamese_1ep",
    "tweets_lstm64_predict762",
    "tweets_lstm64_predict1",
    "tokenizer_137k",
    "textvectorization_137k",
];

/// Whether a workload trains (the ≥ 5× Keras / ≥ 3× PyTorch targets apply) or not.
pub fn is_training(name: &str) -> bool {
    name.ends_with("ep")
}

/// Tweets: 6851 training samples of 15 ids, vocabulary 10000, 762 validation samples.
pub const TWEETS_TRAIN: usize = 6851;
pub const TWEETS_VAL: usize = 762;
pub const TWEETS_LEN: usize = 15;
pub const TWEETS_VOCAB: usize = 10_000;
/// SST Lab 8: 6920 reviews of 55 ids, vocabulary 4823.
pub const SST_TRAIN: usize = 6920;
pub const SST_LEN: usize = 55;
pub const SST_VOCAB: usize = 4823;
/// Quora: 900 training pairs.
pub const QUORA_TRAIN: usize = 900;
/// Strings in the tokenizer / TextVectorization workloads (the 7613 tweets × 18).
pub const CORPUS_SIZE: usize = 137_034;

/// Why a workload produced no kerust number.
#[derive(Debug, Clone, PartialEq)]
pub enum Skip {
    /// A layer the workload needs does not exist in kerust yet (none at the moment).
    #[allow(dead_code)]
    Unavailable(String),
    /// It ran and failed.
    Failed(String),
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::Unavailable(m) => write!(f, "unavailable: {m}"),
            Skip::Failed(m) => write!(f, "failed: {m}"),
        }
    }
}

fn fail(e: impl std::fmt::Display) -> Skip {
    Skip::Failed(e.to_string())
}

/// What one repetition measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Steady-state seconds: training after a warm-up epoch; predict after the first call.
    pub seconds: f64,
    /// A fresh model's whole `fit` of the workload's epochs (or its first predict call).
    pub cold_s: f64,
    /// The last epoch's training loss (a broken model cannot look fast).
    pub final_loss: Option<f64>,
    /// Output fingerprints compared with Keras's (text workloads).
    pub check: Option<Json>,
}

/// One repetition.
pub type Rep = Box<dyn FnMut() -> Result<Measured, Skip>>;

/// Records when each epoch ended.
struct EpochClock(Rc<RefCell<Vec<Instant>>>);

impl Callback for EpochClock {
    fn on_epoch_end(
        &mut self,
        _model: &mut ModelCore,
        _epoch: usize,
        _logs: &Logs,
    ) -> kerust_layers::Result<()> {
        self.0.borrow_mut().push(Instant::now());
        Ok(())
    }
}

/// Fits `epochs + 1` epochs through `fit` and splits the time into cold and steady.
fn timed_fit(
    epochs: usize,
    batch: usize,
    fit: impl FnOnce(FitArgs) -> kerust_layers::Result<History>,
) -> Result<Measured, Skip> {
    let ends = Rc::new(RefCell::new(Vec::new()));
    let args = fit_args(epochs + 1, batch).callback(EpochClock(ends.clone()));
    let t0 = Instant::now();
    let history = fit(args).map_err(fail)?;
    let ends = ends.borrow();
    if ends.len() != epochs + 1 {
        return Err(Skip::Failed(format!(
            "fit ran {} epochs, {} asked",
            ends.len(),
            epochs + 1
        )));
    }
    Ok(Measured {
        seconds: (ends[epochs] - ends[0]).as_secs_f64(),
        cold_s: (ends[epochs - 1] - t0).as_secs_f64(),
        final_loss: history
            .get("loss")
            .and_then(|l| l.last())
            .map(|&v| v as f64),
        check: None,
    })
}

/// sha256 of rows as `1,2,3` lines joined by newlines (bench_common.seq_sha does the same).
pub fn seq_sha(data: &[i64], cols: usize) -> String {
    let lines: Vec<String> = data
        .chunks(cols.max(1))
        .map(|r| r.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
        .collect();
    hex(Sha256::digest(lines.join("\n").as_bytes()).as_slice())
}

/// sha256 of words joined by newlines (bench_common.text_sha).
pub fn text_sha<S: AsRef<str>>(words: &[S]) -> String {
    let joined: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
    hex(Sha256::digest(joined.join("\n").as_bytes()).as_slice())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs a text pipeline twice (cold, then steady) and fingerprints the second run's output.
fn text_rep(
    mut once: impl FnMut() -> Result<(Vec<i64>, usize, Vec<String>), Skip> + 'static,
) -> Rep {
    Box::new(move || {
        let t = Instant::now();
        std::hint::black_box(once()?);
        let cold_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let (ids, cols, vocab) = once()?;
        let seconds = t.elapsed().as_secs_f64();
        Ok(Measured {
            seconds,
            cold_s,
            final_loss: None,
            check: Some(json!({
                "sequences_sha256": seq_sha(&ids, cols),
                "vocabulary_sha256": text_sha(&vocab),
            })),
        })
    })
}

/// Prepares the named workload (data, warm-up) and returns its repetition closure.
pub fn prepare(name: &str, corpus: &Arc<Vec<String>>) -> Result<Rep, Skip> {
    match name {
        "fortune500_simplernn1_50ep" => fortune500(false, 50),
        "fortune500_stacked_30ep" => fortune500(true, 30),
        "tweets_lstm64_5ep" => tweets_fit(Head::Lstm),
        "tweets_gru64_5ep" => tweets_fit(Head::Gru),
        "tweets_bilstm64_5ep" => tweets_fit(Head::BiLstm),
        "tweets_conv1d32_5ep" => tweets_fit(Head::Conv1d),
        "tweets_dense_gap_5ep" => tweets_fit(Head::Gap),
        "sst_lstm32_6ep" => sst(),
        "quora_siamese_1ep" => quora(),
        "tweets_lstm64_predict762" => tweets_predict(TWEETS_VAL),
        "tweets_lstm64_predict1" => tweets_predict(1),
        "tokenizer_137k" => {
            let texts = corpus.clone();
            Ok(text_rep(move || {
                // kerust_text::bench::tokenizer_pipeline, keeping the word index for the check.
                let mut tok = kerust_text::Tokenizer::new();
                tok.fit_on_texts(&texts).map_err(fail)?;
                let seqs = tok.texts_to_sequences(&texts).map_err(fail)?;
                let padded = kerust_text::pad_sequences(
                    &seqs,
                    kerust_text::PadSequences::new().maxlen(TWEETS_LEN),
                )
                .map_err(fail)?;
                let vocab = tok.word_index().keys().cloned().collect();
                Ok((padded.data, padded.cols, vocab))
            }))
        }
        "textvectorization_137k" => {
            let texts = corpus.clone();
            Ok(text_rep(move || {
                let mut tv = kerust_text::TextVectorizer::new().output_sequence_length(TWEETS_LEN);
                tv.adapt(&texts).map_err(fail)?;
                let out = tv
                    .call(&texts)
                    .map_err(fail)?
                    .into_int()
                    .ok_or_else(|| Skip::Failed("int mode gave no ids".into()))?;
                Ok((out.data, out.cols, tv.get_vocabulary(true)))
            }))
        }
        other => Err(Skip::Failed(format!("unknown workload '{other}'"))),
    }
}

fn fit_args(epochs: usize, batch: usize) -> FitArgs {
    FitArgs::new().epochs(epochs).batch_size(batch).verbose(0)
}

/// `SimpleRNN(1)` (50 epochs) or `SimpleRNN(10)/(5)/(1)` stacked (30 epochs); Adam(0.01), MSE, batch 32.
fn fortune500(stacked: bool, epochs: usize) -> Result<Rep, Skip> {
    let (x, y) = data::fortune500(500).map_err(fail)?;
    let mut seed = 0u64;
    Ok(Box::new(move || {
        let mut m = Sequential::new();
        let first = if stacked { 10 } else { 1 };
        m.add(
            SimpleRNN::new(first)
                .return_sequences(stacked)
                .input_shape(&[None, Some(1)]),
        )
        .map_err(fail)?;
        if stacked {
            m.add(SimpleRNN::new(5).return_sequences(true))
                .map_err(fail)?;
            m.add(SimpleRNN::new(1)).map_err(fail)?;
        }
        seed += 1;
        m.set_seed(seed);
        m.compile(Adam::new().learning_rate(0.01), "mse", &[])
            .map_err(fail)?;
        timed_fit(epochs, 32, |a| m.fit(&x, &y, a))
    }))
}

/// The five tweet classifiers of the ZTM notebook (models 1–5): Embedding(10000, 128) + head + Dense(1).
#[derive(Debug, Clone, Copy)]
enum Head {
    Lstm,
    Gru,
    BiLstm,
    Conv1d,
    Gap,
}

/// The layers between the embedding and the output, or which layer is missing.
fn head_layers(head: Head) -> Result<Vec<Box<dyn Layer>>, Skip> {
    match head {
        Head::Lstm => Ok(vec![Box::new(LSTM::new(64))]),
        Head::Gru => Ok(vec![Box::new(GRU::new(64))]),
        Head::BiLstm => Ok(vec![Box::new(
            Bidirectional::new(LSTM::new(64)).map_err(fail)?,
        )]),
        Head::Conv1d => Ok(vec![
            Box::new(Conv1D::new(32, 5).activation("relu")),
            Box::new(GlobalMaxPooling1D::new()),
        ]),
        Head::Gap => Ok(vec![Box::new(GlobalAveragePooling1D::new())]),
    }
}

/// A fresh, compiled tweets model with this head.
fn tweets_model(head: Head, seed: u64) -> Result<Sequential, Skip> {
    let layers = head_layers(head)?;
    let mut m = Sequential::new();
    m.add(Input::new(&[TWEETS_LEN]).dtype("int32"))
        .map_err(fail)?;
    m.add(Embedding::new(TWEETS_VOCAB, 128)).map_err(fail)?;
    for l in layers {
        m.add_boxed(l).map_err(fail)?;
    }
    m.add(Dense::new(1).activation("sigmoid")).map_err(fail)?;
    m.set_seed(seed);
    m.compile(Adam::new(), "binary_crossentropy", &["accuracy"])
        .map_err(fail)?;
    Ok(m)
}

/// 5 epochs over 6851 tweets, batch 32, Adam, binary cross-entropy + accuracy.
fn tweets_fit(head: Head) -> Result<Rep, Skip> {
    tweets_model(head, 0)?;
    let mut rng = Rng::seed(900);
    let x = data::ids(TWEETS_TRAIN, TWEETS_LEN, TWEETS_VOCAB, 3, &mut rng).map_err(fail)?;
    let y = data::binary_labels(TWEETS_TRAIN, &mut rng).map_err(fail)?;
    let mut seed = 0u64;
    Ok(Box::new(move || {
        seed += 1;
        let mut m = tweets_model(head, seed)?;
        timed_fit(5, 32, |a| m.fit(&x, &y, a))
    }))
}

/// SST Lab 8: Embedding(4823, 32) + LSTM(32) + Dense(2, softmax), 6920 × 55 ids, 6 epochs, batch 150.
fn sst() -> Result<Rep, Skip> {
    let mut rng = Rng::seed(902);
    let x = data::ids(SST_TRAIN, SST_LEN, SST_VOCAB, 3, &mut rng).map_err(fail)?;
    let y = data::class_labels(SST_TRAIN, 2, &mut rng).map_err(fail)?;
    let mut seed = 0u64;
    Ok(Box::new(move || {
        seed += 1;
        let mut m = Sequential::new();
        m.add(Input::new(&[SST_LEN]).dtype("int32")).map_err(fail)?;
        m.add(Embedding::new(SST_VOCAB, 32)).map_err(fail)?;
        m.add(LSTM::new(32)).map_err(fail)?;
        m.add(Dense::new(2).activation("softmax")).map_err(fail)?;
        m.set_seed(seed);
        m.compile("adam", "sparse_categorical_crossentropy", &["accuracy"])
            .map_err(fail)?;
        timed_fit(6, 150, |a| m.fit(&x, &y, a))
    }))
}

/// Quora Siamese: shared Embedding(50002, 128, l2) + LSTM(128, l2), Dot(axes=1), Dense(1); 900 pairs
/// of 20 ids (pre-padded with 50001), batch 64, 1 epoch.
fn quora() -> Result<Rep, Skip> {
    let mut rng = Rng::seed(903);
    let q1 = data::quora_ids(QUORA_TRAIN, &mut rng).map_err(fail)?;
    let q2 = data::quora_ids(QUORA_TRAIN, &mut rng).map_err(fail)?;
    let y = data::binary_labels(QUORA_TRAIN, &mut rng).map_err(fail)?;
    let mut seed = 0u64;
    Ok(Box::new(move || {
        seed += 1;
        let in1 = Input::new(&[data::QUORA_LEN]).dtype("int32").tensor();
        let in2 = Input::new(&[data::QUORA_LEN]).dtype("int32").tensor();
        let emb = LayerHandle::new(
            Embedding::new(data::QUORA_MAX_FEATURES + 2, 128).embeddings_regularizer(l2(0.0001)),
        );
        let lstm = LayerHandle::new(LSTM::new(128).kernel_regularizer(l2(0.0001)));
        let v1 = lstm.call(&emb.call(&in1).map_err(fail)?).map_err(fail)?;
        let v2 = lstm.call(&emb.call(&in2).map_err(fail)?).map_err(fail)?;
        let dot = LayerHandle::new(Dot::new(1))
            .call_multi(&[&v1, &v2])
            .map_err(fail)?;
        let out = LayerHandle::new(Dense::new(1).activation("sigmoid"))
            .call(&dot[0])
            .map_err(fail)?;
        let mut m = Model::new(&[&in1, &in2], &[&out]).map_err(fail)?;
        m.set_seed(seed);
        m.compile("adam", "binary_crossentropy", &["accuracy"])
            .map_err(fail)?;
        let x: Vec<Data> = vec![q1.clone().into(), q2.clone().into()];
        timed_fit(1, 64, |a| m.fit(x, &y, a))
    }))
}

/// `predict` of the tweets LSTM model on `n` samples (batch 32): a fresh model per repetition,
/// `cold_s` its first call, `seconds` the steady time per call after it (for one sample the mean
/// over repeated calls, ≥ 0.5 s worth, so the timer resolution does not matter).
fn tweets_predict(n: usize) -> Result<Rep, Skip> {
    let mut rng = Rng::seed(901);
    let x: IntTensor = data::ids(n, TWEETS_LEN, TWEETS_VOCAB, 3, &mut rng).map_err(fail)?;
    let mut seed = 0u64;
    Ok(Box::new(move || {
        seed += 1;
        let mut m = tweets_model(Head::Lstm, seed)?;
        let t = Instant::now();
        let warm: Tensor = m.predict(&x).map_err(fail)?;
        let cold_s = t.elapsed().as_secs_f64();
        std::hint::black_box(warm);
        let (mut calls, start) = (0usize, Instant::now());
        loop {
            let out = m.predict(&x).map_err(fail)?;
            std::hint::black_box(out);
            calls += 1;
            let el = start.elapsed().as_secs_f64();
            if n > 1 || calls >= 1000 || (calls >= 5 && el >= 0.5) {
                return Ok(Measured {
                    seconds: el / calls as f64,
                    cold_s,
                    ..Measured::default()
                });
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_match_bench_common_py() {
        // python3 -c "import hashlib; print(hashlib.sha256(b'1,2\\n3,0').hexdigest())"
        assert_eq!(
            seq_sha(&[1, 2, 3, 0], 2),
            "3d42cfa666fc40c2523fd4f6bb8ec6a5a9267aeaacd39d7751d3ebfa993f1aaf"
        );
    }

    #[test]
    fn training_reports_cold_steady_and_loss() {
        let mut rep = fortune500(false, 2).unwrap();
        let m = rep().unwrap();
        assert!(m.seconds > 0.0 && m.cold_s > 0.0, "{m:?}");
        assert!(m.final_loss.is_some_and(f64::is_finite), "{m:?}");
    }

    #[test]
    fn every_name_is_known_and_unavailable_layers_say_so() {
        let corpus = Arc::new(data::corpus(50, 1));
        for name in NAMES {
            match prepare(name, &corpus) {
                Ok(_) => {}
                Err(e) => panic!("{name}: {e}"),
            }
        }
        assert!(matches!(prepare("nope", &corpus), Err(Skip::Failed(_))));
    }

    #[test]
    fn text_workloads_time_something() {
        let corpus = Arc::new(data::corpus(300, 1));
        for name in ["tokenizer_137k", "textvectorization_137k"] {
            let mut rep = prepare(name, &corpus).unwrap();
            let m = rep().unwrap();
            assert!(m.seconds > 0.0 && m.cold_s > 0.0);
            let check = m.check.expect("text workloads fingerprint their output");
            assert_eq!(check["sequences_sha256"].as_str().map(str::len), Some(64));
        }
    }
}
