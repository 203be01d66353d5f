//! `Dot(axes, normalize)`: batchwise dot products (cosine similarity with `normalize=True`).
use super::common::{check_count, runtime_shapes, vars};
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_autograd::Var;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `backend.epsilon()`: the smallest norm `normalize` divides by.
const EPSILON: f32 = 1e-7;

/// Keras `Dot(axes, normalize=False)` on inputs of rank 2 or 3. `axes` gives the contracted axis
/// of each input (batch axis excluded). Output: the remaining axes of the first input, then of
/// the second; rank-1 results become `[batch, 1]`. With `normalize`, both inputs are L2-normalized
/// along their contracted axis first, so `Dot(axes=1, normalize=True)` on `[b, d]` vectors is the
/// cosine similarity (the Quora Siamese model). No mask is passed on.
#[derive(Debug, Clone)]
pub struct Dot {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// Contracted axis of the first and of the second input (negative counts from the end).
    pub axes: (isize, isize),
    /// L2-normalise both inputs along the axes first (cosine similarity).
    pub normalize: bool,
}

impl Dot {
    /// `Dot(axes)` with the same axis for both inputs.
    pub fn new(axes: isize) -> Self {
        Self::with_axes((axes, axes))
    }
    /// `Dot(axes=(a1, a2))`.
    pub fn with_axes(axes: (isize, isize)) -> Self {
        Self {
            base: LayerBase::new("Dot"),
            axes,
            normalize: false,
        }
    }
    /// Keras `normalize=`: L2-normalise both inputs first, giving cosine similarity (default
    /// `False`).
    pub fn normalize(mut self, n: bool) -> Self {
        self.normalize = n;
        self
    }
    /// Keras `name=`: the layer's name (default: a unique name from the class, e.g. `dense_1`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Keras `from_config`: the layer from its `get_config` dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("Dot", cfg);
        let bad = || {
            LayerError::config(
                "Dot config",
                "field 'axes' must be an integer or a list of two integers",
            )
        };
        let axes = match c.get("axes") {
            Json::Number(n) => {
                let a = n.as_i64().ok_or_else(bad)? as isize;
                (a, a)
            }
            Json::Array(a) if a.len() == 2 => (
                a[0].as_i64().ok_or_else(bad)? as isize,
                a[1].as_i64().ok_or_else(bad)? as isize,
            ),
            _ => return Err(bad()),
        };
        let mut l = Self::with_axes(axes);
        l.base = LayerBase::from_config(cfg);
        l.normalize = c.bool_or("normalize", false);
        Ok(l)
    }

    /// Contracted axes as indices, checked against ranks and sizes.
    fn resolve(&self, shapes: &[Shape]) -> Result<(usize, usize)> {
        let name = self.base.name();
        check_count(name, shapes, 2, true)?;
        let (r1, r2) = (shapes[0].len(), shapes[1].len());
        if !(2..=3).contains(&r1) || !(2..=3).contains(&r2) {
            return Err(LayerError::input(
                name,
                "two inputs of rank 2 [batch, features] or 3 [batch, steps, features]",
                shapes,
            ));
        }
        let fix = |a: isize, r: usize| -> Result<usize> {
            let ax = if a < 0 { a + r as isize } else { a };
            if ax <= 0 || ax >= r as isize {
                return Err(LayerError::input(
                    name,
                    format!(
                        "axes {:?} inside the inputs and not the batch axis",
                        self.axes
                    ),
                    shapes,
                ));
            }
            Ok(ax as usize)
        };
        let (a1, a2) = (fix(self.axes.0, r1)?, fix(self.axes.1, r2)?);
        if let (Some(d1), Some(d2)) = (shapes[0][a1], shapes[1][a2]) {
            if d1 != d2 {
                return Err(LayerError::input(
                    name,
                    format!(
                        "equal sizes along the dot axes (axis {a1} of the first input has {d1}, axis {a2} of the second has {d2})"
                    ),
                    shapes,
                ));
            }
        }
        Ok((a1, a2))
    }
}

impl Layer for Dot {
    crate::layer_boilerplate!("Dot");

