//! CPU matrix product: a bounds-checked `sgemm` into caller buffers (for fused kernels that must not
//! allocate, and for `Tensor::matmul` in `ops/matmul.rs`), split over rayon tasks bit-identically.
use crate::error::{Result, TensorError};

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

#[cfg(test)]
mod tests {
    use super::sgemm;

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
}
