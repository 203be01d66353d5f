//! The fixed suite of issue #9, run in-process by kerust: each workload prepares its data once,
//! then every repetition builds a fresh model and times only `fit` / `predict` / the text pipeline.
use super::data;
use kerust_layers::{
    l2, Adam, Bidirectional, Conv1D, Data, Dense, Dot, Embedding, FitArgs, GlobalAveragePooling1D,
    GlobalMaxPooling1D, Input, Layer, LayerHandle, Model, Sequential, SimpleRNN, GRU, LSTM,
};
use kerust_tensor::{IntTensor, Rng, Tensor};
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

/// One repetition: returns the seconds of the timed part.
pub type Rep = Box<dyn FnMut() -> Result<f64, Skip>>;

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
            Ok(Box::new(move || {
                let t = Instant::now();
                let out =
                    kerust_text::bench::tokenizer_pipeline(&texts, TWEETS_LEN).map_err(fail)?;
                let s = t.elapsed().as_secs_f64();
                std::hint::black_box(out);
                Ok(s)
            }))
        }
        "textvectorization_137k" => {
            let texts = corpus.clone();
            Ok(Box::new(move || {
                let t = Instant::now();
                let out =
                    kerust_text::bench::vectorization_pipeline(&texts, TWEETS_LEN).map_err(fail)?;
                let s = t.elapsed().as_secs_f64();
                std::hint::black_box(out);
                Ok(s)
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
        let t = Instant::now();
        m.fit(&x, &y, fit_args(epochs, 32)).map_err(fail)?;
        Ok(t.elapsed().as_secs_f64())
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
        let t = Instant::now();
        m.fit(&x, &y, fit_args(5, 32)).map_err(fail)?;
        Ok(t.elapsed().as_secs_f64())
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
        let t = Instant::now();
        m.fit(&x, &y, fit_args(6, 150)).map_err(fail)?;
        Ok(t.elapsed().as_secs_f64())
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
        let t = Instant::now();
        m.fit(x, &y, fit_args(1, 64)).map_err(fail)?;
        Ok(t.elapsed().as_secs_f64())
    }))
}

/// `predict` of the tweets LSTM model on `n` samples (batch 32) after one warm-up call; for one
/// sample, the mean over repeated calls (≥ 0.5 s worth) so the timer resolution does not matter.
fn tweets_predict(n: usize) -> Result<Rep, Skip> {
    let mut m = tweets_model(Head::Lstm, 1)?;
    let mut rng = Rng::seed(901);
    let x: IntTensor = data::ids(n, TWEETS_LEN, TWEETS_VOCAB, 3, &mut rng).map_err(fail)?;
    let warm: Tensor = m.predict(&x).map_err(fail)?;
    std::hint::black_box(warm);
    Ok(Box::new(move || {
        let (mut calls, start) = (0usize, Instant::now());
        loop {
            let out = m.predict(&x).map_err(fail)?;
            std::hint::black_box(out);
            calls += 1;
            let el = start.elapsed().as_secs_f64();
            if n > 1 || calls >= 1000 || (calls >= 5 && el >= 0.5) {
                return Ok(el / calls as f64);
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(rep().unwrap() > 0.0);
        }
    }
}
