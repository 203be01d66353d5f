//! `Concatenate(axis=-1)`: join inputs along one axis.
use super::common::{check_count, runtime_shapes, vars, widen_mask};
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_autograd::Var;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `Concatenate(axis=-1)`. Inputs must agree on every axis except `axis`. Masks follow
/// Keras: each input's mask (all ones where missing) is spread over its features, joined, and
/// reduced with "any" over the last axis.
#[derive(Debug, Clone)]
pub struct Concatenate {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// The axis to join along (negative counts from the end; 0, the batch, is not allowed).
    pub axis: isize,
}

impl Default for Concatenate {
    fn default() -> Self {
        Self::new()
    }
}

impl Concatenate {
    /// `Concatenate()`: join the inputs along the last axis.
    pub fn new() -> Self {
        Self {
            base: LayerBase::new("Concatenate"),
            axis: -1,
        }
    }
    /// Keras `axis=`: axis to join along (default -1).
    pub fn axis(mut self, axis: isize) -> Self {
        self.axis = axis;
        self
    }
    /// Keras `name=`: the layer's name (default: a unique name from the class, e.g. `dense_1`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Keras `from_config`: the layer from its `get_config` dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("Concatenate", cfg);
        let axis = match c.get("axis") {
            Json::Null => -1,
            v => v.as_i64().ok_or_else(|| {
                LayerError::config("Concatenate config", "field 'axis' must be an integer")
            })? as isize,
        };
        Ok(Self {
            base: LayerBase::from_config(cfg),
            axis,
        })
    }

    /// The axis as an index into a shape of rank `rank` (batch axis refused).
    fn resolve(&self, rank: usize, shapes: &[Shape]) -> Result<usize> {
        let ax = if self.axis < 0 {
            rank as isize + self.axis
        } else {
            self.axis
        };
        if ax <= 0 || ax >= rank as isize {
            return Err(LayerError::input(
                self.base.name(),
                format!(
                    "inputs with an axis {} other than the batch axis (rank {rank})",
                    self.axis
                ),
                shapes,
            ));
        }
        Ok(ax as usize)
    }
}

impl Layer for Concatenate {
    crate::layer_boilerplate!("Concatenate");

    fn build(&mut self, input_shapes: &[Shape], _rng: &mut Rng) -> Result<()> {
        self.compute_output_shape(input_shapes)?;
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let name = self.base.name();
        check_count(name, input_shapes, 1, false)?;
        let rank = input_shapes[0].len();
        let mismatch = || {
            LayerError::input(
                name,
                format!(
                    "inputs with matching shapes except along the concatenation axis {}",
                    self.axis
                ),
                input_shapes,
            )
        };
        if input_shapes.iter().any(|s| s.len() != rank) {
            return Err(mismatch());
        }
        let ax = self.resolve(rank, input_shapes)?;
        let mut out = input_shapes[0].clone();
        for s in &input_shapes[1..] {
            for d in 1..rank {
                if d == ax {
                    out[d] = match (out[d], s[d]) {
                        (Some(a), Some(b)) => Some(a + b),
                        _ => None,
                    };
                } else if let (Some(a), Some(b)) = (out[d], s[d]) {
                    if a != b {
                        return Err(mismatch());
                    }
                } else if out[d].is_none() {
                    out[d] = s[d];
                }
            }
        }
        Ok(vec![out])
    }
    fn call(&self, inputs: &[Flow], _ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let name = self.base.name();
        let xs = vars(name, inputs)?;
        let shapes = runtime_shapes(&xs);
        self.compute_output_shape(&shapes)?;
        let ax = self.resolve(shapes[0].len(), &shapes)?;
        let y = Var::concat(&xs, ax as isize)?;
        let mask = if inputs.iter().all(|f| f.mask.is_none()) {
            None
        } else {
            let full: Vec<Tensor> = inputs
                .iter()
                .zip(&xs)
                .map(|(f, x)| match &f.mask {
                    Some(m) => widen_mask(name, m, x.shape()),
                    None => Ok(Tensor::ones(x.shape())?),
                })
                .collect::<Result<_>>()?;
            let refs: Vec<&Tensor> = full.iter().collect();
            Some(Tensor::concat(&refs, ax as isize)?.max_axis(-1, false)?)
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
        let mut m = self.base.config();
        m.insert("axis".into(), json!(self.axis));
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::gradcheck::check_merge_gradients;
    use crate::testing::check_config_round_trip;
    use kerust_autograd::Tape;

    #[test]
    fn joins_shapes_and_masks() {
        let l = Concatenate::new();
        let s = l
            .compute_output_shape(&[vec![None, Some(5), Some(3)], vec![None, Some(5), Some(4)]])
            .unwrap();
        assert_eq!(s[0], vec![None, Some(5), Some(7)]);
        let e = l
            .compute_output_shape(&[vec![None, Some(5), Some(3)], vec![None, Some(6), Some(4)]])
            .unwrap_err()
            .to_string();
        assert!(e.contains("concatenate") && e.contains("Some(6)"), "{e}");
        let s = Concatenate::new()
            .axis(1)
            .compute_output_shape(&[vec![None, Some(5), Some(3)], vec![None, Some(2), Some(3)]])
            .unwrap();
        assert_eq!(s[0], vec![None, Some(7), Some(3)]);
        assert!(Concatenate::new()
            .axis(0)
            .compute_output_shape(&[vec![None, Some(2)], vec![None, Some(2)]])
            .is_err());

        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, false, &mut rng);
        let a = tape.constant(Tensor::from_vec(vec![1., 2., 3., 4.], &[1, 2, 2]).unwrap());
        let b = tape.constant(Tensor::from_vec(vec![5., 6.], &[1, 2, 1]).unwrap());
        let fa = Flow {
            value: Value::Float(a),
            mask: Some(Tensor::from_vec(vec![1., 0.], &[1, 2]).unwrap()),
        };
        let y = l
            .call(&[fa.clone(), Flow::float(b.clone())], &mut ctx)
            .unwrap();
        assert_eq!(
            y[0].var("t").unwrap().value().to_vec().unwrap(),
            vec![1., 2., 5., 3., 4., 6.]
        );
        // Unmasked b counts as all-ones → every step kept.
        assert_eq!(y[0].mask.as_ref().unwrap().to_vec().unwrap(), vec![1., 1.]);
        // Along time: the masks are joined (a missing mask counts as all ones).
        let y = Concatenate::new()
            .axis(1)
            .call(
                &[fa.clone(), Flow::float(fa.var("t").unwrap().clone())],
                &mut ctx,
            )
            .unwrap();
        assert_eq!(y[0].var("t").unwrap().shape(), &[1, 4, 2]);
        assert_eq!(
            y[0].mask.as_ref().unwrap().to_vec().unwrap(),
            vec![1., 0., 1., 1.]
        );
        let e = Concatenate::new()
            .axis(1)
            .call(&[fa, Flow::float(b)], &mut ctx)
            .unwrap_err();
        assert!(matches!(e, LayerError::Input { .. }), "{e}");
    }

    #[test]
    fn gradients_and_config() {
        check_merge_gradients(Concatenate::new(), &[&[2, 3], &[2, 2]]);
        check_merge_gradients(Concatenate::new().axis(1), &[&[2, 1, 3], &[2, 2, 3]]);
        check_config_round_trip(Concatenate::new().axis(1), Concatenate::from_config);
    }
}
