//! GloVe text vectors (`glove.6B.{50,100,200,300}d.txt`: `word v1 … vd` per line) and the BST 261
//! `embedding_matrix` built from a tokenizer's `word_index`.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use ndarray::Array2;

use crate::error::{DatasetsError, Result};
use crate::source::{open_text, read_error};

/// All vectors of one file, row `i` belonging to `words[i]`.
#[derive(Clone, Debug)]
pub struct GloveVectors {
    pub dim: usize,
    pub words: Vec<String>,
    pub index: HashMap<String, usize>,
    /// Row-major `[words.len(), dim]`.
    pub vectors: Array2<f32>,
}

impl GloveVectors {
    /// Reads a GloVe text file; every line must have the same number of values (the first line sets it).
    /// A word seen twice keeps its first vector, as a Python dict filled in order would keep the last —
    /// GloVe files have no duplicates, so this only matters for hand-made files.
    pub fn load(path: &Path) -> Result<Self> {
        let reader = open_text(path)?;
        let mut words = Vec::new();
        let mut index = HashMap::new();
        let mut values: Vec<f32> = Vec::new();
        let mut dim = 0usize;
        for (i, line) in reader.lines().enumerate() {
            let line_no = i as u64 + 1;
            let line = line.map_err(|e| read_error(path, e))?;
            let mut parts = line.split(' ').filter(|s| !s.is_empty());
            let Some(word) = parts.next() else { continue };
            let start = values.len();
            for cell in parts {
                let v: f32 = cell.parse().map_err(|_| {
                    DatasetsError::malformed(
                        path,
                        line_no,
                        format!("word {word:?}: {cell:?} is not a number"),
                    )
                })?;
                values.push(v);
            }
            let n = values.len() - start;
            if dim == 0 {
                if n == 0 {
                    return Err(DatasetsError::malformed(
                        path,
                        line_no,
                        "line has a word but no vector",
                    ));
                }
                dim = n;
            } else if n != dim {
                return Err(DatasetsError::malformed(
                    path,
                    line_no,
                    format!("word {word:?} has {n} values, earlier lines have {dim}"),
                ));
            }
            if index.contains_key(word) {
                values.truncate(start);
                continue;
            }
            index.insert(word.to_string(), words.len());
            words.push(word.to_string());
        }
        let vectors = Array2::from_shape_vec((words.len(), dim), values)
            .map_err(|e| DatasetsError::malformed(path, 0, e.to_string()))?;
        Ok(GloveVectors {
            dim,
            words,
            index,
            vectors,
        })
    }

    /// The vector of `word`, if present.
    pub fn get(&self, word: &str) -> Option<ndarray::ArrayView1<'_, f32>> {
        self.index.get(word).map(|&i| self.vectors.row(i))
    }

    /// BST 261: `embedding_matrix = zeros((max_words, dim))`; row `i` = vector of the word with index
    /// `i < max_words` in `word_index`; words without a vector (and index 0) stay zero.
    pub fn embedding_matrix<'w, I>(
        &self,
        word_index: I,
        max_words: usize,
        dim: usize,
    ) -> Result<Array2<f32>>
    where
        I: IntoIterator<Item = (&'w String, &'w usize)>,
    {
        if dim != self.dim {
            return Err(DatasetsError::invalid(
                "dim",
                format!(
                    "{dim} differs from the file's {} values per word; load glove.6B.{dim}d.txt",
                    self.dim
                ),
            ));
        }
        let mut m = Array2::<f32>::zeros((max_words, dim));
        for (word, &i) in word_index {
            if i < max_words {
                if let Some(v) = self.get(word) {
                    m.row_mut(i).assign(&v);
                }
            }
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_rows_follow_word_index_and_missing_stay_zero() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.txt");
        std::fs::write(&p, "the 0.1 0.2\ncat -1 2.5e-1\n").unwrap();
        let g = GloveVectors::load(&p).unwrap();
        assert_eq!(g.dim, 2);
        let wi: HashMap<String, usize> = [("cat", 1), ("zebra", 2), ("the", 3), ("rare", 9)]
            .into_iter()
            .map(|(w, i)| (w.to_string(), i))
            .collect();
        let m = g.embedding_matrix(&wi, 4, 2).unwrap();
        assert_eq!(m.row(0).to_vec(), vec![0.0, 0.0]);
        assert_eq!(m.row(1).to_vec(), vec![-1.0, 0.25]);
        assert_eq!(m.row(2).to_vec(), vec![0.0, 0.0]);
        assert_eq!(m.row(3).to_vec(), vec![0.1, 0.2]);
        assert!(g.embedding_matrix(&wi, 4, 3).is_err());
    }

    #[test]
    fn ragged_or_non_numeric_lines_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.txt");
        std::fs::write(&p, "a 1 2\nb 1\n").unwrap();
        assert!(GloveVectors::load(&p)
            .unwrap_err()
            .to_string()
            .contains("g.txt:2"));
        std::fs::write(&p, "a 1 2\nb 1 x\n").unwrap();
        assert!(GloveVectors::load(&p)
            .unwrap_err()
            .to_string()
            .contains("g.txt:2"));
    }
}
