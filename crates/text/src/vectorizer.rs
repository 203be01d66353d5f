//! `TextVectorizer`: the pure (tensor-free) engine of Keras 3 TextVectorization — standardize, split,
//! ngrams, a vocabulary learned by `adapt` or set directly, and int / multi_hot / count / tf_idf
//! output. `call` takes `&self` and the type is `Send + Sync`, so a model layer can wrap it.

use crate::counting::{count_tokens, Tokens};
use crate::error::{Result, TextError};
use crate::interner::Interner;
use crate::matrix::Matrix;
use crate::standardize::{
    ngrams, split_text, standardize_into, standardize_split_whitespace, Split, SplitFn,
    Standardize, StandardizeFn,
};
use crate::tokenizer::alloc_zeroed;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use std::sync::Arc;

/// Keras's mask token for TextVectorization.
pub const MASK_TOKEN: &str = "";
/// Keras's out-of-vocabulary token.
pub const OOV_TOKEN: &str = "[UNK]";

const OP: &str = "TextVectorization";

/// The `output_mode` of TextVectorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    Int,
    MultiHot,
    Count,
    TfIdf,
}

impl OutputMode {
    fn parse(s: &str) -> Result<Self> {
        match s {
            "int" => Ok(OutputMode::Int),
            // "binary" and "tf-idf" are Keras's deprecated aliases.
            "multi_hot" | "binary" => Ok(OutputMode::MultiHot),
            "count" => Ok(OutputMode::Count),
            "tf_idf" | "tf-idf" => Ok(OutputMode::TfIdf),
            _ => Err(TextError::option(
                OP,
                "output_mode",
                s,
                &["int", "multi_hot", "count", "tf_idf"],
            )),
        }
    }

    /// The Keras spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputMode::Int => "int",
            OutputMode::MultiHot => "multi_hot",
            OutputMode::Count => "count",
            OutputMode::TfIdf => "tf_idf",
        }
    }
}

/// The `ngrams` argument: `None`, an int `n` (meaning widths 1..=n) or an explicit tuple.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ngrams {
    None,
    Int(usize),
    Tuple(Vec<usize>),
}

impl Ngrams {
    fn widths(&self) -> Option<Vec<usize>> {
        match self {
            Ngrams::None => None,
            Ngrams::Int(n) => Some((1..=*n).collect()),
            Ngrams::Tuple(v) => Some(v.clone()),
        }
    }
}

/// A layer's standardize → split → ngrams pipeline, for `count_tokens`.
struct Pipeline<'a>(&'a TextVectorizer);

impl Tokens for Pipeline<'_> {
    fn for_each_token<F: FnMut(&str)>(&self, text: &str, buf: &mut String, mut f: F) {
        self.0.for_each_token_buf(text, buf, &mut f);
    }
}

/// The output of `call`: ids for `output_mode="int"`, floats otherwise.
#[derive(Debug, Clone, PartialEq)]
pub enum Vectorized {
    Int(Matrix<i64>),
    Float(Matrix<f32>),
}

impl Vectorized {
    /// `(rows, cols)` of either variant.
    pub fn shape(&self) -> (usize, usize) {
        match self {
            Vectorized::Int(m) => m.shape(),
            Vectorized::Float(m) => m.shape(),
        }
    }

    /// The id matrix when the mode is "int".
    pub fn into_int(self) -> Option<Matrix<i64>> {
        match self {
            Vectorized::Int(m) => Some(m),
            Vectorized::Float(_) => None,
        }
    }

    /// The float matrix for multi_hot / count / tf_idf.
    pub fn into_float(self) -> Option<Matrix<f32>> {
        match self {
            Vectorized::Float(m) => Some(m),
            Vectorized::Int(_) => None,
        }
    }
}

