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

    /// The row of `word`, or [`DatasetsError::UnknownWord`].
    fn row_of(&self, word: &str) -> Result<usize> {
        self.index.get(word).copied().ok_or_else(|| {
            let lower = word.to_lowercase();
            let hint = if lower != word && self.index.contains_key(&lower) {
                format!("words are matched exactly: try {lower:?}")
            } else {
                "check the spelling (glove.6B holds only lowercase words)".to_string()
            };
            DatasetsError::UnknownWord {
                word: word.to_string(),
                vocabulary: self.words.len(),
                hint,
            }
        })
    }

    /// The `topn` words nearest to `word` by cosine similarity, best first, `word` itself left out
    /// (gensim's `KeyedVectors.most_similar(word, topn=…)`; BST 261's nearest neighbours of "frog").
    /// Equal cosines keep the file's order. A word of the file whose vector is all zeros scores 0.
    /// Errors: `word` not in the file, or its vector is all zeros (no direction to compare).
    pub fn most_similar(&self, word: &str, topn: usize) -> Result<Vec<(String, f64)>> {
        let i = self.row_of(word)?;
        let target: Vec<f64> = self.vectors.row(i).iter().map(|&v| v as f64).collect();
        self.nearest(&target, &[i], topn, word)
    }

    /// The `topn` words nearest by cosine to `b − a + c` ("a is to b as c is to …": `analogy("man",
    /// "king", "woman", 1)` asks for queen), the three inputs left out, best first, equal cosines
    /// in file order. The raw vectors are added, as the issue and the slides' vector differences
    /// say; gensim's `most_similar(positive=[b, c], negative=[a])` first scales each to length 1,
    /// so its ranking can differ. Errors: an input not in the file, or `b − a + c` all zeros.
    pub fn analogy(&self, a: &str, b: &str, c: &str, topn: usize) -> Result<Vec<(String, f64)>> {
        let (ia, ib, ic) = (self.row_of(a)?, self.row_of(b)?, self.row_of(c)?);
        let (va, vb, vc) = (
            self.vectors.row(ia),
            self.vectors.row(ib),
            self.vectors.row(ic),
        );
        let target: Vec<f64> = (0..self.dim)
            .map(|k| vb[k] as f64 - va[k] as f64 + vc[k] as f64)
            .collect();
        self.nearest(&target, &[ia, ib, ic], topn, &format!("{b} - {a} + {c}"))
    }

    /// Cosine of `target` with every row not in `exclude`; the best `topn`, ties by row order.
    fn nearest(
        &self,
        target: &[f64],
        exclude: &[usize],
        topn: usize,
        what: &str,
    ) -> Result<Vec<(String, f64)>> {
        let norm = target.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return Err(DatasetsError::invalid(
                "word",
                format!(
                    "the vector of {what} has length {norm}: cosine similarity is undefined for it"
                ),
            ));
        }
        let mut scored: Vec<(usize, f64)> = self
            .vectors
            .rows()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !exclude.contains(i))
            .map(|(i, row)| {
                let (mut dot, mut sq) = (0.0f64, 0.0f64);
                for (&x, &t) in row.iter().zip(target) {
                    dot += x as f64 * t;
                    sq += x as f64 * x as f64;
                }
                let cos = if sq == 0.0 {
                    0.0
                } else {
                    dot / (sq.sqrt() * norm)
                };
                // A NaN (a "nan" cell in the file) ranks last instead of breaking the order.
                (i, if cos.is_nan() { f64::NEG_INFINITY } else { cos })
            })
            .collect();
        // Best first; equal cosines by row (vocabulary) order. A total order, so selecting the
        // top `topn` first and sorting only those gives the same list as a full sort.
        let order = |x: &(usize, f64), y: &(usize, f64)| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
        let topn = topn.min(scored.len());
        if topn == 0 {
            return Ok(Vec::new());
        }
        if topn < scored.len() {
            scored.select_nth_unstable_by(topn - 1, order);
            scored.truncate(topn);
        }
        scored.sort_unstable_by(order);
        Ok(scored
            .into_iter()
            .map(|(i, cos)| (self.words[i].clone(), cos))
            .collect())
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

    /// Eight 3-d vectors: "twin" is a copy of "queen" (a tie), "zero" has no direction.
    const SMALL: &str = "king 0.5 0.7 -0.2\nqueen 0.45 0.1 0.6\nman 0.3 0.8 -0.5\n\
        woman 0.25 0.2 0.3\nfrog -0.6 0.1 0.05\ntoad -0.55 0.15 0.1\ntwin 0.45 0.1 0.6\nzero 0 0 0\n";

    fn small() -> GloveVectors {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("small.txt");
        std::fs::write(&p, SMALL).unwrap();
        GloveVectors::load(&p).unwrap()
    }

    fn assert_ranked(got: &[(String, f64)], want: &[(&str, f64)]) {
        let words: Vec<&str> = got.iter().map(|(w, _)| w.as_str()).collect();
        let want_words: Vec<&str> = want.iter().map(|(w, _)| *w).collect();
        assert_eq!(words, want_words);
        for ((_, g), (w, e)) in got.iter().zip(want) {
            assert!((g - e).abs() < 1e-12, "{w}: {g} vs numpy {e}");
        }
    }

    #[test]
    fn most_similar_matches_numpy() {
        // numpy (float64 from the float32 cells): c = V @ t / (|V| |t|), zero rows -> 0,
        // sorted by (-c, row), the query word dropped.
        let g = small();
        assert_ranked(
            &g.most_similar("queen", 10).unwrap(),
            &[
                ("twin", 1.0),
                ("woman", 0.9413408585993296),
                ("king", 0.26188038325028434),
                ("zero", 0.0),
                ("man", -0.11347969744995504),
                ("toad", -0.3938935962705572),
                ("frog", -0.49805457213818655),
            ],
        );
        assert_ranked(
            &g.most_similar("frog", 3).unwrap(),
            &[
                ("toad", 0.9907920241997857),
                ("zero", 0.0),
                ("man", -0.20688731180273184),
            ],
        );
        assert!(g.most_similar("frog", 0).unwrap().is_empty());
    }

    #[test]
    fn analogy_is_b_minus_a_plus_c_with_ties_in_file_order() {
        // king - man + woman = queen's vector (and twin's, its copy): the tie keeps file order.
        let g = small();
        assert_ranked(
            &g.analogy("man", "king", "woman", 5).unwrap(),
            &[
                ("queen", 0.9999999999999997),
                ("twin", 0.9999999999999997),
                ("zero", 0.0),
                ("toad", -0.39389361501824816),
                ("frog", -0.4980545883143534),
            ],
        );
    }

    #[test]
    fn unknown_or_zero_words_are_typed_errors() {
        let g = small();
        let e = g.most_similar("Frog", 3).unwrap_err();
        assert!(
            matches!(&e, DatasetsError::UnknownWord { word, vocabulary: 8, .. } if word == "Frog"),
            "{e}"
        );
        assert!(e.to_string().contains("try \"frog\""), "{e}");
        let e = g.most_similar("frogg", 3).unwrap_err();
        assert!(e.to_string().contains("check the spelling"), "{e}");
        assert!(matches!(
            g.analogy("man", "kingg", "woman", 1),
            Err(DatasetsError::UnknownWord { .. })
        ));
        assert!(matches!(
            g.most_similar("zero", 1),
            Err(DatasetsError::InvalidArgument { .. })
        ));
        // b - a + c = 0 when c = a - b... here a = b and c = zero.
        assert!(g.analogy("king", "king", "zero", 1).is_err());
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
