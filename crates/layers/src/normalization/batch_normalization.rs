//! `BatchNormalization`: normalise each feature with the batch's statistics while training and
//! with the moving statistics at inference (Keras 3 semantics: `axis=-1`, `momentum=0.99`,
//! `epsilon=1e-3`; `moving_mean`/`moving_variance` are non-trainable and assigned in each step).
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use crate::regularizers::Regularizer;
use kerust_autograd::Var;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `backend.epsilon()`, added to the count of unmasked positions in masked moments.
const KERAS_EPSILON: f32 = 1e-7;

/// Keras `BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, ...)`.
#[derive(Debug, Clone)]
pub struct BatchNormalization {
    /// Name, weights and build state shared by every layer.
    pub base: LayerBase,
    /// The feature axis (default -1); every other axis is reduced.
    pub axis: isize,
    /// Weight of the old moving statistics in each update (default 0.99).
    pub momentum: f32,
    /// Added to the variance before the square root (default 1e-3).
    pub epsilon: f32,
    /// Whether to add the learned offset `beta`.
    pub center: bool,
    /// Whether to multiply by the learned scale `gamma`.
    pub scale: bool,
    /// Keras `beta_initializer` (default `"zeros"`).
    pub beta_initializer: Initializer,
    /// Keras `gamma_initializer` (default `"ones"`).
    pub gamma_initializer: Initializer,
    /// Keras `moving_mean_initializer` (default `"zeros"`).
    pub moving_mean_initializer: Initializer,
    /// Keras `moving_variance_initializer` (default `"ones"`).
    pub moving_variance_initializer: Initializer,
    /// Keras `beta_regularizer` (default `None`).
    pub beta_regularizer: Option<Regularizer>,
    /// Keras `gamma_regularizer` (default `None`).
    pub gamma_regularizer: Option<Regularizer>,
    /// Keras `synchronized` (cross-replica statistics; one replica here, so it changes nothing).
    pub synchronized: bool,
    /// Input shape without batch, when this is the first layer of a `Sequential`.
    pub input_shape: Option<Shape>,
    gamma: Option<Param>,
    beta: Option<Param>,
    moving_mean: Option<Param>,
    moving_variance: Option<Param>,
}

