//! MNIST as the BT-AI labs store it: `class,1x1,…,28x28` CSV (gzip), pixels 0–255.

use std::path::Path;

use ndarray::{Array1, Array2};

use crate::error::{DatasetsError, Result};
use crate::source::{parse_cell, CsvFile};

/// Pixels per image.
pub const MNIST_PIXELS: usize = 28 * 28;

/// Images `[n, 784]` (raw 0–255 values as f32; divide by 255 yourself if the model wants it) and digits.
#[derive(Clone, Debug)]
pub struct MnistCsv {
    pub x: Array2<f32>,
    pub y: Array1<i64>,
}

impl MnistCsv {
    /// Reads `mnist_{train,test}.csv.gz`; the header must be `class,1x1,…,28x28`, labels 0–9.
    pub fn load(path: &Path) -> Result<Self> {
        let csv = CsvFile::open(path)?;
        let expected: Vec<String> = std::iter::once("class".to_string())
            .chain((1..=28).flat_map(|r| (1..=28).map(move |c| format!("{r}x{c}"))))
            .collect();
        let exp: Vec<&str> = expected.iter().map(String::as_str).collect();
        csv.expect_headers(&exp)?;
        let mut values = Vec::new();
        let mut y = Vec::new();
        csv.for_each(|r, line| {
            let digit: i64 = parse_cell(path, line, "class", &r[0])?;
            if !(0..=9).contains(&digit) {
                return Err(DatasetsError::malformed(
                    path,
                    line,
                    format!("class must be a digit 0-9, found {digit}"),
                ));
            }
            y.push(digit);
            for (j, cell) in r.iter().enumerate().skip(1) {
                values.push(parse_cell::<f32>(path, line, &expected[j], cell)?);
            }
            Ok(())
        })?;
        let x = Array2::from_shape_vec((y.len(), MNIST_PIXELS), values)
            .map_err(|e| DatasetsError::malformed(path, 0, e.to_string()))?;
        Ok(MnistCsv {
            x,
            y: Array1::from(y),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_tiny_file_and_rejects_bad_digit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.csv");
        let header: Vec<String> = (1..=28)
            .flat_map(|r| (1..=28).map(move |c| format!("{r}x{c}")))
            .collect();
        let pixels = vec!["0"; MNIST_PIXELS].join(",");
        std::fs::write(&p, format!("class,{}\n7,{pixels}\n", header.join(","))).unwrap();
        let m = MnistCsv::load(&p).unwrap();
        assert_eq!(m.x.shape(), &[1, MNIST_PIXELS]);
        assert_eq!(m.y[0], 7);
        std::fs::write(&p, format!("class,{}\n12,{pixels}\n", header.join(","))).unwrap();
        assert!(MnistCsv::load(&p)
            .unwrap_err()
            .to_string()
            .contains("m.csv:2"));
    }
}
