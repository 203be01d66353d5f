//! Fused GRU (`reset_after=True`) forward and backward on device, organised like the LSTM:
//! one GEMM for the input projection of every step, per step one recurrent GEMM onto a
//! bias-initialised slice plus one fused gate kernel; backward likewise, then whole-sequence
//! GEMMs and reductions for the weight gradients. No allocation inside the time loops.
use super::context::{cuda_err, CudaDev};
use super::elementwise::broadcast_to;
use super::gemm::sgemm;
pub use super::gru_types::{GruGrads, GruInputs};
use super::kernels::Family;
use super::layout::transpose_view;
use super::lstm::{copy_range, owned, shape_err, to_time_major};
use super::op_codes::ReduceOp;
use super::storage::{alloc, grid, storage, tensor, zeros};
use crate::error::{Result, TensorError};
use crate::tensor::Tensor;
use cudarc::driver::{CudaSlice, PushKernelArg};
use std::sync::Arc;

/// Forward results plus what the backward pass needs.
#[derive(Debug)]
pub struct GruOutputs {
    /// `[batch, time, units]` with `return_sequences`, else `[batch, units]`.
    pub output: Tensor,
    /// Final hidden state `[batch, units]`.
    pub h: Tensor,
    pub saved: GruSaved,
}

/// Device buffers saved by the forward pass (time-major, processing order).
#[derive(Debug)]
pub struct GruSaved {
    dev: Arc<CudaDev>,
    dims: (usize, usize, usize, usize),
    x_tm: CudaSlice<f32>,
    /// h_prev·R + b_rec of every step.
    rg: CudaSlice<f32>,
    /// z, r, ĥ of every step.
    save: CudaSlice<f32>,
    h_all: CudaSlice<f32>,
    mask_tm: Option<CudaSlice<f32>>,
    kernel: Tensor,
    recurrent_kernel: Tensor,
    has_bias: bool,
    go_backwards: bool,
    return_sequences: bool,
}

