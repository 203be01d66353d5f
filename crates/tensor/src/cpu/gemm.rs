//! Matrix products: a bounds-checked `sgemm` into caller buffers (for fused kernels that must not
//! allocate) and `matmul` / `bmm` on tensors. One GEMM per product, never a broadcast loop.
use crate::cuda_backend;
use crate::error::{Result, TensorError};
use crate::tensor::Tensor;

/// `c = alpha · op(a) · op(b) + beta · c` with row-major operands.
///
/// `op(a)` is `m × k`: `a` is stored `m × k`, or `k × m` when `trans_a`. Likewise `op(b)` is `k × n`.
/// `c` is `m × n`. Lengths are checked, so the unsafe call below never reads out of bounds.
#[allow(clippy::too_many_arguments)]
pub fn sgemm(
    trans_a: bool,
    trans_b: bool,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: &[f32],
    b: &[f32],
    beta: f32,
    c: &mut [f32],
) -> Result<()> {
    if a.len() < m * k || b.len() < k * n || c.len() < m * n {
        return Err(TensorError::InvalidArgument {
            op: "sgemm",
            message: format!(
                "buffers too small for m={m} n={n} k={k}: a={}, b={}, c={}",
                a.len(),
                b.len(),
                c.len()
            ),
        });
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 {
        for v in &mut c[..m * n] {
            *v *= beta;
        }
        return Ok(());
    }
    let (rsa, csa) = if trans_a { (1, m) } else { (k, 1) };
    let (rsb, csb) = if trans_b { (1, k) } else { (n, 1) };
    let g = Gemm {
        m,
        n,
        k,
        alpha,
        a: a.as_ptr(),
        rsa: rsa as isize,
        csa: csa as isize,
        b: b.as_ptr(),
        rsb: rsb as isize,
        csb: csb as isize,
        beta,
        c: c.as_mut_ptr(),
        ldc: n as isize,
    };
    // SAFETY: lengths checked above; strides describe exactly the m×k, k×n and m×n extents, and
    // `c` is borrowed mutably for the whole call.
    unsafe { g.run_split(rayon::current_num_threads()) };
    Ok(())
}

/// Below this many multiply-adds a GEMM runs on the calling thread: a rayon hand-off costs more.
const PAR_FMAS: usize = 1 << 19;

/// One matrixmultiply call as raw parts, so disjoint blocks of C can run as rayon tasks (one
/// thread pool for everything, instead of matrixmultiply's own pool waking up beside rayon's).
#[derive(Clone, Copy)]
struct Gemm {
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: *const f32,
    rsa: isize,
    csa: isize,
    b: *const f32,
    rsb: isize,
    csb: isize,
    beta: f32,
    c: *mut f32,
    ldc: isize,
}

// SAFETY: a `Gemm` is only sent to the tasks of `run_split`, which write disjoint blocks of C and
// read A and B, all borrowed by `sgemm` for the duration of the join.
unsafe impl Send for Gemm {}
unsafe impl Sync for Gemm {}

impl Gemm {
    /// Split C in two along its longer side (on a multiple of 16, the kernels' tile edge) until
    /// the pieces are small or there is one per thread. Every element of C is still the same dot
    /// product over the same k order, so the bits do not depend on the split.
    ///
    /// SAFETY: the operands must describe live buffers of the stated extents, C writable.
    unsafe fn run_split(self, ways: usize) {
        let long = self.m.max(self.n);
        if ways < 2 || self.m * self.n * self.k < PAR_FMAS || long < 32 {
            return self.run();
        }
        let cut = (long / 2).div_ceil(16) * 16;
        let (mut lo, mut hi) = (self, self);
        if self.m >= self.n {
            lo.m = cut;
            hi.m = self.m - cut;
            hi.a = self.a.offset(cut as isize * self.rsa);
            hi.c = self.c.offset(cut as isize * self.ldc);
        } else {
            lo.n = cut;
            hi.n = self.n - cut;
            hi.b = self.b.offset(cut as isize * self.csb);
            hi.c = self.c.add(cut);
        }
        let half = ways / 2;
        rayon::join(
            // SAFETY: lo and hi cover disjoint blocks of C inside the caller's extents.
            move || unsafe { lo.run_split(half) },
            move || unsafe { hi.run_split(ways - half) },
        );
    }

    /// SAFETY: as for `run_split`.
    unsafe fn run(self) {
        matrixmultiply::sgemm(
            self.m, self.k, self.n, self.alpha, self.a, self.rsa, self.csa, self.b, self.rsb,
            self.csb, self.beta, self.c, self.ldc, 1,
        );
    }
}

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
    use super::sgemm;
    use crate::Tensor;

    #[test]
    fn split_gemms_give_the_bits_of_one_call() {
        // Big enough to be split over rayon tasks (tall, then wide), with transposes.
        for &(m, n, k) in &[(700, 96, 64), (40, 900, 48)] {
            for &(ta, tb) in &[(false, false), (true, false), (false, true)] {
                let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
                let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
                let mut whole = vec![0.5f32; m * n];
                sgemm(ta, tb, m, n, k, 1.0, &a, &b, 1.0, &mut whole).unwrap();
                // Reference: one small (never split) call per row of C.
                let mut rows = vec![0.5f32; m * n];
                for i in 0..m {
                    let a_row: Vec<f32> = (0..k)
                        .map(|p| if ta { a[p * m + i] } else { a[i * k + p] })
                        .collect();
                    let c = &mut rows[i * n..(i + 1) * n];
                    sgemm(false, tb, 1, n, k, 1.0, &a_row, &b, 1.0, c).unwrap();
                }
                assert_eq!(whole, rows, "m={m} n={n} k={k} ta={ta} tb={tb}");
            }
        }
    }

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
