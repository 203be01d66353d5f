//! Shape classification (BT-AI Lab 8): curves of 55 points that trace a square, a triangle or an ellipse,
//! read from the lab's CSVs or drawn fresh by a seeded generator (no download needed).

use std::path::Path;

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};

use crate::error::{DatasetsError, Result};
use crate::source::{parse_cell, CsvFile};

/// Points per curve.
pub const CURVE_LENGTH: usize = 55;

/// Class names in label order. Sorted, as scikit-learn's `LabelEncoder` (used by the lab's
/// `KerasClassifier`) numbers them.
pub const SHAPE_CLASSES: [&str; 3] = ["ellipse", "square", "triangle"];

/// Curves `[n, 55]` with their class names and integer labels (index into [`SHAPE_CLASSES`]).
#[derive(Clone, Debug)]
pub struct ShapeCurves {
    pub x: Array2<f32>,
    pub class: Vec<String>,
    pub y: Array1<i64>,
}

impl ShapeCurves {
    /// Reads `shape_classification_{train,test}.csv`: header `class,0,…,54`, one curve per row.
    pub fn load(path: &Path) -> Result<Self> {
        let csv = CsvFile::open(path)?;
        let expected: Vec<String> = std::iter::once("class".to_string())
            .chain((0..CURVE_LENGTH).map(|i| i.to_string()))
            .collect();
        let exp: Vec<&str> = expected.iter().map(String::as_str).collect();
        csv.expect_headers(&exp)?;
        let mut values = Vec::new();
        let mut class = Vec::new();
        let mut y = Vec::new();
        csv.for_each(|r, line| {
            let name = &r[0];
            let label = SHAPE_CLASSES
                .iter()
                .position(|c| *c == name)
                .ok_or_else(|| {
                    DatasetsError::malformed(
                        path,
                        line,
                        format!("unknown class {name:?}; expected one of {SHAPE_CLASSES:?}"),
                    )
                })?;
            for (j, cell) in r.iter().enumerate().skip(1) {
                values.push(parse_cell::<f32>(path, line, &expected[j], cell)?);
            }
            class.push(name.to_string());
            y.push(label as i64);
            Ok(())
        })?;
        let x = Array2::from_shape_vec((class.len(), CURVE_LENGTH), values)
            .map_err(|e| DatasetsError::malformed(path, 0, e.to_string()))?;
        Ok(ShapeCurves {
            x,
            class,
            y: Array1::from(y),
        })
    }

    /// Draws `n` new curves (classes balanced, order shuffled) that depend only on `seed`.
    ///
    /// Like the lab's files: each curve is zero outside one interval of 9–39 points that starts at
    /// index 5 or later and ends by index 48; inside it a square is 1, a triangle rises linearly to 1
    /// at the centre and falls back, an ellipse is `sqrt(1 - ((i - c) / r)^2)`.
    pub fn generate(n: usize, seed: u64) -> Self {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
        rand::seq::SliceRandom::shuffle(labels.as_mut_slice(), &mut rng);
        let mut x = Array2::<f32>::zeros((n, CURVE_LENGTH));
        for (row, &label) in labels.iter().enumerate() {
            let mut len: usize = rng.random_range(9..=39);
            if SHAPE_CLASSES[label] == "ellipse" && len & 1 == 0 {
                len += 1;
            }
            let start: usize = rng.random_range(5..=(49 - len));
            let centre = start as f64 + (len as f64 - 1.0) / 2.0;
            for i in start..start + len {
                let d = (i as f64 - centre).abs();
                let v = match SHAPE_CLASSES[label] {
                    "square" => 1.0,
                    "triangle" => 1.0 - d / ((len as f64 + 1.0) / 2.0),
                    _ => {
                        let u = d / (len as f64 / 2.0);
                        (1.0 - u * u).max(0.0).sqrt()
                    }
                };
                x[[row, i]] = v as f32;
            }
        }
        ShapeCurves {
            x,
            class: labels
                .iter()
                .map(|&l| SHAPE_CLASSES[l].to_string())
                .collect(),
            y: labels.iter().map(|&l| l as i64).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_seeded_balanced_and_shaped() {
        let a = ShapeCurves::generate(300, 1);
        let b = ShapeCurves::generate(300, 1);
        assert_eq!(a.x, b.x);
        assert_ne!(a.x, ShapeCurves::generate(300, 2).x);
        assert_eq!(a.x.shape(), &[300, CURVE_LENGTH]);
        for c in 0..3 {
            assert_eq!(a.y.iter().filter(|&&y| y == c).count(), 100);
        }
        for (row, &label) in a.x.rows().into_iter().zip(a.y.iter()) {
            let nz: Vec<usize> = (0..CURVE_LENGTH).filter(|&i| row[i] > 0.0).collect();
            assert!(nz[0] >= 5 && *nz.last().unwrap() <= 48);
            let max = row.iter().cloned().fold(0.0f32, f32::max);
            assert!(max > 0.9 && max <= 1.0);
            if SHAPE_CLASSES[label as usize] == "square" {
                assert!(nz.iter().all(|&i| row[i] == 1.0));
            } else {
                // Triangles and ellipses are symmetric bumps, not flat tops.
                assert!(row[nz[0]] < 1.0);
            }
        }
    }

    #[test]
    fn unknown_class_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.csv");
        let header: Vec<String> = (0..CURVE_LENGTH).map(|i| i.to_string()).collect();
        let zeros = vec!["0"; CURVE_LENGTH].join(",");
        std::fs::write(
            &p,
            format!(
                "class,{}\nsquare,{zeros}\ncircle,{zeros}\n",
                header.join(",")
            ),
        )
        .unwrap();
        let msg = ShapeCurves::load(&p).unwrap_err().to_string();
        assert!(msg.contains("s.csv:3") && msg.contains("circle"), "{msg}");
    }
}
