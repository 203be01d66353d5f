//! Fused LSTM forward and backward on device.
//!
//! Forward: one GEMM projects every step's input (`x·W + b`, time-major), then per step one cuBLAS
//! GEMM accumulates `h_{t-1}·R` onto that step's slice and one fused kernel applies the gates and
//! updates `h`, `c`. Backward: per step one fused kernel turns `dh`, `dc` into gate gradients and
//! one GEMM sends them back through `Rᵀ`; the weight gradients are then three whole-sequence GEMMs
//! and one reduction. Nothing is allocated inside the time loops.
use super::context::{cuda_err, CudaDev};
use super::elementwise::broadcast_to;
use super::gemm::sgemm;
use super::kernels::Family;
use super::layout::transpose_view;
pub use super::lstm_types::{LstmGrads, LstmInputs};
use super::op_codes::ReduceOp;
use super::storage::{alloc, grid, storage, tensor, zeros};
use crate::error::{Result, TensorError};
use crate::storage::Storage;
use crate::tensor::Tensor;
use cudarc::driver::{CudaSlice, PushKernelArg};
use std::sync::Arc;

/// Forward results plus what the backward pass needs.
#[derive(Debug)]
pub struct LstmOutputs {
    /// `[batch, time, units]` with `return_sequences`, else `[batch, units]`.
    pub output: Tensor,
    /// Final hidden state `[batch, units]`.
    pub h: Tensor,
    /// Final cell state `[batch, units]`.
    pub c: Tensor,
    pub saved: LstmSaved,
}

/// Device buffers saved by the forward pass (time-major, processing order).
#[derive(Debug)]
pub struct LstmSaved {
    dev: Arc<CudaDev>,
    dims: (usize, usize, usize, usize),
    x_tm: CudaSlice<f32>,
    gates: CudaSlice<f32>,
    h_all: CudaSlice<f32>,
    c_all: CudaSlice<f32>,
    mask_tm: Option<CudaSlice<f32>>,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    has_bias: bool,
    go_backwards: bool,
    return_sequences: bool,
}

pub(super) fn shape_err(what: &str, got: &[usize]) -> TensorError {
    TensorError::InvalidShape {
        op: "lstm",
        expected: what.to_string(),
        got: got.to_vec(),
    }
}

/// An owned device copy of a tensor's data (reuses the buffer when nothing else holds it).
pub(super) fn owned(t: Tensor, dev: &Arc<CudaDev>) -> Result<CudaSlice<f32>> {
    storage(&t, "lstm")?;
    match Arc::try_unwrap(t.storage) {
        Ok(Storage::Cuda(c)) => match Arc::try_unwrap(c.buf) {
            Ok(buf) => Ok(buf),
            Err(shared) => copy(dev, &shared),
        },
        Ok(Storage::Cpu(_)) => Err(shape_err("a CUDA tensor", &[])),
        Err(shared) => match &*shared {
            Storage::Cuda(c) => copy(dev, &c.buf),
            Storage::Cpu(_) => Err(shape_err("a CUDA tensor", &[])),
        },
    }
}

pub(super) fn copy(dev: &Arc<CudaDev>, src: &CudaSlice<f32>) -> Result<CudaSlice<f32>> {
    let mut dst = alloc(dev, "lstm", src.len())?;
    if !src.is_empty() {
        dev.stream
            .memcpy_dtod(src, &mut dst)
            .map_err(|e| cuda_err("lstm", e))?;
    }
    Ok(dst)
}

/// Time-major (and, for `go_backwards`, time-reversed) copy of a `[batch, time, rest]` tensor.
pub(super) fn to_time_major(
    dev: &Arc<CudaDev>,
    t: &Tensor,
    rest: usize,
    flip: bool,
) -> Result<CudaSlice<f32>> {
    let (b, tt) = (t.shape[0], t.shape[1]);
    let s = storage(t, "lstm")?;
    let tm = transpose_view(dev, &s.buf.as_view(), &[b, tt, rest], &[1, 0, 2])?;
    if !flip {
        return Ok(tm);
    }
    let tm = tensor(dev, tm, vec![tt, b, rest]);
    owned(super::layout::flip(&tm, 0)?, dev)
}