/// keras.layers.TextVectorization without the tensor: strings in, matrices out. (The model layer
/// of that name is `kerust_layers::TextVectorization`, which wraps this engine.)
#[derive(Debug, Clone)]
pub struct TextVectorizer {
    pub(crate) name: String,
    pub(crate) max_tokens: Option<usize>,
    pub(crate) standardize: Standardize,
    pub(crate) split: Split,
    pub(crate) ngrams: Ngrams,
    pub(crate) output_mode: OutputMode,
    pub(crate) output_sequence_length: Option<usize>,
    pub(crate) pad_to_max_tokens: bool,
    /// First invalid builder argument; reported by every fallible method (builders cannot fail).
    pub(crate) pending_error: Option<TextError>,
    /// Set when the vocabulary came from the constructor (Keras then refuses `adapt`).
    pub(crate) has_input_vocabulary: bool,
    /// Learned or set tokens, without the special tokens.
    pub(crate) tokens: Vec<String>,
    pub(crate) lookup: Arc<Interner<i64>>,
    pub(crate) vocab_set: bool,
    /// Full idf weights (one per output column) for tf_idf.
    pub(crate) idf_weights: Option<Vec<f32>>,
    /// Constructor `vocabulary`/`idf_weights`, re-applied after every builder call that affects
    /// it, so builder order does not matter.
    pub(crate) init_vocabulary: Option<(Vec<String>, Option<Vec<f32>>)>,
    /// Why the constructor vocabulary does not fit the current arguments (if it does not).
    pub(crate) init_error: Option<TextError>,
}

impl Default for TextVectorizer {
    fn default() -> Self {
        Self::new()
    }
}

impl TextVectorizer {
    /// Keras defaults: no max_tokens, lower_and_strip_punctuation, whitespace split, no ngrams, int output.
    pub fn new() -> Self {
        TextVectorizer {
            name: "text_vectorization".into(),
            max_tokens: None,
            standardize: Standardize::LowerAndStripPunctuation,
            split: Split::Whitespace,
            ngrams: Ngrams::None,
            output_mode: OutputMode::Int,
            output_sequence_length: None,
            pad_to_max_tokens: false,
            pending_error: None,
            has_input_vocabulary: false,
            tokens: Vec::new(),
            lookup: Arc::new(Interner::default()),
            vocab_set: false,
            idf_weights: None,
            init_vocabulary: None,
            init_error: None,
        }
    }

    fn fail(mut self, e: TextError) -> Self {
        if self.pending_error.is_none() {
            self.pending_error = Some(e);
        }
        self
    }

    /// Layer name (kept in the config).
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// Vocabulary size limit, counting the mask '' and '[UNK]' (int mode) or '[UNK]' (other modes).
    pub fn max_tokens(mut self, max_tokens: usize) -> Self {
        if max_tokens <= 1 {
            return self.fail(TextError::InvalidValue {
                op: OP,
                option: "max_tokens",
                reason: format!("must be greater than 1, got {max_tokens}"),
            });
        }
        self.max_tokens = Some(max_tokens);
        self.reapply()
    }

    /// "lower_and_strip_punctuation", "lower", "strip_punctuation" or "none".
    pub fn standardize(mut self, standardize: &str) -> Self {
        self.standardize = match standardize {
            "lower_and_strip_punctuation" => Standardize::LowerAndStripPunctuation,
            "lower" => Standardize::Lower,
            "strip_punctuation" => Standardize::StripPunctuation,
            "none" => Standardize::None,
            _ => {
                return self.fail(TextError::option(
                    OP,
                    "standardize",
                    standardize,
                    &[
                        "lower_and_strip_punctuation",
                        "lower",
                        "strip_punctuation",
                        "none",
                    ],
                ))
            }
        };
        self
    }