impl Default for BatchNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl BatchNormalization {
    /// A batch normalisation over the last axis with Keras defaults.
    pub fn new() -> Self {
        Self {
            base: LayerBase::new("BatchNormalization"),
            axis: -1,
            momentum: 0.99,
            epsilon: 1e-3,
            center: true,
            scale: true,
            beta_initializer: Initializer::Zeros,
            gamma_initializer: Initializer::Ones,
            moving_mean_initializer: Initializer::Zeros,
            moving_variance_initializer: Initializer::Ones,
            beta_regularizer: None,
            gamma_regularizer: None,
            synchronized: false,
            input_shape: None,
            gamma: None,
            beta: None,
            moving_mean: None,
            moving_variance: None,
        }
    }
    /// Keras `axis`: the feature axis (default -1).
    pub fn axis(mut self, axis: isize) -> Self {
        self.axis = axis;
        self
    }
    /// Keras `momentum` of the moving statistics (default 0.99).
    pub fn momentum(mut self, m: f32) -> Self {
        self.momentum = m;
        self
    }
    /// Keras `epsilon` added to the variance (default 1e-3).
    pub fn epsilon(mut self, e: f32) -> Self {
        self.epsilon = e;
        self
    }
    /// Keras `center`: learn the offset `beta` (default `True`).
    pub fn center(mut self, c: bool) -> Self {
        self.center = c;
        self
    }
    /// Keras `scale`: learn the factor `gamma` (default `True`).
    pub fn scale(mut self, s: bool) -> Self {
        self.scale = s;
        self
    }
    /// Keras `beta_initializer`.
    pub fn beta_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.beta_initializer = i.into();
        self
    }
    /// Keras `gamma_initializer`.
    pub fn gamma_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.gamma_initializer = i.into();
        self
    }
    /// Keras `moving_mean_initializer`.
    pub fn moving_mean_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.moving_mean_initializer = i.into();
        self
    }
    /// Keras `moving_variance_initializer`.
    pub fn moving_variance_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.moving_variance_initializer = i.into();
        self
    }
    /// Keras `beta_regularizer`.
    pub fn beta_regularizer(mut self, r: Regularizer) -> Self {
        self.beta_regularizer = Some(r);
        self
    }
    /// Keras `gamma_regularizer`.
    pub fn gamma_regularizer(mut self, r: Regularizer) -> Self {
        self.gamma_regularizer = Some(r);
        self
    }
    /// Keras `name`.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Keras `input_shape` (without the batch axis), for the first layer of a `Sequential`.
    pub fn input_shape(mut self, shape: &[usize]) -> Self {
        self.input_shape = Some(shape.iter().map(|&d| Some(d)).collect());
        self
    }

    /// Rebuild from a Keras 3 (or tf.keras 2) config.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("BatchNormalization", cfg);
        let err = |m: String| LayerError::config("BatchNormalization config", m);
        let mut l = BatchNormalization::new();
        l.base = LayerBase::from_config(cfg);
        l.axis = match c.get("axis") {
            Json::Null => -1,
            // tf.keras 2 may write a one-element list.
            Json::Array(a) if a.len() == 1 && a[0].is_i64() => a[0].as_i64().unwrap_or(-1) as isize,
            v => v.as_i64().map(|x| x as isize).ok_or_else(|| {
                err(format!(
                    "field 'axis' must be one integer (the feature axis), got {v}"
                ))
            })?,
        };
        l.momentum = c.f32_or("momentum", 0.99);
        l.epsilon = c.f32_or("epsilon", 1e-3);
        l.center = c.bool_or("center", true);
        l.scale = c.bool_or("scale", true);
        l.synchronized = c.bool_or("synchronized", false);
        if c.bool_or("renorm", false) {
            return Err(err(
                "renorm=True (batch renormalization) is not supported; use renorm=False".into(),
            ));
        }
        if let Some(vb) = c.get("virtual_batch_size").as_u64() {
            return Err(err(format!(
                "virtual_batch_size={vb} (tf.keras 2 ghost batch norm) is not supported; remove it"
            )));
        }
        for (key, slot) in [
            ("beta_initializer", &mut l.beta_initializer),
            ("gamma_initializer", &mut l.gamma_initializer),
            ("moving_mean_initializer", &mut l.moving_mean_initializer),
            (
                "moving_variance_initializer",
                &mut l.moving_variance_initializer,
            ),
        ] {
            if !c.get(key).is_null() {
                *slot = Initializer::from_config(c.get(key))?;
            }
        }
        l.beta_regularizer = Regularizer::from_config(c.get("beta_regularizer"))?;
        l.gamma_regularizer = Regularizer::from_config(c.get("gamma_regularizer"))?;
        l.input_shape = c.declared_input_shape();
        Ok(l)
    }

    /// The feature axis as a positive index into a shape of `rank`.
    fn feature_axis(&self, rank: usize) -> Option<usize> {
        let a = if self.axis < 0 {
            rank as isize + self.axis
        } else {
            self.axis
        };
        (rank >= 2 && a >= 1 && (a as usize) < rank).then_some(a as usize)
    }

    /// The size of the feature axis of `s`.
    fn features(&self, s: &Shape) -> Result<usize> {
        match self.feature_axis(s.len()).and_then(|a| s[a]) {
            Some(f) => Ok(f),
            None => Err(LayerError::input(
                self.base.name(),
                format!(
                    "an input of rank >= 2 whose axis {} (a feature axis, not the batch axis) has a known size",
                    self.axis
                ),
                s,
            )),
        }
    }

    /// Batch moments `[1, C]` of `x2 = [N, C]`, over the rows a `[N, 1]` mask keeps (Keras
    /// `_moments`: sums divided by `count + backend.epsilon()` when masked).
    fn moments(x2: &Var, mask: Option<&Tensor>) -> Result<(Var, Var)> {
        Ok(match mask {
            None => {
                let mean = x2.mean_axis(0, true)?;
                let var = x2.sub(&mean)?.square()?.mean_axis(0, true)?;
                (mean, var)
            }
            Some(w) => {
                let count: f32 = w.to_vec()?.iter().sum();
                let inv = 1.0 / (count + KERAS_EPSILON);
                let mean = x2.mul_const(w)?.sum_axis(0, true)?.mul_scalar(inv)?;
                let diff = x2.sub(&mean)?.mul_const(w)?;
                let var = diff.square()?.sum_axis(0, true)?.mul_scalar(inv)?;
                (mean, var)
            }
        })
    }

    /// `moving · momentum + batch · (1 − momentum)` on plain values (Keras's `assign`).
    fn moving_update(&self, moving: &Tensor, batch: &Tensor) -> Result<Tensor> {
        let m = self.momentum;
        let v: Vec<f32> = moving
            .to_vec()?
            .iter()
            .zip(batch.to_vec()?)
            .map(|(a, b)| a * m + b * (1.0 - m))
            .collect();
        Ok(Tensor::from_vec(v, moving.shape())?)
    }
}

