//! `Masking(mask_value)`: marks time steps whose features all equal `mask_value` as padding, so
//! the recurrent layers after it skip them; masked steps are also zeroed, like Keras.
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `Masking(mask_value=0.0)`.
#[derive(Debug, Clone)]
pub struct Masking {
    /// Name, weights and build state shared by every layer.
    pub base: LayerBase,
    /// A step is masked when every feature equals this value.
    pub mask_value: f32,
    /// Input shape without batch when first in a `Sequential`.
    pub input_shape: Option<Shape>,
}

impl Default for Masking {
    fn default() -> Self {
        Self::new()
    }
}

impl Masking {
    /// `Masking()` with Keras's default `mask_value=0.0`.
    pub fn new() -> Self {
        Self {
            base: LayerBase::new("Masking"),
            mask_value: 0.0,
            input_shape: None,
        }
    }
    /// Keras `mask_value`.
    pub fn mask_value(mut self, v: f32) -> Self {
        self.mask_value = v;
        self
    }
    /// Keras `name`.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Keras `input_shape` (without the batch axis), for the first layer of a `Sequential`.
    pub fn input_shape(mut self, shape: &[Option<usize>]) -> Self {
        self.input_shape = Some(shape.to_vec());
        self
    }
    /// Rebuild from a Keras config.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("Masking", cfg);
        let mut l = Masking::new().mask_value(c.f32_or("mask_value", 0.0));
        l.base = LayerBase::from_config(cfg);
        l.input_shape = c.declared_input_shape();
        Ok(l)
    }
}

impl Layer for Masking {
    crate::layer_boilerplate!("Masking");

    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape.clone()
    }
    fn build(&mut self, input_shapes: &[Shape], _rng: &mut Rng) -> Result<()> {
        if input_shapes[0].len() < 2 {
            return Err(LayerError::input(
                self.base.name(),
                "input of rank >= 2 ([batch, time, features])",
                &input_shapes[0],
            ));
        }
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, s: &[Shape]) -> Result<Vec<Shape>> {
        Ok(vec![s[0].clone()])
    }
    fn call(&self, inputs: &[Flow], _ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        let shape = x.shape().to_vec();
        let Some((&f, outer)) = shape.split_last().filter(|(_, o)| !o.is_empty()) else {
            return Err(LayerError::input(
                self.base.name(),
                "input of rank >= 2 ([batch, time, features])",
                &shape,
            ));
        };
        // Which steps to keep is decided on the host (one copy of the input on a device).
        let host = x.value().to(kerust_tensor::Device::Cpu)?;
        let xs = host.as_slice()?;
        let keep: Vec<f32> = if f == 0 {
            vec![0.0; outer.iter().product()]
        } else {
            xs.chunks(f)
                .map(|row| {
                    if row.iter().any(|&v| v != self.mask_value) {
                        1.0
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let mut keep_shape = outer.to_vec();
        keep_shape.push(1);
        let y = x.mul_const(&Tensor::from_vec(keep.clone(), &keep_shape)?)?;
        Ok(vec![Flow {
            value: Value::Float(y),
            mask: Some(Tensor::from_vec(keep, outer)?),
        }])
    }
    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
    }
    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("mask_value".into(), json!(self.mask_value));
        crate::config::insert_input_shape(&mut m, &self.input_shape);
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rnn::lstm::LSTM;
    use crate::testing::{check_config_round_trip, check_layer_gradients};
    use kerust_autograd::Tape;

    #[test]
    fn masks_padded_steps_and_zeroes_them() {
        let l = Masking::new().mask_value(-1.0);
        let x = Tensor::from_vec(vec![1., 2., -1., -1., -1., 3., 0., 0.], &[2, 2, 2]).unwrap();
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, false, &mut rng);
        let out = l.call(&[Flow::float(tape.constant(x))], &mut ctx).unwrap();
        assert_eq!(
            out[0].mask.as_ref().unwrap().to_vec().unwrap(),
            vec![1., 0., 1., 1.]
        );
        assert_eq!(
            out[0].var("m").unwrap().value().to_vec().unwrap(),
            vec![1., 2., 0., 0., -1., 3., 0., 0.]
        );
    }

    #[test]
    fn lstm_after_masking_ignores_padding() {
        // A sequence with trailing zero padding gives the same last output as the unpadded one.
        let mut lstm = LSTM::new(3);
        lstm.build(&[vec![None, None, Some(2)]], &mut Rng::seed(1))
            .unwrap();
        let run = |x: Tensor| {
            let tape = Tape::new();
            let mut rng = Rng::seed(0);
            let mut ctx = Ctx::new(&tape, false, &mut rng);
            let m = Masking::new()
                .call(&[Flow::float(tape.constant(x))], &mut ctx)
                .unwrap();
            lstm.call(&m, &mut ctx).unwrap()[0]
                .var("l")
                .unwrap()
                .value()
                .to_vec()
                .unwrap()
        };
        let short = run(Tensor::from_vec(vec![0.5, -0.2, 0.1, 0.9], &[1, 2, 2]).unwrap());
        let padded =
            run(Tensor::from_vec(vec![0.5, -0.2, 0.1, 0.9, 0., 0., 0., 0.], &[1, 4, 2]).unwrap());
        assert_eq!(short, padded);
    }

    #[test]
    fn gradient_and_config() {
        check_layer_gradients(Masking::new(), &[2, 3, 2]);
        check_config_round_trip(Masking::new().mask_value(2.5), Masking::from_config);
    }
}