    fn build(&mut self, input_shapes: &[Shape], _rng: &mut Rng) -> Result<()> {
        self.resolve(input_shapes)?;
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let (a1, a2) = self.resolve(input_shapes)?;
        let mut s1 = input_shapes[0].clone();
        let mut s2 = input_shapes[1].clone();
        s1.remove(a1);
        s2.remove(a2);
        s2.remove(0);
        s1.extend(s2);
        if s1.len() == 1 {
            s1.push(Some(1));
        }
        Ok(vec![s1])
    }
    fn call(&self, inputs: &[Flow], _ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let xs = vars(self.base.name(), inputs)?;
        let shapes = runtime_shapes(&xs);
        let (a1, a2) = self.resolve(&shapes)?;
        let out_shape: Vec<usize> = self.compute_output_shape(&shapes)?[0]
            .iter()
            .map(|d| d.unwrap_or(0))
            .collect();
        let (mut x1, mut x2) = (xs[0].clone(), xs[1].clone());
        if self.normalize {
            x1 = l2_normalize(&x1, a1)?;
            x2 = l2_normalize(&x2, a2)?;
        }
        let y = if x1.shape().len() == 2 && x2.shape().len() == 2 {
            // [b, d]·[b, d] → [b, 1]: one fused multiply-and-sum.
            x1.mul(&x2)?.sum_axis(1, true)?
        } else {
            // Bring both to rank 3 with the contracted axis last in x1 and first in x2, then bmm.
            let left = match (x1.shape().len(), a1) {
                (2, _) => {
                    let s = x1.shape().to_vec();
                    x1.reshape(&[s[0], 1, s[1]])?
                }
                (_, 2) => x1,
                _ => x1.transpose(&[0, 2, 1])?,
            };
            let right = match (x2.shape().len(), a2) {
                (2, _) => {
                    let s = x2.shape().to_vec();
                    x2.reshape(&[s[0], s[1], 1])?
                }
                (_, 1) => x2,
                _ => x2.transpose(&[0, 2, 1])?,
            };
            left.bmm(&right)?.reshape(&out_shape)?
        };
        Ok(vec![Flow {
            value: Value::Float(y),
            mask: None,
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
        let axes = if self.axes.0 == self.axes.1 {
            json!(self.axes.0)
        } else {
            json!([self.axes.0, self.axes.1])
        };
        m.insert("axes".into(), axes);
        m.insert("normalize".into(), json!(self.normalize));
        Json::Object(m)
    }
}

/// Keras `normalize(x, axis)`: `x · min(1/‖x‖, 1/ε)` along `axis` of a rank-2/3 input, one node.
fn l2_normalize(x: &Var, axis: usize) -> Result<Var> {
    let shape = x.shape().to_vec();
    let n = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let xs = x.value().as_slice()?;
    let mut y = vec![0.0f32; xs.len()];
    // One scale per (outer, inner) line; `clipped` lines (norm below ε) have a constant scale.
    let mut scale = vec![0.0f32; outer * inner];
    let mut clipped = vec![false; outer * inner];
    for o in 0..outer {
        for i in 0..inner {
            let idx = |k: usize| (o * n + k) * inner + i;
            let ss: f32 = (0..n).map(|k| xs[idx(k)] * xs[idx(k)]).sum();
            let inv = 1.0 / ss.sqrt();
            let line = o * inner + i;
            if inv.is_finite() && inv <= 1.0 / EPSILON {
                scale[line] = inv;
            } else {
                scale[line] = 1.0 / EPSILON;
                clipped[line] = true;
            }
            for k in 0..n {
                y[idx(k)] = xs[idx(k)] * scale[line];
            }
        }
    }
    let y_saved = y.clone();
    Ok(x.tape()
        .record1(&[x], Tensor::from_vec(y, &shape)?, move |g: &Tensor| {
            let gs = g.as_slice()?;
            let mut dx = vec![0.0f32; gs.len()];
            for o in 0..outer {
                for i in 0..inner {
                    let idx = |k: usize| (o * n + k) * inner + i;
                    let line = o * inner + i;
                    let s = scale[line];
                    if clipped[line] {
                        (0..n).for_each(|k| dx[idx(k)] = gs[idx(k)] * s);
                    } else {
                        // d(x/‖x‖) = (g - y·<g, y>) / ‖x‖
                        let gy: f32 = (0..n).map(|k| gs[idx(k)] * y_saved[idx(k)]).sum();
                        (0..n).for_each(|k| dx[idx(k)] = (gs[idx(k)] - y_saved[idx(k)] * gy) * s);
                    }
                }
            }
            Ok(vec![Some(Tensor::from_vec(dx, &shape)?)])
        })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::gradcheck::check_merge_gradients;
    use crate::testing::check_config_round_trip;
    use kerust_autograd::Tape;

    fn run(l: &Dot, a: Tensor, b: Tensor) -> Result<Tensor> {
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, false, &mut rng);
        let out = l.call(
            &[Flow::float(tape.constant(a)), Flow::float(tape.constant(b))],
            &mut ctx,
        )?;
        Ok(out[0].var("t")?.value().clone())
    }

    #[test]
    fn vectors_cosine_and_sequences() {
        let a = Tensor::from_vec(vec![1., 2., 3., 0., 3., 4.], &[2, 3]).unwrap();
        let b = Tensor::from_vec(vec![4., 5., 6., 0., 4., -3.], &[2, 3]).unwrap();
        let y = run(&Dot::new(1), a.clone(), b.clone()).unwrap();
        assert_eq!(y.shape(), &[2, 1]);
        assert_eq!(y.to_vec().unwrap(), vec![32., 0.]);
        let y = run(&Dot::new(1).normalize(true), a, b)
            .unwrap()
            .to_vec()
            .unwrap();
        let cos = 32.0 / (14f32.sqrt() * 77f32.sqrt());
        assert!((y[0] - cos).abs() < 1e-6 && y[1].abs() < 1e-6, "{y:?}");
        // [1, 2, 3] · [1, 4, 3] over axis 2 → [1, 2, 4].
        let l = Dot::new(2);
        let s = l
            .compute_output_shape(&[vec![None, Some(2), Some(3)], vec![None, Some(4), Some(3)]])
            .unwrap();
        assert_eq!(s[0], vec![None, Some(2), Some(4)]);
        let x1 = Tensor::from_vec((0..6).map(|v| v as f32).collect(), &[1, 2, 3]).unwrap();
        let x2 = Tensor::from_vec((0..12).map(|v| v as f32).collect(), &[1, 4, 3]).unwrap();
        let y = run(&l, x1, x2).unwrap();
        assert_eq!(y.shape(), &[1, 2, 4]);
        assert_eq!(
            y.to_vec().unwrap(),
            vec![5., 14., 23., 32., 14., 50., 86., 122.]
        );
        // Zero vector: Keras clips the norm at ε → zeros, not NaN.
        let z = run(
            &Dot::new(1).normalize(true),
            Tensor::zeros(&[1, 2]).unwrap(),
            Tensor::ones(&[1, 2]).unwrap(),
        )
        .unwrap();
        assert_eq!(z.to_vec().unwrap(), vec![0.0]);
    }

    #[test]
    fn mismatched_shapes_are_typed_errors() {
        let e = Dot::new(1)
            .compute_output_shape(&[vec![None, Some(3)], vec![None, Some(4)]])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("layer 'dot") && e.contains("has 3") && e.contains("has 4"),
            "{e}"
        );
        assert!(Dot::new(1)
            .compute_output_shape(&[vec![None, Some(3)]])
            .is_err());
        assert!(Dot::new(0)
            .compute_output_shape(&[vec![None, Some(3)], vec![None, Some(3)]])
            .is_err());
        let e = run(
            &Dot::new(1),
            Tensor::zeros(&[2, 3]).unwrap(),
            Tensor::zeros(&[2, 4]).unwrap(),
        )
        .unwrap_err();
        assert!(matches!(e, LayerError::Input { .. }), "{e}");
    }

    #[test]
    fn gradients_and_config() {
        check_merge_gradients(Dot::new(1), &[&[3, 4], &[3, 4]]);
        check_merge_gradients(Dot::new(1).normalize(true), &[&[3, 4], &[3, 4]]);
        check_merge_gradients(Dot::new(2), &[&[2, 3, 4], &[2, 2, 4]]);
        check_merge_gradients(
            Dot::with_axes((1, 2)).normalize(true),
            &[&[2, 3, 2], &[2, 4, 3]],
        );
        check_merge_gradients(Dot::with_axes((1, 2)), &[&[2, 3], &[2, 4, 3]]);
        check_merge_gradients(Dot::with_axes((2, 1)), &[&[2, 4, 3], &[2, 3]]);
        check_config_round_trip(Dot::new(1).normalize(true), Dot::from_config);
        check_config_round_trip(Dot::with_axes((1, 2)), Dot::from_config);
    }
}
