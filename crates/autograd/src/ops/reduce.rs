//! Reductions and softmax: sums and means spread the gradient back, max routes it to the maxima.
use crate::tape::Var;
use kerust_tensor::{takes_device_path, Device, Result, Tensor};

impl Var {
    /// Sum of every element (a scalar of shape `[]`).
    pub fn sum_all(&self) -> Result<Var> {
        let shape = self.shape().to_vec();
        if takes_device_path(self.value.device()) {
            // Stays on the device: a sum over the flattened axis, broadcast back.
            let y = self
                .value
                .reshape(&[self.value.numel()])?
                .sum_axis(0, false)?;
            return self.tape.record1(&[self], y, move |g| {
                let ones = vec![1; shape.len()];
                Ok(vec![Some(g.reshape(&ones)?.broadcast_to(&shape)?)])
            });
        }
        let y = Tensor::scalar(self.value.sum_all()?);
        self.tape.record1(&[self], y, move |g| {
            Ok(vec![Some(Tensor::full(&shape, g.item()?)?)])
        })
    }

    /// `l1·Σ|x| + l2·Σx²`, a weight regularizer's penalty, as one tape node: one pass forward, and a
    /// backward that writes `g·l1·sign(x) + g·l2·2x` into one buffer. Composed from `abs`/`square`/
    /// `sum_all` it would allocate four full-size temporaries per step, which for an embedding
    /// table (Quora: 6.4 M weights) costs more than the LSTM it feeds.
    pub fn l1_l2_penalty(&self, l1: f32, l2: f32) -> Result<Var> {
        if takes_device_path(self.value.device()) {
            let l1_term = self.abs()?.sum_all()?.mul_scalar(l1)?;
            return l1_term.add(&self.square()?.sum_all()?.mul_scalar(l2)?);
        }
        let x = self.value.clone();
        let (abs_sum, sq_sum) = x.abs_and_square_sums(l1 != 0.0, l2 != 0.0)?;
        let y = Tensor::scalar((abs_sum as f32) * l1 + (sq_sum as f32) * l2);
        self.tape.record1(&[self], y, move |g| {
            let g = g.item()?;
            let (c1, c2) = (g * l1, g * l2);
            // The same products the composed ops form: (g·l2)·(2x) and (g·l1)·sign(x).
            let d = if l1 == 0.0 {
                x.map("l1_l2_penalty backward", move |v| c2 * (v * 2.0))?
            } else {
                x.map("l1_l2_penalty backward", move |v| {
                    let sign = if v > 0.0 {
                        1.0
                    } else if v < 0.0 {
                        -1.0
                    } else {
                        0.0
                    };
                    c1 * sign + c2 * (v * 2.0)
                })?
            };
            Ok(vec![Some(d)])
        })
    }

    /// Mean of every element.
    pub fn mean_all(&self) -> Result<Var> {
        let n = self.value.numel().max(1) as f32;
        self.sum_all()?.mul_scalar(1.0 / n)
    }

    /// Sum over `axis`.
    pub fn sum_axis(&self, axis: isize, keepdim: bool) -> Result<Var> {
        let shape = self.shape().to_vec();
        let kept = self.value.sum_axis(axis, true)?.shape().to_vec();
        let y = self.value.sum_axis(axis, keepdim)?;
        self.tape.record1(&[self], y, move |g| {
            Ok(vec![Some(g.reshape(&kept)?.broadcast_to(&shape)?)])
        })
    }

    /// Mean over `axis`.
    pub fn mean_axis(&self, axis: isize, keepdim: bool) -> Result<Var> {
        let n = self.value.dim(axis)?.max(1) as f32;
        self.sum_axis(axis, keepdim)?.mul_scalar(1.0 / n)
    }

