//! Shuffling and mini-batching of row indices, plus gathering the rows of a batch from an ndarray.

use ndarray::{Array, Axis, RemoveAxis};
use rand::seq::SliceRandom;
use rand::SeedableRng;

use crate::error::{DatasetsError, Result};

/// `0..n` in a random order that depends only on `seed` (ChaCha8, stable across platforms and releases).
pub fn shuffled_indices(n: usize, seed: u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    idx.shuffle(&mut rng);
    idx
}

/// Index batches of at most `batch_size` rows covering `0..n` once, shuffled when `seed` is given.
/// The last batch is smaller when `batch_size` does not divide `n` (as in Keras `fit`).
pub fn batch_indices(n: usize, batch_size: usize, seed: Option<u64>) -> Result<Vec<Vec<usize>>> {
    if batch_size == 0 {
        return Err(DatasetsError::invalid("batch_size", "must be at least 1"));
    }
    let order = match seed {
        Some(s) => shuffled_indices(n, s),
        None => (0..n).collect(),
    };
    Ok(order.chunks(batch_size).map(<[usize]>::to_vec).collect())
}

/// The rows `idx` of `a` (axis 0), e.g. one batch of a `[N, T]` id matrix.
pub fn take_rows<T: Clone, D: RemoveAxis>(a: &Array<T, D>, idx: &[usize]) -> Result<Array<T, D>> {
    let n = a.len_of(Axis(0));
    if let Some(&bad) = idx.iter().find(|&&i| i >= n) {
        return Err(DatasetsError::invalid(
            "idx",
            format!("row {bad} out of range for an array with {n} rows"),
        ));
    }
    Ok(a.select(Axis(0), idx))
}

/// The elements `idx` of a slice (labels, texts).
pub fn take<T: Clone>(v: &[T], idx: &[usize]) -> Result<Vec<T>> {
    idx.iter()
        .map(|&i| {
            v.get(i).cloned().ok_or_else(|| {
                DatasetsError::invalid(
                    "idx",
                    format!("index {i} out of range for {} elements", v.len()),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_cover_every_row_once() {
        let b = batch_indices(10, 4, Some(3)).unwrap();
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 4, 2]);
        let mut all: Vec<usize> = b.concat();
        assert_ne!(all, (0..10).collect::<Vec<_>>());
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(
            batch_indices(5, 2, None).unwrap(),
            vec![vec![0, 1], vec![2, 3], vec![4]]
        );
        assert!(batch_indices(5, 0, None).is_err());
    }

    #[test]
    fn seeded_shuffle_is_reproducible() {
        assert_eq!(shuffled_indices(50, 9), shuffled_indices(50, 9));
        assert_ne!(shuffled_indices(50, 9), shuffled_indices(50, 10));
    }

    #[test]
    fn take_rows_checks_bounds() {
        let a = ndarray::Array2::from_shape_fn((3, 2), |(i, j)| (i * 2 + j) as f32);
        let t = take_rows(&a, &[2, 0]).unwrap();
        assert_eq!(t.row(0).to_vec(), vec![4.0, 5.0]);
        assert!(take_rows(&a, &[3]).is_err());
        assert!(take(&[1, 2], &[5]).is_err());
    }
}
