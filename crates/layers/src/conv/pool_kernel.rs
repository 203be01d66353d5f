//! Windowed max / average pooling over NHWC data as one tape node (1-D pooling uses height 1).
use super::im2col::ConvGeom;
use crate::error::Result;
use kerust_autograd::Var;
use kerust_tensor::Tensor;

/// What a pooling window computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    /// Maximum over the window.
    Max,
    /// Mean over the window's positions inside the input (padding is not counted, as in TF/Keras).
    Average,
}

/// Pool `x` (NHWC data laid out as `g` describes; `k_*`/`stride_*` are the pool window) into a
/// tensor of shape `out_shape` holding `[b, out_h, out_w, c]` values.
pub fn pool_forward(g: ConvGeom, kind: PoolKind, x: &Var, out_shape: &[usize]) -> Result<Var> {
    let xs = x.value().as_slice()?;
    let c = g.channels;
    let n_out = g.rows() * c;
    let mut y = vec![0.0f32; n_out];
    // Max: flat input index of the winner per output; Average: 1 / count per output position.
    let mut arg = vec![0usize; if kind == PoolKind::Max { n_out } else { 0 }];
    let mut inv_count = vec![
        0.0f32;
        if kind == PoolKind::Average {
            g.rows()
        } else {
            0
        }
    ];
    for b in 0..g.batch {
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let pos = (b * g.out_h + oy) * g.out_w + ox;
                let yo = &mut y[pos * c..(pos + 1) * c];
                let mut count = 0usize;
                for ky in 0..g.k_h {
                    let Some(iy) = g.in_y(oy, ky) else { continue };
                    for kx in 0..g.k_w {
                        let Some(ix) = g.in_x(ox, kx) else { continue };
                        let off = g.in_offset(b, iy, ix);
                        let xi = &xs[off..off + c];
                        match kind {
                            PoolKind::Max => {
                                let ao = &mut arg[pos * c..(pos + 1) * c];
                                for ch in 0..c {
                                    // First maximum wins ties; NaN-free inputs assumed like TF.
                                    if count == 0 || xi[ch] > yo[ch] {
                                        yo[ch] = xi[ch];
                                        ao[ch] = off + ch;
                                    }
                                }
                            }
                            PoolKind::Average => {
                                yo.iter_mut().zip(xi).for_each(|(a, v)| *a += v);
                            }
                        }
                        count += 1;
                    }
                }
                if kind == PoolKind::Average {
                    // Same padding always leaves at least one real position in a window.
                    let inv = 1.0 / count.max(1) as f32;
                    yo.iter_mut().for_each(|v| *v *= inv);
                    inv_count[pos] = inv;
                }
            }
        }
    }
    let x_dims = x.shape().to_vec();
    let n_in = x.value().numel();
    Ok(x.tape().record1(
        &[x],
        Tensor::from_vec(y, out_shape)?,
        move |grad: &Tensor| {
            let gs = grad.as_slice()?;
            let mut dx = vec![0.0f32; n_in];
            match kind {
                PoolKind::Max => {
                    for (i, &a) in arg.iter().enumerate() {
                        dx[a] += gs[i];
                    }
                }
                PoolKind::Average => {
                    for b in 0..g.batch {
                        for oy in 0..g.out_h {
                            for ox in 0..g.out_w {
                                let pos = (b * g.out_h + oy) * g.out_w + ox;
                                let go = &gs[pos * c..(pos + 1) * c];
                                let inv = inv_count[pos];
                                for ky in 0..g.k_h {
                                    let Some(iy) = g.in_y(oy, ky) else { continue };
                                    for kx in 0..g.k_w {
                                        let Some(ix) = g.in_x(ox, kx) else { continue };
                                        let off = g.in_offset(b, iy, ix);
                                        dx[off..off + c]
                                            .iter_mut()
                                            .zip(go)
                                            .for_each(|(d, v)| *d += v * inv);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            Ok(vec![Some(Tensor::from_vec(dx, &x_dims)?)])
        },
    )?)
}
