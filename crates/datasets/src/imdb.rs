//! Keras `imdb.load_data` / `imdb.get_word_index` over `imdb.npz` + `imdb_word_index.json`, with the same
//! shuffle (NumPy `RandomState(seed)`), `start_char`, `oov_char`, `index_from`, `skip_top`, `num_words` and
//! `maxlen` rules, so sequences come out in the same order with the same ids as in Keras.

use std::collections::HashMap;
use std::path::Path;

use ndarray::Array1;

use crate::error::{DatasetsError, Result};
use crate::npy::{load_npz, NpyArray, NpyData};
use crate::pickle::PyValue;
use crate::random_state::RandomState;

/// One split: variable-length id sequences and 0/1 labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Sequences {
    pub x: Vec<Vec<i64>>,
    pub y: Array1<i64>,
}

/// `keras.datasets.imdb.load_data(...)` keyword arguments, with Keras defaults.
#[derive(Clone, Debug)]
pub struct ImdbLoadData {
    num_words: Option<usize>,
    skip_top: usize,
    maxlen: Option<usize>,
    seed: u32,
    start_char: Option<i64>,
    oov_char: Option<i64>,
    index_from: i64,
}

impl Default for ImdbLoadData {
    fn default() -> Self {
        ImdbLoadData {
            num_words: None,
            skip_top: 0,
            maxlen: None,
            seed: 113,
            start_char: Some(1),
            oov_char: Some(2),
            index_from: 3,
        }
    }
}

impl ImdbLoadData {
    /// Keras defaults: `num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2, index_from=3`.
    pub fn new() -> Self {
        Self::default()
    }
    /// Keep ids `< num_words` (others become `oov_char`, or are dropped when it is `None`).
    pub fn num_words(mut self, v: usize) -> Self {
        self.num_words = Some(v);
        self
    }
    /// Ids `< skip_top` (the most frequent words) are treated like out-of-vocabulary ones.
    pub fn skip_top(mut self, v: usize) -> Self {
        self.skip_top = v;
        self
    }
    /// Drop sequences whose length (after `start_char`) is `>= maxlen`, as Keras does.
    pub fn maxlen(mut self, v: usize) -> Self {
        self.maxlen = Some(v);
        self
    }
    /// Shuffle seed (NumPy `RandomState`).
    pub fn seed(mut self, v: u32) -> Self {
        self.seed = v;
        self
    }
    /// Id put at the start of every sequence; `None` for no start marker.
    pub fn start_char(mut self, v: Option<i64>) -> Self {
        self.start_char = v;
        self
    }
    /// Id that replaces cut-off words; `None` drops them instead.
    pub fn oov_char(mut self, v: Option<i64>) -> Self {
        self.oov_char = v;
        self
    }
    /// Offset added to every stored word id.
    pub fn index_from(mut self, v: i64) -> Self {
        self.index_from = v;
        self
    }

    /// Loads `imdb.npz` (keys `x_train`, `y_train`, `x_test`, `y_test`) and applies the Keras rules.
    pub fn load_from(&self, path: &Path) -> Result<(Sequences, Sequences)> {
        let mut arrays = load_npz(path)?;
        let mut take = |key: &str| {
            arrays.remove(key).ok_or_else(|| DatasetsError::Archive {
                path: path.to_path_buf(),
                format: "npz",
                message: format!("missing array {key:?}; is this Keras' imdb.npz?"),
            })
        };
        let (xtr, ytr, xte, yte) = (
            take("x_train")?,
            take("y_train")?,
            take("x_test")?,
            take("y_test")?,
        );
        let mut x_train = sequences(path, "x_train", xtr)?;
        let mut y_train = labels(path, "y_train", ytr, x_train.len())?;
        let mut x_test = sequences(path, "x_test", xte)?;
        let mut y_test = labels(path, "y_test", yte, x_test.len())?;

        let mut rng = RandomState::new(self.seed);
        permute(&mut rng, &mut x_train, &mut y_train);
        permute(&mut rng, &mut x_test, &mut y_test);

        for x in x_train.iter_mut().chain(x_test.iter_mut()) {
            for w in x.iter_mut() {
                *w += self.index_from;
            }
            if let Some(s) = self.start_char {
                x.insert(0, s);
            }
        }
        if let Some(maxlen) = self.maxlen {
            (x_train, y_train) = remove_long(maxlen, x_train, y_train);
            (x_test, y_test) = remove_long(maxlen, x_test, y_test);
            if x_train.is_empty() || x_test.is_empty() {
                return Err(DatasetsError::invalid(
                    "maxlen",
                    format!("after filtering for sequences shorter than maxlen={maxlen}, no sequence was kept; increase maxlen"),
                ));
            }
        }
        let num_words = match self.num_words {
            Some(n) => n as i64,
            // Keras: max over all ids (an empty sequence would make Python fail; here it just counts as 0).
            None => x_train
                .iter()
                .chain(&x_test)
                .flat_map(|x| x.iter().copied())
                .max()
                .unwrap_or(0),
        };
        let skip_top = self.skip_top as i64;
        for x in x_train.iter_mut().chain(x_test.iter_mut()) {
            match self.oov_char {
                Some(oov) => x.iter_mut().for_each(|w| {
                    if !(skip_top <= *w && *w < num_words) {
                        *w = oov;
                    }
                }),
                None => x.retain(|w| skip_top <= *w && *w < num_words),
            }
        }
        Ok((
            Sequences {
                x: x_train,
                y: Array1::from(y_train),
            },
            Sequences {
                x: x_test,
                y: Array1::from(y_test),
            },
        ))
    }
}