/// Run the whole sequence forward. See [`GruInputs`] for layouts and semantics.
pub fn gru_forward(inp: &GruInputs<'_>) -> Result<GruOutputs> {
    let &[b, t, d] = inp.x.shape() else {
        return Err(shape_err(
            "x of shape [batch, time, features]",
            inp.x.shape(),
        ));
    };
    let u = inp.kernel.shape().get(1).copied().unwrap_or(0) / 3;
    if inp.kernel.shape() != [d, 3 * u] || u == 0 {
        return Err(shape_err(
            &format!("kernel [{d}, 3·units]"),
            inp.kernel.shape(),
        ));
    }
    if inp.recurrent_kernel.shape() != [u, 3 * u] {
        return Err(shape_err(
            &format!("recurrent_kernel [{u}, {}]", 3 * u),
            inp.recurrent_kernel.shape(),
        ));
    }
    if inp.h0.shape() != [b, u] {
        return Err(shape_err(&format!("h0 [{b}, {u}]"), inp.h0.shape()));
    }
    if let Some(bias) = inp.bias {
        if bias.shape() != [2, 3 * u] {
            return Err(shape_err(
                &format!("bias [2, {}] (reset_after=True)", 3 * u),
                bias.shape(),
            ));
        }
    }
    if let Some(m) = inp.mask {
        if m.shape() != [b, t] {
            return Err(shape_err(&format!("mask [{b}, {t}]"), m.shape()));
        }
    }
    let dev = storage(inp.x, "gru")?.device().clone();
    for tn in [
        Some(inp.h0),
        Some(inp.kernel),
        Some(inp.recurrent_kernel),
        inp.bias,
        inp.mask,
    ]
    .into_iter()
    .flatten()
    {
        if storage(tn, "gru")?.ordinal() != dev.ordinal {
            return Err(TensorError::DeviceMismatch {
                op: "gru",
                lhs: inp.x.device().to_string(),
                rhs: tn.device().to_string(),
            });
        }
    }
    let (bu, bg) = (b * u, b * 3 * u);
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
    // Input side x·W + b_in and recurrent side b_rec (h·R is added per step), every step.
    let (mut xg, mut rg) = match inp.bias {
        Some(bias) => (
            owned(broadcast_to(&bias.slice(0, 0, 1)?, &[t * b, 3 * u])?, &dev)?,
            owned(broadcast_to(&bias.slice(0, 1, 1)?, &[t * b, 3 * u])?, &dev)?,
        ),
        None => (zeros(&dev, "gru", t * bg)?, zeros(&dev, "gru", t * bg)?),
    };
    let w = &storage(inp.kernel, "gru")?.buf;
    let r = &storage(inp.recurrent_kernel, "gru")?.buf;
    sgemm(
        &dev,
        false,
        false,
        t * b,
        3 * u,
        d,
        1.0,
        &x_tm,
        &**w,
        1.0,
        &mut xg,
    )?;
    let mut save = alloc(&dev, "gru", t * bg)?;
    let mut h_all = alloc(&dev, "gru", (t + 1) * bu)?;
    dev.stream
        .memcpy_dtod(&*storage(inp.h0, "gru")?.buf, &mut h_all.slice_mut(0..bu))
        .map_err(|e| cuda_err("gru", e))?;
    let f = dev.func(Family::Gru, "gru_fwd_step")?;
    let (bi, ui) = (b as i32, u as i32);
    let null = 0u64;
    for k in 0..t {
        let xk = xg.slice(k * bg..(k + 1) * bg);
        let mut rk = rg.slice_mut(k * bg..(k + 1) * bg);
        let mut sk = save.slice_mut(k * bg..(k + 1) * bg);
        let (h_lo, mut h_hi) = h_all.split_at_mut((k + 1) * bu);
        let h_prev = h_lo.slice(k * bu..);
        sgemm(
            &dev,
            false,
            false,
            b,
            3 * u,
            u,
            1.0,
            &h_prev,
            &**r,
            1.0,
            &mut rk,
        )?;
        let mut h_next = h_hi.slice_mut(0..bu);
        let mut l = dev.stream.launch_builder(&f);
        l.arg(&xk)
            .arg(&mut rk)
            .arg(&h_prev)
            .arg(&mut h_next)
            .arg(&mut sk);
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
        // SAFETY: every view holds batch·units (gate buffers: batch·3·units) elements.
        unsafe { l.launch(grid(bu)) }.map_err(|e| cuda_err("gru_fwd_step", e))?;
    }
    let output = if inp.return_sequences {
        let seq = transpose_view(&dev, &h_all.slice(bu..), &[t, b, u], &[1, 0, 2])?;
        tensor(&dev, seq, vec![b, t, u])
    } else {
        tensor(&dev, copy_range(&dev, &h_all, t * bu, bu)?, vec![b, u])
    };
    let h = tensor(&dev, copy_range(&dev, &h_all, t * bu, bu)?, vec![b, u]);
    Ok(GruOutputs {
        output,
        h,
        saved: GruSaved {
            dev,
            dims: (b, t, d, u),
            x_tm,
            rg,
            save,
            h_all,
            mask_tm,
            kernel: inp.kernel.clone(),
            recurrent_kernel: inp.recurrent_kernel.clone(),
            has_bias: inp.bias.is_some(),
            go_backwards: inp.go_backwards,
            return_sequences: inp.return_sequences,
        },
    })
}

