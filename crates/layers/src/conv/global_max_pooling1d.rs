//! `GlobalMaxPooling1D`: the largest value of every channel over all steps, `[b, t, c]` → `[b, c]`.
use super::conv1d::check_channels_last;
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::Flow;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `GlobalMaxPooling1D(keepdims=False)`. Like Keras 3 it ignores an incoming mask (padded
/// steps take part in the max) and passes no mask on.
#[derive(Debug, Clone)]
pub struct GlobalMaxPooling1D {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// Keep the time axis with length 1 (`[b, 1, c]`).
    pub keepdims: bool,
}

/// Keras alias `GlobalMaxPool1D`.
pub type GlobalMaxPool1D = GlobalMaxPooling1D;

impl Default for GlobalMaxPooling1D {
    fn default() -> Self {
        Self::new()
    }
}

impl GlobalMaxPooling1D {
    /// `GlobalMaxPooling1D()`: maximum over time.
    pub fn new() -> Self {
        Self {
            base: LayerBase::new("GlobalMaxPooling1D"),
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
        let c = Cfg::new("GlobalMaxPooling1D", cfg);
        check_channels_last(&c)?;
        Ok(Self {
            base: LayerBase::from_config(cfg),
            keepdims: c.bool_or("keepdims", false),
        })
    }
}

/// Check a `[batch, steps, channels]` shape for a global 1-D pooling layer.
pub(crate) fn check_rank3(layer: &str, s: &[Option<usize>]) -> Result<()> {
    if s.len() != 3 {
        return Err(LayerError::input(
            layer,
            "input of rank 3 [batch, steps, channels]",
            s,
        ));
    }
    Ok(())
}

/// Output shape `[b, c]` (or `[b, 1, c]` with keepdims) of a global 1-D pooling.
pub(crate) fn pooled_shape(s: &Shape, keepdims: bool) -> Shape {
    if keepdims {
        vec![s[0], Some(1), s[2]]
    } else {
        vec![s[0], s[2]]
    }
}

impl Layer for GlobalMaxPooling1D {
    crate::layer_boilerplate!("GlobalMaxPooling1D");

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
        if t == 0 {
            return Err(LayerError::input(
                self.base.name(),
                "at least one step to take the maximum over",
                x.shape(),
            ));
        }
        let xs = x.value().as_slice()?;
        let mut y = vec![f32::NEG_INFINITY; b * c];
        let mut arg = vec![0usize; b * c];
        for bi in 0..b {
            let yo = &mut y[bi * c..(bi + 1) * c];
            let ao = &mut arg[bi * c..(bi + 1) * c];
            for ti in 0..t {
                let off = (bi * t + ti) * c;
                for ch in 0..c {
                    if ti == 0 || xs[off + ch] > yo[ch] {
                        yo[ch] = xs[off + ch];
                        ao[ch] = off + ch;
                    }
                }
            }
        }
        let shape = if self.keepdims {
            vec![b, 1, c]
        } else {
            vec![b, c]
        };
        let (n_in, dims) = (x.value().numel(), x.shape().to_vec());
        let out = x
            .tape()
            .record1(&[x], Tensor::from_vec(y, &shape)?, move |g: &Tensor| {
                let gs = g.as_slice()?;
                let mut dx = vec![0.0f32; n_in];
                for (i, &a) in arg.iter().enumerate() {
                    dx[a] += gs[i];
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

    #[test]
    fn max_over_steps() {
        let x = Tensor::from_vec(vec![1., -1., 3., 0., 2., 5.], &[1, 3, 2]).unwrap();
        let y = forward(&GlobalMaxPool1D::new(), x.clone()).unwrap();
        assert_eq!(y.shape(), &[1, 2]);
        assert_eq!(y.to_vec().unwrap(), vec![3., 5.]);
        let y = forward(&GlobalMaxPooling1D::new().keepdims(true), x).unwrap();
        assert_eq!(y.shape(), &[1, 1, 2]);
        let e = forward(&GlobalMaxPooling1D::new(), Tensor::zeros(&[2, 3]).unwrap()).unwrap_err();
        assert!(e.to_string().contains("rank 3"), "{e}");
    }

    #[test]
    fn gradients_and_config() {
        check_layer_gradients(GlobalMaxPooling1D::new(), &[3, 5, 4]);
        check_config_round_trip(
            GlobalMaxPooling1D::new().keepdims(true),
            GlobalMaxPooling1D::from_config,
        );
    }
}
