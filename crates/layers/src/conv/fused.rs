//! The convolution as one tape node: im2col + one GEMM (+ bias + activation) forward, and two GEMMs
//! plus col2im backward. (Splitting these GEMMs across two rayon threads was measured slower on the
//! shared 2-core machine: 0.63 vs 0.55 ms per Conv1D(32, 5) step, so they stay single-threaded.)
use super::im2col::{col2im, im2col, ConvGeom};
use crate::activations::Activation;
use crate::error::Result;
use kerust_autograd::Var;
use kerust_tensor::{sgemm, Tensor};

/// An activation cheap enough to fuse into the node: `(f(x), f'(x) in terms of y = f(x))`.
type Fused = (fn(f32) -> f32, fn(f32) -> f32);

/// The fusable activations; others run as ordinary autograd ops after the node.
fn fused(a: Activation) -> Option<Fused> {
    Some(match a {
        Activation::Linear => (|x| x, |_| 1.0),
        Activation::Relu => (|x| x.max(0.0), |y| if y > 0.0 { 1.0 } else { 0.0 }),
        Activation::Tanh => (f32::tanh, |y| 1.0 - y * y),
        Activation::Sigmoid => (kerust_tensor::sigmoid, |y| y * (1.0 - y)),
        _ => return None,
    })
}

/// `activation(conv(x, kernel) + bias)` with `x` NHWC (`[b, w, c]` for 1-D has `in_h = 1`) and
/// `kernel` `[.., c, filters]`. Returns `[b, out_h·out_w, filters]`-ordered data shaped `out_shape`.
pub fn conv_forward(
    g: ConvGeom,
    x: &Var,
    kernel: &Var,
    bias: Option<&Var>,
    activation: Activation,
    out_shape: &[usize],
) -> Result<Var> {
    let tape = x.tape().clone();
    let (m, k) = (g.rows(), g.patch());
    let f = *kernel.shape().last().unwrap_or(&0);
    let mut cols = vec![0.0f32; m * k];
    im2col(&g, x.value().as_slice()?, &mut cols);
    let mut y = vec![0.0f32; m * f];
    let beta = match bias {
        Some(b) => {
            let bs = b.value().as_slice()?;
            y.chunks_mut(f.max(1)).for_each(|r| r.copy_from_slice(bs));
            1.0
        }
        None => 0.0,
    };
    let w = kernel.value().clone();
    sgemm(
        false,
        false,
        m,
        f,
        k,
        1.0,
        &cols,
        w.as_slice()?,
        beta,
        &mut y,
    )?;
    // Activations outside the fusable set run as autograd ops on the linear output.
    let fused_act = fused(activation);
    let (act, dact) = fused_act.unwrap_or((|x| x, |_| 1.0));
    let nonlinear = fused_act.is_some() && activation != Activation::Linear;
    if nonlinear {
        y.iter_mut().for_each(|v| *v = act(*v));
    }
    let need_dx = tape.requires_grad(x);
    let x_dims = x.shape().to_vec();
    let y_saved = if nonlinear { Some(y.clone()) } else { None };
    let has_bias = bias.is_some();
    let mut ins = vec![x, kernel];
    if let Some(b) = bias {
        ins.push(b);
    }
    let out = tape.record1(
        &ins,
        Tensor::from_vec(y, out_shape)?,
        move |grad: &Tensor| {
            let mut dz = grad.to_vec()?;
            if let Some(ys) = &y_saved {
                dz.iter_mut().zip(ys).for_each(|(d, &yv)| *d *= dact(yv));
            }
            let mut dw = vec![0.0f32; k * f];
            sgemm(true, false, k, f, m, 1.0, &cols, &dz, 0.0, &mut dw)?;
            let dx = if need_dx {
                // Reuse the column buffer for d(cols) = dz · kernelᵀ.
                let mut dcols = cols;
                sgemm(
                    false,
                    true,
                    m,
                    k,
                    f,
                    1.0,
                    &dz,
                    w.as_slice()?,
                    0.0,
                    &mut dcols,
                )?;
                let mut dx = vec![0.0f32; g.batch * g.in_h * g.in_w * g.channels];
                col2im(&g, &dcols, &mut dx);
                Some(Tensor::from_vec(dx, &x_dims)?)
            } else {
                None
            };
            let mut res = vec![dx, Some(Tensor::from_vec(dw, w.shape())?)];
            if has_bias {
                let mut db = vec![0.0f32; f];
                dz.chunks(f.max(1))
                    .for_each(|r| db.iter_mut().zip(r).for_each(|(a, v)| *a += v));
                res.push(Some(Tensor::from_vec(db, &[f])?));
            }
            Ok(res)
        },
    )?;
    Ok(if fused_act.is_some() {
        out
    } else {
        activation.apply(&out)?
    })
}
