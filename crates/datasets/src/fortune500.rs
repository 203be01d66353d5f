//! `fortune500_100_days.csv`: ticker + 101 standardized closing prices (lecture 18's single-neuron RNN data).

use std::path::Path;

use ndarray::{s, Array1, Array2};

use crate::error::{DatasetsError, Result};
use crate::source::{parse_cell, CsvFile};

/// The frame as the lecture reads it: `df.iloc[:, 1:]` are the prices, column 0 the ticker.
#[derive(Clone, Debug)]
pub struct Fortune500 {
    /// Ticker per row (`Fortune500` column), e.g. "GOOG".
    pub names: Vec<String>,
    /// Date headers of the price columns ("28/09/2020", …).
    pub dates: Vec<String>,
    /// Prices `[stocks, days]` in f64, exactly as in the file.
    pub prices: Array2<f64>,
}

impl Fortune500 {
    /// Reads the CSV (first column the name, every other column numeric; at least 2 days).
    pub fn load(path: &Path) -> Result<Self> {
        let csv = CsvFile::open(path)?;
        let headers = csv.headers().to_vec();
        if headers.len() < 3 {
            return Err(DatasetsError::malformed(
                path,
                1,
                format!(
                    "expected a name column and at least 2 price columns, found {} columns",
                    headers.len()
                ),
            ));
        }
        let dates = headers[1..].to_vec();
        let mut names = Vec::new();
        let mut values = Vec::new();
        csv.for_each(|rec, line| {
            names.push(rec[0].to_string());
            for (j, cell) in rec.iter().enumerate().skip(1) {
                values.push(parse_cell::<f64>(path, line, &headers[j], cell)?);
            }
            Ok(())
        })?;
        let prices = Array2::from_shape_vec((names.len(), dates.len()), values)
            .map_err(|e| DatasetsError::malformed(path, 0, e.to_string()))?;
        Ok(Fortune500 {
            names,
            dates,
            prices,
        })
    }

    /// `X = prices[:, :-1]` as f32 `[stocks, days - 1]` (add a trailing axis for an RNN).
    pub fn x(&self) -> Array2<f32> {
        let d = self.prices.ncols();
        self.prices.slice(s![.., ..d - 1]).mapv(|v| v as f32)
    }

    /// `y = prices[:, -1]` as f32: the last day, to be predicted.
    pub fn y(&self) -> Array1<f32> {
        let d = self.prices.ncols();
        self.prices.column(d - 1).mapv(|v| v as f32)
    }

    /// MSE of predicting every stock's last day with the mean last day: `np.mean((y - y.mean())**2)`.
    pub fn mean_baseline_mse(&self) -> f64 {
        let y = self.prices.column(self.prices.ncols() - 1);
        let mean = y.sum() / y.len() as f64;
        y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / y.len() as f64
    }

    /// MSE of predicting the last day with the day before: `np.mean((y - X[:, -1])**2)`.
    pub fn last_value_baseline_mse(&self) -> f64 {
        let d = self.prices.ncols();
        let y = self.prices.column(d - 1);
        let prev = self.prices.column(d - 2);
        y.iter()
            .zip(prev.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            / y.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_file_and_baselines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.csv");
        std::fs::write(&p, "Fortune500,d1,d2,d3\nA,0,1,2\nB,0,1,4\n").unwrap();
        let f = Fortune500::load(&p).unwrap();
        assert_eq!(f.names, ["A", "B"]);
        assert_eq!(f.x().shape(), &[2, 2]);
        assert_eq!(f.y().to_vec(), vec![2.0, 4.0]);
        assert!((f.mean_baseline_mse() - 1.0).abs() < 1e-12);
        assert!((f.last_value_baseline_mse() - 5.0).abs() < 1e-12);
    }

    #[test]
    fn non_numeric_cell_names_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.csv");
        std::fs::write(&p, "Fortune500,d1,d2\nA,0,1\nB,x,1\n").unwrap();
        let msg = Fortune500::load(&p).unwrap_err().to_string();
        assert!(msg.contains("f.csv:3") && msg.contains("\"d1\""), "{msg}");
    }
}
