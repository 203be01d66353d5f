//! Matrix products: one GEMM forward, two GEMMs (with transposes, no copies) backward.
use crate::tape::Var;
use kerust_tensor::Result;

impl Var {
    /// `self · other` for 2-D operands.
    pub fn matmul(&self, other: &Var) -> Result<Var> {
        let (a, b) = (self.value.clone(), other.value.clone());
        let y = a.matmul(&b)?;
        self.tape.record1(&[self, other], y, move |g| {
            Ok(vec![
                Some(g.matmul_t(false, &b, true)?),
                Some(a.matmul_t(true, g, false)?),
            ])
        })
    }

    /// Batched `[b,m,k] · [b,k,n]`.
    pub fn bmm(&self, other: &Var) -> Result<Var> {
        let (a, b) = (self.value.clone(), other.value.clone());
        let y = a.bmm_t(false, &b, false)?;
        self.tape.record1(&[self, other], y, move |g| {
            Ok(vec![
                Some(g.bmm_t(false, &b, true)?),
                Some(a.bmm_t(true, g, false)?),
            ])
        })
    }

    /// Dense layer core for any rank: `[..., k] · [k, n]` as one 2-D GEMM over the flattened rows.
    pub fn linear(&self, kernel: &Var) -> Result<Var> {
        let shape = self.shape().to_vec();
        if shape.len() == 2 {
            return self.matmul(kernel);
        }
        let k = *shape.last().unwrap_or(&0);
        let rows = self.value.numel() / k.max(1);
        let y = self.reshape(&[rows, k])?.matmul(kernel)?;
        let mut out = shape;
        let last = out.len() - 1;
        out[last] = kernel.shape().get(1).copied().unwrap_or(0);
        y.reshape(&out)
    }
}

#[cfg(test)]
mod tests {
    use crate::gradcheck::check_op;

    #[test]
    fn matmul_gradcheck() {
        check_op(&[&[3, 4], &[4, 2]], |v| v[0].matmul(&v[1]));
        check_op(&[&[2, 3, 4], &[2, 4, 5]], |v| v[0].bmm(&v[1]));
        check_op(&[&[2, 3, 4], &[4, 5]], |v| v[0].linear(&v[1]));
    }
}
