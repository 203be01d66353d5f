//! Layout ops that move data without arithmetic: transpose, concat, slice, row selection, flip.
use crate::cuda_backend;
use crate::error::{Result, TensorError};
use crate::shape::{normalize_axis, strides};
use crate::tensor::Tensor;

/// View a shape as `[outer, axis, inner]` around `axis`.
fn split3(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

impl Tensor {
    /// Permute axes: output axis `i` is input axis `perm[i]`.
    pub fn transpose(&self, perm: &[usize]) -> Result<Tensor> {
        let rank = self.rank();
        let mut seen = vec![false; rank];
        if perm.len() != rank
            || perm
                .iter()
                .any(|&p| p >= rank || std::mem::replace(&mut seen[p], true))
        {
            return Err(TensorError::InvalidArgument {
                op: "transpose",
                message: format!(
                    "{perm:?} is not a permutation of the {rank} axes of shape {:?}",
                    self.shape
                ),
            });
        }
        if self.is_cuda() {
            return cuda_backend::transpose(self, perm);
        }
        let src = self.cpu("transpose")?;
        let out_shape: Vec<usize> = perm.iter().map(|&p| self.shape[p]).collect();
        let in_strides = strides(&self.shape);
        let st: Vec<usize> = perm.iter().map(|&p| in_strides[p]).collect();
        let n = src.len();
        let mut out = Vec::with_capacity(n);
        if n > 0 {
            let mut idx = vec![0usize; rank];
            let mut off = 0usize;
            for _ in 0..n {
                out.push(src[off]);
                // Odometer increment over the output index, tracking the input offset.
                for ax in (0..rank).rev() {
                    idx[ax] += 1;
                    off += st[ax];
                    if idx[ax] < out_shape[ax] {
                        break;
                    }
                    off -= st[ax] * idx[ax];
                    idx[ax] = 0;
                }
            }
        }
        Ok(Tensor::from_parts(out, out_shape))
    }

    /// Swap the two axes of a matrix.
    pub fn t(&self) -> Result<Tensor> {
        if self.rank() != 2 {
            return Err(TensorError::InvalidShape {
                op: "t",
                expected: "a 2-D tensor".into(),
                got: self.shape.clone(),
            });
        }
        self.transpose(&[1, 0])
    }

    /// Join tensors along `axis`; every other dimension must agree.
    pub fn concat(parts: &[&Tensor], axis: isize) -> Result<Tensor> {
        let first = parts.first().ok_or_else(|| TensorError::InvalidArgument {
            op: "concat",
            message: "needs at least one tensor".into(),
        })?;
        let ax = normalize_axis("concat", axis, first.rank())?;
        let mut total = 0;
        for p in parts {
            let same_rest = p.rank() == first.rank()
                && p.shape
                    .iter()
                    .zip(&first.shape)
                    .enumerate()
                    .all(|(i, (a, b))| i == ax || a == b);
            if !same_rest {
                return Err(TensorError::ShapeMismatch {
                    op: "concat",
                    lhs: first.shape.clone(),
                    rhs: p.shape.clone(),
                    hint: format!("all dimensions except axis {ax} must match"),
                });
            }
            total += p.shape[ax];
        }
        if parts.iter().any(|p| p.is_cuda()) {
            return cuda_backend::concat(parts, ax, total);
        }
        let (outer, _, inner) = split3(&first.shape, ax);
        let mut out = Vec::with_capacity(outer * total * inner);
        let slices: Vec<&[f32]> = parts
            .iter()
            .map(|p| p.cpu("concat"))
            .collect::<Result<_>>()?;
        for o in 0..outer {
            for (p, s) in parts.iter().zip(&slices) {
                let len = p.shape[ax] * inner;
                out.extend_from_slice(&s[o * len..(o + 1) * len]);
            }
        }
        let mut shape = first.shape.clone();
        shape[ax] = total;
        Ok(Tensor::from_parts(out, shape))
    }

    /// Take `len` entries starting at `start` along `axis`.
    pub fn slice(&self, axis: isize, start: usize, len: usize) -> Result<Tensor> {
        let ax = normalize_axis("slice", axis, self.rank())?;
        let (outer, n, inner) = split3(&self.shape, ax);
        if start.checked_add(len).is_none_or(|end| end > n) {
            return Err(TensorError::IndexOutOfRange {
                op: "slice",
                index: (start + len.min(usize::MAX - start)) as i64,
                bound: n + 1,
                hint: format!(
                    " (slice {start}..{} of axis {ax} in shape {:?})",
                    start.saturating_add(len),
                    self.shape
                ),
            });
        }
        if self.is_cuda() {
            return cuda_backend::slice(self, ax, start, len);
        }
        let src = self.cpu("slice")?;
        let mut out = Vec::with_capacity(outer * len * inner);
        for o in 0..outer {
            let base = o * n * inner;
            out.extend_from_slice(&src[base + start * inner..base + (start + len) * inner]);
        }
        let mut shape = self.shape.clone();
        shape[ax] = len;
        Ok(Tensor::from_parts(out, shape))
    }

    /// Select entries along axis 0 (a mini-batch out of a dataset).
    pub fn select_rows(&self, idx: &[usize]) -> Result<Tensor> {
        if self.rank() == 0 {
            return Err(TensorError::InvalidShape {
                op: "select_rows",
                expected: "a tensor with at least one axis".into(),
                got: vec![],
            });
        }
        let n = self.shape[0];
        let row = self.numel() / n.max(1);
        if self.is_cuda() {
            if let Some(&i) = idx.iter().find(|&&i| i >= n) {
                return Err(TensorError::IndexOutOfRange {
                    op: "select_rows",
                    index: i as i64,
                    bound: n,
                    hint: String::new(),
                });
            }
            return cuda_backend::select_rows(self, idx);
        }
        let src = self.cpu("select_rows")?;
        let mut out = Vec::with_capacity(idx.len() * row);
        for &i in idx {
            if i >= n {
                return Err(TensorError::IndexOutOfRange {
                    op: "select_rows",
                    index: i as i64,
                    bound: n,
                    hint: String::new(),
                });
            }
            out.extend_from_slice(&src[i * row..(i + 1) * row]);
        }
        let mut shape = self.shape.clone();
        shape[0] = idx.len();
        Ok(Tensor::from_parts(out, shape))
    }

    /// Reverse the order of entries along `axis` (`go_backwards` in recurrent layers).
    pub fn flip(&self, axis: isize) -> Result<Tensor> {
        let ax = normalize_axis("flip", axis, self.rank())?;
        let (outer, n, inner) = split3(&self.shape, ax);
        if self.is_cuda() {
            return cuda_backend::flip(self, ax);
        }
        let src = self.cpu("flip")?;
        let mut out = Vec::with_capacity(src.len());
        for o in 0..outer {
            for i in (0..n).rev() {
                let b = (o * n + i) * inner;
                out.extend_from_slice(&src[b..b + inner]);
            }
        }
        Ok(Tensor::from_parts(out, self.shape.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(data: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_vec(data.to_vec(), shape).unwrap()
    }

    #[test]
    fn transpose_3d_matches_hand_index() {
        let x = t(&(0..24).map(|v| v as f32).collect::<Vec<_>>(), &[2, 3, 4]);
        let y = x.transpose(&[1, 0, 2]).unwrap();
        assert_eq!(y.shape(), &[3, 2, 4]);
        // y[i][j][k] = x[j][i][k]
        let yv = y.to_vec().unwrap();
        assert_eq!(yv[4], 12.0); // y[0][1][0] = x[1][0][0]
        assert_eq!(yv[8], 4.0); // y[1][0][0] = x[0][1][0]
        let z = x.transpose(&[2, 1, 0]).unwrap();
        assert_eq!(z.shape(), &[4, 3, 2]);
        assert_eq!(z.to_vec().unwrap()[1], 12.0); // z[0][0][1] = x[1][0][0]
        assert!(x.transpose(&[0, 0, 1]).is_err());
    }

    #[test]
    fn concat_and_slice_are_inverse() {
        let a = t(&[1., 2., 3., 4.], &[2, 2]);
        let b = t(&[5., 6.], &[2, 1]);
        let c = Tensor::concat(&[&a, &b], 1).unwrap();
        assert_eq!(c.to_vec().unwrap(), vec![1., 2., 5., 3., 4., 6.]);
        assert_eq!(c.slice(1, 2, 1).unwrap().to_vec().unwrap(), vec![5., 6.]);
        assert_eq!(
            c.slice(-1, 0, 2).unwrap().to_vec().unwrap(),
            vec![1., 2., 3., 4.]
        );
        assert!(c.slice(1, 2, 2).is_err());
        assert!(Tensor::concat(&[&a, &t(&[1., 2., 3.], &[3, 1])], 1).is_err());
    }

    #[test]
    fn flip_and_select() {
        let x = t(&[1., 2., 3., 4., 5., 6.], &[2, 3]);
        assert_eq!(
            x.flip(1).unwrap().to_vec().unwrap(),
            vec![3., 2., 1., 6., 5., 4.]
        );
        assert_eq!(
            x.select_rows(&[1, 1, 0]).unwrap().to_vec().unwrap(),
            vec![4., 5., 6., 4., 5., 6., 1., 2., 3.]
        );
        assert!(x.select_rows(&[2]).is_err());
    }
}
