//! Row gathers (embedding lookup) and their scatter-add gradient.
use crate::cuda_backend;
use crate::error::{Result, TensorError};
use crate::int::IntTensor;
use crate::tensor::Tensor;

impl Tensor {
    /// Look up rows of a `[vocab, dim]` table: output shape is `ids.shape() + [dim]`.
    /// An id outside `0..vocab` is an error that names it.
    pub fn gather_rows(&self, ids: &IntTensor) -> Result<Tensor> {
        if self.rank() != 2 {
            return Err(TensorError::InvalidShape {
                op: "gather_rows",
                expected: "a 2-D [vocab, dim] table".into(),
                got: self.shape.clone(),
            });
        }
        let (vocab, dim) = (self.shape[0], self.shape[1]);
        let bad_id = |id: i64| {
            TensorError::IndexOutOfRange {
            op: "gather_rows",
            index: id,
            bound: vocab,
            hint: format!(
                " (token id {id} is not below the embedding's input_dim {vocab}; raise input_dim or cap the vocabulary with num_words)"
            ),
        }
        };
        if self.is_cuda() {
            if let Some(&id) = ids
                .data()
                .iter()
                .find(|&&id| id < 0 || id as usize >= vocab)
            {
                return Err(bad_id(id));
            }
            let mut shape = ids.shape().to_vec();
            shape.push(dim);
            return cuda_backend::gather_rows(self, ids.data(), shape);
        }
        let table = self.cpu("gather_rows")?;
        let mut out = Vec::with_capacity(ids.numel() * dim);
        for &id in ids.data() {
            if id < 0 || id as usize >= vocab {
                return Err(bad_id(id));
            }
            let r = id as usize * dim;
            out.extend_from_slice(&table[r..r + dim]);
        }
        let mut shape = ids.shape().to_vec();
        shape.push(dim);
        Ok(Tensor::from_parts(out, shape))
    }

    /// Gradient of `gather_rows`: add each row of `self` (`[..., dim]`) into row `ids[i]` of a
    /// zero `[vocab, dim]` tensor. Repeated ids accumulate.
    pub fn scatter_add_rows(&self, ids: &IntTensor, vocab: usize) -> Result<Tensor> {
        let dim = *self.shape.last().unwrap_or(&0);
        if self.numel() != ids.numel() * dim {
            return Err(TensorError::ShapeMismatch {
                op: "scatter_add_rows",
                lhs: self.shape.clone(),
                rhs: ids.shape().to_vec(),
                hint: "gradient must be ids.shape + [dim]".into(),
            });
        }
        if self.is_cuda() {
            crate::shape::checked_numel("scatter_add_rows", &[vocab, dim])?;
            if let Some(&id) = ids
                .data()
                .iter()
                .find(|&&id| id < 0 || id as usize >= vocab)
            {
                return Err(TensorError::IndexOutOfRange {
                    op: "scatter_add_rows",
                    index: id,
                    bound: vocab,
                    hint: String::new(),
                });
            }
            return cuda_backend::scatter_add_rows(self, ids.data(), vocab, dim);
        }
        let g = self.cpu("scatter_add_rows")?;
        let mut out = vec![0.0f32; crate::shape::checked_numel("scatter_add_rows", &[vocab, dim])?];
        for (i, &id) in ids.data().iter().enumerate() {
            if id < 0 || id as usize >= vocab {
                return Err(TensorError::IndexOutOfRange {
                    op: "scatter_add_rows",
                    index: id,
                    bound: vocab,
                    hint: String::new(),
                });
            }
            let dst = &mut out[id as usize * dim..(id as usize + 1) * dim];
            for (d, &s) in dst.iter_mut().zip(&g[i * dim..(i + 1) * dim]) {
                *d += s;
            }
        }
        Ok(Tensor::from_parts(out, vec![vocab, dim]))
    }
}

#[cfg(test)]
mod tests {
    use crate::{IntTensor, Tensor};

    #[test]
    fn gather_and_scatter_are_adjoint() {
        let t = Tensor::from_vec(vec![0., 1., 10., 11., 20., 21.], &[3, 2]).unwrap();
        let ids = IntTensor::from_vec(vec![2, 0, 2], &[3]).unwrap();
        let g = t.gather_rows(&ids).unwrap();
        assert_eq!(g.to_vec().unwrap(), vec![20., 21., 0., 1., 20., 21.]);
        let s = Tensor::ones(&[3, 2])
            .unwrap()
            .scatter_add_rows(&ids, 3)
            .unwrap();
        assert_eq!(s.to_vec().unwrap(), vec![1., 1., 0., 0., 2., 2.]);
        let bad = IntTensor::from_vec(vec![3], &[1]).unwrap();
        let e = t.gather_rows(&bad).unwrap_err().to_string();
        assert!(e.contains("input_dim 3"), "{e}");
    }
}
