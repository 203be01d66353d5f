//! Reductions over an axis (sum, mean, max, argmax) and the softmax family.
use crate::cuda_backend::{self, op_codes::ReduceOp};
use crate::error::Result;
use crate::shape::normalize_axis;
use crate::tensor::Tensor;
use rayon::prelude::*;

/// Split `shape` around `axis` into (outer, axis length, inner).
fn split(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

fn reduced_shape(shape: &[usize], axis: usize, keepdim: bool) -> Vec<usize> {
    let mut s = shape.to_vec();
    if keepdim {
        s[axis] = 1;
    } else {
        s.remove(axis);
    }
    s
}

impl Tensor {
    fn reduce_axis(
        &self,
        op: &'static str,
        axis: isize,
        keepdim: bool,
        init: f32,
        f: impl Fn(f32, f32) -> f32,
        code: ReduceOp,
    ) -> Result<Tensor> {
        let ax = normalize_axis(op, axis, self.rank())?;
        if self.is_cuda() {
            return cuda_backend::reduce(self, ax, keepdim, code);
        }
        let a = self.cpu(op)?;
        let (outer, n, inner) = split(&self.shape, ax);
        let mut out = vec![init; outer * inner];
        for o in 0..outer {
            let dst = &mut out[o * inner..(o + 1) * inner];
            for k in 0..n {
                let src = &a[(o * n + k) * inner..(o * n + k + 1) * inner];
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d = f(*d, s);
                }
            }
        }
        Ok(Tensor::from_parts(
            out,
            reduced_shape(&self.shape, ax, keepdim),
        ))
    }

    /// Sum over one axis.
    pub fn sum_axis(&self, axis: isize, keepdim: bool) -> Result<Tensor> {
        self.reduce_axis("sum_axis", axis, keepdim, 0.0, |a, b| a + b, ReduceOp::Sum)
    }
    /// Mean over one axis.
    pub fn mean_axis(&self, axis: isize, keepdim: bool) -> Result<Tensor> {
        let n = self.dim(axis)?.max(1) as f32;
        self.sum_axis(axis, keepdim)?.mul_scalar(1.0 / n)
    }
    /// Maximum over one axis.
    pub fn max_axis(&self, axis: isize, keepdim: bool) -> Result<Tensor> {
        self.reduce_axis(
            "max_axis",
            axis,
            keepdim,
            f32::NEG_INFINITY,
            f32::max,
            ReduceOp::Max,
        )
    }
    /// Index of the maximum over one axis (first one on ties, like NumPy).
    pub fn argmax_axis(&self, axis: isize) -> Result<Vec<usize>> {
        let ax = normalize_axis("argmax_axis", axis, self.rank())?;
        if self.is_cuda() {
            // The result is host indices anyway: one copy down, then the CPU kernel.
            return self.to(crate::Device::Cpu)?.argmax_axis(axis);
        }
        let a = self.cpu("argmax_axis")?;
        let (outer, n, inner) = split(&self.shape, ax);
        let mut out = vec![0usize; outer * inner];
        for o in 0..outer {
            for i in 0..inner {
                let mut best = f32::NEG_INFINITY;
                for k in 0..n {
                    let v = a[(o * n + k) * inner + i];
                    if v > best {
                        best = v;
                        out[o * inner + i] = k;
                    }
                }
            }
        }
        Ok(out)
    }
    /// Sum of all elements, accumulated in f64 for accuracy.
    pub fn sum_all(&self) -> Result<f32> {
        if self.is_cuda() {
            let flat = self.reshape(&[1, self.numel()])?;
            return cuda_backend::reduce(&flat, 1, false, ReduceOp::Sum)?.item();
        }
        Ok(self.cpu("sum_all")?.iter().map(|&x| x as f64).sum::<f64>() as f32)
    }
    /// `(Σ|x|, Σx²)` in f64 (a weight penalty's sums), skipping a sum not asked for. Partial sums
    /// over fixed chunks, in parallel for big tensors, added in chunk order: the result does not
    /// depend on the number of threads.
    pub fn abs_and_square_sums(&self, abs: bool, square: bool) -> Result<(f64, f64)> {
        const CHUNK: usize = 1 << 16;
        let x = self.cpu("abs_and_square_sums")?;
        // Eight independent f64 accumulators per sum (added in a fixed order at the end), so the
        // loop vectorizes instead of waiting on one add chain.
        fn lanes(c: &[f32], f: impl Fn(f32) -> f64) -> f64 {
            let mut acc = [0.0f64; 8];
            let mut blocks = c.chunks_exact(8);
            for b in &mut blocks {
                for (a, &v) in acc.iter_mut().zip(b) {
                    *a += f(v);
                }
            }
            for (a, &v) in acc.iter_mut().zip(blocks.remainder()) {
                *a += f(v);
            }
            acc.iter().sum()
        }
        let sums = |c: &[f32]| {
            let a = if abs {
                lanes(c, |v| v.abs() as f64)
            } else {
                0.0
            };
            let s = if square {
                lanes(c, |v| (v as f64) * (v as f64))
            } else {
                0.0
            };
            (a, s)
        };
        let parts: Vec<(f64, f64)> = if x.len() > CHUNK {
            x.par_chunks(CHUNK).map(sums).collect()
        } else {
            vec![sums(x)]
        };
        Ok(parts
            .iter()
            .fold((0.0, 0.0), |(a, s), &(pa, ps)| (a + pa, s + ps)))
    }
    /// Mean of all elements.
    pub fn mean_all(&self) -> Result<f32> {
        Ok(self.sum_all()? / self.numel().max(1) as f32)
    }

    fn softmax_impl(&self, op: &'static str, axis: isize, log: bool) -> Result<Tensor> {
        let ax = normalize_axis(op, axis, self.rank())?;
        if self.is_cuda() {
            return cuda_backend::softmax(self, ax, log);
        }
        let a = self.cpu(op)?;
        let (outer, n, inner) = split(&self.shape, ax);
        let mut out = vec![0.0f32; a.len()];
        for o in 0..outer {
            for i in 0..inner {
                let at = |k: usize| (o * n + k) * inner + i;
                let m = (0..n).map(|k| a[at(k)]).fold(f32::NEG_INFINITY, f32::max);
                let s: f32 = (0..n).map(|k| (a[at(k)] - m).exp()).sum();
                for k in 0..n {
                    out[at(k)] = if log {
                        a[at(k)] - m - s.ln()
                    } else {
                        (a[at(k)] - m).exp() / s
                    };
                }
            }
        }
        Ok(Tensor::from_parts(out, self.shape.clone()))
    }
    /// Softmax over an axis (max-subtracted for stability).
    pub fn softmax(&self, axis: isize) -> Result<Tensor> {
        self.softmax_impl("softmax", axis, false)
    }
    /// Log-softmax over an axis.
    pub fn log_softmax(&self, axis: isize) -> Result<Tensor> {
        self.softmax_impl("log_softmax", axis, true)
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    #[test]
    fn penalty_sums_are_exact_enough_and_thread_independent() {
        let n = 200_003;
        let v: Vec<f32> = (0..n).map(|i| ((i as f32) * 0.013).sin() - 0.2).collect();
        let t = Tensor::from_vec(v.clone(), &[n]).unwrap();
        let (a, s) = t.abs_and_square_sums(true, true).unwrap();
        let a_ref: f64 = v.iter().map(|&x| x.abs() as f64).sum();
        let s_ref: f64 = v.iter().map(|&x| (x as f64) * (x as f64)).sum();
        assert!((a - a_ref).abs() < 1e-9 * a_ref && (s - s_ref).abs() < 1e-9 * s_ref);
        assert_eq!(t.abs_and_square_sums(false, true).unwrap(), (0.0, s));
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(
            one.install(|| t.abs_and_square_sums(true, true).unwrap()),
            (a, s)
        );
    }

    #[test]
    fn axis_reductions() {
        let a = Tensor::from_vec(vec![1., 5., 3., 4., 2., 6.], &[2, 3]).unwrap();
        assert_eq!(
            a.sum_axis(0, false).unwrap().to_vec().unwrap(),
            vec![5., 7., 9.]
        );
        assert_eq!(a.sum_axis(-1, true).unwrap().shape(), &[2, 1]);
        assert_eq!(
            a.max_axis(1, false).unwrap().to_vec().unwrap(),
            vec![5., 6.]
        );
        assert_eq!(a.argmax_axis(1).unwrap(), vec![1, 2]);
        assert_eq!(
            a.mean_axis(1, false).unwrap().to_vec().unwrap(),
            vec![3., 4.]
        );
        assert!(a.sum_axis(2, false).is_err());
    }

    #[test]
    fn softmax_rows_sum_to_one() {
        let a = Tensor::from_vec(vec![1., 2., 3., 1000., 1000., 1000.], &[2, 3]).unwrap();
        let s = a.softmax(-1).unwrap().to_vec().unwrap();
        assert!((s[0] - 0.09003057).abs() < 1e-6);
        assert!((s[3] - 1.0 / 3.0).abs() < 1e-6);
    }
}
