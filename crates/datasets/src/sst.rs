//! SST-2 as processed for BT-AI Lab 8: `class` + 55 token columns (`PAD`-padded, rare words `OOV`), gzip CSV.

use std::collections::HashMap;
use std::path::Path;

use ndarray::{Array1, Array2};

use crate::error::{DatasetsError, Result};
use crate::source::CsvFile;

/// Tokens per review.
pub const SST_LENGTH: usize = 55;

/// Sentiment names in label order (sorted, as `LabelEncoder` numbers them).
pub const SST_CLASSES: [&str; 2] = ["negative", "positive"];

/// One split: tokens `[n][55]`, class names and 0/1 labels.
#[derive(Clone, Debug)]
pub struct SstReviews {
    pub tokens: Vec<Vec<String>>,
    pub class: Vec<String>,
    pub y: Array1<i64>,
}

/// The lab's `word2id` / `id2word`: ids in order of first appearance.
#[derive(Clone, Debug, Default)]
pub struct Vocabulary {
    pub word2id: HashMap<String, usize>,
    pub id2word: Vec<String>,
}

impl SstReviews {
    /// Reads `sst_movie_reviews_processed_{train,test}.csv.gz` (plain CSV also accepted).
    pub fn load(path: &Path) -> Result<Self> {
        let csv = CsvFile::open(path)?;
        let expected: Vec<String> = std::iter::once("class".to_string())
            .chain((0..SST_LENGTH).map(|i| i.to_string()))
            .collect();
        let exp: Vec<&str> = expected.iter().map(String::as_str).collect();
        csv.expect_headers(&exp)?;
        let mut tokens = Vec::new();
        let mut class = Vec::new();
        let mut y = Vec::new();
        csv.for_each(|r, line| {
            let label = SST_CLASSES
                .iter()
                .position(|c| *c == &r[0])
                .ok_or_else(|| {
                    DatasetsError::malformed(
                        path,
                        line,
                        format!("unknown class {:?}; expected one of {SST_CLASSES:?}", &r[0]),
                    )
                })?;
            tokens.push(r.iter().skip(1).map(str::to_string).collect());
            class.push(r[0].to_string());
            y.push(label as i64);
            Ok(())
        })?;
        Ok(SstReviews {
            tokens,
            class,
            y: Array1::from(y),
        })
    }

    /// Token ids `[n, 55]` under `vocab`; a token missing from it is an error naming the review.
    pub fn to_ids(&self, vocab: &Vocabulary) -> Result<Array2<i64>> {
        let mut out = Array2::<i64>::zeros((self.tokens.len(), SST_LENGTH));
        for (i, row) in self.tokens.iter().enumerate() {
            for (j, t) in row.iter().enumerate() {
                let id = vocab.word2id.get(t).ok_or_else(|| {
                    DatasetsError::invalid(
                        "vocab",
                        format!("review {i} token {j} {t:?} is not in the vocabulary; build it over every split you convert"),
                    )
                })?;
                out[[i, j]] = *id as i64;
            }
        }
        Ok(out)
    }
}

impl Vocabulary {
    /// The lab's loop: walk the splits in order, giving each new token the next id.
    pub fn build(splits: &[&SstReviews]) -> Self {
        let mut v = Vocabulary::default();
        for s in splits {
            for t in s.tokens.iter().flatten() {
                if !v.word2id.contains_key(t) {
                    v.word2id.insert(t.clone(), v.id2word.len());
                    v.id2word.push(t.clone());
                }
            }
        }
        v
    }

    /// `vocab_size = len(word2id)`.
    pub fn len(&self) -> usize {
        self.id2word.len()
    }

    /// True when no token has been seen.
    pub fn is_empty(&self) -> bool {
        self.id2word.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rows: &[(&str, &[&str])]) -> std::path::PathBuf {
        let p = dir.join("s.csv");
        let mut text = String::from("class");
        for i in 0..SST_LENGTH {
            text.push_str(&format!(",{i}"));
        }
        text.push('\n');
        for (c, toks) in rows {
            text.push_str(c);
            for i in 0..SST_LENGTH {
                text.push(',');
                text.push_str(toks.get(i).copied().unwrap_or("PAD"));
            }
            text.push('\n');
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn vocabulary_in_first_appearance_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            &[
                ("positive", &["a", "great", "cast"]),
                ("negative", &["a", "OOV"]),
            ],
        );
        let s = SstReviews::load(&p).unwrap();
        let v = Vocabulary::build(&[&s]);
        assert_eq!(v.id2word, ["a", "great", "cast", "PAD", "OOV"]);
        let ids = s.to_ids(&v).unwrap();
        assert_eq!(
            ids.row(1).iter().take(3).copied().collect::<Vec<_>>(),
            vec![0, 4, 3]
        );
        assert_eq!(s.y.to_vec(), vec![1, 0]);
    }

    #[test]
    fn bad_label_reports_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), &[("positive", &["a"]), ("neutral", &["b"])]);
        let msg = SstReviews::load(&p).unwrap_err().to_string();
        assert!(msg.contains("s.csv:3") && msg.contains("neutral"), "{msg}");
    }
}
