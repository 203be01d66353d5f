//! Reductions over one axis and softmax on device. The tensor is viewed as `[outer, n, inner]`
//! around the axis: contiguous rows (`inner == 1`) get one block per row, other axes one thread
//! per output column.
use super::context::cuda_err;
use super::kernels::Family;
use super::op_codes::ReduceOp;
use super::storage::{alloc, grid, rows_grid, storage, tensor};
use crate::error::Result;
use crate::tensor::Tensor;
use cudarc::driver::PushKernelArg;

fn split(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

/// Reduce over `axis` (already normalised).
pub fn reduce(x: &Tensor, axis: usize, keepdim: bool, op: ReduceOp) -> Result<Tensor> {
    let name = match op {
        ReduceOp::Sum => "sum_axis",
        ReduceOp::Max => "max_axis",
    };
    let s = storage(x, name)?;
    let dev = s.device();
    let (outer, n, inner) = split(&x.shape, axis);
    let m = outer * inner;
    let mut out = alloc(dev, name, m)?;
    if m > 0 {
        let (o64, n64, i64_, code) = (outer as u64, n as u64, inner as u64, op as i32);
        if inner == 1 {
            let f = dev.func(Family::Reduce, "reduce_rows_f32")?;
            let mut l = dev.stream.launch_builder(&f);
            l.arg(&*s.buf).arg(&mut out).arg(&o64).arg(&n64).arg(&code);
            // SAFETY: x holds outer·n elements, out holds outer.
            unsafe { l.launch(rows_grid(outer)) }.map_err(|e| cuda_err(name, e))?;
        } else {
            let f = dev.func(Family::Reduce, "reduce_strided_f32")?;
            let mut l = dev.stream.launch_builder(&f);
            l.arg(&*s.buf)
                .arg(&mut out)
                .arg(&o64)
                .arg(&n64)
                .arg(&i64_)
                .arg(&code);
            // SAFETY: x holds outer·n·inner elements, out holds outer·inner.
            unsafe { l.launch(grid(m)) }.map_err(|e| cuda_err(name, e))?;
        }
    }
    let mut shape = x.shape.clone();
    if keepdim {
        shape[axis] = 1;
    } else {
        shape.remove(axis);
    }
    Ok(tensor(dev, out, shape))
}

/// Softmax (or log-softmax) over `axis` (already normalised).
pub fn softmax(x: &Tensor, axis: usize, log: bool) -> Result<Tensor> {
    let name = if log { "log_softmax" } else { "softmax" };
    let s = storage(x, name)?;
    let dev = s.device();
    let (outer, n, inner) = split(&x.shape, axis);
    let total = x.numel();
    let mut out = alloc(dev, name, total)?;
    if total > 0 {
        let (o64, n64, i64_, lg) = (outer as u64, n as u64, inner as u64, log as i32);
        if inner == 1 {
            let f = dev.func(Family::Reduce, "softmax_rows_f32")?;
            let mut l = dev.stream.launch_builder(&f);
            l.arg(&*s.buf).arg(&mut out).arg(&o64).arg(&n64).arg(&lg);
            // SAFETY: both buffers hold outer·n elements.
            unsafe { l.launch(rows_grid(outer)) }.map_err(|e| cuda_err(name, e))?;
        } else {
            let f = dev.func(Family::Reduce, "softmax_strided_f32")?;
            let mut l = dev.stream.launch_builder(&f);
            l.arg(&*s.buf)
                .arg(&mut out)
                .arg(&o64)
                .arg(&n64)
                .arg(&i64_)
                .arg(&lg);
            // SAFETY: both buffers hold outer·n·inner elements.
            unsafe { l.launch(grid(outer * inner)) }.map_err(|e| cuda_err(name, e))?;
        }
    }
    Ok(tensor(dev, out, x.shape.clone()))
}