    /// A user standardize function; `name` is what the config records.
    pub fn standardize_fn(
        mut self,
        name: &str,
        f: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Self {
        let f: StandardizeFn = Arc::new(f);
        self.standardize = Standardize::Custom {
            name: name.to_string(),
            f,
        };
        self
    }

    /// "whitespace", "character" or "none".
    pub fn split(mut self, split: &str) -> Self {
        self.split = match split {
            "whitespace" => Split::Whitespace,
            "character" => Split::Character,
            "none" => Split::None,
            _ => {
                return self.fail(TextError::option(
                    OP,
                    "split",
                    split,
                    &["whitespace", "character", "none"],
                ))
            }
        };
        self
    }

    /// A user split function; `name` is what the config records.
    pub fn split_fn(
        mut self,
        name: &str,
        f: impl Fn(&str) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        let f: SplitFn = Arc::new(f);
        self.split = Split::Custom {
            name: name.to_string(),
            f,
        };
        self
    }

    /// `ngrams=n`: all n-grams of widths 1..=n.
    pub fn ngrams(mut self, n: usize) -> Self {
        if n == 0 {
            return self.fail(TextError::InvalidValue {
                op: OP,
                option: "ngrams",
                reason: "must be at least 1".into(),
            });
        }
        self.ngrams = Ngrams::Int(n);
        self
    }

    /// `ngrams=(w1, w2, ...)`: exactly these widths, in this order.
    pub fn ngrams_tuple(mut self, widths: &[usize]) -> Self {
        if widths.is_empty() || widths.contains(&0) {
            return self.fail(TextError::InvalidValue {
                op: OP,
                option: "ngrams",
                reason: format!("widths must be non-empty and >= 1, got {widths:?}"),
            });
        }
        self.ngrams = Ngrams::Tuple(widths.to_vec());
        self
    }

    /// "int" (default), "multi_hot", "count" or "tf_idf". ("one_hot" is not supported for text.)
    pub fn output_mode(mut self, output_mode: &str) -> Self {
        match OutputMode::parse(output_mode) {
            Ok(m) => self.output_mode = m,
            Err(e) => return self.fail(e),
        }
        self.reapply()
    }

    /// Int mode only: pad (with 0) or cut every row to this length, at the end.
    pub fn output_sequence_length(mut self, n: usize) -> Self {
        self.output_sequence_length = Some(n);
        self
    }

    /// Non-int modes: output width is `max_tokens` even if the vocabulary is smaller.
    pub fn pad_to_max_tokens(mut self, pad: bool) -> Self {
        self.pad_to_max_tokens = pad;
        self.reapply()
    }

    /// Constructor `vocabulary=`: a fixed vocabulary (with or without the leading special tokens).
    /// `adapt` is then refused, as in Keras.
    pub fn vocabulary<S: AsRef<str>>(mut self, vocabulary: &[S]) -> Self {
        let v = vocabulary.iter().map(|s| s.as_ref().to_string()).collect();
        let idf = self.init_vocabulary.take().and_then(|(_, i)| i);
        self.init_vocabulary = Some((v, idf));
        self.has_input_vocabulary = true;
        self.reapply()
    }

    /// Constructor `idf_weights=` (tf_idf mode with a fixed `vocabulary`).
    pub fn idf_weights(mut self, idf_weights: &[f32]) -> Self {
        let v = self
            .init_vocabulary
            .take()
            .map(|(v, _)| v)
            .unwrap_or_default();
        self.init_vocabulary = Some((v, Some(idf_weights.to_vec())));
        self.reapply()
    }

    /// Applies the constructor vocabulary under the current arguments, remembering any error.
    fn reapply(mut self) -> Self {
        if let Some((v, idf)) = self.init_vocabulary.clone() {
            self.vocab_set = false;
            self.tokens.clear();
            self.idf_weights = None;
            self.init_error = self.set_vocabulary_inner(&v, idf.as_deref()).err();
        }
        self
    }

    fn check(&self) -> Result<()> {
        if let Some(e) = &self.pending_error {
            return Err(e.clone());
        }
        if self.output_mode != OutputMode::Int && self.output_sequence_length.is_some() {
            return Err(TextError::InvalidValue {
                op: OP,
                option: "output_sequence_length",
                reason: format!(
                    "must not be set when output_mode is {:?}",
                    self.output_mode.as_str()
                ),
            });
        }
        if self.pad_to_max_tokens && self.max_tokens.is_none() {
            return Err(TextError::InvalidValue {
                op: OP,
                option: "pad_to_max_tokens",
                reason: "needs max_tokens to be set".into(),
            });
        }
        if let Some(e) = &self.init_error {
            return Err(e.clone());
        }
        if let Standardize::Missing { name } = &self.standardize {
            return Err(missing("standardize", name));
        }
        if let Split::Missing { name } = &self.split {
            return Err(missing("split", name));
        }
        Ok(())
    }

    /// Index of the first OOV slot: 1 in int mode (after the mask), else 0.
    fn oov_index(&self) -> i64 {
        if self.output_mode == OutputMode::Int {
            1
        } else {
            0
        }
    }

    /// Number of special tokens in front of the learned ones.
    fn token_start(&self) -> usize {
        self.oov_index() as usize + 1
    }

    /// Standardize → split → ngrams for one text; `f` sees every token.
    pub(crate) fn for_each_token(&self, text: &str, f: &mut dyn FnMut(&str)) {
        let mut buf = String::new();
        self.for_each_token_buf(text, &mut buf, f);
    }

    /// `for_each_token` with a reusable scratch buffer.
    fn for_each_token_buf(&self, text: &str, buf: &mut String, f: &mut dyn FnMut(&str)) {
        match &self.ngrams {
            Ngrams::None => self.for_each_split(text, buf, f),
            ngram_arg => {
                let widths = ngram_arg.widths().unwrap_or_default();
                let mut owned: Vec<String> = Vec::new();
                self.for_each_split(text, buf, &mut |t| owned.push(t.to_string()));
                let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
                ngrams(&refs, &widths, f);
            }
        }
    }

    /// Standardize → split for one text.
    fn for_each_split(&self, text: &str, buf: &mut String, f: &mut dyn FnMut(&str)) {
        match (self.standardize.builtin(), &self.split) {
            // The default pipeline in one pass over the bytes.
            (Some((lower, strip)), Split::Whitespace) => {
                standardize_split_whitespace(text, lower, strip, buf, f)
            }
            _ => split_text(
                &self.split,
                standardize_into(&self.standardize, text, buf),
                f,
            ),
        }
    }

    /// The tokens of each text after standardize, split and ngrams (Keras `_preprocess`).
    pub fn preprocess<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<Vec<Vec<String>>> {
        self.check()?;
        Ok(texts
            .par_iter()
            .map(|t| {
                let mut v = Vec::new();
                self.for_each_token(t.as_ref(), &mut |w| v.push(w.to_string()));
                v
            })
            .collect())
    }

    /// Learns the vocabulary (and idf weights in tf_idf mode) from `data`, replacing any
    /// learned before: most frequent first, ties broken by descending byte order (Keras's lexsort).
    pub fn adapt<S: AsRef<str> + Sync>(&mut self, data: &[S]) -> Result<()> {
        self.check()?;
        if self.has_input_vocabulary {
            return Err(TextError::InvalidValue {
                op: OP,
                option: "vocabulary",
                reason: "cannot adapt after setting a fixed vocabulary via `vocabulary`; build a new layer without it".into(),
            });
        }
        let all = count_tokens(data, &Pipeline(self))?;
        self.adapt_counts(all, data.len())
    }

    /// Keras `adapt` over texts that arrive one at a time (a file read lazily): they are counted
    /// a chunk at a time and dropped, and the vocabulary (and idf weights) is that `adapt` builds
    /// from all of them at once.
    pub fn adapt_iter<I, S>(&mut self, data: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        self.adapt_iter_chunked(data, crate::counting::ITER_CHUNK)
    }

    fn adapt_iter_chunked<I, S>(&mut self, data: I, chunk: usize) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        self.check()?;
        if self.has_input_vocabulary {
            return Err(TextError::InvalidValue {
                op: OP,
                option: "vocabulary",
                reason: "cannot adapt after setting a fixed vocabulary via `vocabulary`; build a new layer without it".into(),
            });
        }
        let (all, n) = crate::counting::count_tokens_iter(data, &Pipeline(self), chunk)?;
        self.adapt_counts(all, n)
    }

