//! `matmul` / `matmul_t` / `bmm_t` on tensors: shape checks, then one GEMM per product on the
//! tensor's device (`cpu::gemm::sgemm`, or the CUDA backend's cuBLAS call).
use crate::cpu::gemm::sgemm;
use crate::cuda_backend;
use crate::error::{Result, TensorError};
use crate::tensor::Tensor;

impl Tensor {
    /// 2-D matrix product `self · other`.
    pub fn matmul(&self, other: &Tensor) -> Result<Tensor> {
        self.matmul_t(false, other, false)
    }

    /// 2-D matrix product with optional transposes: `op(self) · op(other)`.
    pub fn matmul_t(&self, trans_a: bool, other: &Tensor, trans_b: bool) -> Result<Tensor> {
        if self.rank() != 2 || other.rank() != 2 {
            return Err(TensorError::ShapeMismatch {
                op: "matmul",
                lhs: self.shape.clone(),
                rhs: other.shape.clone(),
                hint: "both operands must be 2-D; reshape [batch, time, features] to [batch·time, features] first".into(),
            });
        }
        let (m, k) = if trans_a {
            (self.shape[1], self.shape[0])
        } else {
            (self.shape[0], self.shape[1])
        };
        let (k2, n) = if trans_b {
            (other.shape[1], other.shape[0])
        } else {
            (other.shape[0], other.shape[1])
        };
        if k != k2 {
            return Err(TensorError::ShapeMismatch {
                op: "matmul",
                lhs: self.shape.clone(),
                rhs: other.shape.clone(),
                hint: format!("inner dimensions differ ({k} vs {k2})"),
            });
        }
        if self.is_cuda() || other.is_cuda() {
            return cuda_backend::matmul_t(self, trans_a, other, trans_b, (m, n, k));
        }
        let mut out = vec![0.0f32; m * n];
        sgemm(
            trans_a,
            trans_b,
            m,
            n,
            k,
            1.0,
            self.cpu("matmul")?,
            other.cpu("matmul")?,
            0.0,
            &mut out,
        )?;
        Ok(Tensor::from_parts(out, vec![m, n]))
    }

    /// Batched product of `[b, m, k]` and `[b, k, n]` (with optional transposes of the last two axes).
    pub fn bmm_t(&self, trans_a: bool, other: &Tensor, trans_b: bool) -> Result<Tensor> {
        if self.rank() != 3 || other.rank() != 3 || self.shape[0] != other.shape[0] {
            return Err(TensorError::ShapeMismatch {
                op: "bmm",
                lhs: self.shape.clone(),
                rhs: other.shape.clone(),
                hint: "both operands must be 3-D with the same batch size".into(),
            });
        }
        let bsz = self.shape[0];
        let (m, k) = if trans_a {
            (self.shape[2], self.shape[1])
        } else {
            (self.shape[1], self.shape[2])
        };
        let (k2, n) = if trans_b {
            (other.shape[2], other.shape[1])
        } else {
            (other.shape[1], other.shape[2])
        };
        if k != k2 {
            return Err(TensorError::ShapeMismatch {
                op: "bmm",
                lhs: self.shape.clone(),
                rhs: other.shape.clone(),
                hint: format!("inner dimensions differ ({k} vs {k2})"),
            });
        }
        if self.is_cuda() || other.is_cuda() {
            return cuda_backend::bmm_t(self, trans_a, other, trans_b, (bsz, m, n, k));
        }
        let (a, b) = (self.cpu("bmm")?, other.cpu("bmm")?);
        let mut out = vec![0.0f32; bsz * m * n];
        for i in 0..bsz {
            sgemm(
                trans_a,
                trans_b,
                m,
                n,
                k,
                1.0,
                &a[i * m * k..(i + 1) * m * k],
                &b[i * k * n..(i + 1) * k * n],
                0.0,
                &mut out[i * m * n..(i + 1) * m * n],
            )?;
        }
        Ok(Tensor::from_parts(out, vec![bsz, m, n]))
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    #[test]
    fn matmul_with_transposes() {
        let a = Tensor::from_vec(vec![1., 2., 3., 4., 5., 6.], &[2, 3]).unwrap();
        let b = Tensor::from_vec(vec![1., 0., 0., 1., 1., 1.], &[3, 2]).unwrap();
        assert_eq!(
            a.matmul(&b).unwrap().to_vec().unwrap(),
            vec![4., 5., 10., 11.]
        );
        let at = a.matmul_t(true, &a, false).unwrap();
        assert_eq!(at.shape(), &[3, 3]);
        assert_eq!(at.to_vec().unwrap()[0], 17.0);
        assert!(a.matmul(&a).is_err());
        let bb = Tensor::from_vec(
            vec![1., 2., 3., 4., 5., 6., 1., 2., 3., 4., 5., 6.],
            &[2, 2, 3],
        )
        .unwrap();
        let r = bb.bmm_t(false, &bb, true).unwrap();
        assert_eq!(
            r.to_vec().unwrap(),
            vec![14., 32., 32., 77., 14., 32., 32., 77.]
        );
    }
}
