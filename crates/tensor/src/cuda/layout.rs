//! Layout ops on device: transpose, concat, slice, flip, row selection.
use super::context::cuda_err;
use super::context::CudaDev;
use super::elementwise::{check_rank, MAX_RANK};
use super::kernels::Family;
use super::storage::{alloc, grid, storage, tensor, CudaStorage};
use crate::error::{Result, TensorError};
use crate::shape::strides;
use crate::tensor::Tensor;
use cudarc::driver::{CudaSlice, CudaView, DeviceRepr, PushKernelArg};
use std::sync::Arc;

/// Mirrors `struct Perm` in kernels/layout.cu.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
struct Perm {
    rank: u64,
    shape: [u64; MAX_RANK],
    st: [u64; MAX_RANK],
}

// SAFETY: plain-old-data struct with the C layout the kernel declares.
unsafe impl DeviceRepr for Perm {}

fn split3(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

/// Permute axes (`perm` validated by the caller).
pub fn transpose(x: &Tensor, perm: &[usize]) -> Result<Tensor> {
    check_rank("transpose", &x.shape)?;
    let s = storage(x, "transpose")?;
    let out_shape: Vec<usize> = perm.iter().map(|&p| x.shape[p]).collect();
    let out = transpose_view(s.device(), &s.buf.as_view(), &x.shape, perm)?;
    Ok(tensor(s.device(), out, out_shape))
}

/// Permute the axes of a row-major `shape` stored in `src` into a new buffer.
pub(crate) fn transpose_view(
    dev: &Arc<CudaDev>,
    src: &CudaView<'_, f32>,
    shape: &[usize],
    perm: &[usize],
) -> Result<CudaSlice<f32>> {
    let n: usize = shape.iter().product();
    if src.len() < n || perm.len() != shape.len() || shape.len() > MAX_RANK {
        return Err(TensorError::InvalidArgument {
            op: "transpose",
            message: format!("permutation {perm:?} does not fit shape {shape:?}"),
        });
    }
    let mut out = alloc(dev, "transpose", n)?;
    if n > 0 {
        let st_in = strides(shape);
        let mut meta = Perm {
            rank: perm.len() as u64,
            shape: [1; MAX_RANK],
            st: [0; MAX_RANK],
        };
        for (i, &p) in perm.iter().enumerate() {
            meta.shape[i] = shape[p] as u64;
            meta.st[i] = st_in[p] as u64;
        }
        let n64 = n as u64;
        let f = dev.func(Family::Layout, "transpose_f32")?;
        let mut l = dev.stream.launch_builder(&f);
        l.arg(src).arg(&mut out).arg(&n64).arg(&meta);
        // SAFETY: the permuted strides address only the n elements of src.
        unsafe { l.launch(grid(n)) }.map_err(|e| cuda_err("transpose", e))?;
    }
    Ok(out)
}

/// `dst[o·dst_stride + dst_off + j] = src[o·src_stride + src_off + j]` for `o < outer`, `j < len`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn copy_blocks(
    s: &CudaStorage,
    src: &CudaSlice<f32>,
    dst: &mut CudaSlice<f32>,
    outer: usize,
    len: usize,
    (src_stride, src_off): (usize, usize),
    (dst_stride, dst_off): (usize, usize),
    op: &'static str,
) -> Result<()> {
    let total = outer * len;
    if total == 0 {
        return Ok(());
    }
    let fits = |buf_len: usize, stride: usize, off: usize| {
        (outer - 1)
            .checked_mul(stride)
            .and_then(|v| v.checked_add(off + len))
            .is_some_and(|end| end <= buf_len)
    };
    if !fits(src.len(), src_stride, src_off) || !fits(dst.len(), dst_stride, dst_off) {
        return Err(TensorError::InvalidArgument {
            op,
            message: "block copy out of bounds (internal shape bookkeeping error)".into(),
        });
    }
    let dev = s.device();
    let f = dev.func(Family::Layout, "copy_blocks_f32")?;
    let args = [outer, len, src_stride, src_off, dst_stride, dst_off].map(|v| v as u64);
    let mut l = dev.stream.launch_builder(&f);
    l.arg(src).arg(dst);
    for a in &args {
        l.arg(a);
    }
    // SAFETY: bounds of both sides checked above.
    unsafe { l.launch(grid(total)) }.map_err(|e| cuda_err(op, e))?;
    Ok(())
}

/// Join along `axis` (shapes validated by the caller; `total` = summed axis length).
pub fn concat(parts: &[&Tensor], axis: usize, total: usize) -> Result<Tensor> {
    let first = storage(parts[0], "concat")?;
    let dev = first.device().clone();
    let mut shape = parts[0].shape.clone();
    shape[axis] = total;
    let (outer, _, inner) = split3(&shape, axis);
    let mut out = alloc(&dev, "concat", outer * total * inner)?;
    let mut offset = 0;
    for p in parts {
        let s = storage(p, "concat")?;
        if s.ordinal() != first.ordinal() {
            return Err(TensorError::DeviceMismatch {
                op: "concat",
                lhs: parts[0].device().to_string(),
                rhs: p.device().to_string(),
            });
        }
        let len = p.shape[axis] * inner;
        copy_blocks(
            s,
            &s.buf,
            &mut out,
            outer,
            len,
            (len, 0),
            (total * inner, offset * inner),
            "concat",
        )?;
        offset += p.shape[axis];
    }
    Ok(tensor(&dev, out, shape))
}

/// `len` entries from `start` along `axis` (bounds validated by the caller).
pub fn slice(x: &Tensor, axis: usize, start: usize, len: usize) -> Result<Tensor> {
    let s = storage(x, "slice")?;
    let dev = s.device();
    let (outer, n, inner) = split3(&x.shape, axis);
    let mut out = alloc(dev, "slice", outer * len * inner)?;
    copy_blocks(
        s,
        &s.buf,
        &mut out,
        outer,
        len * inner,
        (n * inner, start * inner),
        (len * inner, 0),
        "slice",
    )?;
    let mut shape = x.shape.clone();
    shape[axis] = len;
    Ok(tensor(dev, out, shape))
}

/// Reverse entries along `axis`.
pub fn flip(x: &Tensor, axis: usize) -> Result<Tensor> {
    let s = storage(x, "flip")?;
    let dev = s.device();
    let (outer, n, inner) = split3(&x.shape, axis);
    let total = x.numel();
    let mut out = alloc(dev, "flip", total)?;
    if total > 0 {
        let args = [outer, n, inner].map(|v| v as u64);
        let f = dev.func(Family::Layout, "flip_f32")?;
        let mut l = dev.stream.launch_builder(&f);
        l.arg(&*s.buf).arg(&mut out);
        for a in &args {
            l.arg(a);
        }
        // SAFETY: both buffers hold outer·n·inner elements.
        unsafe { l.launch(grid(total)) }.map_err(|e| cuda_err("flip", e))?;
    }
    Ok(tensor(dev, out, x.shape.clone()))
}

/// Entries `idx` along axis 0 (indices validated by the caller): a row gather.
pub fn select_rows(x: &Tensor, idx: &[usize]) -> Result<Tensor> {
    let n = x.shape[0];
    let row = x.numel() / n.max(1);
    let ids: Vec<i64> = idx.iter().map(|&i| i as i64).collect();
    let mut shape = x.shape.clone();
    shape[0] = idx.len();
    let table = x.reshape(&[n, row])?;
    super::gather::gather_rows(&table, &ids, shape)
}
