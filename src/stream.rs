//! `TextCsvDataset`: a [`PyDataset`] over a CSV of labelled texts, read lazily by batch
//! ([`LazyCsv`]) and turned into padded ids on the fly by a fitted `Tokenizer` (+ `pad_sequences`)
//! or `TextVectorizer`. Memory holds the per-batch index, the vocabulary and the batches in
//! flight (`workers` + `max_queue_size`), never the file.
use kerust_datasets::lazy_csv::StringRecord;
use kerust_datasets::{DatasetsError, LazyCsv};
use kerust_layers::{DatasetBatch, LayerError, PyDataset, Result};
use kerust_tensor::{IntTensor, Tensor};
use kerust_text::{pad_sequences, PadSequences, TextVectorizer, Tokenizer};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// Turns one CSV record (and the line it starts on) into `(label, text)`.
pub type ParseRecord = dyn Fn(&Path, u64, &StringRecord) -> std::result::Result<(f32, String), DatasetsError>
    + Send
    + Sync;

/// How texts become ids.
#[derive(Clone)]
enum Encoder {
    /// Keras `texts_to_sequences` then `pad_sequences`.
    Tokenizer(Arc<Tokenizer>, PadSequences),
    /// `TextVectorization` in `int` mode (with `output_sequence_length` for fixed-width rows).
    Vectorizer(Arc<TextVectorizer>),
}

/// A CSV of `(label, text)` records as a Keras `PyDataset` of `(ids [b, T], labels [b, 1])`.
#[derive(Clone)]
pub struct TextCsvDataset {
    csv: Arc<LazyCsv>,
    parse: Arc<ParseRecord>,
    encoder: Encoder,
    batches: Range<usize>,
    label_steps: Option<usize>,
    workers: usize,
    max_queue_size: usize,
}

fn data_err(e: impl std::fmt::Display) -> LayerError {
    LayerError::Data(e.to_string())
}

impl TextCsvDataset {
    /// Batches of `csv` encoded with a fitted `tokenizer`, padded/truncated by `pad` (set its
    /// `maxlen` so every batch has the same width).
    pub fn with_tokenizer(
        csv: LazyCsv,
        parse: impl Fn(&Path, u64, &StringRecord) -> std::result::Result<(f32, String), DatasetsError>
            + Send
            + Sync
            + 'static,
        tokenizer: Arc<Tokenizer>,
        pad: PadSequences,
    ) -> Self {
        Self::new(csv, Arc::new(parse), Encoder::Tokenizer(tokenizer, pad))
    }

    /// Batches of `csv` encoded with an adapted `TextVectorizer` in `int` mode.
    pub fn with_vectorizer(
        csv: LazyCsv,
        parse: impl Fn(&Path, u64, &StringRecord) -> std::result::Result<(f32, String), DatasetsError>
            + Send
            + Sync
            + 'static,
        vectorizer: Arc<TextVectorizer>,
    ) -> Self {
        Self::new(csv, Arc::new(parse), Encoder::Vectorizer(vectorizer))
    }

    fn new(csv: LazyCsv, parse: Arc<ParseRecord>, encoder: Encoder) -> Self {
        let n = csv.len();
        Self {
            csv: Arc::new(csv),
            parse,
            encoder,
            batches: 0..n,
            label_steps: None,
            workers: 1,
            max_queue_size: 10,
        }
    }

    /// Only the file's batches `range` (e.g. the last tenth for validation); clamped to the file.
    pub fn batches(mut self, range: Range<usize>) -> Self {
        let n = self.csv.len();
        self.batches = range.start.min(n)..range.end.min(n);
        self
    }

    /// Repeat each label over `steps` time steps (`[b, steps, 1]` targets, for a model that
    /// predicts once per word).
    pub fn label_steps(mut self, steps: usize) -> Self {
        self.label_steps = Some(steps);
        self
    }

    /// Keras `workers=`: threads reading and tokenizing batches ahead (default 1).
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// Keras `max_queue_size=`: batches prepared ahead at most (default 10).
    pub fn max_queue_size(mut self, n: usize) -> Self {
        self.max_queue_size = n;
        self
    }

    /// The indexed file.
    pub fn csv(&self) -> &LazyCsv {
        &self.csv
    }

    /// Every `(label, text)` of the file in order, read as it goes (to fit a tokenizer without
    /// holding the texts). Stops at the first bad record, which it returns as the last item.
    pub fn texts_of<'a>(
        csv: &'a LazyCsv,
        parse: impl Fn(&Path, u64, &StringRecord) -> std::result::Result<(f32, String), DatasetsError>
            + 'a,
    ) -> std::result::Result<
        impl Iterator<Item = std::result::Result<(f32, String), DatasetsError>> + 'a,
        DatasetsError,
    > {
        let path = csv.path();
        Ok(csv
            .records()?
            .map(move |r| r.and_then(|(line, rec)| parse(path, line, &rec))))
    }
}

impl PyDataset for TextCsvDataset {
    fn len(&self) -> usize {
        self.batches.len()
    }

    fn get(&self, index: usize) -> Result<DatasetBatch> {
        if index >= self.batches.len() {
            return Err(LayerError::Data(format!(
                "batch {index} out of range: the dataset has {} batches",
                self.batches.len()
            )));
        }
        let records = self
            .csv
            .read_batch(self.batches.start + index)
            .map_err(data_err)?;
        let mut labels = Vec::with_capacity(records.len());
        let mut texts = Vec::with_capacity(records.len());
        for (line, r) in &records {
            let (label, text) = (self.parse)(self.csv.path(), *line, r).map_err(data_err)?;
            labels.push(label);
            texts.push(text);
        }
        drop(records);
        let b = texts.len();
        let x = match &self.encoder {
            Encoder::Tokenizer(tok, pad) => {
                let seqs = tok.texts_to_sequences(&texts).map_err(data_err)?;
                let m = pad_sequences(&seqs, pad.clone()).map_err(data_err)?;
                let (rows, cols) = m.shape();
                IntTensor::from_vec(m.into_vec(), &[rows, cols])?
            }
            Encoder::Vectorizer(v) => {
                let m = v
                    .call(&texts)
                    .map_err(data_err)?
                    .into_int()
                    .ok_or_else(|| {
                        LayerError::Data(
                            "TextCsvDataset needs a TextVectorizer in 'int' output mode".into(),
                        )
                    })?;
                let (rows, cols) = m.shape();
                IntTensor::from_vec(m.into_vec(), &[rows, cols])?
            }
        };
        let y = match self.label_steps {
            Some(t) => Tensor::from_vec(
                labels
                    .iter()
                    .flat_map(|&l| std::iter::repeat_n(l, t))
                    .collect(),
                &[b, t, 1],
            )?,
            None => Tensor::from_vec(labels, &[b, 1])?,
        };
        Ok(DatasetBatch::new(x, y))
    }

    fn workers(&self) -> usize {
        self.workers
    }

    fn max_queue_size(&self) -> usize {
        self.max_queue_size
    }
}
