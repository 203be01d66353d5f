//! im2col lowering of a 2-D (or, with height 1, 1-D) NHWC convolution, and its adjoint col2im.
//!
//! Row `(b, oy, ox)` of the column matrix holds the receptive field of that output position,
//! ordered `(ky, kx, channel)` — the row-major order of a Keras kernel `[kh, kw, in, out]` — so the
//! whole convolution is one GEMM `cols[b·oh·ow, kh·kw·c] · kernel[kh·kw·c, filters]`.

/// Sizes of one convolution (or pooling) window sweep over an NHWC input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeom {
    /// Samples in the batch.
    pub batch: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Input channels.
    pub channels: usize,
    /// Kernel height.
    pub k_h: usize,
    /// Kernel width.
    pub k_w: usize,
    /// Vertical stride.
    pub stride_h: usize,
    /// Horizontal stride.
    pub stride_w: usize,
    /// Vertical dilation.
    pub dil_h: usize,
    /// Horizontal dilation.
    pub dil_w: usize,
    /// Zeros before the first row / column.
    pub pad_top: usize,
    /// Zero columns before the first column.
    pub pad_left: usize,
    /// Output height.
    pub out_h: usize,
    /// Output width.
    pub out_w: usize,
}

impl ConvGeom {
    /// Number of output positions over the whole batch (GEMM `m`).
    pub fn rows(&self) -> usize {
        self.batch * self.out_h * self.out_w
    }
    /// Length of one receptive field (GEMM `k`).
    pub fn patch(&self) -> usize {
        self.k_h * self.k_w * self.channels
    }
    /// Input row of tap `k` for output row `o`, or `None` when it falls in the padding.
    #[inline]
    pub fn in_y(&self, o: usize, k: usize) -> Option<usize> {
        (o * self.stride_h + k * self.dil_h)
            .checked_sub(self.pad_top)
            .filter(|&y| y < self.in_h)
    }
    /// Input column of tap `k` for output column `o`, or `None` when it falls in the padding.
    #[inline]
    pub fn in_x(&self, o: usize, k: usize) -> Option<usize> {
        (o * self.stride_w + k * self.dil_w)
            .checked_sub(self.pad_left)
            .filter(|&x| x < self.in_w)
    }
    /// Flat offset of pixel `(b, y, x)`'s first channel in the NHWC input.
    #[inline]
    pub fn in_offset(&self, b: usize, y: usize, x: usize) -> usize {
        ((b * self.in_h + y) * self.in_w + x) * self.channels
    }
}

/// Fill `cols` (`rows × patch`, fully overwritten) from the NHWC input `x`.
pub fn im2col(g: &ConvGeom, x: &[f32], cols: &mut [f32]) {
    let (c, patch) = (g.channels, g.patch());
    for b in 0..g.batch {
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let row = ((b * g.out_h + oy) * g.out_w + ox) * patch;
                for ky in 0..g.k_h {
                    let y = g.in_y(oy, ky);
                    for kx in 0..g.k_w {
                        let dst = &mut cols[row + (ky * g.k_w + kx) * c..][..c];
                        match (y, g.in_x(ox, kx)) {
                            (Some(y), Some(xx)) => {
                                dst.copy_from_slice(&x[g.in_offset(b, y, xx)..][..c])
                            }
                            _ => dst.fill(0.0),
                        }
                    }
                }
            }
        }
    }
}

/// Adjoint of [`im2col`]: add every column entry back onto the input position it was read from.
/// `dx` must be zeroed (or hold gradients to accumulate onto).
pub fn col2im(g: &ConvGeom, cols: &[f32], dx: &mut [f32]) {
    let (c, patch) = (g.channels, g.patch());
    for b in 0..g.batch {
        for oy in 0..g.out_h {
            for ox in 0..g.out_w {
                let row = ((b * g.out_h + oy) * g.out_w + ox) * patch;
                for ky in 0..g.k_h {
                    let Some(y) = g.in_y(oy, ky) else { continue };
                    for kx in 0..g.k_w {
                        let Some(xx) = g.in_x(ox, kx) else { continue };
                        let src = &cols[row + (ky * g.k_w + kx) * c..][..c];
                        let off = g.in_offset(b, y, xx);
                        dx[off..off + c]
                            .iter_mut()
                            .zip(src)
                            .for_each(|(d, s)| *d += s);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geom_1d(
        len: usize,
        k: usize,
        stride: usize,
        dil: usize,
        pad: usize,
        out: usize,
    ) -> ConvGeom {
        ConvGeom {
            batch: 1,
            in_h: 1,
            in_w: len,
            channels: 1,
            k_h: 1,
            k_w: k,
            stride_h: 1,
            stride_w: stride,
            dil_h: 1,
            dil_w: dil,
            pad_top: 0,
            pad_left: pad,
            out_h: 1,
            out_w: out,
        }
    }

    #[test]
    fn same_padded_columns_and_adjoint() {
        let g = geom_1d(4, 3, 1, 1, 1, 4);
        let x = [1.0, 2.0, 3.0, 4.0];
        let mut cols = vec![9.0; 12];
        im2col(&g, &x, &mut cols);
        assert_eq!(cols, vec![0., 1., 2., 1., 2., 3., 2., 3., 4., 3., 4., 0.]);
        // <im2col(x), c> == <x, col2im(c)> for any c: check with c = cols itself.
        let mut dx = vec![0.0; 4];
        col2im(&g, &cols, &mut dx);
        let lhs: f32 = cols.iter().map(|v| v * v).sum();
        let rhs: f32 = x.iter().zip(&dx).map(|(a, b)| a * b).sum();
        assert!((lhs - rhs).abs() < 1e-5);
    }

    #[test]
    fn dilated_and_strided_taps() {
        // kernel 2, dilation 2, stride 2, causal pad 2 on 5 steps → out 3.
        let g = geom_1d(5, 2, 2, 2, 2, 3);
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let mut cols = vec![0.0; 6];
        im2col(&g, &x, &mut cols);
        assert_eq!(cols, vec![0., 1., 1., 3., 3., 5.]);
    }
}