    /// Maximum over `axis`; ties share the gradient equally (as TensorFlow does).
    pub fn max_axis(&self, axis: isize, keepdim: bool) -> Result<Var> {
        let x = self.value.clone();
        let ykeep = x.max_axis(axis, true)?;
        let y = if keepdim {
            ykeep.clone()
        } else {
            x.max_axis(axis, false)?
        };
        self.tape.record1(&[self], y, move |g| {
            // 1 where an element equals its maximum: computed on the host for device data.
            let hit = x
                .to(Device::Cpu)?
                .zip_map(&ykeep.to(Device::Cpu)?, "max_axis backward", |a, m| {
                    if a == m {
                        1.0
                    } else {
                        0.0
                    }
                })?
                .to(x.device())?;
            let count = hit.sum_axis(axis, true)?;
            let g = g.reshape(ykeep.shape())?.div(&count)?;
            Ok(vec![Some(hit.mul(&g)?)])
        })
    }

    /// Softmax over `axis`.
    pub fn softmax(&self, axis: isize) -> Result<Var> {
        let y = self.value.softmax(axis)?;
        let yc = y.clone();
        let out = self.tape.record1(&[self], y, move |g| {
            // dx = y * (g - sum(g * y))
            let s = g.mul(&yc)?.sum_axis(axis, true)?;
            Ok(vec![Some(yc.mul(&g.sub(&s)?)?)])
        })?;
        let rank = self.value.shape().len() as isize;
        if axis == -1 || axis == rank - 1 {
            self.tape.mark_logits(&out, crate::LogitsOf::Softmax, self);
        }
        Ok(out)
    }

    /// Log-softmax over `axis`.
    pub fn log_softmax(&self, axis: isize) -> Result<Var> {
        let y = self.value.log_softmax(axis)?;
        let yc = y.clone();
        self.tape.record1(&[self], y, move |g| {
            // dx = g - softmax * sum(g)
            let s = g.sum_axis(axis, true)?;
            Ok(vec![Some(g.sub(&yc.exp()?.mul(&s)?)?)])
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::gradcheck::check_op;

    #[test]
    fn reductions_gradcheck() {
        check_op(&[&[3, 4]], |v| v[0].sum_all());
        check_op(&[&[3, 4]], |v| v[0].mean_all());
        check_op(&[&[2, 3, 4]], |v| v[0].sum_axis(1, false));
        check_op(&[&[2, 3, 4]], |v| v[0].mean_axis(-1, true));
        check_op(&[&[2, 3, 4]], |v| v[0].max_axis(1, false));
        check_op(&[&[3, 5]], |v| v[0].softmax(-1));
        check_op(&[&[3, 5]], |v| v[0].softmax(0));
        check_op(&[&[3, 5]], |v| v[0].log_softmax(-1));
        check_op(&[&[3, 4]], |v| v[0].l1_l2_penalty(0.3, 0.7));
        check_op(&[&[3, 4]], |v| v[0].l1_l2_penalty(0.0, 0.01));
    }

    #[test]
    fn fused_penalty_equals_the_composed_ops() {
        let data = vec![0.5, -2.0, 0.0, 3.0, -0.25, 1.5];
        let run = |fused: bool| {
            let tape = crate::Tape::new();
            let w = tape.param(kerust_tensor::Tensor::from_vec(data.clone(), &[2, 3]).unwrap());
            let p = if fused {
                w.l1_l2_penalty(0.1, 0.01).unwrap()
            } else {
                let l1 = w.abs().unwrap().sum_all().unwrap().mul_scalar(0.1).unwrap();
                let l2 = w.square().unwrap().sum_all().unwrap();
                l1.add(&l2.mul_scalar(0.01).unwrap()).unwrap()
            };
            let g = tape
                .backward(&p)
                .unwrap()
                .get(&w)
                .unwrap()
                .to_vec()
                .unwrap();
            (p.value().item().unwrap(), g)
        };
        let ((vf, gf), (vc, gc)) = (run(true), run(false));
        // 0.1·7.25 + 0.01·15.5625
        assert!((vf - 0.880_625).abs() < 1e-6);
        assert_eq!(vf, vc);
        assert_eq!(gf, gc);
        let want = [0.11, -0.14, 0.0, 0.16, -0.105, 0.13];
        for (g, w) in gf.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{gf:?}");
        }
    }
}