/// Backward through the whole sequence. `d_output` is the gradient of `output` (shape as
/// returned), `d_h` that of the final state; either may be absent (zero).
pub fn gru_backward(
    saved: &GruSaved,
    d_output: Option<&Tensor>,
    d_h: Option<&Tensor>,
) -> Result<GruGrads> {
    let dev = saved.dev.clone();
    let (b, t, d, u) = saved.dims;
    let (bu, bg) = (b * u, b * 3 * u);
    let out_shape: Vec<usize> = if saved.return_sequences {
        vec![b, t, u]
    } else {
        vec![b, u]
    };
    for (name, g, want) in [
        ("d_output", d_output, &out_shape),
        ("d_h", d_h, &vec![b, u]),
    ] {
        if let Some(g) = g {
            if g.shape() != want.as_slice() {
                return Err(shape_err(&format!("{name} of shape {want:?}"), g.shape()));
            }
            if storage(g, "gru_backward")?.ordinal() != dev.ordinal {
                return Err(TensorError::DeviceMismatch {
                    op: "gru_backward",
                    lhs: format!("cuda:{}", dev.ordinal),
                    rhs: g.device().to_string(),
                });
            }
        }
    }
    let mut dh = match (d_h, d_output.filter(|_| !saved.return_sequences)) {
        (Some(a), Some(o)) => owned(a.add(o)?, &dev)?,
        (Some(a), None) | (None, Some(a)) => owned(a.clone(), &dev)?,
        (None, None) => zeros(&dev, "gru_backward", bu)?,
    };
    let dy_tm = match d_output.filter(|_| saved.return_sequences) {
        Some(g) => Some(to_time_major(&dev, g, u, false)?),
        None => None,
    };
    let r = &storage(&saved.recurrent_kernel, "gru_backward")?.buf;
    let w = &storage(&saved.kernel, "gru_backward")?.buf;
    let mut dxg = alloc(&dev, "gru_backward", t * bg)?;
    let mut drg = alloc(&dev, "gru_backward", t * bg)?;
    let f = dev.func(Family::Gru, "gru_bwd_step")?;
    let (bi, ui) = (b as i32, u as i32);
    let null = 0u64;
    for k in (0..t).rev() {
        let sk = saved.save.slice(k * bg..(k + 1) * bg);
        let rk = saved.rg.slice(k * bg..(k + 1) * bg);
        let h_prev = saved.h_all.slice(k * bu..(k + 1) * bu);
        let mut dxk = dxg.slice_mut(k * bg..(k + 1) * bg);
        let mut drk = drg.slice_mut(k * bg..(k + 1) * bg);
        let mut l = dev.stream.launch_builder(&f);
        l.arg(&sk).arg(&rk).arg(&h_prev);
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
        l.arg(&mut dh).arg(&mut dxk).arg(&mut drk);
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
        // SAFETY: every view holds batch·units (gate buffers: batch·3·units) elements.
        unsafe { l.launch(grid(bu)) }.map_err(|e| cuda_err("gru_bwd_step", e))?;
        sgemm(
            &dev,
            false,
            true,
            b,
            u,
            3 * u,
            1.0,
            &drk,
            &**r,
            1.0,
            &mut dh,
        )?;
    }
    let (dr, dw) = if t * b == 0 {
        (
            zeros(&dev, "gru_backward", u * 3 * u)?,
            zeros(&dev, "gru_backward", d * 3 * u)?,
        )
    } else {
        let mut dr = alloc(&dev, "gru_backward", u * 3 * u)?;
        let h_seq = saved.h_all.slice(0..t * bu);
        sgemm(
            &dev,
            true,
            false,
            u,
            3 * u,
            t * b,
            1.0,
            &h_seq,
            &drg,
            0.0,
            &mut dr,
        )?;
        let mut dw = alloc(&dev, "gru_backward", d * 3 * u)?;
        sgemm(
            &dev,
            true,
            false,
            d,
            3 * u,
            t * b,
            1.0,
            &saved.x_tm,
            &dxg,
            0.0,
            &mut dw,
        )?;
        (dr, dw)
    };
    let mut dx_tm = alloc(&dev, "gru_backward", t * b * d)?;
    sgemm(
        &dev,
        false,
        true,
        t * b,
        d,
        3 * u,
        1.0,
        &dxg,
        &**w,
        0.0,
        &mut dx_tm,
    )?;
    let mut dx_t = tensor(&dev, dx_tm, vec![t, b, d]);
    if saved.go_backwards {
        dx_t = super::layout::flip(&dx_t, 0)?;
    }
    let dx = super::layout::transpose(&dx_t, &[1, 0, 2])?;
    let dbias = if saved.has_bias {
        let sum = |buf: CudaSlice<f32>| {
            let g = tensor(&dev, buf, vec![t * b, 3 * u]);
            super::reduce::reduce(&g, 0, true, ReduceOp::Sum)
        };
        let (din, drec) = (sum(dxg)?, sum(drg)?);
        Some(super::layout::concat(&[&din, &drec], 0, 2)?)
    } else {
        None
    };
    Ok(GruGrads {
        dx,
        dh0: tensor(&dev, dh, vec![b, u]),
        dkernel: tensor(&dev, dw, vec![d, 3 * u]),
        drecurrent_kernel: tensor(&dev, dr, vec![u, 3 * u]),
        dbias,
    })
}
