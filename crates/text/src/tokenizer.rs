//! `Tokenizer`: keras.preprocessing.text.Tokenizer with the same vocabulary rules, the same
//! indices and the same matrices; fitting and lookup run in parallel with rayon.

use crate::counting::{count_tokens, Tokens};
use crate::error::{Result, TextError};
use crate::interner::Interner;
use crate::matrix::Matrix;
use crate::word_sequence::{lower_into, WordSplitter, DEFAULT_FILTERS};
use indexmap::IndexMap;
use rayon::prelude::*;
use rustc_hash::FxBuildHasher;

/// Insertion-ordered map (Python's dict / OrderedDict) with a fast hasher.
pub type OrderedMap<K, V> = IndexMap<K, V, FxBuildHasher>;

/// keras.preprocessing.text.Tokenizer. Build with `Tokenizer::new().num_words(10)`, then
/// `fit_on_texts`, then `texts_to_sequences`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tokenizer {
    pub(crate) num_words: Option<usize>,
    pub(crate) filters: String,
    pub(crate) lower: bool,
    pub(crate) split: String,
    pub(crate) char_level: bool,
    pub(crate) oov_token: Option<String>,
    pub(crate) document_count: usize,
    pub(crate) word_counts: OrderedMap<String, u64>,
    pub(crate) word_docs: OrderedMap<String, u64>,
    pub(crate) index_docs: OrderedMap<i64, u64>,
    pub(crate) word_index: OrderedMap<String, i64>,
    pub(crate) index_word: OrderedMap<i64, String>,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new()
    }
}

/// Keras's `word_index` for the words `word(k)` of word_counts (first-appearance order) with
/// counts `counts[k]`: oov token first, then by count descending, ties in first-appearance
/// order. Also returns each word's index (`first + rank`, also for an oov token seen as a word).
fn index_maps<'a>(
    oov: Option<&String>,
    word: impl Fn(usize) -> &'a str,
    counts: &[u64],
) -> (OrderedMap<String, i64>, Vec<i64>) {
    let mut order: Vec<usize> = (0..counts.len()).collect();
    // Stable sort: ties keep first-appearance order (Python's list.sort is stable).
    order.par_sort_by_key(|&k| std::cmp::Reverse(counts[k]));
    let first = if oov.is_some() { 2 } else { 1 };
    let mut word_index = OrderedMap::with_capacity_and_hasher(order.len() + 1, Default::default());
    if let Some(oov) = oov {
        word_index.insert(oov.clone(), 1);
    }
    let mut index_of = vec![0i64; order.len()];
    for (i, &k) in (first..).zip(&order) {
        // Python's dict(zip(...)) overwrites a repeated key (oov token also seen as a word).
        word_index.insert(word(k).to_string(), i);
        index_of[k] = i;
    }
    (word_index, index_of)
}

/// `index_word`: `word_index` inverted, in its order.
fn inverse(word_index: &OrderedMap<String, i64>) -> OrderedMap<i64, String> {
    let mut out = OrderedMap::with_capacity_and_hasher(word_index.len(), Default::default());
    out.extend(word_index.iter().map(|(w, &i)| (i, w.clone())));
    out
}

/// What a sequence gets for a word (an index, or `None`: dropped), stored compactly.
trait SeqValue: Copy + Send + Sync {
    /// `None` when `v` cannot be stored in this type.
    fn encode(v: Option<i64>) -> Option<Self>;
    fn decode(self) -> Option<i64>;
}

impl SeqValue for Option<i64> {
    fn encode(v: Option<i64>) -> Option<Self> {
        Some(v)
    }
    fn decode(self) -> Option<i64> {
        self
    }
}

/// `u32::MAX` means dropped.
impl SeqValue for u32 {
    fn encode(v: Option<i64>) -> Option<Self> {
        match v {
            None => Some(u32::MAX),
            Some(i) => u32::try_from(i).ok().filter(|&x| x != u32::MAX),
        }
    }
    #[inline]
    fn decode(self) -> Option<i64> {
        (self != u32::MAX).then_some(i64::from(self))
    }
}