    /// The vocabulary from the token table of `n_docs` texts.
    fn adapt_counts(
        &mut self,
        all: crate::interner::Interner<(u64, u64)>,
        n_docs: usize,
    ) -> Result<()> {
        let stats = all.values();
        let mut order: Vec<usize> = (0..all.len())
            .filter(|&i| all.key(i) != MASK_TOKEN && all.key(i) != OOV_TOKEN)
            .collect();
        if order.is_empty() {
            // Keras leaves the previous vocabulary untouched when adapt sees no tokens.
            return Ok(());
        }
        order.par_sort_unstable_by(|&a, &b| {
            stats[b]
                .0
                .cmp(&stats[a].0)
                .then_with(|| all.key(b).as_bytes().cmp(all.key(a).as_bytes()))
        });
        if let Some(m) = self.max_tokens {
            order.truncate(m.saturating_sub(self.token_start()));
        }
        let tokens: Vec<String> = order.iter().map(|&i| all.key(i).to_string()).collect();
        if self.output_mode == OutputMode::TfIdf {
            let n_docs = n_docs as f64;
            let idf: Vec<f32> = order
                .iter()
                .map(|&i| (1.0 + n_docs / (1.0 + stats[i].1 as f64)).ln() as f32)
                .collect();
            // The OOV slot gets the mean idf (a float32 reduce_mean in TF).
            let mean = (idf.iter().map(|&x| x as f64).sum::<f64>() / idf.len() as f64) as f32;
            let mut full = vec![mean; self.token_start()];
            full.extend_from_slice(&idf);
            if self.pad_to_max_tokens {
                if let Some(m) = self.max_tokens {
                    full.resize(m.max(full.len()), 0.0);
                }
            }
            self.idf_weights = Some(full);
        }
        self.install(tokens)
    }

