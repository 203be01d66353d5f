//! Reductions and softmax: sums and means spread the gradient back, max routes it to the maxima.
use crate::tape::Var;
use kerust_tensor::{Result, Tensor};

impl Var {
    /// Sum of every element (a scalar of shape `[]`).
    pub fn sum_all(&self) -> Result<Var> {
        let shape = self.shape().to_vec();
        let y = Tensor::scalar(self.value.sum_all()?);
        self.tape.record1(&[self], y, move |g| {
            Ok(vec![Some(Tensor::full(&shape, g.item()?)?)])
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
            let hit = x.zip_map(
                &ykeep,
                "max_axis backward",
                |a, m| if a == m { 1.0 } else { 0.0 },
            )?;
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
    }
}
