//! Row-sparse gradients of an embedding table: only the rows a batch touched, summed exactly as
//! the dense `scatter_add_rows` would sum them, so an optimizer can skip the zero fill.
use kerust_tensor::{IntTensor, Result, Tensor, TensorError};

/// Marks a table row without a gradient row in [`RowGrad::slots`].
pub const NO_ROW: u32 = u32::MAX;

/// The gradient of a `[vocab, dim]` table that is zero outside `ids`: row `k` of `rows` is the
/// gradient of table row `ids[k]`. Ids are unique, in order of first occurrence.
#[derive(Debug, Clone, PartialEq)]
pub struct RowGrad {
    vocab: usize,
    dim: usize,
    ids: Vec<usize>,
    rows: Vec<f32>,
}

/// A leaf's gradient from [`crate::Tape::backward_sparse`]: dense, or row-sparse for a table only
/// read through `gather_rows`.
#[derive(Debug, Clone)]
pub enum Grad {
    Dense(Tensor),
    Rows(RowGrad),
}

impl Grad {
    /// The dense tensor (a row-sparse gradient is scattered into zeros).
    pub fn into_dense(self) -> Result<Tensor> {
        match self {
            Grad::Dense(t) => Ok(t),
            Grad::Rows(r) => r.to_dense(),
        }
    }
    /// Shape of the dense gradient.
    pub fn shape(&self) -> Vec<usize> {
        match self {
            Grad::Dense(t) => t.shape().to_vec(),
            Grad::Rows(r) => vec![r.vocab, r.dim],
        }
    }
}

impl RowGrad {
    /// Coalesce `g` (`ids.shape + [dim]`) by id. Each row starts at `0.0` and adds its
    /// occurrences in order — the same float sums `scatter_add_rows` computes.
    pub fn from_scatter(g: &Tensor, ids: &IntTensor, vocab: usize) -> Result<Self> {
        let dim = *g.shape().last().unwrap_or(&0);
        if g.numel() != ids.numel() * dim {
            return Err(TensorError::ShapeMismatch {
                op: "RowGrad::from_scatter",
                lhs: g.shape().to_vec(),
                rhs: ids.shape().to_vec(),
                hint: "gradient must be ids.shape + [dim]".into(),
            });
        }
        let src = g.as_slice()?;
        let mut slot = vec![NO_ROW; vocab];
        let mut uniq = Vec::new();
        let mut rows: Vec<f32> = Vec::with_capacity(ids.numel() * dim);
        for (i, &id) in ids.data().iter().enumerate() {
            if id < 0 || id as usize >= vocab {
                return Err(TensorError::IndexOutOfRange {
                    op: "RowGrad::from_scatter",
                    index: id,
                    bound: vocab,
                    hint: String::new(),
                });
            }
            let id = id as usize;
            if slot[id] == NO_ROW {
                slot[id] = uniq.len() as u32;
                uniq.push(id);
                rows.resize(rows.len() + dim, 0.0);
            }
            let k = slot[id] as usize;
            for (d, &s) in rows[k * dim..(k + 1) * dim]
                .iter_mut()
                .zip(&src[i * dim..(i + 1) * dim])
            {
                *d += s;
            }
        }
        Ok(Self {
            vocab,
            dim,
            ids: uniq,
            rows,
        })
    }

    /// Table rows (first dimension of the dense gradient).
    pub fn vocab(&self) -> usize {
        self.vocab
    }
    /// Row width.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// The touched table rows, unique.
    pub fn ids(&self) -> &[usize] {
        &self.ids
    }
    /// Gradient rows, `ids().len() × dim`, row `k` for table row `ids()[k]`.
    pub fn rows(&self) -> &[f32] {
        &self.rows
    }
    /// Per table row: its index into `ids()`/`rows()`, or [`NO_ROW`].
    pub fn slots(&self) -> Vec<u32> {
        let mut s = vec![NO_ROW; self.vocab];
        for (k, &id) in self.ids.iter().enumerate() {
            s[id] = k as u32;
        }
        s
    }

    /// `self + other` elementwise, with the same float ops as adding the two dense tensors
    /// (a row missing on one side adds `0.0`).
    pub fn add(&self, other: &RowGrad) -> Result<RowGrad> {
        if (self.vocab, self.dim) != (other.vocab, other.dim) {
            return Err(TensorError::ShapeMismatch {
                op: "RowGrad::add",
                lhs: vec![self.vocab, self.dim],
                rhs: vec![other.vocab, other.dim],
                hint: "both gradients must belong to the same table".into(),
            });
        }
        let dim = self.dim;
        let theirs = other.slots();
        let mut ids = Vec::with_capacity(self.ids.len() + other.ids.len());
        let mut rows = Vec::with_capacity(self.rows.len() + other.rows.len());
        let mut taken = vec![false; other.ids.len()];
        for (k, &id) in self.ids.iter().enumerate() {
            let a = &self.rows[k * dim..(k + 1) * dim];
            ids.push(id);
            match theirs[id] {
                NO_ROW => rows.extend(a.iter().map(|&x| x + 0.0)),
                j => {
                    taken[j as usize] = true;
                    let b = &other.rows[j as usize * dim..(j as usize + 1) * dim];
                    rows.extend(a.iter().zip(b).map(|(&x, &y)| x + y));
                }
            }
        }
        for (j, &id) in other.ids.iter().enumerate() {
            if !taken[j] {
                ids.push(id);
                rows.extend(other.rows[j * dim..(j + 1) * dim].iter().map(|&y| 0.0 + y));
            }
        }
        Ok(RowGrad {
            vocab: self.vocab,
            dim,
            ids,
            rows,
        })
    }

