//! Elementwise ops: unary maps, broadcasting binary ops, and the reverse of broadcasting (`sum_to_shape`).
use crate::cuda_backend::{self, op_codes::BinaryOp, op_codes::UnaryOp};
use crate::error::{Result, TensorError};
use crate::shape::{broadcast_shapes, strides};
use crate::tensor::Tensor;
use rayon::prelude::*;

/// Below this many elements a parallel map costs more than it saves on two cores.
const PAR_THRESHOLD: usize = 1 << 16;

/// Strides of `shape` viewed inside the broadcast `out` shape (0 on broadcast axes).
fn broadcast_strides(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let s = strides(shape);
    let off = out.len() - shape.len();
    (0..out.len())
        .map(|i| {
            if i < off || shape[i - off] == 1 {
                0
            } else {
                s[i - off]
            }
        })
        .collect()
}

/// Visit every element of `out_shape` as (flat out index, offset in a, offset in b), walking the
/// last axis in an inner loop so broadcasting costs one counter update per row.
fn for_each_broadcast(
    out_shape: &[usize],
    sa: &[usize],
    sb: &[usize],
    mut f: impl FnMut(usize, usize, usize),
) {
    let rank = out_shape.len();
    let total: usize = out_shape.iter().product();
    if total == 0 {
        return;
    }
    if rank == 0 {
        f(0, 0, 0);
        return;
    }
    let last = out_shape[rank - 1];
    let (la, lb) = (sa[rank - 1], sb[rank - 1]);
    let mut idx = vec![0usize; rank];
    let mut o = 0;
    while o < total {
        let (mut ia, mut ib) = (0, 0);
        for d in 0..rank - 1 {
            ia += idx[d] * sa[d];
            ib += idx[d] * sb[d];
        }
        for j in 0..last {
            f(o + j, ia + j * la, ib + j * lb);
        }
        o += last;
        for d in (0..rank - 1).rev() {
            idx[d] += 1;
            if idx[d] < out_shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

impl Tensor {
    /// Apply `f` to every element.
    pub fn map(&self, op: &'static str, f: impl Fn(f32) -> f32 + Sync + Send) -> Result<Tensor> {
        let a = self.cpu(op)?;
        let data: Vec<f32> = if a.len() >= PAR_THRESHOLD {
            a.par_iter().map(|&x| f(x)).collect()
        } else {
            a.iter().map(|&x| f(x)).collect()
        };
        Ok(Tensor::from_parts(data, self.shape.clone()))
    }

    /// Combine two tensors elementwise with NumPy broadcasting.
    pub fn zip_map(
        &self,
        other: &Tensor,
        op: &'static str,
        f: impl Fn(f32, f32) -> f32 + Sync + Send,
    ) -> Result<Tensor> {
        let (a, b) = (self.cpu(op)?, other.cpu(op)?);
        if self.shape == other.shape {
            let data: Vec<f32> = if a.len() >= PAR_THRESHOLD {
                a.par_iter()
                    .zip(b.par_iter())
                    .map(|(&x, &y)| f(x, y))
                    .collect()
            } else {
                a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect()
            };
            return Ok(Tensor::from_parts(data, self.shape.clone()));
        }
        let out_shape = broadcast_shapes(op, &self.shape, &other.shape)?;
        let n: usize = out_shape.iter().product();
        // Fast path: a full tensor combined with a row vector over its last axis (bias add).
        // `other` must really be a row: its last dim is the full width and every other dim is 1.
        let is_row = other.shape.last() == out_shape.last()
            && other.shape[..other.shape.len().saturating_sub(1)]
                .iter()
                .all(|&d| d == 1);
        if self.shape == out_shape && is_row && !a.is_empty() {
            let w = b.len();
            let mut data = Vec::with_capacity(n);
            for row in a.chunks(w) {
                data.extend(row.iter().zip(b).map(|(&x, &y)| f(x, y)));
            }
            return Ok(Tensor::from_parts(data, out_shape));
        }
        let sa = broadcast_strides(&self.shape, &out_shape);
        let sb = broadcast_strides(&other.shape, &out_shape);
        let mut data = vec![0.0f32; n];
        for_each_broadcast(&out_shape, &sa, &sb, |o, ia, ib| data[o] = f(a[ia], b[ib]));
        Ok(Tensor::from_parts(data, out_shape))
    }

    /// Sum a broadcast result back down to `target` (the gradient of broadcasting).
    pub fn sum_to_shape(&self, target: &[usize]) -> Result<Tensor> {
        if self.shape == target {
            return Ok(self.clone());
        }
        let out = broadcast_shapes("sum_to_shape", target, &self.shape)?;
        if out != self.shape {
            return Err(TensorError::ShapeMismatch {
                op: "sum_to_shape",
                lhs: self.shape.clone(),
                rhs: target.to_vec(),
                hint: "target must broadcast to the tensor's shape".into(),
            });
        }
        if self.is_cuda() {
            return cuda_backend::sum_to_shape(self, target);
        }
        let g = self.cpu("sum_to_shape")?;
        let n: usize = target.iter().product();
        let mut data = vec![0.0f32; n];
        let st = broadcast_strides(target, &self.shape);
        let zero = vec![0; self.shape.len()];
        for_each_broadcast(&self.shape, &st, &zero, |o, it, _| data[it] += g[o]);
        Ok(Tensor::from_parts(data, target.to_vec()))
    }

    /// Materialise the tensor broadcast to `shape`.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Tensor> {
        let out = broadcast_shapes("broadcast_to", &self.shape, shape)?;
        if out != shape {
            return Err(TensorError::ShapeMismatch {
                op: "broadcast_to",
                lhs: self.shape.clone(),
                rhs: shape.to_vec(),
                hint: "the tensor does not broadcast to this shape".into(),
            });
        }
        if self.is_cuda() {
            return cuda_backend::broadcast_to(self, shape);
        }
        let a = self.cpu("broadcast_to")?;
        let n: usize = out.iter().product();
        let mut data = vec![0.0f32; n];
        let sa = broadcast_strides(&self.shape, &out);
        let zero = vec![0; out.len()];
        for_each_broadcast(&out, &sa, &zero, |o, ia, _| data[o] = a[ia]);
        Ok(Tensor::from_parts(data, out))
    }

    /// A named binary op: on CUDA when either operand is there (both must be), else `zip_map`.
    fn binary_op(
        &self,
        other: &Tensor,
        name: &'static str,
        op: BinaryOp,
        f: impl Fn(f32, f32) -> f32 + Sync + Send,
    ) -> Result<Tensor> {
        if self.is_cuda() || other.is_cuda() {
            return cuda_backend::binary(self, other, op, name);
        }
        self.zip_map(other, name, f)
    }

    /// A named unary op: on CUDA for device tensors, else `map`.
    fn unary_op(
        &self,
        name: &'static str,
        op: UnaryOp,
        f: impl Fn(f32) -> f32 + Sync + Send,
    ) -> Result<Tensor> {
        if self.is_cuda() {
            return cuda_backend::unary(self, op);
        }
        self.map(name, f)
    }

    /// `self + other` with broadcasting.
    pub fn add(&self, other: &Tensor) -> Result<Tensor> {
        self.binary_op(other, "add", BinaryOp::Add, |x, y| x + y)
    }
    /// `self += other` in place when the shapes match on the CPU (gradient accumulation: no new
    /// buffer per contribution); otherwise the broadcasting `add`. The sums are `add`'s exactly.
    pub fn add_assign(&mut self, other: &Tensor) -> Result<()> {
        if self.shape != other.shape || self.is_cuda() || other.is_cuda() {
            *self = self.add(other)?;
            return Ok(());
        }
        let src = other.cpu("add_assign")?;
        let dst = self.as_mut_slice()?;
        if dst.len() >= PAR_THRESHOLD {
            dst.par_chunks_mut(PAR_THRESHOLD)
                .zip(src.par_chunks(PAR_THRESHOLD))
                .for_each(|(d, s)| d.iter_mut().zip(s).for_each(|(x, &y)| *x += y));
        } else {
            dst.iter_mut().zip(src).for_each(|(x, &y)| *x += y);
        }
        Ok(())
    }
    /// `self - other` with broadcasting.
    pub fn sub(&self, other: &Tensor) -> Result<Tensor> {
        self.binary_op(other, "sub", BinaryOp::Sub, |x, y| x - y)
    }
    /// `self * other` with broadcasting.
    pub fn mul(&self, other: &Tensor) -> Result<Tensor> {
        self.binary_op(other, "mul", BinaryOp::Mul, |x, y| x * y)
    }
    /// `self / other` with broadcasting.
    pub fn div(&self, other: &Tensor) -> Result<Tensor> {
        self.binary_op(other, "div", BinaryOp::Div, |x, y| x / y)
    }
    /// Elementwise maximum with broadcasting.
    pub fn maximum(&self, other: &Tensor) -> Result<Tensor> {
        self.binary_op(other, "maximum", BinaryOp::Maximum, f32::max)
    }
    /// Add a constant.
    pub fn add_scalar(&self, s: f32) -> Result<Tensor> {
        self.unary_op("add_scalar", UnaryOp::AddScalar(s), move |x| x + s)
    }
    /// Multiply by a constant.
    pub fn mul_scalar(&self, s: f32) -> Result<Tensor> {
        self.unary_op("mul_scalar", UnaryOp::MulScalar(s), move |x| x * s)
    }
    /// Negate.
    pub fn neg(&self) -> Result<Tensor> {
        self.unary_op("neg", UnaryOp::Neg, |x| -x)
    }
    /// Natural exponential.
    pub fn exp(&self) -> Result<Tensor> {
        self.unary_op("exp", UnaryOp::Exp, f32::exp)
    }
    /// Natural logarithm.
    pub fn log(&self) -> Result<Tensor> {
        self.unary_op("log", UnaryOp::Log, f32::ln)
    }
    /// Square root.
    pub fn sqrt(&self) -> Result<Tensor> {
        self.unary_op("sqrt", UnaryOp::Sqrt, f32::sqrt)
    }
    /// Square.
    pub fn square(&self) -> Result<Tensor> {
        self.unary_op("square", UnaryOp::Square, |x| x * x)
    }
    /// Absolute value.
    pub fn abs(&self) -> Result<Tensor> {
        self.unary_op("abs", UnaryOp::Abs, f32::abs)
    }
    /// Sign (-1, 0, 1).
    pub fn sign(&self) -> Result<Tensor> {
        self.unary_op("sign", UnaryOp::Sign, |x| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        })
    }
    /// Raise to a constant power.
    pub fn powf(&self, p: f32) -> Result<Tensor> {
        self.unary_op("powf", UnaryOp::Powf(p), move |x| x.powf(p))
    }
    /// Clamp into `[lo, hi]`.
    pub fn clip(&self, lo: f32, hi: f32) -> Result<Tensor> {
        self.unary_op("clip", UnaryOp::Clip(lo, hi), move |x| x.clamp(lo, hi))
    }
    /// Hyperbolic tangent.
    pub fn tanh(&self) -> Result<Tensor> {
        self.unary_op("tanh", UnaryOp::Tanh, f32::tanh)
    }
    /// Logistic sigmoid.
    pub fn sigmoid(&self) -> Result<Tensor> {
        self.unary_op("sigmoid", UnaryOp::Sigmoid, sigmoid)
    }
    /// Rectified linear unit.
    pub fn relu(&self) -> Result<Tensor> {
        self.unary_op("relu", UnaryOp::Relu, |x| x.max(0.0))
    }
}

/// Numerically stable logistic sigmoid.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_broadcast_is_not_mistaken_for_a_bias_row() {
        let a = crate::Tensor::from_vec(vec![1., 2., 3., 4.], &[2, 2]).unwrap();
        let col = crate::Tensor::from_vec(vec![10., 20.], &[2, 1]).unwrap();
        assert_eq!(
            a.add(&col).unwrap().to_vec().unwrap(),
            vec![11., 12., 23., 24.]
        );
        let row = crate::Tensor::from_vec(vec![10., 20.], &[2]).unwrap();
        assert_eq!(
            a.add(&row).unwrap().to_vec().unwrap(),
            vec![11., 22., 13., 24.]
        );
    }

    use crate::Tensor;

    #[test]
    fn broadcasting_add_matches_hand_values() {
        let a = Tensor::from_vec(vec![1., 2., 3., 4., 5., 6.], &[2, 3]).unwrap();
        let b = Tensor::from_vec(vec![10., 20., 30.], &[3]).unwrap();
        assert_eq!(
            a.add(&b).unwrap().to_vec().unwrap(),
            vec![11., 22., 33., 14., 25., 36.]
        );
        let c = Tensor::from_vec(vec![1., 2.], &[2, 1]).unwrap();
        assert_eq!(
            a.mul(&c).unwrap().to_vec().unwrap(),
            vec![1., 2., 3., 8., 10., 12.]
        );
        let d = Tensor::from_vec(vec![1., 2.], &[2]).unwrap();
        assert!(a.add(&d).is_err());
    }

    #[test]
    fn sum_to_shape_reverses_broadcast() {
        let g = Tensor::ones(&[2, 3]).unwrap();
        assert_eq!(
            g.sum_to_shape(&[3]).unwrap().to_vec().unwrap(),
            vec![2., 2., 2.]
        );
        assert_eq!(
            g.sum_to_shape(&[2, 1]).unwrap().to_vec().unwrap(),
            vec![3., 3.]
        );
        assert_eq!(g.sum_to_shape(&[]).unwrap().to_vec().unwrap(), vec![6.]);
    }
}
