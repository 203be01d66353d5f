//! Yelp review polarity (fast.ai `yelp_review_polarity_csv.tgz`): header-less `"label","text"` CSV where
//! label 1 = negative, 2 = positive, and newlines inside reviews are written as the two characters `\n`.

use std::path::Path;

use crate::error::{DatasetsError, Result};
use crate::source::CsvFile;
use crate::text_labels::TextLabels;

/// Reads `yelp_review_polarity_csv/{train,test}.csv`: labels 1/2 become 0/1 (as in TFDS
/// `yelp_polarity_reviews`), and the literal `\n` escapes become newlines.
pub fn load_yelp_polarity_csv(path: &Path) -> Result<TextLabels> {
    let csv = CsvFile::open_with(path, false)?;
    let mut out = TextLabels::default();
    csv.for_each(|r, line| {
        let (label, text) = parse_yelp_record(path, line, r)?;
        out.labels.push(label);
        out.texts.push(text);
        Ok(())
    })?;
    Ok(out)
}

/// One Yelp polarity record `("1"|"2", text)` as `(label 0|1, text with newlines)`; errors name
/// `path:line`. Shared by the loader and lazy readers ([`crate::LazyCsv`]).
pub fn parse_yelp_record(path: &Path, line: u64, r: &csv::StringRecord) -> Result<(i64, String)> {
    if r.len() != 2 {
        return Err(DatasetsError::malformed(
            path,
            line,
            format!("expected 2 columns (label, text), found {}", r.len()),
        ));
    }
    let label = match r[0].trim() {
        "1" => 0,
        "2" => 1,
        other => {
            return Err(DatasetsError::malformed(
                path,
                line,
                format!("label must be 1 (negative) or 2 (positive), found {other:?}"),
            ))
        }
    };
    Ok((label, r[1].replace("\\n", "\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_shift_and_newlines_unescape() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("train.csv");
        std::fs::write(&p, "\"1\",\"Bad.\\nVery \"\"bad\"\".\"\n\"2\",\"Good\"\n").unwrap();
        let t = load_yelp_polarity_csv(&p).unwrap();
        assert_eq!(t.labels, vec![0, 1]);
        assert_eq!(t.texts[0], "Bad.\nVery \"bad\".");
        std::fs::write(&p, "\"1\",\"a\"\n\"3\",\"b\"\n").unwrap();
        let msg = load_yelp_polarity_csv(&p).unwrap_err().to_string();
        assert!(
            msg.contains("train.csv:2") && msg.contains("\"3\""),
            "{msg}"
        );
    }
}
