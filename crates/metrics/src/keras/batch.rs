//! `Batch`: a borrowed `f32` buffer with its shape, the input of Keras streaming metrics.

use std::borrow::Cow;

use crate::error::{MetricsError, Result};

/// One batch of targets or predictions: row-major data plus shape (first axis = samples).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch<'a> {
    data: &'a [f32],
    shape: Cow<'a, [usize]>,
}

/// Checks rank ≥ 1 and `product(shape) == data.len()` without overflowing.
fn check_shape(data: &[f32], shape: &[usize]) -> Result<()> {
    let product = shape.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d));
    if shape.is_empty() || product != Some(data.len()) {
        return Err(MetricsError::ShapeDataMismatch {
            what: "Batch",
            shape: shape.to_vec(),
            expected: match product {
                _ if shape.is_empty() => "a batch axis (rank >= 1), i.e. more than".to_string(),
                Some(p) => p.to_string(),
                None => "more than usize::MAX".to_string(),
            },
            got: data.len(),
        });
    }
    Ok(())
}

impl<'a> Batch<'a> {
    /// A batch with a borrowed shape; fails when the shape does not describe `data`.
    pub fn new(data: &'a [f32], shape: &'a [usize]) -> Result<Self> {
        check_shape(data, shape)?;
        Ok(Batch {
            data,
            shape: Cow::Borrowed(shape),
        })
    }

    /// A batch with an owned shape.
    pub fn with_shape(data: &'a [f32], shape: Vec<usize>) -> Result<Self> {
        check_shape(data, &shape)?;
        Ok(Batch {
            data,
            shape: Cow::Owned(shape),
        })
    }

    /// Shape `[n]`: one value per sample.
    pub fn vector(data: &'a [f32]) -> Self {
        Batch {
            data,
            shape: Cow::Owned(vec![data.len()]),
        }
    }

    /// Shape `[rows, cols]`.
    pub fn matrix(data: &'a [f32], rows: usize, cols: usize) -> Result<Self> {
        Self::with_shape(data, vec![rows, cols])
    }

    /// The values, row-major.
    pub fn data(&self) -> &'a [f32] {
        self.data
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
}

/// Keras `squeeze_or_expand_to_same_rank(x1, x2)` on shapes: when ranks differ by one and the longer
/// ends in 1, the shorter gains a trailing 1 if it has rank 1, else the longer loses it.
pub(crate) fn align(x1: &[usize], x2: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let (mut a, mut b) = (x1.to_vec(), x2.to_vec());
    if a.len() == b.len() + 1 && a.last() == Some(&1) {
        if b.len() == 1 {
            b.push(1);
        } else {
            a.pop();
        }
    } else if b.len() == a.len() + 1 && b.last() == Some(&1) {
        if a.len() == 1 {
            a.push(1);
        } else {
            b.pop();
        }
    }
    (a, b)
}

/// Aligns `y_true`/`y_pred` shapes and requires them equal (no broadcasting); returns the common shape.
pub(crate) fn same_shape(what: &'static str, y_true: &Batch, y_pred: &Batch) -> Result<Vec<usize>> {
    let (t, p) = align(y_true.shape(), y_pred.shape());
    if t != p {
        return Err(MetricsError::ShapeMismatch {
            what,
            y_true: y_true.shape().to_vec(),
            y_pred: y_pred.shape().to_vec(),
            hint: "pass one target per prediction (shapes may differ only by a trailing axis of 1)",
        });
    }
    Ok(t)
}

/// Checks that `w` holds one weight per sample of per-sample values of shape `values_shape`, or
/// one per leading block of them (`[batch, time]` weights of `[batch, time, ...]` values).
pub(crate) fn check_weights(what: &'static str, values_shape: &[usize], w: &Batch) -> Result<()> {
    let rows = values_shape.first().copied().unwrap_or(1);
    let per_value: usize = values_shape.iter().skip(1).product();
    let ok = w.shape().first() == Some(&rows)
        && rows > 0
        && w.data().len().is_multiple_of(rows)
        && per_value.is_multiple_of((w.data().len() / rows).max(1));
    if ok {
        return Ok(());
    }
    Err(MetricsError::BadArgument {
        what,
        name: "sample_weight",
        constraint: "one weight per sample ([batch]) or per time step ([batch, time])",
        value: format!("shape {:?} for values of shape {values_shape:?}", w.shape()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_checked() {
        let d = [1.0f32; 6];
        assert!(Batch::new(&d, &[2, 3]).is_ok());
        assert!(Batch::new(&d, &[4, 2]).is_err());
        assert!(Batch::new(&d, &[]).is_err());
        assert!(Batch::with_shape(&d, vec![usize::MAX, 3]).is_err());
        assert_eq!(Batch::vector(&d).shape(), &[6]);
    }

    #[test]
    fn align_follows_keras() {
        assert_eq!(align(&[4], &[4, 1]), (vec![4, 1], vec![4, 1]));
        assert_eq!(align(&[4, 1], &[4]), (vec![4, 1], vec![4, 1]));
        assert_eq!(align(&[4, 3, 1], &[4, 3]), (vec![4, 3], vec![4, 3]));
        assert_eq!(align(&[4], &[4, 3]), (vec![4], vec![4, 3]));
    }
}
