//! Matrix products on device through cuBLAS SGEMM (FP32 math, no TF32).
//!
//! cuBLAS is column-major; a row-major `m × n` matrix is the column-major `n × m` matrix of its
//! transpose, so `C = op(A)·op(B)` is computed as `Cᵀ = op(B)ᵀ·op(A)ᵀ` with the operands swapped.
use super::context::cuda_err;
use super::context::CudaDev;
use super::storage::{alloc, pair, tensor};
use crate::error::{Result, TensorError};
use crate::tensor::Tensor;
use cudarc::cublas::sys::cublasOperation_t;
use cudarc::cublas::{Gemm, GemmConfig, StridedBatchedConfig};
use cudarc::driver::{DevicePtr, DevicePtrMut};

/// cuBLAS takes 32-bit sizes.
fn dim(op: &'static str, v: usize) -> Result<i32> {
    i32::try_from(v).map_err(|_| TensorError::InvalidArgument {
        op,
        message: format!("dimension {v} exceeds cuBLAS's 32-bit limit"),
    })
}

/// The column-major GEMM config computing row-major `c[m×n] = alpha·op(a)·op(b) + beta·c`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn config(
    op: &'static str,
    trans_a: bool,
    trans_b: bool,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    beta: f32,
) -> Result<GemmConfig<f32>> {
    let t = |x: bool| {
        if x {
            cublasOperation_t::CUBLAS_OP_T
        } else {
            cublasOperation_t::CUBLAS_OP_N
        }
    };
    Ok(GemmConfig {
        transa: t(trans_b),
        transb: t(trans_a),
        m: dim(op, n)?,
        n: dim(op, m)?,
        k: dim(op, k)?,
        alpha,
        lda: dim(op, if trans_b { k } else { n })?.max(1),
        ldb: dim(op, if trans_a { m } else { k })?.max(1),
        beta,
        ldc: dim(op, n)?.max(1),
    })
}

/// Row-major SGEMM on device buffers or views: `c = alpha·op(a)·op(b) + beta·c`.
/// Lengths are checked so cuBLAS never reads or writes out of bounds.
#[allow(clippy::too_many_arguments)]
pub fn sgemm<A: DevicePtr<f32>, B: DevicePtr<f32>, C: DevicePtrMut<f32>>(
    dev: &CudaDev,
    trans_a: bool,
    trans_b: bool,
    m: usize,
    n: usize,
    k: usize,
    alpha: f32,
    a: &A,
    b: &B,
    beta: f32,
    c: &mut C,
) -> Result<()> {
    if a.len() < m * k || b.len() < k * n || c.len() < m * n {
        return Err(TensorError::InvalidArgument {
            op: "cuda sgemm",
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
    let cfg = config("cuda sgemm", trans_a, trans_b, m, n, k, alpha, beta)?;
    // SAFETY: extents checked above; leading dimensions describe exactly those extents.
    unsafe { dev.blas.gemm(cfg, b, a, c) }.map_err(|e| cuda_err("cuda sgemm", e))
}

/// 2-D `op(a)·op(b)`; shapes validated by the caller, `(m, n, k)` given.
pub fn matmul_t(
    a: &Tensor,
    trans_a: bool,
    b: &Tensor,
    trans_b: bool,
    (m, n, k): (usize, usize, usize),
) -> Result<Tensor> {
    let (sa, sb) = pair(a, b, "matmul")?;
    let dev = sa.device();
    let mut out = if k == 0 {
        super::storage::zeros(dev, "matmul", m * n)?
    } else {
        alloc(dev, "matmul", m * n)?
    };
    if k > 0 {
        sgemm(
            dev, trans_a, trans_b, m, n, k, 1.0, &*sa.buf, &*sb.buf, 0.0, &mut out,
        )?;
    }
    Ok(tensor(dev, out, vec![m, n]))
}

/// Batched `op(a[i])·op(b[i])` as one strided-batched cuBLAS call.
pub fn bmm_t(
    a: &Tensor,
    trans_a: bool,
    b: &Tensor,
    trans_b: bool,
    (batch, m, n, k): (usize, usize, usize, usize),
) -> Result<Tensor> {
    let (sa, sb) = pair(a, b, "bmm")?;
    let dev = sa.device();
    let total = batch * m * n;
    if k == 0 || total == 0 {
        let out = super::storage::zeros(dev, "bmm", total)?;
        return Ok(tensor(dev, out, vec![batch, m, n]));
    }
    let mut out = alloc(dev, "bmm", total)?;
    let cfg = StridedBatchedConfig {
        gemm: config("bmm", trans_a, trans_b, m, n, k, 1.0, 0.0)?,
        batch_size: dim("bmm", batch)?,
        stride_a: (k * n) as i64,
        stride_b: (m * k) as i64,
        stride_c: (m * n) as i64,
    };
    // SAFETY: a holds batch·m·k, b batch·k·n and out batch·m·n elements (shapes checked by caller).
    unsafe {
        dev.blas
            .gemm_strided_batched(cfg, &*sb.buf, &*sa.buf, &mut out)
    }
    .map_err(|e| cuda_err("bmm", e))?;
    Ok(tensor(dev, out, vec![batch, m, n]))
}