/// Run the whole sequence forward. See [`LstmInputs`] for layouts and semantics.
pub fn lstm_forward(inp: &LstmInputs<'_>) -> Result<LstmOutputs> {
    let &[b, t, d] = inp.x.shape() else {
        return Err(shape_err(
            "x of shape [batch, time, features]",
            inp.x.shape(),
        ));
    };
    let g4 = inp.kernel.shape().get(1).copied().unwrap_or(0);
    let u = g4 / 4;
    if inp.kernel.shape() != [d, 4 * u] || u == 0 {
        return Err(shape_err(
            &format!("kernel [{d}, 4·units]"),
            inp.kernel.shape(),
        ));
    }
    if inp.recurrent_kernel.shape() != [u, 4 * u] {
        return Err(shape_err(
            &format!("recurrent_kernel [{u}, {}]", 4 * u),
            inp.recurrent_kernel.shape(),
        ));
    }
    for (name, s) in [("h0", inp.h0), ("c0", inp.c0)] {
        if s.shape() != [b, u] {
            return Err(shape_err(&format!("{name} [{b}, {u}]"), s.shape()));
        }
    }
    if let Some(bias) = inp.bias {
        if bias.shape() != [4 * u] {
            return Err(shape_err(&format!("bias [{}]", 4 * u), bias.shape()));
        }
    }
    if let Some(m) = inp.mask {
        if m.shape() != [b, t] {
            return Err(shape_err(&format!("mask [{b}, {t}]"), m.shape()));
        }
    }
    let xs = storage(inp.x, "lstm")?;
    let dev = xs.device().clone();
    let same = |tn: &Tensor| -> Result<()> {
        let s = storage(tn, "lstm")?;
        if s.ordinal() != dev.ordinal {
            return Err(TensorError::DeviceMismatch {
                op: "lstm",
                lhs: inp.x.device().to_string(),
                rhs: tn.device().to_string(),
            });
        }
        Ok(())
    };
    for tn in [inp.h0, inp.c0, inp.kernel, inp.recurrent_kernel] {
        same(tn)?;
    }
    for tn in [inp.bias, inp.mask].into_iter().flatten() {
        same(tn)?;
    }
    let (bu, bg) = (b * u, b * 4 * u);

    let x_tm = to_time_major(&dev, inp.x, d, inp.go_backwards)?;
    let mask_tm = match inp.mask {
        Some(m) => Some(to_time_major(
            &dev,
            &m.reshape(&[b, t, 1])?,
            1,
            inp.go_backwards,
        )?),
        None => None,
    };
    // Gates of every step: bias broadcast, then += x·W in one GEMM.
    let mut gates = match inp.bias {
        Some(bias) => owned(broadcast_to(bias, &[t * b, 4 * u])?, &dev)?,
        None => zeros(&dev, "lstm", t * bg)?,
    };
    let w = &storage(inp.kernel, "lstm")?.buf;
    let r = &storage(inp.recurrent_kernel, "lstm")?.buf;
    sgemm(
        &dev,
        false,
        false,
        t * b,
        4 * u,
        d,
        1.0,
        &x_tm,
        &**w,
        1.0,
        &mut gates,
    )?;

    let mut h_all = alloc(&dev, "lstm", (t + 1) * bu)?;
    let mut c_all = alloc(&dev, "lstm", (t + 1) * bu)?;
    for (dst, src) in [(&mut h_all, inp.h0), (&mut c_all, inp.c0)] {
        let s = &storage(src, "lstm")?.buf;
        dev.stream
            .memcpy_dtod(&**s, &mut dst.slice_mut(0..bu))
            .map_err(|e| cuda_err("lstm", e))?;
    }
    let f = dev.func(Family::Lstm, "lstm_fwd_step")?;
    let (bi, ui) = (b as i32, u as i32);
    let null = 0u64;
    for k in 0..t {
        let mut g = gates.slice_mut(k * bg..(k + 1) * bg);
        let (h_lo, mut h_hi) = h_all.split_at_mut((k + 1) * bu);
        let (c_lo, mut c_hi) = c_all.split_at_mut((k + 1) * bu);
        let h_prev = h_lo.slice(k * bu..);
        let c_prev = c_lo.slice(k * bu..);
        sgemm(
            &dev,
            false,
            false,
            b,
            4 * u,
            u,
            1.0,
            &h_prev,
            &**r,
            1.0,
            &mut g,
        )?;
        let mut h_next = h_hi.slice_mut(0..bu);
        let mut c_next = c_hi.slice_mut(0..bu);
        let mut l = dev.stream.launch_builder(&f);
        l.arg(&mut g)
            .arg(&h_prev)
            .arg(&c_prev)
            .arg(&mut h_next)
            .arg(&mut c_next);
        let mk;
        match &mask_tm {
            Some(m) => {
                mk = m.slice(k * b..(k + 1) * b);
                l.arg(&mk);
            }
            None => {
                l.arg(&null);
            }
        }
        l.arg(&bi).arg(&ui);
        // SAFETY: every view holds batch·units (gates: batch·4·units) elements, as the kernel reads.
        unsafe { l.launch(grid(bu)) }.map_err(|e| cuda_err("lstm_fwd_step", e))?;
    }

    let output = if inp.return_sequences {
        let seq = transpose_view(&dev, &h_all.slice(bu..), &[t, b, u], &[1, 0, 2])?;
        tensor(&dev, seq, vec![b, t, u])
    } else {
        tensor(&dev, copy_range(&dev, &h_all, t * bu, bu)?, vec![b, u])
    };
    let h = tensor(&dev, copy_range(&dev, &h_all, t * bu, bu)?, vec![b, u]);
    let c = tensor(&dev, copy_range(&dev, &c_all, t * bu, bu)?, vec![b, u]);
    Ok(LstmOutputs {
        output,
        h,
        c,
        saved: LstmSaved {
            dev,
            dims: (b, t, d, u),
            x_tm,
            gates,
            h_all,
            c_all,
            mask_tm,
            kernel: inp.kernel.clone(),
            recurrent_kernel: inp.recurrent_kernel.clone(),
            has_bias: inp.bias.is_some(),
            go_backwards: inp.go_backwards,
            return_sequences: inp.return_sequences,
        },
    })
}

