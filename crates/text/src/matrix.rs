//! A plain row-major 2-D matrix: the output type of `pad_sequences`, `texts_to_matrix` and
//! `TextVectorizer::call`, so the crate stays free of any tensor library.

use serde::{Deserialize, Serialize};

/// A dense row-major matrix with `rows × cols` elements in `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix<T> {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<T>,
}

/// The output of `pad_sequences` (Keras returns int32; i64 also holds any `value`).
pub type Padded = Matrix<i64>;

impl<T> Matrix<T> {
    /// `(rows, cols)`, like numpy's `.shape`.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Row `i`, or `None` when `i >= rows`.
    pub fn row(&self, i: usize) -> Option<&[T]> {
        if i >= self.rows {
            return None;
        }
        Some(&self.data[i * self.cols..(i + 1) * self.cols])
    }

    /// Element `(i, j)`, or `None` when out of range.
    pub fn get(&self, i: usize, j: usize) -> Option<&T> {
        if i >= self.rows || j >= self.cols {
            return None;
        }
        self.data.get(i * self.cols + j)
    }

    /// Iterates over the rows as slices (zero-width rows are empty slices).
    pub fn rows_iter(&self) -> impl Iterator<Item = &[T]> {
        (0..self.rows).map(move |i| &self.data[i * self.cols..(i + 1) * self.cols])
    }

    /// The rows as nested vectors (handy for comparing with Keras output).
    pub fn to_nested(&self) -> Vec<Vec<T>>
    where
        T: Clone,
    {
        (0..self.rows)
            .map(|i| self.data[i * self.cols..(i + 1) * self.cols].to_vec())
            .collect()
    }

    /// The flat row-major buffer.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_shape() {
        let m = Matrix {
            rows: 2,
            cols: 3,
            data: vec![1, 2, 3, 4, 5, 6],
        };
        assert_eq!(m.shape(), (2, 3));
        assert_eq!(m.row(1), Some(&[4, 5, 6][..]));
        assert_eq!(m.row(2), None);
        assert_eq!(m.get(0, 2), Some(&3));
        assert_eq!(m.get(0, 3), None);
        assert_eq!(m.rows_iter().count(), 2);
        assert_eq!(m.to_nested(), vec![vec![1, 2, 3], vec![4, 5, 6]]);
    }

    #[test]
    fn zero_width_rows() {
        let m: Matrix<i64> = Matrix {
            rows: 3,
            cols: 0,
            data: vec![],
        };
        assert_eq!(m.row(2), Some(&[][..]));
        assert_eq!(m.to_nested(), vec![Vec::<i64>::new(); 3]);
        assert_eq!(m.rows_iter().count(), 3);
    }
}