    /// Makes `tokens` (unique, without special tokens) the vocabulary.
    fn install(&mut self, tokens: Vec<String>) -> Result<()> {
        let start = self.token_start() as i64;
        let mut lookup = Interner::with_capacity(tokens.len());
        for (i, t) in (start..).zip(&tokens) {
            lookup.entry(t, i)?;
        }
        self.lookup = Arc::new(lookup);
        self.tokens = tokens;
        self.vocab_set = true;
        Ok(())
    }

    /// Sets the vocabulary directly (Keras `set_vocabulary`). It may start with the special
    /// tokens (`['', '[UNK]']` in int mode, `['[UNK]']` otherwise); `idf_weights` is required in
    /// tf_idf mode and forbidden otherwise.
    pub fn set_vocabulary<S: AsRef<str>>(
        &mut self,
        vocabulary: &[S],
        idf_weights: Option<&[f32]>,
    ) -> Result<()> {
        self.check()?;
        self.set_vocabulary_inner(vocabulary, idf_weights)
    }

    fn set_vocabulary_inner<S: AsRef<str>>(
        &mut self,
        vocabulary: &[S],
        idf_weights: Option<&[f32]>,
    ) -> Result<()> {
        let bad = |reason: String| Err(TextError::InvalidVocabulary { reason });
        match (self.output_mode == OutputMode::TfIdf, idf_weights.is_some()) {
            (true, false) => {
                return bad("idf_weights must be set when output_mode is 'tf_idf'".into())
            }
            (false, true) => {
                return bad(format!(
                    "idf_weights should only be set when output_mode is 'tf_idf', not {:?}",
                    self.output_mode.as_str()
                ))
            }
            _ => {}
        }
        if vocabulary.is_empty() {
            return bad("cannot set an empty vocabulary".into());
        }
        let vocab: Vec<&str> = vocabulary.iter().map(|s| s.as_ref()).collect();
        let start = self.token_start();
        let specials: Vec<&str> = if self.output_mode == OutputMode::Int {
            vec![MASK_TOKEN, OOV_TOKEN]
        } else {
            vec![OOV_TOKEN]
        };
        let found_special = vocab.len() >= start && vocab[..start] == specials[..];
        let tokens = if found_special {
            &vocab[start..]
        } else {
            &vocab[..]
        };
        let mut seen = FxHashSet::default();
        let mut repeated: Vec<&str> = Vec::new();
        for t in tokens {
            if !seen.insert(*t) && !repeated.contains(t) {
                repeated.push(t);
            }
        }
        if !repeated.is_empty() {
            return bad(format!(
                "the vocabulary has repeated terms {repeated:?}; make it unique"
            ));
        }
        if tokens.contains(&MASK_TOKEN) {
            return bad(format!(
                "found the mask token '' at an unexpected place; either drop the special tokens or put exactly {specials:?} first"
            ));
        }
        let size = start + tokens.len();
        if let Some(m) = self.max_tokens {
            if size > m {
                return bad(format!(
                    "vocabulary size {size} is larger than max_tokens {m}"
                ));
            }
        }
        if let Some(w) = idf_weights {
            if w.len() != vocab.len() {
                return bad(format!(
                    "idf_weights has {} entries but the vocabulary has {}; give one weight per term",
                    w.len(),
                    vocab.len()
                ));
            }
            let mut full: Vec<f32> = Vec::with_capacity(size);
            if !found_special {
                let mean = (w.iter().map(|&x| x as f64).sum::<f64>() / w.len() as f64) as f32;
                full.resize(start, mean);
            }
            full.extend_from_slice(w);
            if self.pad_to_max_tokens {
                if let Some(m) = self.max_tokens {
                    full.resize(m.max(full.len()), 0.0);
                }
            }
            self.idf_weights = Some(full);
        }
        self.install(tokens.iter().map(|t| t.to_string()).collect())
    }

