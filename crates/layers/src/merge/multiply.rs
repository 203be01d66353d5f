//! `Multiply`: the elementwise product of several inputs, with Keras 3's mask handling.
use super::common::{
    align_ranks, check_count, elementwise_shape, runtime_shapes, vars, widen_mask,
};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::flow::{Flow, Value};
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::{Rng, Tensor};
use serde_json::Value as Json;

/// Keras `Multiply()`. Like Keras 3, a masked input counts as 1 at its masked steps; when every
/// input has a mask, steps masked in all inputs are zeroed and the OR of the masks is passed on.
#[derive(Debug, Clone)]
pub struct Multiply {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
}

impl Default for Multiply {
    fn default() -> Self {
        Self::new()
    }
}

impl Multiply {
    /// `Multiply()`: elementwise product of its inputs.
    pub fn new() -> Self {
        Self {
            base: LayerBase::new("Multiply"),
        }
    }
    /// Keras `name=`: the layer's name (default: a unique name from the class, e.g. `dense_1`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Keras `from_config`: the layer from its `get_config` dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        Ok(Self {
            base: LayerBase::from_config(cfg),
        })
    }
}

impl Layer for Multiply {
    crate::layer_boilerplate!("Multiply");

    fn build(&mut self, input_shapes: &[Shape], _rng: &mut Rng) -> Result<()> {
        self.compute_output_shape(input_shapes)?;
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        check_count(self.base.name(), input_shapes, 1, false)?;
        Ok(vec![elementwise_shape(self.base.name(), input_shapes)?])
    }
    fn call(&self, inputs: &[Flow], _ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let name = self.base.name();
        let raw = vars(name, inputs)?;
        self.compute_output_shape(&runtime_shapes(&raw))?;
        let all_masked = inputs.iter().all(|f| f.mask.is_some());
        let mut out_mask: Option<Tensor> = None;
        let mut xs = Vec::with_capacity(raw.len());
        for (x, f) in raw.iter().zip(inputs) {
            let Some(m) = &f.mask else {
                xs.push((*x).clone());
                continue;
            };
            // x·m + (1 - m): masked entries become 1, the identity of the product.
            let wide = widen_mask(name, m, x.shape())?;
            let ones_out = wide.map("mask_not", |v| 1.0 - v)?;
            xs.push(
                x.mul(&x.constant_like(wide.clone()))?
                    .add(&x.constant_like(ones_out))?,
            );
            if all_masked {
                out_mask = Some(match out_mask {
                    None => wide,
                    Some(o) => o.maximum(&wide)?,
                });
            }
        }
        let refs: Vec<&kerust_autograd::Var> = xs.iter().collect();
        let xs = align_ranks(&refs)?;
        let mut y = xs[0].clone();
        for x in &xs[1..] {
            y = y.mul(x)?;
        }
        let mask = match out_mask {
            Some(wide) if wide.shape() == y.shape() => {
                y = y.mul(&y.constant_like(wide.clone()))?;
                // any over the feature axis → [batch, time]
                Some(wide.max_axis(-1, false)?)
            }
            _ => None,
        };
        Ok(vec![Flow {
            value: Value::Float(y),
            mask,
        }])
    }
    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
    }
    fn get_config(&self) -> Json {
        Json::Object(self.base.config())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::gradcheck::check_merge_gradients;
    use crate::testing::check_config_round_trip;
    use kerust_autograd::Tape;

    #[test]
    fn product_and_masks() {
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, false, &mut rng);
        let a = tape.constant(Tensor::from_vec(vec![1., 2., 3., 4.], &[1, 2, 2]).unwrap());
        let b = tape.constant(Tensor::from_vec(vec![5., 6., 7., 8.], &[1, 2, 2]).unwrap());
        let l = Multiply::new();
        let y = l
            .call(&[Flow::float(a.clone()), Flow::float(b.clone())], &mut ctx)
            .unwrap();
        assert_eq!(
            y[0].var("t").unwrap().value().to_vec().unwrap(),
            vec![5., 12., 21., 32.]
        );
        // Only `a` masked at step 1: a counts as 1 there → b passes through; no output mask.
        let ma = Tensor::from_vec(vec![1., 0.], &[1, 2]).unwrap();
        let fa = Flow {
            value: Value::Float(a.clone()),
            mask: Some(ma.clone()),
        };
        let y = l
            .call(&[fa.clone(), Flow::float(b.clone())], &mut ctx)
            .unwrap();
        assert_eq!(
            y[0].var("t").unwrap().value().to_vec().unwrap(),
            vec![5., 12., 7., 8.]
        );
        assert!(y[0].mask.is_none());
        // Both masked at step 1 → zeros there, mask OR passed on.
        let fb = Flow {
            value: Value::Float(b),
            mask: Some(ma),
        };
        let y = l.call(&[fa, fb], &mut ctx).unwrap();
        assert_eq!(
            y[0].var("t").unwrap().value().to_vec().unwrap(),
            vec![5., 12., 0., 0.]
        );
        assert_eq!(y[0].mask.as_ref().unwrap().to_vec().unwrap(), vec![1., 0.]);
    }

    #[test]
    fn gradients_and_config() {
        check_merge_gradients(Multiply::new(), &[&[2, 3], &[2, 3]]);
        check_merge_gradients(Multiply::new(), &[&[2, 2, 3], &[2, 1, 3], &[2, 2, 1]]);
        check_config_round_trip(Multiply::new(), Multiply::from_config);
    }
}