    /// `dense += self` in place: the table rows this gradient touches get `dense + row` (the sums
    /// `dense.add(&self.to_dense())` forms), without a `[vocab, dim]` temporary.
    pub fn add_into(&self, dense: &mut Tensor) -> Result<()> {
        if dense.shape() != [self.vocab, self.dim] {
            return Err(TensorError::ShapeMismatch {
                op: "RowGrad::add_into",
                lhs: dense.shape().to_vec(),
                rhs: vec![self.vocab, self.dim],
                hint: "the dense gradient must have the table's shape".into(),
            });
        }
        if dense.is_cuda() {
            let rows = self.to_dense()?.to(dense.device())?;
            return dense.add_assign(&rows);
        }
        let dim = self.dim;
        let out = dense.as_mut_slice()?;
        for (k, &id) in self.ids.iter().enumerate() {
            let src = &self.rows[k * dim..(k + 1) * dim];
            for (d, &s) in out[id * dim..(id + 1) * dim].iter_mut().zip(src) {
                *d += s;
            }
        }
        Ok(())
    }

    /// The dense `[vocab, dim]` gradient.
    pub fn to_dense(&self) -> Result<Tensor> {
        let n = kerust_tensor::shape::checked_numel("RowGrad::to_dense", &[self.vocab, self.dim])?;
        let mut out = vec![0.0f32; n];
        let dim = self.dim;
        for (k, &id) in self.ids.iter().enumerate() {
            out[id * dim..(id + 1) * dim].copy_from_slice(&self.rows[k * dim..(k + 1) * dim]);
        }
        Tensor::from_vec(out, &[self.vocab, self.dim])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(t: &Tensor) -> Vec<u32> {
        t.to_vec().unwrap().iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn matches_dense_scatter_bit_for_bit() {
        let ids = IntTensor::from_vec(vec![3, 1, 3, 0, 3, 1], &[2, 3]).unwrap();
        let vals: Vec<f32> = (0..12)
            .map(|i| (i as f32 * 0.37 - 2.1).sin() * 1e-3)
            .collect();
        let g = Tensor::from_vec(vals, &[2, 3, 2]).unwrap();
        let r = RowGrad::from_scatter(&g, &ids, 5).unwrap();
        assert_eq!(r.ids(), &[3, 1, 0]);
        let dense = g.scatter_add_rows(&ids, 5).unwrap();
        assert_eq!(bits(&r.to_dense().unwrap()), bits(&dense));
        assert_eq!(r.slots(), vec![2, 1, NO_ROW, 0, NO_ROW]);

        let ids2 = IntTensor::from_vec(vec![4, 1], &[2]).unwrap();
        let g2 = Tensor::from_vec(vec![0.5, -0.25, 1e-4, 3.0], &[2, 2]).unwrap();
        let r2 = RowGrad::from_scatter(&g2, &ids2, 5).unwrap();
        let sum = r.add(&r2).unwrap();
        let dense_sum = dense.add(&g2.scatter_add_rows(&ids2, 5).unwrap()).unwrap();
        assert_eq!(bits(&sum.to_dense().unwrap()), bits(&dense_sum));
        assert!(matches!(
            Grad::Rows(sum).into_dense().map(|t| t.shape().to_vec()),
            Ok(s) if s == [5, 2]
        ));
    }

    #[test]
    fn bad_ids_and_mismatched_tables_are_errors() {
        let g = Tensor::ones(&[1, 2]).unwrap();
        let bad = IntTensor::from_vec(vec![7], &[1]).unwrap();
        assert!(RowGrad::from_scatter(&g, &bad, 5).is_err());
        let ok = IntTensor::from_vec(vec![1], &[1]).unwrap();
        let a = RowGrad::from_scatter(&g, &ok, 5).unwrap();
        let b = RowGrad::from_scatter(&g, &ok, 6).unwrap();
        assert!(a.add(&b).is_err());
        let short = IntTensor::from_vec(vec![1, 2], &[2]).unwrap();
        assert!(RowGrad::from_scatter(&g, &short, 5).is_err());
    }
}
