//! `BatchShapes`: checks that a dataset's batches keep one shape, so a ragged dataset fails at the
//! batch that changed with the index and both shapes, not inside a layer with a batch-sized shape.
use super::py_dataset::DatasetBatch;
use crate::error::{LayerError, Result};

/// The shapes seen so far in one pass over a dataset.
#[derive(Default)]
pub struct BatchShapes {
    /// Shape of every array of the first batch, batch axis included (x, then y, then weights).
    first: Option<(usize, Vec<Vec<usize>>)>,
    /// Rows of a batch that is not the last (all of them must agree).
    full: Option<usize>,
    /// Rows of the last batch, when it came before any other (a shuffled order).
    last: Option<usize>,
}

/// The arrays of a batch with their names, in a fixed order.
fn arrays(b: &DatasetBatch) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, d) in b.x.iter().enumerate() {
        out.push((format!("x[{i}]"), d.shape()));
    }
    for (i, d) in b.y.iter().enumerate() {
        out.push((format!("y[{i}]"), d.shape()));
    }
    if let Some(w) = &b.sample_weight {
        out.push(("sample_weight".into(), w.shape().to_vec()));
    }
    out
}

impl BatchShapes {
    /// A fresh check.
    pub fn new() -> Self {
        Self::default()
    }

    /// Check batch `index` of a dataset of `len` batches against the batches seen before.
    pub fn check(&mut self, index: usize, len: usize, b: &DatasetBatch) -> Result<()> {
        let arrs = arrays(b);
        let rows = b.rows();
        let err =
            |what: &str, expected: Vec<usize>, got: Vec<usize>| LayerError::DatasetBatchShape {
                index,
                what: what.to_string(),
                expected,
                got,
            };
        if rows == 0 {
            return Err(err(
                "x[0]",
                vec![1],
                arrs.first().map(|a| a.1.clone()).unwrap_or_default(),
            ));
        }
        // Within a batch every array has the same rows.
        for (what, shape) in &arrs {
            if shape.first() != Some(&rows) {
                let mut expected = shape.clone();
                if let Some(r) = expected.first_mut() {
                    *r = rows;
                }
                return Err(err(what, expected, shape.clone()));
            }
        }
        match &self.first {
            None => {
                self.first = Some((index, arrs.iter().map(|a| a.1.clone()).collect()));
            }
            Some((_, shapes)) => {
                if shapes.len() != arrs.len() {
                    return Err(LayerError::Data(format!(
                        "PyDataset batch {index} has {} arrays (x, y, sample_weight) but earlier batches had {}; return the same structure from every get()",
                        arrs.len(),
                        shapes.len()
                    )));
                }
                for ((what, got), seen) in arrs.iter().zip(shapes) {
                    if got[1..] != seen[1..] {
                        let mut expected = seen.clone();
                        expected[0] = rows;
                        return Err(err(what, expected, got.clone()));
                    }
                }
            }
        }
        let is_last = index + 1 == len;
        let with_rows = |r: usize| {
            let mut s = arrs[0].1.clone();
            s[0] = r;
            s
        };
        if is_last {
            if let Some(full) = self.full {
                if rows > full {
                    return Err(err(&arrs[0].0, with_rows(full), arrs[0].1.clone()));
                }
            }
            self.last = Some(rows);
        } else {
            match self.full {
                None => {
                    if let Some(last) = self.last.filter(|&l| l > rows) {
                        // The last batch (seen first) is larger than the full ones.
                        return Err(LayerError::DatasetBatchShape {
                            index: len - 1,
                            what: arrs[0].0.clone(),
                            expected: with_rows(rows),
                            got: with_rows(last),
                        });
                    }
                    self.full = Some(rows);
                }
                Some(full) if full != rows => {
                    return Err(err(&arrs[0].0, with_rows(full), arrs[0].1.clone()));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kerust_tensor::Tensor;

    fn batch(rows: usize, width: usize) -> DatasetBatch {
        DatasetBatch::new(
            Tensor::zeros(&[rows, width]).unwrap(),
            Tensor::zeros(&[rows]).unwrap(),
        )
    }

    #[test]
    fn only_the_last_batch_may_be_smaller() {
        let mut s = BatchShapes::new();
        s.check(0, 3, &batch(4, 2)).unwrap();
        s.check(1, 3, &batch(4, 2)).unwrap();
        s.check(2, 3, &batch(2, 2)).unwrap();
        // Shuffled: the short last batch first.
        let mut s = BatchShapes::new();
        s.check(2, 3, &batch(2, 2)).unwrap();
        s.check(0, 3, &batch(4, 2)).unwrap();
        // A middle batch of another size.
        let mut s = BatchShapes::new();
        s.check(0, 3, &batch(4, 2)).unwrap();
        let e = s.check(1, 3, &batch(3, 2)).unwrap_err();
        assert!(
            matches!(&e, LayerError::DatasetBatchShape { index: 1, expected, got, .. } if expected == &[4, 2] && got == &[3, 2]),
            "{e}"
        );
        // A feature axis that changes.
        let e = s.check(2, 3, &batch(4, 3)).unwrap_err();
        assert!(e.to_string().contains("batch 2"), "{e}");
        assert!(e.to_string().contains("[4, 3]"), "{e}");
        // The last batch larger than the others, seen first.
        let mut s = BatchShapes::new();
        s.check(2, 3, &batch(5, 2)).unwrap();
        assert!(s.check(0, 3, &batch(4, 2)).is_err());
        // x and y with different rows.
        let bad = DatasetBatch::new(
            Tensor::zeros(&[4, 2]).unwrap(),
            Tensor::zeros(&[3]).unwrap(),
        );
        let e = BatchShapes::new().check(0, 1, &bad).unwrap_err();
        assert!(e.to_string().contains("y[0]"), "{e}");
    }
}
