//! `Add`: the elementwise sum of several inputs (Keras broadcasting of size-1 axes).
use super::common::{align_ranks, check_count, elementwise_shape, or_masks, runtime_shapes, vars};
use crate::ctx::Ctx;
use crate::error::Result;
use crate::flow::{Flow, Value};
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::Rng;
use serde_json::Value as Json;

/// Keras `Add()`: `inputs[0] + inputs[1] + ...`. The output mask is the OR of the input masks
/// when every input has one (Keras `Merge.compute_mask`).
#[derive(Debug, Clone)]
pub struct Add {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
}

impl Default for Add {
    fn default() -> Self {
        Self::new()
    }
}

impl Add {
    /// `Add()`: elementwise sum of its inputs.
    pub fn new() -> Self {
        Self {
            base: LayerBase::new("Add"),
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

impl Layer for Add {
    crate::layer_boilerplate!("Add");

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
        let xs = vars(self.base.name(), inputs)?;
        self.compute_output_shape(&runtime_shapes(&xs))?;
        let xs = align_ranks(&xs)?;
        let mut y = xs[0].clone();
        for x in &xs[1..] {
            y = y.add(x)?;
        }
        Ok(vec![Flow {
            value: Value::Float(y),
            mask: or_masks(inputs)?,
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
    use kerust_tensor::Tensor;

    #[test]
    fn sums_broadcasts_and_rejects_mismatch() {
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, false, &mut rng);
        let a = tape.constant(Tensor::from_vec(vec![1., 2., 3., 4.], &[2, 2]).unwrap());
        let b = tape.constant(Tensor::from_vec(vec![10., 20.], &[2, 1]).unwrap());
        let l = Add::new();
        let y = l
            .call(&[Flow::float(a.clone()), Flow::float(b)], &mut ctx)
            .unwrap();
        assert_eq!(
            y[0].var("t").unwrap().value().to_vec().unwrap(),
            vec![11., 12., 23., 24.]
        );
        let c = tape.constant(Tensor::zeros(&[2, 3]).unwrap());
        let e = l
            .call(&[Flow::float(a), Flow::float(c)], &mut ctx)
            .unwrap_err()
            .to_string();
        assert!(e.contains("layer 'add") && e.contains("Some(3)"), "{e}");
    }

    #[test]
    fn gradients_and_config() {
        check_merge_gradients(Add::new(), &[&[2, 3], &[2, 3], &[2, 3]]);
        check_merge_gradients(Add::new(), &[&[2, 4, 3], &[2, 1, 3]]);
        check_config_round_trip(Add::new(), Add::from_config);
    }
}
