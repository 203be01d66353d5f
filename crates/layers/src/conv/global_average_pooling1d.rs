//! `GlobalAveragePooling1D`: the mean of every channel over the (unmasked) steps, `[b, t, c]` → `[b, c]`.
use super::conv1d::check_channels_last;
use super::global_max_pooling1d::{check_rank3, pooled_shape};
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `GlobalAveragePooling1D(keepdims=False)`. With a mask (from `Embedding(mask_zero=True)`)
/// it averages only the unmasked steps, exactly like Keras: `sum(x·m) / sum(m)` — so a sample whose
/// steps are all masked gives `NaN`, as in Keras. The mask is consumed.
#[derive(Debug, Clone)]
pub struct GlobalAveragePooling1D {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// Keep the time axis with length 1 (`[b, 1, c]`).
    pub keepdims: bool,
}

/// Keras alias `GlobalAvgPool1D`.
pub type GlobalAvgPool1D = GlobalAveragePooling1D;

impl Default for GlobalAveragePooling1D {
    fn default() -> Self {
        Self::new()
    }
}

impl GlobalAveragePooling1D {
    /// `GlobalAveragePooling1D()`: mean over time (masked steps excluded).
    pub fn new() -> Self {
        Self {
            base: LayerBase::new("GlobalAveragePooling1D"),
            keepdims: false,
        }
    }
    /// Keras `keepdims=`: keep the pooled time axis with length 1 (default `False`).
    pub fn keepdims(mut self, k: bool) -> Self {
        self.keepdims = k;
        self
    }
    /// Keras `name=`: the layer's name (default: a unique name from the class, e.g. `dense_1`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Keras `from_config`: the layer from its `get_config` dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("GlobalAveragePooling1D", cfg);
        check_channels_last(&c)?;
        Ok(Self {
            base: LayerBase::from_config(cfg),
            keepdims: c.bool_or("keepdims", false),
        })
    }
}

impl Layer for GlobalAveragePooling1D {
    crate::layer_boilerplate!("GlobalAveragePooling1D");

    fn build(&mut self, input_shapes: &[Shape], _rng: &mut Rng) -> Result<()> {
        check_rank3(self.base.name(), &input_shapes[0])?;
        self.base.built = true;
        Ok(())
    }
    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        check_rank3(self.base.name(), &input_shapes[0])?;
        Ok(vec![pooled_shape(&input_shapes[0], self.keepdims)])
    }
    fn call(&self, inputs: &[Flow], _ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        let [b, t, c] = *x.shape() else {
            return Err(LayerError::input(
                self.base.name(),
                "input of rank 3 [batch, steps, channels]",
                x.shape(),
            ));
        };
        // Per-step weight: mask / count (or 1 / t without a mask).
        let weights: Vec<f32> = match &inputs[0].mask {
            None => vec![1.0 / t as f32; b * t],
            Some(m) if m.shape() == [b, t] => {
                let mv = m.as_slice()?;
                let mut w = vec![0.0f32; b * t];
                for bi in 0..b {
                    let row = &mv[bi * t..(bi + 1) * t];
                    let count: f32 = row.iter().map(|&v| if v != 0.0 { 1.0 } else { 0.0 }).sum();
                    for (wi, &v) in w[bi * t..(bi + 1) * t].iter_mut().zip(row) {
                        // 0/0 = NaN for an all-masked sample, like Keras.
                        *wi = if v != 0.0 { 1.0 / count } else { 0.0 / count };
                    }
                }
                w
            }
            Some(m) => {
                return Err(LayerError::input(
                    self.base.name(),
                    format!("a mask of shape [{b}, {t}] matching the input"),
                    m.shape(),
                ))
            }
        };
        let xs = x.value().as_slice()?;
        let mut y = vec![0.0f32; b * c];
        for bi in 0..b {
            let yo = &mut y[bi * c..(bi + 1) * c];
            for ti in 0..t {
                let wt = weights[bi * t + ti];
                let xi = &xs[(bi * t + ti) * c..(bi * t + ti + 1) * c];
                if wt.is_nan() {
                    yo.iter_mut().for_each(|a| *a = f32::NAN);
                } else if wt != 0.0 {
                    yo.iter_mut().zip(xi).for_each(|(a, v)| *a += wt * v);
                }
            }
        }
        let shape = if self.keepdims {
            vec![b, 1, c]
        } else {
            vec![b, c]
        };
        let dims = x.shape().to_vec();
        let out = x
            .tape()
            .record1(&[x], Tensor::from_vec(y, &shape)?, move |g: &Tensor| {
                let gs = g.as_slice()?;
                let mut dx = vec![0.0f32; b * t * c];
                for bi in 0..b {
                    let go = &gs[bi * c..(bi + 1) * c];
                    for ti in 0..t {
                        let wt = weights[bi * t + ti];
                        dx[(bi * t + ti) * c..(bi * t + ti + 1) * c]
                            .iter_mut()
                            .zip(go)
                            .for_each(|(d, v)| *d = wt * v);
                    }
                }
                Ok(vec![Some(Tensor::from_vec(dx, &dims)?)])
            })?;
        Ok(vec![Flow::float(out)])
    }
    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
    }
    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("data_format".into(), json!("channels_last"));
        m.insert("keepdims".into(), json!(self.keepdims));
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_config_round_trip, check_layer_gradients, forward};
    use kerust_autograd::Tape;

    fn close(a: &Tensor, b: &[f32]) {
        let a = a.to_vec().unwrap();
        assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
        assert!(
            a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5),
            "{a:?} vs {b:?}"
        );
    }

    #[test]
    fn masked_mean_counts_only_kept_steps() {
        let x = Tensor::from_vec(vec![1., 2., 3., 4., 100., 100.], &[1, 3, 2]).unwrap();
        let y = forward(&GlobalAveragePooling1D::new(), x.clone()).unwrap();
        close(&y, &[104. / 3., 106. / 3.]);
        let l = GlobalAveragePooling1D::new();
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, true, &mut rng);
        let xv = tape.param(x);
        let flow = Flow {
            value: crate::flow::Value::Float(xv.clone()),
            mask: Some(Tensor::from_vec(vec![1., 1., 0.], &[1, 3]).unwrap()),
        };
        let out = l.call(&[flow], &mut ctx).unwrap();
        assert!(out[0].mask.is_none(), "the mask is consumed");
        let y = out[0].var("t").unwrap();
        assert_eq!(y.value().to_vec().unwrap(), vec![2., 3.]);
        let g = tape.backward(&y.sum_all().unwrap()).unwrap();
        assert_eq!(
            g.get(&xv).unwrap().to_vec().unwrap(),
            vec![0.5, 0.5, 0.5, 0.5, 0.0, 0.0]
        );
        // A mask of the wrong shape is a typed error.
        let bad = Flow {
            value: crate::flow::Value::Float(xv),
            mask: Some(Tensor::ones(&[1, 2]).unwrap()),
        };
        let e = l.call(&[bad], &mut ctx).unwrap_err();
        assert!(e.to_string().contains("mask of shape [1, 3]"), "{e}");
    }

    #[test]
    fn gradients_and_config() {
        check_layer_gradients(GlobalAveragePooling1D::new(), &[2, 4, 3]);
        check_layer_gradients(GlobalAveragePooling1D::new().keepdims(true), &[2, 4, 3]);
        check_config_round_trip(
            GlobalAveragePooling1D::new().keepdims(true),
            GlobalAveragePooling1D::from_config,
        );
    }
}
