//! Shape-moving ops: reshape, transpose, concat, slice, flip, and the embedding gather.
use crate::tape::Var;
use kerust_tensor::{IntTensor, Result, Tensor, TensorError};

impl Var {
    /// Same data, new shape.
    pub fn reshape(&self, shape: &[usize]) -> Result<Var> {
        let old = self.shape().to_vec();
        let y = self.value.reshape(shape)?;
        self.tape
            .record1(&[self], y, move |g| Ok(vec![Some(g.reshape(&old)?)]))
    }

    /// Permute axes.
    pub fn transpose(&self, perm: &[usize]) -> Result<Var> {
        let mut inv = vec![0; perm.len()];
        for (i, &p) in perm.iter().enumerate() {
            if p < inv.len() {
                inv[p] = i;
            }
        }
        let y = self.value.transpose(perm)?;
        self.tape
            .record1(&[self], y, move |g| Ok(vec![Some(g.transpose(&inv)?)]))
    }

    /// Join along `axis`.
    pub fn concat(parts: &[&Var], axis: isize) -> Result<Var> {
        let first = parts.first().ok_or_else(|| TensorError::InvalidArgument {
            op: "concat",
            message: "needs at least one tensor".into(),
        })?;
        let vals: Vec<&Tensor> = parts.iter().map(|v| &v.value).collect();
        let y = Tensor::concat(&vals, axis)?;
        let sizes: Vec<usize> = parts
            .iter()
            .map(|v| v.value.dim(axis))
            .collect::<Result<_>>()?;
        first.tape.record1(parts, y, move |g| {
            let mut start = 0;
            let mut out = Vec::with_capacity(sizes.len());
            for &n in &sizes {
                out.push(Some(g.slice(axis, start, n)?));
                start += n;
            }
            Ok(out)
        })
    }

    /// `len` entries from `start` along `axis`.
    pub fn slice(&self, axis: isize, start: usize, len: usize) -> Result<Var> {
        let shape = self.shape().to_vec();
        let y = self.value.slice(axis, start, len)?;
        self.tape.record1(&[self], y, move |g| {
            // Pad the gradient with zeros on both sides of the slice.
            let ax = kerust_tensor::shape::normalize_axis("slice", axis, shape.len())?;
            let mut parts = Vec::new();
            let mut before = shape.clone();
            before[ax] = start;
            let mut after = shape.clone();
            after[ax] = shape[ax] - start - len;
            let zb = Tensor::zeros(&before)?.to(g.device())?;
            let za = Tensor::zeros(&after)?.to(g.device())?;
            if start > 0 {
                parts.push(&zb);
            }
            parts.push(g);
            if after[ax] > 0 {
                parts.push(&za);
            }
            Ok(vec![Some(Tensor::concat(&parts, ax as isize)?)])
        })
    }

    /// Reverse along `axis`.
    pub fn flip(&self, axis: isize) -> Result<Var> {
        let y = self.value.flip(axis)?;
        self.tape
            .record1(&[self], y, move |g| Ok(vec![Some(g.flip(axis)?)]))
    }

    /// Embedding lookup: rows of the `[vocab, dim]` table `self` picked by `ids`.
    pub fn gather_rows(&self, ids: &IntTensor) -> Result<Var> {
        let vocab = self.value.dim(0)?;
        let y = self.value.gather_rows(ids)?;
        self.tape.record_gather_rows(self, ids.clone(), vocab, y)
    }
}

#[cfg(test)]
mod tests {
    use crate::gradcheck::check_op;
    use crate::Var;
    use kerust_tensor::IntTensor;

    #[test]
    fn layout_ops_gradcheck() {
        check_op(&[&[2, 6]], |v| v[0].reshape(&[3, 4]));
        check_op(&[&[2, 3, 4]], |v| v[0].transpose(&[2, 0, 1]));
        check_op(&[&[2, 3], &[2, 2]], |v| Var::concat(&[&v[0], &v[1]], 1));
        check_op(&[&[4, 3]], |v| v[0].slice(0, 1, 2));
        check_op(&[&[2, 5, 3]], |v| v[0].flip(1));
        let ids = IntTensor::from_vec(vec![0, 3, 3, 1, 0, 2], &[2, 3]).unwrap();
        check_op(&[&[4, 5]], move |v| v[0].gather_rows(&ids));
    }
}