impl Layer for BatchNormalization {
    fn name(&self) -> &str {
        self.base.name()
    }
    fn set_name(&mut self, name: String) {
        self.base.name = Some(name);
    }
    fn class_name(&self) -> &'static str {
        "BatchNormalization"
    }
    fn built(&self) -> bool {
        self.base.built
    }
    fn trainable(&self) -> bool {
        self.base.trainable
    }
    /// Freezing also switches the layer to inference statistics (Keras 3); the moving
    /// statistics stay non-trainable either way.
    fn set_trainable(&mut self, trainable: bool) {
        self.base.trainable = trainable;
        for p in self.gamma.iter_mut().chain(self.beta.iter_mut()) {
            p.trainable = trainable;
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }

    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape.clone()
    }

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        let f = self.features(&input_shapes[0])?;
        crate::param::checked_weight_numel(self.base.name(), "gamma", &[f])?;
        self.gamma = if self.scale {
            let g = self.gamma_initializer.init(&[f], rng)?;
            Some(Param::new("gamma", g).with_regularizer(self.gamma_regularizer))
        } else {
            None
        };
        self.beta = if self.center {
            let b = self.beta_initializer.init(&[f], rng)?;
            Some(Param::new("beta", b).with_regularizer(self.beta_regularizer))
        } else {
            None
        };
        let mm = self.moving_mean_initializer.init(&[f], rng)?;
        self.moving_mean = Some(Param::non_trainable("moving_mean", mm));
        let mv = self.moving_variance_initializer.init(&[f], rng)?;
        self.moving_variance = Some(Param::non_trainable("moving_variance", mv));
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        self.features(&input_shapes[0])?;
        Ok(vec![input_shapes[0].clone()])
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let name = self.base.name();
        let x = inputs[0].var(name)?;
        let shape = x.shape().to_vec();
        let sym: Shape = shape.iter().map(|&d| Some(d)).collect();
        let c = self.features(&sym)?;
        let (Some(mm), Some(mv)) = (&self.moving_mean, &self.moving_variance) else {
            return Err(LayerError::NotBuilt(format!("layer '{name}'")));
        };
        let rank = shape.len();
        let axis = self.feature_axis(rank).unwrap_or(rank - 1);
        let mask = inputs[0].mask.as_ref();
        if let Some(m) = mask {
            // Keras: the mask has one axis less than the input and covers its leading axes.
            if m.shape() != &shape[..rank - 1] {
                return Err(LayerError::input(
                    name,
                    format!(
                        "a mask of shape {:?} (the input's shape without its last axis)",
                        &shape[..rank - 1]
                    ),
                    m.shape(),
                ));
            }
            if axis != rank - 1 {
                return Err(LayerError::config(
                    format!("layer '{name}'"),
                    "a masked input is normalised on axis -1 only; move the features last",
                ));
            }
        }
        // Move the feature axis last and flatten the rest: every statistic is a [1, C] row.
        let perm: Option<Vec<usize>> = (axis != rank - 1).then(|| {
            (0..rank)
                .filter(|&a| a != axis)
                .chain(std::iter::once(axis))
                .collect()
        });
        let xt = match &perm {
            Some(p) => x.transpose(p)?,
            None => x.clone(),
        };
        let moved = xt.shape().to_vec();
        let n = shape.iter().product::<usize>() / c;
        let x2 = xt.reshape(&[n, c])?;
        let (mean, var) = if ctx.training && self.base.trainable {
            let w = mask.map(|m| m.reshape(&[n, 1])).transpose()?;
            let (mean, var) = Self::moments(&x2, w.as_ref())?;
            let new_mean = self.moving_update(&ctx.state(mm), mean.value())?;
            let new_var = self.moving_update(&ctx.state(mv), var.value())?;
            ctx.assign(mm, new_mean.reshape(&[c])?);
            ctx.assign(mv, new_var.reshape(&[c])?);
            (mean, var)
        } else {
            (ctx.param(mm)?, ctx.param(mv)?)
        };
        // tf.nn.batch_normalization: inv = rsqrt(var + eps)·gamma; x·inv + (beta − mean·inv).
        let mut inv = var.add_scalar(self.epsilon)?.powf(-0.5)?;
        if let Some(g) = &self.gamma {
            inv = inv.mul(&ctx.param(g)?)?;
        }
        let mut shift = mean.mul(&inv)?.neg()?;
        if let Some(b) = &self.beta {
            shift = shift.add(&ctx.param(b)?)?;
        }
        let y2 = x2.mul(&inv)?.add(&shift)?;
        let yt = y2.reshape(&moved)?;
        let y = match &perm {
            Some(p) => {
                let mut back = vec![0; rank];
                for (i, &a) in p.iter().enumerate() {
                    back[a] = i;
                }
                yt.transpose(&back)?
            }
            None => yt,
        };
        Ok(vec![Flow {
            value: Value::Float(y),
            mask: inputs[0].mask.clone(),
        }])
    }

    fn params(&self) -> Vec<&Param> {
        self.gamma
            .iter()
            .chain(self.beta.iter())
            .chain(self.moving_mean.iter())
            .chain(self.moving_variance.iter())
            .collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.gamma
            .iter_mut()
            .chain(self.beta.iter_mut())
            .chain(self.moving_mean.iter_mut())
            .chain(self.moving_variance.iter_mut())
            .collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("axis".into(), json!(self.axis));
        m.insert("momentum".into(), crate::config::keras_float(self.momentum));
        m.insert("epsilon".into(), crate::config::keras_float(self.epsilon));
        m.insert("center".into(), json!(self.center));
        m.insert("scale".into(), json!(self.scale));
        for (k, i) in [
            ("beta_initializer", &self.beta_initializer),
            ("gamma_initializer", &self.gamma_initializer),
            ("moving_mean_initializer", &self.moving_mean_initializer),
            (
                "moving_variance_initializer",
                &self.moving_variance_initializer,
            ),
        ] {
            m.insert(k.into(), i.to_config());
        }
        for (k, r) in [
            ("beta_regularizer", self.beta_regularizer),
            ("gamma_regularizer", self.gamma_regularizer),
        ] {
            m.insert(k.into(), r.map_or(Json::Null, |r| r.to_config()));
        }
        m.insert("beta_constraint".into(), Json::Null);
        m.insert("gamma_constraint".into(), Json::Null);
        m.insert("synchronized".into(), json!(self.synchronized));
        m.insert("renorm".into(), json!(false));
        m.insert("renorm_clipping".into(), Json::Null);
        m.insert("renorm_momentum".into(), json!(0.99));
        crate::config::insert_input_shape(&mut m, &self.input_shape);
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_config_round_trip, forward};
    use kerust_autograd::{gradcheck, Tape};

    /// Finite-difference gradients of the output w.r.t. the input, gamma and beta, in training
    /// (batch statistics) or inference (moving statistics) mode, with an optional mask.
    fn check_gradients(
        mut layer: BatchNormalization,
        shape: &[usize],
        training: bool,
        mask: Option<Tensor>,
    ) {
        let mut rng = Rng::seed(3);
        let sym: Shape = std::iter::once(None)
            .chain(shape[1..].iter().map(|&d| Some(d)))
            .collect();
        layer.build(&[sym], &mut rng).unwrap();
        let ws: Vec<Tensor> = layer
            .params()
            .iter()
            .map(|p| {
                let mut t = Tensor::rand_uniform(p.value.shape(), 0.5, 1.5, &mut rng).unwrap();
                if p.name == "moving_mean" {
                    t = Tensor::rand_uniform(p.value.shape(), -0.3, 0.3, &mut rng).unwrap();
                }
                t
            })
            .collect();
        layer.set_weights(&ws).unwrap();
        let ids: Vec<u64> = layer.params().iter().map(|p| p.id()).collect();
        let mut inputs = vec![Tensor::rand_uniform(shape, -1.0, 1.0, &mut rng).unwrap()];
        inputs.extend(ws);
        let f = |vars: &[Var]| -> kerust_tensor::Result<Var> {
            let mut r = Rng::seed(0);
            let mut ctx = Ctx::new(vars[0].tape(), training, &mut r);
            for (id, v) in ids.iter().zip(&vars[1..]) {
                ctx.bind(*id, v.clone());
            }
            let flow = Flow {
                value: Value::Float(vars[0].clone()),
                mask: mask.clone(),
            };
            let out = layer.call(&[flow], &mut ctx).map_err(|e| {
                kerust_tensor::TensorError::InvalidArgument {
                    op: "layer call",
                    message: e.to_string(),
                }
            })?;
            Ok(out[0].var("bn").unwrap().clone())
        };
        let r = gradcheck(f, &inputs, 1e-2).unwrap();
        assert!(
            r.max_rel_error < 2e-2,
            "BatchNormalization gradients (training={training}): {r:?}"
        );
    }

    #[test]
    fn gradients_in_training_and_inference() {
        check_gradients(BatchNormalization::new(), &[5, 3], true, None);
        check_gradients(BatchNormalization::new(), &[5, 3], false, None);
        check_gradients(BatchNormalization::new().axis(1), &[3, 2, 4], true, None);
        let mask = Tensor::from_vec(vec![1., 1., 0., 1., 0., 0.], &[2, 3]).unwrap();
        check_gradients(BatchNormalization::new(), &[2, 3, 4], true, Some(mask));
        check_gradients(BatchNormalization::new().center(false), &[4, 3], true, None);
    }

    #[test]
    fn training_uses_batch_statistics_and_assigns_moving_ones() {
        let mut l = BatchNormalization::new().momentum(0.5).epsilon(0.0);
        l.build(&[vec![None, Some(1)]], &mut Rng::seed(0)).unwrap();
        let x = Tensor::from_vec(vec![1., 3.], &[2, 1]).unwrap();
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, true, &mut rng);
        let out = l
            .call(&[Flow::float(tape.constant(x.clone()))], &mut ctx)
            .unwrap();
        // Batch mean 2, variance 1 → [-1, 1]; moving mean 0·0.5 + 2·0.5, variance 1·0.5 + 1·0.5.
        assert_eq!(
            out[0].var("bn").unwrap().value().to_vec().unwrap(),
            [-1., 1.]
        );
        let ups = ctx.take_updates();
        assert_eq!(ups.len(), 2);
        assert_eq!(ups[0].1.to_vec().unwrap(), [1.0]);
        assert_eq!(ups[1].1.to_vec().unwrap(), [1.0]);
        // Inference reads the (still initial) moving statistics: (x − 0)/√1.
        assert_eq!(forward(&l, x).unwrap().to_vec().unwrap(), [1., 3.]);
    }

    #[test]
    fn frozen_layer_uses_moving_statistics_in_training() {
        let mut l = BatchNormalization::new().epsilon(0.0);
        l.build(&[vec![None, Some(1)]], &mut Rng::seed(0)).unwrap();
        l.set_trainable(false);
        assert!(l.params().iter().all(|p| !p.trainable));
        l.set_trainable(true);
        let trainable: Vec<bool> = l.params().iter().map(|p| p.trainable).collect();
        assert_eq!(trainable, [true, true, false, false]);
        l.set_trainable(false);
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, true, &mut rng);
        let x = Tensor::from_vec(vec![1., 3.], &[2, 1]).unwrap();
        let out = l.call(&[Flow::float(tape.constant(x))], &mut ctx).unwrap();
        assert_eq!(
            out[0].var("bn").unwrap().value().to_vec().unwrap(),
            [1., 3.]
        );
        assert!(ctx.take_updates().is_empty());
    }

    #[test]
    fn config_round_trip_and_typed_errors() {
        check_config_round_trip(
            BatchNormalization::new()
                .momentum(0.9)
                .epsilon(1e-5)
                .center(false),
            BatchNormalization::from_config,
        );
        let e = BatchNormalization::from_config(&json!({"renorm": true})).unwrap_err();
        assert!(e.to_string().contains("renorm"), "{e}");
        let mut l = BatchNormalization::new().axis(0);
        let e = l
            .build(&[vec![None, Some(3)]], &mut Rng::seed(0))
            .unwrap_err();
        assert!(e.to_string().contains("axis 0"), "{e}");
    }
}