/// A tokenizer's splitting rules, for `count_tokens`.
struct Rules<'a> {
    tok: &'a Tokenizer,
    splitter: &'a WordSplitter,
}

impl Tokens for Rules<'_> {
    fn for_each_token<F: FnMut(&str)>(&self, text: &str, buf: &mut String, f: F) {
        self.tok.for_each_token(self.splitter, text, buf, f);
    }
}

/// `map[word] += n` for each word, appending new words in order; allocates only for new words.
fn add_counts<'a>(
    map: &mut OrderedMap<String, u64>,
    words: impl Iterator<Item = &'a str>,
    counts: &[u64],
) {
    map.reserve(counts.len());
    if map.is_empty() {
        // The words are distinct: nothing to look up.
        map.extend(words.zip(counts).map(|(w, &n)| (w.to_string(), n)));
        return;
    }
    for (w, &n) in words.zip(counts) {
        match map.get_mut(w) {
            Some(c) => *c += n,
            None => {
                map.insert(w.to_string(), n);
            }
        }
    }
}

impl Tokenizer {
    /// A tokenizer with Keras defaults: no word limit, default filters, lower, split on " ".
    pub fn new() -> Self {
        Tokenizer {
            num_words: None,
            filters: DEFAULT_FILTERS.to_string(),
            lower: true,
            split: " ".to_string(),
            char_level: false,
            oov_token: None,
            document_count: 0,
            word_counts: OrderedMap::default(),
            word_docs: OrderedMap::default(),
            index_docs: OrderedMap::default(),
            word_index: OrderedMap::default(),
            index_word: OrderedMap::default(),
        }
    }

    /// Keep only words with index `< num_words` in sequences (Keras keeps `num_words - 1` words).
    /// `0` means no limit, as in Keras where `num_words=0` is falsy.
    pub fn num_words(mut self, num_words: usize) -> Self {
        self.num_words = if num_words == 0 {
            None
        } else {
            Some(num_words)
        };
        self
    }

    /// Characters replaced by `split` before splitting.
    pub fn filters(mut self, filters: &str) -> Self {
        self.filters = filters.to_string();
        self
    }

    /// Lowercase texts first (Python `str.lower`, full Unicode).
    pub fn lower(mut self, lower: bool) -> Self {
        self.lower = lower;
        self
    }

    /// The word separator (must be non-empty; checked when text is processed).
    pub fn split(mut self, split: &str) -> Self {
        self.split = split.to_string();
        self
    }

    /// Every character (Unicode scalar) is a token; filters and split are then ignored, as in Keras.
    pub fn char_level(mut self, char_level: bool) -> Self {
        self.char_level = char_level;
        self
    }

    /// Token given index 1 and used for out-of-vocabulary words.
    pub fn oov_token(mut self, oov_token: &str) -> Self {
        self.oov_token = Some(oov_token.to_string());
        self
    }

    /// Starting document count (Keras constructor argument, used by `from_json`).
    pub fn document_count(mut self, document_count: usize) -> Self {
        self.document_count = document_count;
        self
    }

    /// Word → number of occurrences, in order of first appearance (Keras `word_counts`).
    pub fn word_counts(&self) -> &OrderedMap<String, u64> {
        &self.word_counts
    }

    /// Word → number of documents containing it (order: first appearance; Keras's is set order).
    pub fn word_docs(&self) -> &OrderedMap<String, u64> {
        &self.word_docs
    }

    /// Index → number of documents containing it.
    pub fn index_docs(&self) -> &OrderedMap<i64, u64> {
        &self.index_docs
    }

    /// Word → index (1-based; most frequent first, ties by first appearance; oov token at 1).
    pub fn word_index(&self) -> &OrderedMap<String, i64> {
        &self.word_index
    }

    /// Index → word (inverse of `word_index`).
    pub fn index_word(&self) -> &OrderedMap<i64, String> {
        &self.index_word
    }

    /// Number of documents seen by `fit_on_texts` / `fit_on_sequences`.
    pub fn get_document_count(&self) -> usize {
        self.document_count
    }

