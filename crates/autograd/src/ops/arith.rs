//! Broadcasting arithmetic: the gradient of a broadcast operand is summed back to its shape.
use crate::tape::Var;
use kerust_tensor::{Result, Tensor};

impl Var {
    /// `self + other` (broadcasting).
    pub fn add(&self, other: &Var) -> Result<Var> {
        let (sa, sb) = (self.shape().to_vec(), other.shape().to_vec());
        let y = self.value.add(&other.value)?;
        self.tape.record1(&[self, other], y, move |g| {
            Ok(vec![Some(g.sum_to_shape(&sa)?), Some(g.sum_to_shape(&sb)?)])
        })
    }

    /// `self - other` (broadcasting).
    pub fn sub(&self, other: &Var) -> Result<Var> {
        let (sa, sb) = (self.shape().to_vec(), other.shape().to_vec());
        let y = self.value.sub(&other.value)?;
        self.tape.record1(&[self, other], y, move |g| {
            Ok(vec![
                Some(g.sum_to_shape(&sa)?),
                Some(g.neg()?.sum_to_shape(&sb)?),
            ])
        })
    }

    /// `self * other` elementwise (broadcasting).
    pub fn mul(&self, other: &Var) -> Result<Var> {
        let (a, b) = (self.value.clone(), other.value.clone());
        let y = a.mul(&b)?;
        self.tape.record1(&[self, other], y, move |g| {
            Ok(vec![
                Some(g.mul(&b)?.sum_to_shape(a.shape())?),
                Some(g.mul(&a)?.sum_to_shape(b.shape())?),
            ])
        })
    }

    /// `self / other` elementwise (broadcasting).
    pub fn div(&self, other: &Var) -> Result<Var> {
        let (a, b) = (self.value.clone(), other.value.clone());
        let y = a.div(&b)?;
        let yc = y.clone();
        self.tape.record1(&[self, other], y, move |g| {
            let ga = g.div(&b)?.sum_to_shape(a.shape())?;
            let gb = g.mul(&yc)?.div(&b)?.neg()?.sum_to_shape(b.shape())?;
            Ok(vec![Some(ga), Some(gb)])
        })
    }

    /// `self + s`.
    pub fn add_scalar(&self, s: f32) -> Result<Var> {
        let y = self.value.add_scalar(s)?;
        self.tape.record1(&[self], y, |g| Ok(vec![Some(g.clone())]))
    }

    /// `self * s`.
    pub fn mul_scalar(&self, s: f32) -> Result<Var> {
        let y = self.value.mul_scalar(s)?;
        self.tape
            .record1(&[self], y, move |g| Ok(vec![Some(g.mul_scalar(s)?)]))
    }

    /// `-self`.
    pub fn neg(&self) -> Result<Var> {
        self.mul_scalar(-1.0)
    }

    /// `s - self` (e.g. `1 - z` in a GRU).
    pub fn rsub_scalar(&self, s: f32) -> Result<Var> {
        self.mul_scalar(-1.0)?.add_scalar(s)
    }

    /// Multiply by a constant tensor (masks, dropout, sample weights) without recording a
    /// gradient for the constant.
    pub fn mul_const(&self, c: &Tensor) -> Result<Var> {
        let shape = self.shape().to_vec();
        // Constants (dropout and padding masks) are drawn on the host; they join x's device.
        let c2 = c.to(self.value.device())?;
        let y = self.value.mul(&c2)?;
        self.tape.record1(&[self], y, move |g| {
            Ok(vec![Some(g.mul(&c2)?.sum_to_shape(&shape)?)])
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::gradcheck::check_op;

    #[test]
    fn binary_ops_gradcheck_with_broadcasting() {
        check_op(&[&[3, 4], &[4]], |v| v[0].add(&v[1]));
        check_op(&[&[3, 1], &[1, 4]], |v| v[0].sub(&v[1]));
        check_op(&[&[2, 3, 4], &[3, 1]], |v| v[0].mul(&v[1]));
        check_op(&[&[3, 4], &[3, 4]], |v| {
            v[0].div(&v[1].mul(&v[1])?.add_scalar(1.0)?)
        });
        check_op(&[&[5]], |v| {
            v[0].mul_scalar(-2.5)?.add_scalar(3.0)?.rsub_scalar(1.0)
        });
    }
}