    /// The vocabulary: special tokens first (`''`, `'[UNK]'` in int mode), then learned tokens.
    pub fn get_vocabulary(&self, include_special_tokens: bool) -> Vec<String> {
        let mut v: Vec<String> = Vec::with_capacity(self.vocabulary_size());
        if include_special_tokens {
            if self.output_mode == OutputMode::Int {
                v.push(MASK_TOKEN.into());
            }
            v.push(OOV_TOKEN.into());
        }
        v.extend(self.tokens.iter().cloned());
        v
    }

    /// Number of vocabulary entries including special tokens.
    pub fn vocabulary_size(&self) -> usize {
        self.token_start() + self.tokens.len()
    }

    /// The idf weights used in tf_idf mode (one per output column), if any.
    pub fn get_idf_weights(&self) -> Option<&[f32]> {
        self.idf_weights.as_deref()
    }

    /// The output mode.
    pub fn get_output_mode(&self) -> OutputMode {
        self.output_mode
    }

    /// Vectorizes `texts`: `Vectorized::Int` ([batch, longest or output_sequence_length], 0-padded
    /// at the end) in int mode, else `Vectorized::Float` ([batch, depth]). Pure and parallel.
    pub fn call<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<Vectorized> {
        self.check()?;
        if !self.vocab_set {
            return Err(TextError::NotFitted {
                op: OP,
                reason: "the vocabulary is not set; call adapt(texts) or set_vocabulary(...) first"
                    .into(),
            });
        }
        let oov = self.oov_index();
        let lookup = &*self.lookup;
        let id = |w: &str| -> Option<i64> {
            if w == MASK_TOKEN {
                // The mask token maps to 0 in int mode and is dropped by the other modes.
                return if self.output_mode == OutputMode::Int {
                    Some(0)
                } else {
                    None
                };
            }
            Some(lookup.get(w).copied().unwrap_or(oov))
        };
        if self.output_mode == OutputMode::Int {
            if let Some(cols) = self.output_sequence_length {
                // Known width: each text writes its row directly; tokens past the width are
                // cut by Keras anyway, so they are not looked up.
                let mut data: Vec<i64> = alloc_zeroed(texts.len(), cols, OP)?;
                if cols > 0 {
                    data.par_chunks_mut(cols)
                        .with_min_len(256)
                        .zip(texts.par_iter())
                        .for_each_init(String::new, |buf, (row, t)| {
                            let mut n = 0;
                            self.for_each_token_buf(t.as_ref(), buf, &mut |w| {
                                if n < cols {
                                    if let Some(i) = id(w) {
                                        row[n] = i;
                                        n += 1;
                                    }
                                }
                            });
                        });
                }
                return Ok(Vectorized::Int(Matrix {
                    rows: texts.len(),
                    cols,
                    data,
                }));
            }
            let rows: Vec<Vec<i64>> = texts
                .par_iter()
                .with_min_len(256)
                .map_init(String::new, |buf, t| {
                    let mut v = Vec::new();
                    self.for_each_token_buf(t.as_ref(), buf, &mut |w| {
                        if let Some(i) = id(w) {
                            v.push(i);
                        }
                    });
                    v
                })
                .collect();
            let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
            let mut data: Vec<i64> = alloc_zeroed(rows.len(), cols, OP)?;
            if cols > 0 {
                for (dst, src) in data.chunks_mut(cols).zip(&rows) {
                    dst[..src.len()].copy_from_slice(src);
                }
            }
            return Ok(Vectorized::Int(Matrix {
                rows: rows.len(),
                cols,
                data,
            }));
        }
        let depth = match (self.pad_to_max_tokens, self.max_tokens) {
            (true, Some(m)) => m,
            _ => self.vocabulary_size(),
        };
        let idf = match (self.output_mode, &self.idf_weights) {
            (OutputMode::TfIdf, Some(w)) => Some(w.as_slice()),
            (OutputMode::TfIdf, None) => {
                return Err(TextError::NotFitted {
                    op: OP,
                    reason: "tf_idf needs idf weights; call adapt(texts) or set_vocabulary(vocab, Some(idf))".into(),
                })
            }
            _ => None,
        };
        let mut data: Vec<f32> = alloc_zeroed(texts.len(), depth, OP)?;
        if depth > 0 {
            data.par_chunks_mut(depth)
                .with_min_len(64)
                .zip(texts.par_iter())
                .for_each(|(row, t)| {
                    self.for_each_token(t.as_ref(), &mut |w| {
                        if let Some(i) = id(w) {
                            // bincount drops ids outside [0, depth).
                            if let Some(x) = row.get_mut(i as usize) {
                                match self.output_mode {
                                    OutputMode::MultiHot => *x = 1.0,
                                    _ => *x += 1.0,
                                }
                            }
                        }
                    });
                    if let Some(w) = idf {
                        for (x, &wi) in row.iter_mut().zip(w) {
                            *x *= wi;
                        }
                    }
                });
        }
        Ok(Vectorized::Float(Matrix {
            rows: texts.len(),
            cols: depth,
            data,
        }))
    }
}

