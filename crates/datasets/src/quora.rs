//! `quora_small.csv` (UTF-8 with BOM): question pairs labelled duplicate or not, for the Siamese LSTM.

use std::path::Path;

use crate::error::{DatasetsError, Result};
use crate::source::{parse_cell, CsvFile};

/// One row: `id,qid1,qid2,question1,question2,is_duplicate`.
#[derive(Clone, Debug, PartialEq)]
pub struct QuoraPair {
    pub id: i64,
    pub qid1: i64,
    pub qid2: i64,
    pub question1: String,
    pub question2: String,
    pub is_duplicate: i64,
}

/// All pairs of the file, in file order.
#[derive(Clone, Debug)]
pub struct Quora {
    pub pairs: Vec<QuoraPair>,
}

impl Quora {
    /// Reads the CSV; `is_duplicate` must be 0 or 1.
    pub fn load(path: &Path) -> Result<Self> {
        let csv = CsvFile::open(path)?;
        csv.expect_headers(&[
            "id",
            "qid1",
            "qid2",
            "question1",
            "question2",
            "is_duplicate",
        ])?;
        let mut pairs = Vec::new();
        csv.for_each(|r, line| {
            let is_duplicate: i64 = parse_cell(path, line, "is_duplicate", &r[5])?;
            if !(0..=1).contains(&is_duplicate) {
                return Err(DatasetsError::malformed(
                    path,
                    line,
                    format!("is_duplicate must be 0 or 1, found {is_duplicate}"),
                ));
            }
            pairs.push(QuoraPair {
                id: parse_cell(path, line, "id", &r[0])?,
                qid1: parse_cell(path, line, "qid1", &r[1])?,
                qid2: parse_cell(path, line, "qid2", &r[2])?,
                question1: r[3].to_string(),
                question2: r[4].to_string(),
                is_duplicate,
            });
            Ok(())
        })?;
        Ok(Quora { pairs })
    }

    /// `quora_df['question1']`.
    pub fn question1(&self) -> Vec<String> {
        self.pairs.iter().map(|p| p.question1.clone()).collect()
    }

    /// `quora_df['question2']`.
    pub fn question2(&self) -> Vec<String> {
        self.pairs.iter().map(|p| p.question2.clone()).collect()
    }

    /// `quora_df['is_duplicate']`.
    pub fn is_duplicate(&self) -> Vec<i64> {
        self.pairs.iter().map(|p| p.is_duplicate).collect()
    }

    /// `quora_df['is_duplicate'].mean()`.
    pub fn duplicate_rate(&self) -> f64 {
        if self.pairs.is_empty() {
            return 0.0;
        }
        self.pairs
            .iter()
            .map(|p| p.is_duplicate as f64)
            .sum::<f64>()
            / self.pairs.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_header_and_bad_label() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("q.csv");
        std::fs::write(
            &p,
            "\u{feff}id,qid1,qid2,question1,question2,is_duplicate\n0,1,2,\"a, b?\",c?,1\n1,3,4,d,e,0\n",
        )
        .unwrap();
        let q = Quora::load(&p).unwrap();
        assert_eq!(q.pairs[0].question1, "a, b?");
        assert!((q.duplicate_rate() - 0.5).abs() < 1e-12);
        std::fs::write(
            &p,
            "id,qid1,qid2,question1,question2,is_duplicate\n0,1,2,a,b,7\n",
        )
        .unwrap();
        let msg = Quora::load(&p).unwrap_err().to_string();
        assert!(msg.contains("q.csv:2") && msg.contains("0 or 1"), "{msg}");
    }
}