    /// The `num_words` limit (`None` = unlimited).
    pub fn get_num_words(&self) -> Option<usize> {
        self.num_words
    }

    fn splitter(&self, op: &'static str) -> Result<WordSplitter> {
        WordSplitter::new(op, &self.filters, self.lower, &self.split)
    }

    /// Calls `f` on each token of `text` under this tokenizer's rules (`buf` is scratch space).
    fn for_each_token<F: FnMut(&str)>(
        &self,
        splitter: &WordSplitter,
        text: &str,
        buf: &mut String,
        mut f: F,
    ) {
        if self.char_level {
            let t = if self.lower {
                lower_into(text, buf);
                buf.as_str()
            } else {
                text
            };
            let mut cbuf = [0u8; 4];
            for c in t.chars() {
                f(c.encode_utf8(&mut cbuf));
            }
        } else {
            splitter.for_each_word_buf(text, buf, f);
        }
    }

    /// Updates the vocabulary from `texts` (Keras `fit_on_texts`).
    pub fn fit_on_texts<S: AsRef<str> + Sync>(&mut self, texts: &[S]) -> Result<()> {
        let splitter = self.splitter("Tokenizer.fit_on_texts")?;
        let all = count_tokens(
            texts,
            &Rules {
                tok: self,
                splitter: &splitter,
            },
        )?;
        self.fit_counts(all, texts.len())
    }

    /// Keras `fit_on_texts` over texts that arrive one at a time (lines of a file, rows of a
    /// CSV): they are counted a chunk at a time and dropped, so a corpus larger than memory can
    /// be fitted. The result is that of `fit_on_texts` on all of them.
    ///
    /// ```
    /// use kerust_text::Tokenizer;
    /// let mut streamed = Tokenizer::new();
    /// streamed.fit_on_texts_iter(["the cat", "the dog sat"].into_iter().map(String::from)).unwrap();
    /// let mut whole = Tokenizer::new();
    /// whole.fit_on_texts(&["the cat", "the dog sat"]).unwrap();
    /// assert_eq!(streamed.word_index(), whole.word_index());
    /// assert_eq!(streamed.get_document_count(), 2);
    /// ```
    pub fn fit_on_texts_iter<I, S>(&mut self, texts: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        self.fit_on_texts_chunked(texts, crate::counting::ITER_CHUNK)
    }

