//! Kaggle "NLP with Disaster Tweets" (`nlp_getting_started`): train/test/sample_submission CSVs with quoted,
//! multi-line text fields.

use std::path::Path;

use crate::error::{DatasetsError, Result};
use crate::source::{parse_cell, CsvFile};

/// Columns of `train.csv` / `test.csv`; `target` is `None` for the test file.
#[derive(Clone, Debug, Default)]
pub struct Tweets {
    pub id: Vec<i64>,
    /// Empty string where the cell is empty (pandas would give NaN).
    pub keyword: Vec<String>,
    pub location: Vec<String>,
    pub text: Vec<String>,
    pub target: Option<Vec<i64>>,
}

impl Tweets {
    /// Reads `train.csv` (`id,keyword,location,text,target`) or `test.csv` (same without `target`).
    pub fn load(path: &Path) -> Result<Self> {
        let csv = CsvFile::open(path)?;
        let has_target = csv.headers().len() == 5;
        if has_target {
            csv.expect_headers(&["id", "keyword", "location", "text", "target"])?;
        } else {
            csv.expect_headers(&["id", "keyword", "location", "text"])?;
        }
        let mut t = Tweets {
            target: has_target.then(Vec::new),
            ..Tweets::default()
        };
        csv.for_each(|r, line| {
            t.id.push(parse_cell(path, line, "id", &r[0])?);
            t.keyword.push(r[1].to_string());
            t.location.push(r[2].to_string());
            t.text.push(r[3].to_string());
            if let Some(target) = t.target.as_mut() {
                let v: i64 = parse_cell(path, line, "target", &r[4])?;
                if !(0..=1).contains(&v) {
                    return Err(DatasetsError::malformed(
                        path,
                        line,
                        format!("target must be 0 or 1, found {v}"),
                    ));
                }
                target.push(v);
            }
            Ok(())
        })?;
        Ok(t)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// True for an empty file.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }
}

/// `sample_submission.csv`: `id,target`.
pub fn load_sample_submission(path: &Path) -> Result<(Vec<i64>, Vec<i64>)> {
    let csv = CsvFile::open(path)?;
    csv.expect_headers(&["id", "target"])?;
    let (mut ids, mut targets) = (Vec::new(), Vec::new());
    csv.for_each(|r, line| {
        ids.push(parse_cell(path, line, "id", &r[0])?);
        targets.push(parse_cell(path, line, "target", &r[1])?);
        Ok(())
    })?;
    Ok((ids, targets))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_quoted_text_and_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("train.csv");
        std::fs::write(
            &p,
            "id,keyword,location,text,target\n1,,,\"two\nlines, \"\"quoted\"\"\",1\n2,fire,NYC,plain,0\n3,,,x,maybe\n",
        )
        .unwrap();
        let msg = Tweets::load(&p).unwrap_err().to_string();
        assert!(msg.contains("train.csv:5"), "{msg}");
        std::fs::write(
            &p,
            "id,keyword,location,text,target\n1,,,\"two\nlines, \"\"quoted\"\"\",1\n2,fire,NYC,plain,0\n",
        )
        .unwrap();
        let t = Tweets::load(&p).unwrap();
        assert_eq!(t.text[0], "two\nlines, \"quoted\"");
        assert_eq!(t.target, Some(vec![1, 0]));
        assert_eq!(t.keyword, ["", "fire"]);
        let q = dir.path().join("test.csv");
        std::fs::write(&q, "id,keyword,location,text\n0,,,hi\n").unwrap();
        assert_eq!(Tweets::load(&q).unwrap().target, None);
        let s = dir.path().join("sample_submission.csv");
        std::fs::write(&s, "id,target\n0,0\n2,0\n").unwrap();
        assert_eq!(
            load_sample_submission(&s).unwrap(),
            (vec![0, 2], vec![0, 0])
        );
    }
}