fn missing(option: &'static str, name: &str) -> TextError {
    TextError::InvalidValue {
        op: OP,
        option,
        reason: format!(
            "the config names a custom function {name:?} that is not attached; call .{option}_fn({name:?}, f) after from_config"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapting_from_an_iterator_in_chunks_equals_adapting_all_at_once() {
        let words = [
            "the", "Cat", "sat!", "on", "a", "mat,", "dog", "über", "x", "THE",
        ];
        let texts: Vec<String> = (0..40)
            .map(|i| {
                (0..(i % 7))
                    .map(|j| words[(i * 3 + j * 5) % words.len()])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let builds: [fn() -> TextVectorizer; 3] = [
            TextVectorizer::new,
            || TextVectorizer::new().max_tokens(5),
            || TextVectorizer::new().output_mode("tf_idf").ngrams(2),
        ];
        for build in builds {
            let mut whole = build();
            whole.adapt(&texts).unwrap();
            for chunk in [1, 6, 100] {
                let mut it = build();
                it.adapt_iter_chunked(texts.iter(), chunk).unwrap();
                assert_eq!(
                    it.get_vocabulary(true),
                    whole.get_vocabulary(true),
                    "chunk {chunk}"
                );
                assert_eq!(it.idf_weights, whole.idf_weights);
            }
        }
    }

    #[test]
    fn fixed_length_rows_equal_cut_ragged_rows() {
        let texts = ["The cat, the HAT!", "", "a b c d e f g", "Über ÇA ça", "x"];
        let builds: [fn() -> TextVectorizer; 5] = [
            TextVectorizer::new,
            || TextVectorizer::new().ngrams(2),
            || TextVectorizer::new().split("character"),
            || TextVectorizer::new().standardize("none").split("none"),
            || TextVectorizer::new().standardize_fn("up", |s| s.to_uppercase()),
        ];
        for build in builds {
            let mut ragged = build();
            ragged.adapt(&texts).unwrap();
            let full = ragged.call(&texts).unwrap().into_int().unwrap();
            for n in [0, 1, 3, 40] {
                let mut fixed = build().output_sequence_length(n);
                fixed.adapt(&texts).unwrap();
                let m = fixed.call(&texts).unwrap().into_int().unwrap();
                assert_eq!(m.shape(), (texts.len(), n));
                for (r, row) in full.rows_iter().enumerate() {
                    let want: Vec<i64> = row
                        .iter()
                        .copied()
                        .chain(std::iter::repeat(0))
                        .take(n)
                        .collect();
                    assert_eq!(m.row(r).unwrap(), want, "{:?} n={n}", ragged.split);
                }
            }
        }
    }
}