    fn fit_on_texts_chunked<I, S>(&mut self, texts: I, chunk: usize) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        let splitter = self.splitter("Tokenizer.fit_on_texts")?;
        let (all, n) = crate::counting::count_tokens_iter(
            texts,
            &Rules {
                tok: self,
                splitter: &splitter,
            },
            chunk,
        )?;
        self.fit_counts(all, n)
    }

    /// The end of `fit_on_texts`: merge the counted words of `n_texts` texts into the vocabulary.
    fn fit_counts(
        &mut self,
        all: crate::interner::Interner<(u64, u64)>,
        n_texts: usize,
    ) -> Result<()> {
        let (counts, docs): (Vec<u64>, Vec<u64>) = all.values().into_iter().unzip();
        self.document_count += n_texts;
        let (word_counts, word_docs) = (&mut self.word_counts, &mut self.word_docs);
        if word_counts.is_empty() && word_docs.is_empty() {
            // First fit: word_counts and word_docs become exactly `all`'s words in this order,
            // so the index is built from `all` while those two maps are filled.
            let (oov, index_docs) = (self.oov_token.as_ref(), &mut self.index_docs);
            let (_, (word_index, index_word)) = rayon::join(
                || {
                    rayon::join(
                        || add_counts(word_counts, all.keys(), &counts),
                        || add_counts(word_docs, all.keys(), &docs),
                    )
                },
                || {
                    let (word_index, index_of) = index_maps(oov, |k| all.key(k), &counts);
                    let (index_word, ()) = rayon::join(
                        || inverse(&word_index),
                        || {
                            index_docs.reserve(docs.len());
                            for (&i, &c) in index_of.iter().zip(&docs) {
                                index_docs.insert(i, c);
                            }
                        },
                    );
                    (word_index, index_word)
                },
            );
            self.word_index = word_index;
            self.index_word = index_word;
            return Ok(());
        }
        rayon::join(
            || add_counts(word_counts, all.keys(), &counts),
            || add_counts(word_docs, all.keys(), &docs),
        );
        self.rebuild_index();
        Ok(())
    }

    /// Recomputes `word_index`, `index_word` and `index_docs` exactly like the end of Keras's `fit_on_texts`.
    fn rebuild_index(&mut self) {
        let counts: Vec<u64> = self.word_counts.values().copied().collect();
        let wc = &self.word_counts;
        let word = |k: usize| wc.get_index(k).map_or("", |e| e.0.as_str());
        let (word_index, index_of) = index_maps(self.oov_token.as_ref(), word, &counts);
        let (index_word, ()) = rayon::join(
            || inverse(&word_index),
            || {
                // word_docs usually lists the words of word_counts in the same order: then a
                // word's index comes from its position, without hashing it again.
                self.index_docs.reserve(self.word_docs.len());
                for (k, (w, &c)) in self.word_docs.iter().enumerate() {
                    let i = match wc.get_index(k) {
                        Some((v, _)) if v == w => Some(index_of[k]),
                        _ => word_index.get(w).copied(),
                    };
                    if let Some(i) = i {
                        self.index_docs.insert(i, c);
                    }
                }
            },
        );
        self.index_word = index_word;
        self.word_index = word_index;
    }

    /// Updates document statistics from index sequences (Keras `fit_on_sequences`).
    pub fn fit_on_sequences<Q: AsRef<[i64]>>(&mut self, sequences: &[Q]) {
        self.document_count += sequences.len();
        for seq in sequences {
            let mut seen: Vec<i64> = seq.as_ref().to_vec();
            seen.sort_unstable();
            seen.dedup();
            for i in seen {
                *self.index_docs.entry(i).or_insert(0) += 1;
            }
        }
    }

    /// Index of the oov token, if one is set and known.
    fn oov_index(&self) -> Option<i64> {
        self.oov_token
            .as_ref()
            .and_then(|t| self.word_index.get(t.as_str()).copied())
    }

    /// `word_index` as an interner whose value is what a sequence gets for the word: its index,
    /// or the oov index (`None`: dropped) when `num_words` cuts the index off. `Ok(None)` when
    /// some value does not fit in `V`.
    fn sequence_lookup<V: SeqValue>(&self, oov: Option<i64>) -> Result<Option<Interner<V>>> {
        let limit = self.num_words.map(|n| n as i64);
        let mut words = Interner::with_capacity(self.word_index.len());
        for (w, &i) in &self.word_index {
            let v = if limit.is_some_and(|n| i >= n) {
                oov
            } else {
                Some(i)
            };
            let Some(v) = V::encode(v) else {
                return Ok(None);
            };
            words.entry(w, v)?;
        }
        Ok(Some(words))
    }

    /// Texts → index sequences (Keras `texts_to_sequences`), computed in parallel. Unknown words
    /// become the oov index when set, else are dropped.
    pub fn texts_to_sequences<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<Vec<Vec<i64>>> {
        let splitter = self.splitter("Tokenizer.texts_to_sequences")?;
        // Keras appends `None` when oov_token is set but unknown (unfitted tokenizer); we drop the word.
        let oov = self.oov_index();
        // Indices that fit in a u32 (the usual case) make a smaller, more cache-friendly table.
        if let Some(words) = self.sequence_lookup::<u32>(oov)? {
            return Ok(self.sequences_with(&splitter, &words, oov, texts));
        }
        // Option<i64> holds every index, so this lookup always exists.
        let words = self
            .sequence_lookup::<Option<i64>>(oov)?
            .unwrap_or_default();
        Ok(self.sequences_with(&splitter, &words, oov, texts))
    }

    fn sequences_with<S: AsRef<str> + Sync, V: SeqValue>(
        &self,
        splitter: &WordSplitter,
        words: &Interner<V>,
        oov: Option<i64>,
        texts: &[S],
    ) -> Vec<Vec<i64>> {
        texts
            .par_iter()
            .with_min_len(256)
            .map_init(
                || (String::new(), Vec::new()),
                |(buf, seq), t| {
                    seq.clear();
                    self.for_each_token(splitter, t.as_ref(), buf, |w| {
                        let v = match words.get(w) {
                            Some(&v) => v.decode(),
                            None => oov,
                        };
                        if let Some(v) = v {
                            seq.push(v);
                        }
                    });
                    // One exact-size allocation per text instead of several growing pushes.
                    seq.to_vec()
                },
            )
            .collect()
    }

    /// Index sequences → space-joined texts (Keras `sequences_to_texts`).
    pub fn sequences_to_texts<Q: AsRef<[i64]>>(&self, sequences: &[Q]) -> Vec<String> {
        let limit = self.num_words.map(|n| n as i64);
        let oov_word = self.oov_index().and_then(|i| self.index_word.get(&i));
        sequences
            .iter()
            .map(|seq| {
                let mut words: Vec<&str> = Vec::new();
                for num in seq.as_ref() {
                    let word = match self.index_word.get(num) {
                        Some(_) if limit.is_some_and(|n| *num >= n) => oov_word,
                        Some(w) => Some(w),
                        None => oov_word,
                    };
                    if let Some(w) = word {
                        words.push(w);
                    }
                }
                words.join(" ")
            })
            .collect()
    }

    /// Texts → a `[len(texts), num_words]` matrix (Keras `texts_to_matrix`).
    /// `mode`: "binary" (default in Keras), "count", "tfidf" or "freq".
    pub fn texts_to_matrix<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
        mode: &str,
    ) -> Result<Matrix<f32>> {
        MatrixMode::parse(mode)?;
        let seqs = self.texts_to_sequences(texts)?;
        self.sequences_to_matrix(&seqs, mode)
    }

    /// Index sequences → a `[len(sequences), num_words]` matrix (Keras `sequences_to_matrix`).
    /// Indices `>= num_words` and negative indices are skipped.
    pub fn sequences_to_matrix<Q: AsRef<[i64]> + Sync>(
        &self,
        sequences: &[Q],
        mode: &str,
    ) -> Result<Matrix<f32>> {
        let mode = MatrixMode::parse(mode)?;
        let cols = match self.num_words {
            Some(n) => n,
            None if !self.word_index.is_empty() => self.word_index.len() + 1,
            None => {
                return Err(TextError::NotFitted {
                    op: "Tokenizer.sequences_to_matrix",
                    reason: "specify a dimension (num_words) or fit on some text data first".into(),
                })
            }
        };
        if mode == MatrixMode::Tfidf && self.document_count == 0 {
            return Err(TextError::NotFitted {
                op: "Tokenizer.sequences_to_matrix",
                reason: "fit the Tokenizer on some data before using tfidf mode".into(),
            });
        }
        let rows = sequences.len();
        let mut data = alloc_zeroed(rows, cols, "Tokenizer.sequences_to_matrix")?;
        let doc_count = self.document_count as f64;
        if cols > 0 {
            data.par_chunks_mut(cols)
                .zip(sequences.par_iter())
                .for_each(|(row, seq)| {
                    let seq = seq.as_ref();
                    if seq.is_empty() {
                        return;
                    }
                    let mut counts: OrderedMap<usize, u64> = OrderedMap::default();
                    for &j in seq {
                        if j < 0 || j as u64 >= cols as u64 {
                            continue;
                        }
                        *counts.entry(j as usize).or_insert(0) += 1;
                    }
                    for (j, c) in counts {
                        row[j] = match mode {
                            MatrixMode::Count => c as f32,
                            MatrixMode::Freq => (c as f64 / seq.len() as f64) as f32,
                            MatrixMode::Binary => 1.0,
                            MatrixMode::Tfidf => {
                                let tf = 1.0 + (c as f64).ln();
                                let df =
                                    self.index_docs.get(&(j as i64)).copied().unwrap_or(0) as f64;
                                let idf = (1.0 + doc_count / (1.0 + df)).ln();
                                (tf * idf) as f32
                            }
                        };
                    }
                });
        }
        Ok(Matrix { rows, cols, data })
    }
}