pub(super) fn copy_range(
    dev: &Arc<CudaDev>,
    src: &CudaSlice<f32>,
    start: usize,
    len: usize,
) -> Result<CudaSlice<f32>> {
    let mut dst = alloc(dev, "lstm", len)?;
    dev.stream
        .memcpy_dtod(&src.slice(start..start + len), &mut dst)
        .map_err(|e| cuda_err("lstm", e))?;
    Ok(dst)
}

/// Backward through the whole sequence. `d_output` is the gradient of `output` (shape as
/// returned), `d_h` / `d_c` those of the final states; any may be absent (zero).
pub fn lstm_backward(
    saved: &LstmSaved,
    d_output: Option<&Tensor>,
    d_h: Option<&Tensor>,
    d_c: Option<&Tensor>,
) -> Result<LstmGrads> {
    let dev = saved.dev.clone();
    let (b, t, d, u) = saved.dims;
    let (bu, bg) = (b * u, b * 4 * u);
    let out_shape: Vec<usize> = if saved.return_sequences {
        vec![b, t, u]
    } else {
        vec![b, u]
    };
    for (name, g, want) in [
        ("d_output", d_output, &out_shape),
        ("d_h", d_h, &vec![b, u]),
        ("d_c", d_c, &vec![b, u]),
    ] {
        if let Some(g) = g {
            if g.shape() != want.as_slice() {
                return Err(shape_err(&format!("{name} of shape {want:?}"), g.shape()));
            }
            if storage(g, "lstm_backward")?.ordinal() != dev.ordinal {
                return Err(TensorError::DeviceMismatch {
                    op: "lstm_backward",
                    lhs: format!("cuda:{}", dev.ordinal),
                    rhs: g.device().to_string(),
                });
            }
        }
    }
    let mut dh = match (d_h, d_output.filter(|_| !saved.return_sequences)) {
        (Some(a), Some(o)) => owned(a.add(o)?, &dev)?,
        (Some(a), None) | (None, Some(a)) => owned(a.clone(), &dev)?,
        (None, None) => zeros(&dev, "lstm_backward", bu)?,
    };
    let mut dc = match d_c {
        Some(a) => owned(a.clone(), &dev)?,
        None => zeros(&dev, "lstm_backward", bu)?,
    };
    let dy_tm = match d_output.filter(|_| saved.return_sequences) {
        Some(g) => Some(to_time_major(&dev, g, u, false)?),
        None => None,
    };
    let r = &storage(&saved.recurrent_kernel, "lstm_backward")?.buf;
    let w = &storage(&saved.kernel, "lstm_backward")?.buf;
    let mut dgates = alloc(&dev, "lstm_backward", t * bg)?;
    let f = dev.func(Family::Lstm, "lstm_bwd_step")?;
    let (bi, ui) = (b as i32, u as i32);
    let null = 0u64;
    for k in (0..t).rev() {
        let g = saved.gates.slice(k * bg..(k + 1) * bg);
        let c_prev = saved.c_all.slice(k * bu..(k + 1) * bu);
        let c_next = saved.c_all.slice((k + 1) * bu..(k + 2) * bu);
        let mut dg = dgates.slice_mut(k * bg..(k + 1) * bg);
        let mut l = dev.stream.launch_builder(&f);
        l.arg(&g).arg(&c_prev).arg(&c_next);
        let dyk;
        match &dy_tm {
            Some(y) => {
                dyk = y.slice(k * bu..(k + 1) * bu);
                l.arg(&dyk);
            }
            None => {
                l.arg(&null);
            }
        }
        l.arg(&mut dh).arg(&mut dc).arg(&mut dg);
        let mk;
        match &saved.mask_tm {
            Some(m) => {
                mk = m.slice(k * b..(k + 1) * b);
                l.arg(&mk);
            }
            None => {
                l.arg(&null);
            }
        }
        l.arg(&bi).arg(&ui);
        // SAFETY: every view holds batch·units (gates: batch·4·units) elements, as the kernel reads.
        unsafe { l.launch(grid(bu)) }.map_err(|e| cuda_err("lstm_bwd_step", e))?;
        sgemm(&dev, false, true, b, u, 4 * u, 1.0, &dg, &**r, 1.0, &mut dh)?;
    }
    // Whole-sequence weight gradients.
    let mut dr = alloc(&dev, "lstm_backward", u * 4 * u)?;
    sgemm(
        &dev,
        true,
        false,
        u,
        4 * u,
        t * b,
        1.0,
        &saved.h_all.slice(0..t * bu),
        &dgates,
        0.0,
        &mut dr,
    )?;
    let mut dw = alloc(&dev, "lstm_backward", d * 4 * u)?;
    sgemm(
        &dev,
        true,
        false,
        d,
        4 * u,
        t * b,
        1.0,
        &saved.x_tm,
        &dgates,
        0.0,
        &mut dw,
    )?;
    let mut dx_tm = alloc(&dev, "lstm_backward", t * b * d)?;
    sgemm(
        &dev,
        false,
        true,
        t * b,
        d,
        4 * u,
        1.0,
        &dgates,
        &**w,
        0.0,
        &mut dx_tm,
    )?;
    if t * b == 0 {
        // GEMMs with k = 0 leave their outputs untouched: make them zero.
        dr = zeros(&dev, "lstm_backward", u * 4 * u)?;
        dw = zeros(&dev, "lstm_backward", d * 4 * u)?;
    }
    let mut dx_t = tensor(&dev, dx_tm, vec![t, b, d]);
    if saved.go_backwards {
        dx_t = super::layout::flip(&dx_t, 0)?;
    }
    let dx = super::layout::transpose(&dx_t, &[1, 0, 2])?;
    let dbias = if saved.has_bias {
        let dg = tensor(&dev, dgates, vec![t * b, 4 * u]);
        Some(super::reduce::reduce(&dg, 0, false, ReduceOp::Sum)?)
    } else {
        None
    };
    Ok(LstmGrads {
        dx,
        dh0: tensor(&dev, dh, vec![b, u]),
        dc0: tensor(&dev, dc, vec![b, u]),
        dkernel: tensor(&dev, dw, vec![d, 4 * u]),
        drecurrent_kernel: tensor(&dev, dr, vec![u, 4 * u]),
        dbias,
    })
}
