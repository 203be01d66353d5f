//! Elementwise ops on device: unary maps, broadcasting binary ops, `broadcast_to`, `sum_to_shape`.
use super::context::cuda_err;
use super::kernels::Family;
use super::op_codes::{BinaryOp, ReduceOp, UnaryOp};
use super::storage::{alloc, grid, pair, storage, tensor};
use crate::error::{Result, TensorError};
use crate::shape::{broadcast_shapes, strides};
use crate::tensor::Tensor;
use cudarc::driver::{DeviceRepr, PushKernelArg};

/// Largest rank the broadcast and transpose kernels take (their fixed-size parameter arrays).
pub const MAX_RANK: usize = 8;

/// Mirrors `struct Bcast` in kernels/elementwise.cu.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
struct Bcast {
    rank: u64,
    shape: [u64; MAX_RANK],
    sa: [u64; MAX_RANK],
    sb: [u64; MAX_RANK],
}

// SAFETY: plain-old-data struct with the C layout the kernel declares.
unsafe impl DeviceRepr for Bcast {}

/// Error for ranks above what the kernels take.
pub(crate) fn check_rank(op: &'static str, shape: &[usize]) -> Result<()> {
    if shape.len() > MAX_RANK {
        return Err(TensorError::InvalidShape {
            op,
            expected: format!("at most {MAX_RANK} axes on CUDA"),
            got: shape.to_vec(),
        });
    }
    Ok(())
}

/// Strides of `shape` inside the broadcast `out` shape (0 on broadcast axes), as u64.
fn bstrides(shape: &[usize], out: &[usize]) -> [u64; MAX_RANK] {
    let s = strides(shape);
    let off = out.len() - shape.len();
    let mut r = [0u64; MAX_RANK];
    for (i, v) in r.iter_mut().enumerate().take(out.len()) {
        if i >= off && shape[i - off] != 1 {
            *v = s[i - off] as u64;
        }
    }
    r
}

/// Apply a unary op to every element.
pub fn unary(x: &Tensor, op: UnaryOp) -> Result<Tensor> {
    let s = storage(x, "unary")?;
    let dev = s.device();
    let n = x.numel();
    let mut out = alloc(dev, "unary", n)?;
    if n > 0 {
        let f = dev.func(Family::Elementwise, "unary_f32")?;
        let (code, p, q) = op.code();
        let n64 = n as u64;
        let mut b = dev.stream.launch_builder(&f);
        b.arg(&*s.buf)
            .arg(&mut out)
            .arg(&n64)
            .arg(&code)
            .arg(&p)
            .arg(&q);
        // SAFETY: both buffers hold n elements; the kernel touches indices < n.
        unsafe { b.launch(grid(n)) }.map_err(|e| cuda_err("unary", e))?;
    }
    Ok(tensor(dev, out, x.shape.clone()))
}

/// Combine two tensors elementwise with NumPy broadcasting.
pub fn binary(a: &Tensor, b: &Tensor, op: BinaryOp, name: &'static str) -> Result<Tensor> {
    let (sa, sb) = pair(a, b, name)?;
    let out_shape = broadcast_shapes(name, &a.shape, &b.shape)?;
    check_rank(name, &out_shape)?;
    let dev = sa.device();
    let n: usize = out_shape.iter().product();
    let mut out = alloc(dev, name, n)?;
    if n > 0 {
        let n64 = n as u64;
        let code = op as i32;
        if a.shape == b.shape {
            let f = dev.func(Family::Elementwise, "binary_same_f32")?;
            let mut l = dev.stream.launch_builder(&f);
            l.arg(&*sa.buf)
                .arg(&*sb.buf)
                .arg(&mut out)
                .arg(&n64)
                .arg(&code);
            // SAFETY: all three buffers hold n elements.
            unsafe { l.launch(grid(n)) }.map_err(|e| cuda_err(name, e))?;
        } else {
            let mut shape = [1u64; MAX_RANK];
            for (d, &v) in shape.iter_mut().zip(&out_shape) {
                *d = v as u64;
            }
            let meta = Bcast {
                rank: out_shape.len() as u64,
                shape,
                sa: bstrides(&a.shape, &out_shape),
                sb: bstrides(&b.shape, &out_shape),
            };
            let f = dev.func(Family::Elementwise, "binary_bcast_f32")?;
            let mut l = dev.stream.launch_builder(&f);
            l.arg(&*sa.buf)
                .arg(&*sb.buf)
                .arg(&mut out)
                .arg(&n64)
                .arg(&code)
                .arg(&meta);
            // SAFETY: strides come from the operands' own shapes, so every offset is in bounds.
            unsafe { l.launch(grid(n)) }.map_err(|e| cuda_err(name, e))?;
        }
    }
    Ok(tensor(dev, out, out_shape))
}

/// Materialise `x` broadcast to `shape` (already checked by the caller) with the "take left"
/// op, reading `x` through zero strides on broadcast axes.
pub fn broadcast_to(x: &Tensor, shape: &[usize]) -> Result<Tensor> {
    check_rank("broadcast_to", shape)?;
    let s = storage(x, "broadcast_to")?;
    let dev = s.device();
    let n: usize = shape.iter().product();
    let mut out = alloc(dev, "broadcast_to", n)?;
    if n > 0 {
        let mut sh = [1u64; MAX_RANK];
        for (d, &v) in sh.iter_mut().zip(shape) {
            *d = v as u64;
        }
        let strides = bstrides(&x.shape, shape);
        let meta = Bcast {
            rank: shape.len() as u64,
            shape: sh,
            sa: strides,
            sb: strides,
        };
        let (n64, code) = (n as u64, BinaryOp::Left as i32);
        let f = dev.func(Family::Elementwise, "binary_bcast_f32")?;
        let mut l = dev.stream.launch_builder(&f);
        l.arg(&*s.buf)
            .arg(&*s.buf)
            .arg(&mut out)
            .arg(&n64)
            .arg(&code)
            .arg(&meta);
        // SAFETY: strides come from x's shape, so every offset is inside x.
        unsafe { l.launch(grid(n)) }.map_err(|e| cuda_err("broadcast_to", e))?;
    }
    Ok(tensor(dev, out, shape.to_vec()))
}

/// Sum a broadcast result back to `target` (validated by the caller): leading extra axes are
/// summed away, then every axis where `target` has 1 is summed with keepdim.
pub fn sum_to_shape(g: &Tensor, target: &[usize]) -> Result<Tensor> {
    let extra = g.rank() - target.len();
    let lead: usize = g.shape[..extra].iter().product();
    let rest: Vec<usize> = g.shape[extra..].to_vec();
    let mut cur = g.reshape(&[&[lead][..], &rest].concat())?;
    cur = super::reduce::reduce(&cur, 0, false, ReduceOp::Sum)?;
    for (ax, &t) in target.iter().enumerate() {
        if t == 1 && cur.shape[ax] != 1 {
            cur = super::reduce::reduce(&cur, ax, true, ReduceOp::Sum)?;
        }
    }
    cur.reshape(target)
}