/// Allocates `rows × cols` zeros, or a typed error when the size overflows or memory is short.
pub(crate) fn alloc_zeroed<T: Clone + Default>(
    rows: usize,
    cols: usize,
    op: &'static str,
) -> Result<Vec<T>> {
    let n = rows
        .checked_mul(cols)
        .ok_or_else(|| TextError::InvalidValue {
            op,
            option: "output size",
            reason: format!("{rows} × {cols} elements overflows usize; use a smaller dimension"),
        })?;
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| TextError::InvalidValue {
            op,
            option: "output size",
            reason: format!("cannot allocate {rows} × {cols} elements; use a smaller dimension"),
        })?;
    v.resize(n, T::default());
    Ok(v)
}

/// The `mode` of `texts_to_matrix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MatrixMode {
    Binary,
    Count,
    Tfidf,
    Freq,
}

impl MatrixMode {
    fn parse(mode: &str) -> Result<Self> {
        match mode {
            "binary" => Ok(MatrixMode::Binary),
            "count" => Ok(MatrixMode::Count),
            "tfidf" => Ok(MatrixMode::Tfidf),
            "freq" => Ok(MatrixMode::Freq),
            _ => Err(TextError::option(
                "Tokenizer.texts_to_matrix",
                "mode",
                mode,
                &["binary", "count", "tfidf", "freq"],
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts with repeats, punctuation and case, long enough to span several chunks.
    fn corpus() -> Vec<String> {
        let words = [
            "the", "Cat", "sat!", "on", "a", "mat,", "dog", "über", "x", "THE",
        ];
        (0..40)
            .map(|i| {
                (0..(i % 7))
                    .map(|j| words[(i * 3 + j * 5) % words.len()])
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn fitting_from_an_iterator_in_chunks_equals_fitting_all_at_once() {
        let texts = corpus();
        for build in [
            || Tokenizer::new(),
            || Tokenizer::new().num_words(4).oov_token("<OOV>"),
            || Tokenizer::new().char_level(true),
        ] {
            let mut whole = build();
            whole.fit_on_texts(&texts).unwrap();
            for chunk in [1, 3, 7, 100] {
                let mut it = build();
                it.fit_on_texts_chunked(texts.iter().cloned(), chunk)
                    .unwrap();
                assert_eq!(it.word_counts(), whole.word_counts(), "chunk {chunk}");
                assert_eq!(it.word_docs(), whole.word_docs());
                assert_eq!(it.word_index(), whole.word_index());
                assert_eq!(it.index_docs(), whole.index_docs());
                assert_eq!(it.get_document_count(), texts.len());
            }
            // A second, streamed fit adds to a first one like a second fit_on_texts.
            let mut twice = build();
            twice.fit_on_texts(&texts[..10]).unwrap();
            twice.fit_on_texts_chunked(texts[10..].iter(), 4).unwrap();
            assert_eq!(twice.word_index(), whole.word_index());
            assert_eq!(twice.word_counts(), whole.word_counts());
        }
    }

    const LECTURE: [&str; 4] = [
        "I love Stats so much",
        "I love ML too",
        "I love DS",
        "I love NN",
    ];

    #[test]
    fn lecture_example() {
        let mut t = Tokenizer::new().num_words(10);
        t.fit_on_texts(&LECTURE).unwrap();
        let wi: Vec<(&str, i64)> = t
            .word_index()
            .iter()
            .map(|(w, &i)| (w.as_str(), i))
            .collect();
        assert_eq!(
            wi,
            [
                ("i", 1),
                ("love", 2),
                ("stats", 3),
                ("so", 4),
                ("much", 5),
                ("ml", 6),
                ("too", 7),
                ("ds", 8),
                ("nn", 9)
            ]
        );
        assert_eq!(t.word_counts()["i"], 4);
        let seqs = t.texts_to_sequences(&LECTURE).unwrap();
        assert_eq!(
            seqs,
            vec![
                vec![1, 2, 3, 4, 5],
                vec![1, 2, 6, 7],
                vec![1, 2, 8],
                vec![1, 2, 9]
            ]
        );
        assert_eq!(t.get_document_count(), 4);
    }

    #[test]
    fn num_words_and_oov() {
        let mut t = Tokenizer::new().num_words(3).oov_token("<OOV>");
        t.fit_on_texts(&LECTURE).unwrap();
        assert_eq!(t.word_index()["<OOV>"], 1);
        assert_eq!(t.word_index()["i"], 2);
        let seqs = t.texts_to_sequences(&["i love zebra"]).unwrap();
        assert_eq!(seqs, vec![vec![2, 1, 1]]);
        assert_eq!(
            t.sequences_to_texts(&[vec![2, 3, 99]]),
            vec!["i <OOV> <OOV>"]
        );
    }

    #[test]
    fn char_level_ignores_filters() {
        let mut t = Tokenizer::new().char_level(true);
        t.fit_on_texts(&["Ab a!"]).unwrap();
        assert_eq!(
            t.word_counts().keys().collect::<Vec<_>>(),
            ["a", "b", " ", "!"]
        );
        assert_eq!(t.word_index()["a"], 1);
    }

    #[test]
    fn matrix_modes() {
        let mut t = Tokenizer::new();
        t.fit_on_texts(&["a a b", "b c"]).unwrap();
        let m = t.texts_to_matrix(&["a a b", ""], "count").unwrap();
        assert_eq!(m.shape(), (2, 4));
        assert_eq!(m.row(0).unwrap(), [0.0, 2.0, 2.0 - 1.0, 0.0]);
        let f = t.texts_to_matrix(&["a a b"], "freq").unwrap();
        assert!((f.data[1] - 2.0 / 3.0).abs() < 1e-7);
        assert!(matches!(
            t.texts_to_matrix(&["a"], "bogus"),
            Err(TextError::InvalidOption { option: "mode", .. })
        ));
        assert!(Tokenizer::new().texts_to_matrix(&["a"], "binary").is_err());
    }

    #[test]
    fn empty_corpus_and_strings() {
        let mut t = Tokenizer::new();
        t.fit_on_texts::<&str>(&[]).unwrap();
        t.fit_on_texts(&["", "   ", "!!!"]).unwrap();
        assert!(t.word_index().is_empty());
        assert_eq!(
            t.texts_to_sequences(&["hello"]).unwrap(),
            vec![Vec::<i64>::new()]
        );
    }

    #[test]
    fn oov_token_also_in_text() {
        // Python: dict(zip(['x', 'a', 'x'], [1, 2, 3])) == {'x': 3, 'a': 2}
        let mut t = Tokenizer::new().oov_token("x");
        t.fit_on_texts(&["a x"]).unwrap();
        assert_eq!(t.word_index()["x"], 3);
        assert_eq!(t.word_index().keys().next().unwrap(), "x");
        assert!(!t.index_word().contains_key(&1));
        let iw: Vec<(i64, &str)> = t
            .index_word()
            .iter()
            .map(|(&i, w)| (i, w.as_str()))
            .collect();
        assert_eq!(iw, [(3, "x"), (2, "a")]);
        // Keras's index_docs follows word_docs's set order; ours is first appearance.
        let id: Vec<(i64, u64)> = t.index_docs().iter().map(|(&i, &c)| (i, c)).collect();
        assert_eq!(id, [(2, 1), (3, 1)]);
    }

    #[test]
    fn fit_twice_accumulates_like_keras() {
        // Keras: fit_on_texts(["b a"]); fit_on_texts(["c a", "a"]).
        let mut t = Tokenizer::new();
        t.fit_on_texts(&["b a"]).unwrap();
        t.fit_on_texts(&["c a", "a"]).unwrap();
        let wc: Vec<(&str, u64)> = t
            .word_counts()
            .iter()
            .map(|(w, &c)| (w.as_str(), c))
            .collect();
        assert_eq!(wc, [("b", 1), ("a", 3), ("c", 1)]);
        let wi: Vec<(&str, i64)> = t
            .word_index()
            .iter()
            .map(|(w, &i)| (w.as_str(), i))
            .collect();
        assert_eq!(wi, [("a", 1), ("b", 2), ("c", 3)]);
        assert_eq!(t.word_docs()["a"], 3);
        assert_eq!(t.index_docs()[&1], 3);
        assert_eq!(t.get_document_count(), 3);
        // keras_preprocessing: fit_on_sequences([[5, 1]]); fit_on_texts(["b a b"]) gives
        // index_docs [(1, 1), (5, 1), (2, 1)] (existing keys keep their place).
        let mut t = Tokenizer::new();
        t.fit_on_sequences(&[vec![5, 1]]);
        t.fit_on_texts(&["b a b"]).unwrap();
        let id: Vec<(i64, u64)> = t.index_docs().iter().map(|(&i, &c)| (i, c)).collect();
        assert_eq!(id, [(1, 1), (5, 1), (2, 1)]);
        assert_eq!(t.get_document_count(), 2);
    }

    #[test]
    fn thread_count_does_not_change_results() {
        // Several fit chunks; mixed case, punctuation and non-ASCII texts.
        let texts: Vec<String> = (0..12_000)
            .map(|i| match i % 4 {
                0 => format!("Word{} w{}, THE end", i % 97, i / 5),
                1 => format!("ΣΑΣ{} ünï w{}!", i % 13, i % 3001),
                2 => String::new(),
                _ => format!("the w{} w{}", i / 7, i % 11),
            })
            .collect();
        let run = |threads| {
            crate::counting::with_threads(threads, || {
                let mut t = Tokenizer::new().num_words(500).oov_token("<unk>");
                t.fit_on_texts(&texts).unwrap();
                let seqs = t.texts_to_sequences(&texts).unwrap();
                let wc: Vec<(String, u64)> = t
                    .word_counts()
                    .iter()
                    .map(|(w, &c)| (w.clone(), c))
                    .collect();
                let wd: Vec<(String, u64)> =
                    t.word_docs().iter().map(|(w, &c)| (w.clone(), c)).collect();
                let wi: Vec<(String, i64)> = t
                    .word_index()
                    .iter()
                    .map(|(w, &i)| (w.clone(), i))
                    .collect();
                (wc, wd, wi, seqs)
            })
        };
        let one = run(1);
        // Reference word_counts: a plain sequential count of text_to_word_sequence's words.
        let mut naive: OrderedMap<String, u64> = OrderedMap::default();
        for t in &texts {
            let words =
                crate::word_sequence::text_to_word_sequence(t, DEFAULT_FILTERS, true, " ").unwrap();
            for w in words {
                *naive.entry(w).or_insert(0) += 1;
            }
        }
        assert_eq!(one.0, naive.into_iter().collect::<Vec<_>>());
        assert_eq!(run(2), one);
        assert_eq!(run(7), one);
    }

    #[test]
    fn indices_beyond_u32_take_the_wide_table() {
        // word_index loaded from JSON may hold any i64; sequences must carry it unchanged.
        let mut t = Tokenizer::new();
        t.word_index.insert("big".into(), 5_000_000_000);
        t.word_index.insert("neg".into(), -3);
        t.word_index.insert("max".into(), i64::from(u32::MAX));
        assert_eq!(
            t.texts_to_sequences(&["big neg max zzz"]).unwrap(),
            vec![vec![5_000_000_000, -3, i64::from(u32::MAX)]]
        );
        let mut t = Tokenizer::new();
        t.word_index.insert("a".into(), 7);
        t.word_index.insert("b".into(), i64::from(u32::MAX) - 1);
        assert_eq!(
            t.texts_to_sequences(&["b a"]).unwrap(),
            vec![vec![i64::from(u32::MAX) - 1, 7]]
        );
    }
}