/// `x = x[indices]; y = y[indices]` with `indices` shuffled by `rng`.
fn permute(rng: &mut RandomState, x: &mut Vec<Vec<i64>>, y: &mut Vec<i64>) {
    let idx = rng.permutation(x.len());
    let old_x = std::mem::take(x);
    let mut slots: Vec<Option<Vec<i64>>> = old_x.into_iter().map(Some).collect();
    *x = idx
        .iter()
        .map(|&i| slots[i].take().unwrap_or_default())
        .collect();
    *y = idx.iter().map(|&i| y[i]).collect();
}

/// Keras `_remove_long_seq`: keeps sequences strictly shorter than `maxlen`.
fn remove_long(maxlen: usize, x: Vec<Vec<i64>>, y: Vec<i64>) -> (Vec<Vec<i64>>, Vec<i64>) {
    x.into_iter()
        .zip(y)
        .filter(|(s, _)| s.len() < maxlen)
        .unzip()
}

/// An object array of int lists (or a numeric 2-D array) → one `Vec<i64>` per row.
fn sequences(path: &Path, key: &str, a: NpyArray) -> Result<Vec<Vec<i64>>> {
    let bad = |m: String| DatasetsError::Archive {
        path: path.to_path_buf(),
        format: "npz",
        message: format!("{key}: {m}"),
    };
    match a.data {
        NpyData::Object(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                PyValue::IntList(ints) => Ok(ints),
                PyValue::List(vals) if vals.is_empty() => Ok(Vec::new()),
                other => Err(bad(format!(
                    "element {i} is not a list of ints: {}",
                    short(&other)
                ))),
            })
            .collect(),
        NpyData::Int(v) if a.shape.len() == 2 => {
            let cols = a.shape[1].max(1);
            Ok(v.chunks(cols).map(<[i64]>::to_vec).collect())
        }
        _ => Err(bad(format!(
            "expected an object array of lists, found shape {:?}",
            a.shape
        ))),
    }
}

/// A 1-D integer array of length `n`.
fn labels(path: &Path, key: &str, a: NpyArray, n: usize) -> Result<Vec<i64>> {
    match a.data {
        NpyData::Int(v) if v.len() == n => Ok(v),
        _ => Err(DatasetsError::Archive {
            path: path.to_path_buf(),
            format: "npz",
            message: format!(
                "{key}: expected {n} integer labels, found shape {:?}",
                a.shape
            ),
        }),
    }
}

/// A short description of an unexpected pickle value.
fn short(v: &PyValue) -> String {
    let s = format!("{v:?}");
    s.chars().take(60).collect()
}

/// `keras.datasets.imdb.get_word_index()`: word → rank (1 = most frequent), from `imdb_word_index.json`.
pub fn get_word_index(path: &Path) -> Result<HashMap<String, i64>> {
    let file = std::fs::File::open(path).map_err(|e| DatasetsError::io("cannot open", path, e))?;
    serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| {
        DatasetsError::malformed(
            path,
            e.line() as u64,
            format!("expected a JSON object of word → integer: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remove_long_is_strict() {
        let (x, y) = remove_long(3, vec![vec![1, 2], vec![1, 2, 3]], vec![0, 1]);
        assert_eq!((x, y), (vec![vec![1, 2]], vec![0]));
    }

    #[test]
    fn word_index_errors_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.json");
        std::fs::write(&p, "{\"the\": 1,\n \"and\": \"x\"}").unwrap();
        assert!(get_word_index(&p)
            .unwrap_err()
            .to_string()
            .contains("w.json:2"));
        std::fs::write(&p, "{\"the\": 1, \"and\": 2}").unwrap();
        assert_eq!(get_word_index(&p).unwrap()["and"], 2);
    }
}
