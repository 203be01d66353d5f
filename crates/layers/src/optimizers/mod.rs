//! Optimizers: SGD, Adam, RMSprop, Adagrad with Keras 3 update rules and defaults.
pub mod adagrad;
pub mod adam;
mod device_update;
mod kernels;
pub mod rmsprop;
pub mod sgd;

pub use adagrad::Adagrad;
pub use adam::Adam;
pub use rmsprop::RMSprop;
pub use sgd::SGD;

use crate::error::{LayerError, Result};
use crate::param::Param;
use kerust_autograd::{Grad, RowGrad};
use kerust_tensor::Tensor;
use serde_json::{json, Value as Json};
use std::collections::HashMap;

/// State shared by every optimizer: learning rate, gradient clipping, step counter.
#[derive(Debug, Clone)]
pub struct OptimizerBase {
    /// Step size.
    pub learning_rate: f32,
    /// Clip each gradient to this L2 norm.
    pub clipnorm: Option<f32>,
    /// Clip each gradient element to `[-clipvalue, clipvalue]`.
    pub clipvalue: Option<f32>,
    /// Clip all gradients together to this global L2 norm.
    pub global_clipnorm: Option<f32>,
    /// Steps taken so far.
    pub iterations: u64,
}

impl OptimizerBase {
    /// Base state with this learning rate and no clipping.
    pub fn new(learning_rate: f32) -> Self {
        Self {
            learning_rate,
            clipnorm: None,
            clipvalue: None,
            global_clipnorm: None,
            iterations: 0,
        }
    }
    fn config(&self, name: &str) -> serde_json::Map<String, Json> {
        let mut m = serde_json::Map::new();
        m.insert("name".into(), json!(name.to_lowercase()));
        m.insert("learning_rate".into(), json!(self.learning_rate));
        m.insert(
            "clipnorm".into(),
            self.clipnorm.map_or(Json::Null, |v| json!(v)),
        );
        m.insert(
            "clipvalue".into(),
            self.clipvalue.map_or(Json::Null, |v| json!(v)),
        );
        m.insert(
            "global_clipnorm".into(),
            self.global_clipnorm.map_or(Json::Null, |v| json!(v)),
        );
        m
    }
    fn read(&mut self, cfg: &Json) {
        let f = |k: &str| cfg.get(k).and_then(Json::as_f64).map(|v| v as f32);
        if let Some(lr) = f("learning_rate") {
            self.learning_rate = lr;
        }
        self.clipnorm = f("clipnorm");
        self.clipvalue = f("clipvalue");
        self.global_clipnorm = f("global_clipnorm");
    }
    /// Apply the configured clipping to a step's gradients.
    fn clip(&self, grads: &mut [Tensor]) -> Result<()> {
        if let Some(c) = self.clipvalue {
            for g in grads.iter_mut() {
                *g = g.clip(-c, c)?;
            }
        }
        if let Some(c) = self.clipnorm {
            for g in grads.iter_mut() {
                let n = g.square()?.sum_all()?.sqrt();
                if n > c {
                    *g = g.mul_scalar(c / n)?;
                }
            }
        }
        if let Some(c) = self.global_clipnorm {
            let mut total = 0.0f32;
            for g in grads.iter() {
                total += g.square()?.sum_all()?;
            }
            let n = total.sqrt();
            if n > c {
                for g in grads.iter_mut() {
                    *g = g.mul_scalar(c / n)?;
                }
            }
        }
        Ok(())
    }
}

/// Builder methods shared by all optimizers (Keras keyword arguments).
macro_rules! optimizer_setters {
    () => {
        /// Keras `learning_rate=`: step size.
        pub fn learning_rate(mut self, lr: f32) -> Self {
            self.base.learning_rate = lr;
            self
        }
        /// Keras `clipnorm=`: clip each gradient to this L2 norm.
        pub fn clipnorm(mut self, v: f32) -> Self {
            self.base.clipnorm = Some(v);
            self
        }
        /// Keras `clipvalue=`: clip each gradient element to [-v, v].
        pub fn clipvalue(mut self, v: f32) -> Self {
            self.base.clipvalue = Some(v);
            self
        }
        /// Keras `global_clipnorm=`: scale all gradients together so their joint L2 norm is at most
        /// this.
        pub fn global_clipnorm(mut self, v: f32) -> Self {
            self.base.global_clipnorm = Some(v);
            self
        }
    };
}
pub(crate) use optimizer_setters;

/// A gradient must have its weight's shape; the error names the weight and both shapes.
fn check_grad_shape(p: &Param, grad_shape: &[usize]) -> Result<()> {
    if p.value.shape() == grad_shape {
        return Ok(());
    }
    Err(LayerError::config(
        "optimizer",
        format!(
            "gradient of '{}' has shape {:?}, weight has {:?}",
            p.name,
            grad_shape,
            p.value.shape()
        ),
    ))
}

/// A Keras optimizer: turns gradients into in-place weight updates.
pub trait Optimizer: Send + Sync {
    /// Keras class name (`Adam`).
    fn class_name(&self) -> &'static str;
    /// Learning rate and clipping options.
    fn base(&self) -> &OptimizerBase;
    /// Learning rate and clipping options, to change them.
    fn base_mut(&mut self) -> &mut OptimizerBase;
    /// Update one weight with its (already clipped) gradient; `t` is the 1-based step number.
    fn update_one(&mut self, param: &mut Param, grad: &Tensor, t: u64) -> Result<()>;
    /// Update one weight with a row-sparse gradient (an embedding table). The result must equal
    /// `update_one` with the densified gradient bit for bit; the default densifies.
    fn update_rows(&mut self, param: &mut Param, grad: &RowGrad, t: u64) -> Result<()> {
        let dense = grad.to_dense()?;
        self.update_one(param, &dense, t)
    }
    /// Hyper-parameters beyond the shared ones, for `get_config`.
    fn extra_config(&self) -> serde_json::Map<String, Json>;
    /// Slot variables (moments) by param id, for saving optimizer state.
    fn slots(&self) -> Vec<(u64, String, Tensor)>;
    /// Restore one slot variable.
    fn set_slot(&mut self, param_id: u64, slot: &str, value: Tensor) -> Result<()>;
    /// A boxed copy (with its slot variables).
    fn clone_box(&self) -> Box<dyn Optimizer>;

    /// One training step: clip, update every weight, count the step.
    fn apply_gradients(&mut self, pairs: Vec<(&mut Param, Tensor)>) -> Result<()> {
        let (params, mut grads): (Vec<&mut Param>, Vec<Tensor>) = pairs.into_iter().unzip();
        self.base().clip(&mut grads)?;
        let t = self.base().iterations + 1;
        for (p, g) in params.into_iter().zip(&grads) {
            check_grad_shape(p, g.shape())?;
            self.update_one(p, g, t)?;
        }
        self.base_mut().iterations = t;
        Ok(())
    }
    /// Keras 3 `optimizer.apply(grads, trainable_variables)`: one step updating each weight with
    /// the gradient at the same position (what [`GradientTape::gradient`](crate::GradientTape::gradient)
    /// returns for `model.trainable_weights()`). Weights whose gradient is `None` are left alone,
    /// as Keras filters empty gradients.
    fn apply(&mut self, grads: Vec<Option<Tensor>>, weights: Vec<&mut Param>) -> Result<()> {
        if grads.len() != weights.len() {
            return Err(crate::error::LayerError::config(
                "apply",
                format!(
                    "got {} gradients for {} weights; pass tape.gradient(loss, model.trainable_weights()) with model.trainable_weights_mut()",
                    grads.len(),
                    weights.len()
                ),
            ));
        }
        let pairs: Vec<(&mut Param, Tensor)> = weights
            .into_iter()
            .zip(grads)
            .filter_map(|(p, g)| g.map(|g| (p, g)))
            .collect();
        if pairs.is_empty() {
            return Err(crate::error::LayerError::config(
                "apply",
                "no gradient reached any weight; does the loss depend on the model's output?",
            ));
        }
        self.apply_gradients(pairs)
    }
    /// One training step with dense or row-sparse gradients (what `fit` hands over). With
    /// clipping configured every gradient is densified first, so the norms are the dense ones.
    fn apply_grads(&mut self, pairs: Vec<(&mut Param, Grad)>) -> Result<()> {
        let b = self.base();
        let clipping = b.clipvalue.is_some() || b.clipnorm.is_some() || b.global_clipnorm.is_some();
        if clipping || pairs.iter().all(|(_, g)| matches!(g, Grad::Dense(_))) {
            let dense = pairs
                .into_iter()
                .map(|(p, g)| Ok((p, g.into_dense()?)))
                .collect::<Result<Vec<_>>>()?;
            return self.apply_gradients(dense);
        }
        let t = self.base().iterations + 1;
        for (p, g) in pairs {
            check_grad_shape(p, &g.shape())?;
            match &g {
                Grad::Dense(d) => self.update_one(p, d, t)?,
                Grad::Rows(r) => self.update_rows(p, r, t)?,
            }
        }
        self.base_mut().iterations = t;
        Ok(())
    }
    /// Current learning rate (readable during training, like `model.optimizer.learning_rate`).
    fn learning_rate(&self) -> f32 {
        self.base().learning_rate
    }
    /// Change the learning rate (used by `ReduceLROnPlateau`, `LearningRateScheduler`).
    fn set_learning_rate(&mut self, lr: f32) {
        self.base_mut().learning_rate = lr;
    }
    /// Steps taken.
    fn iterations(&self) -> u64 {
        self.base().iterations
    }
    /// Keras `get_config()`.
    fn get_config(&self) -> Json {
        let mut m = self.base().config(self.class_name());
        m.extend(self.extra_config());
        Json::Object(m)
    }
}

impl Clone for Box<dyn Optimizer> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Per-weight slot storage keyed by param id, zero-initialised on first use. A slot lives beside
/// its weight: host vectors for weights on the CPU (the fused loops), tensors on the weight's
/// device otherwise; a slot follows its weight when the model moves between devices.
#[derive(Debug, Clone, Default)]
pub struct Slots {
    map: HashMap<u64, Vec<f32>>,
    on_device: HashMap<u64, Tensor>,
}

impl Slots {
    /// The host slot for `param`, created as zeros (or `init`) of its size.
    pub fn get(&mut self, param: &Param, init: f32) -> Result<&mut Vec<f32>> {
        if let Some(t) = self.on_device.remove(&param.id()) {
            self.map.insert(param.id(), t.to_vec()?);
        }
        Ok(self
            .map
            .entry(param.id())
            .or_insert_with(|| vec![init; param.numel()]))
    }
    /// The slot for `param` as a tensor shaped like it, on its device (created as `init`).
    pub fn get_tensor(&mut self, param: &Param, init: f32) -> Result<&mut Tensor> {
        let (id, device, shape) = (param.id(), param.value.device(), param.value.shape());
        let slot = match (self.on_device.remove(&id), self.map.remove(&id)) {
            (Some(t), _) => t,
            (None, Some(host)) => Tensor::from_vec(host, shape)?,
            (None, None) => Tensor::full(shape, init)?,
        };
        let slot = slot.reshape(shape)?.to(device)?;
        Ok(self.on_device.entry(id).or_insert(slot))
    }
    /// Replace the tensor slot of `param` (after a device update).
    pub(crate) fn put_tensor(&mut self, param: &Param, value: Tensor) {
        self.map.remove(&param.id());
        self.on_device.insert(param.id(), value);
    }
    /// All slots as flat host tensors (shape restored by the owner).
    pub fn export(&self, name: &str) -> Vec<(u64, String, Tensor)> {
        let host = self.map.iter().filter_map(|(&id, d)| {
            Tensor::from_vec(d.clone(), &[d.len()])
                .ok()
                .map(|t| (id, name.to_string(), t))
        });
        let device = self.on_device.iter().filter_map(|(&id, t)| {
            t.to(kerust_tensor::Device::Cpu)
                .and_then(|h| h.reshape(&[h.numel()]))
                .ok()
                .map(|t| (id, name.to_string(), t))
        });
        let mut v: Vec<_> = host.chain(device).collect();
        v.sort_by_key(|(id, _, _)| *id);
        v
    }
    /// Restore a slot from a tensor (kept on the host until its weight is updated elsewhere).
    pub fn set(&mut self, id: u64, value: &Tensor) -> Result<()> {
        self.on_device.remove(&id);
        self.map.insert(id, value.to_vec()?);
        Ok(())
    }
}

/// An optimizer from its Keras name (`"adam"`, `"sgd"`, `"rmsprop"`, `"adagrad"`) with defaults.
pub fn get(name: &str) -> Result<Box<dyn Optimizer>> {
    Ok(match name.to_lowercase().as_str() {
        "adam" => Box::new(Adam::new()),
        "sgd" => Box::new(SGD::new()),
        "rmsprop" => Box::new(RMSprop::new()),
        "adagrad" => Box::new(Adagrad::new()),
        other => {
            return Err(LayerError::config(
                "optimizer",
                format!("unknown optimizer '{other}'; use adam, sgd, rmsprop or adagrad"),
            ))
        }
    })
}

/// An optimizer from a Keras `{"class_name", "config"}` dictionary.
pub fn from_config(v: &Json) -> Result<Box<dyn Optimizer>> {
    let class = v
        .get("class_name")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let cfg = v.get("config").unwrap_or(v);
    let mut opt: Box<dyn Optimizer> = match class {
        "Adam" | "adam" => Box::new(Adam::from_config(cfg)),
        "SGD" | "sgd" => Box::new(SGD::from_config(cfg)),
        "RMSprop" | "rmsprop" => Box::new(RMSprop::from_config(cfg)),
        "Adagrad" | "adagrad" => Box::new(Adagrad::from_config(cfg)),
        other => {
            return Err(LayerError::config(
                "optimizer config",
                format!("unknown optimizer class '{other}'"),
            ))
        }
    };
    opt.base_mut().read(cfg);
    Ok(opt)
}

/// What `compile` accepts as optimizer: a name or an optimizer value.
pub trait IntoOptimizer {
    /// The optimizer this names or is.
    fn into_optimizer(self) -> Result<Box<dyn Optimizer>>;
}
impl IntoOptimizer for &str {
    fn into_optimizer(self) -> Result<Box<dyn Optimizer>> {
        get(self)
    }
}
impl<O: Optimizer + 'static> IntoOptimizer for O {
    fn into_optimizer(self) -> Result<Box<dyn Optimizer>> {
        Ok(Box::new(self))
    }
}
impl IntoOptimizer for Box<dyn Optimizer> {
    fn into_optimizer(self) -> Result<Box<dyn Optimizer>> {
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimise (w - 3)² from w = 0; every optimizer must get close.
    fn converges(mut opt: Box<dyn Optimizer>, steps: usize) -> f32 {
        let mut p = Param::new("w", Tensor::from_vec(vec![0.0], &[1]).unwrap());
        for _ in 0..steps {
            let w = p.value.to_vec().unwrap()[0];
            let g = Tensor::from_vec(vec![2.0 * (w - 3.0)], &[1]).unwrap();
            opt.apply_gradients(vec![(&mut p, g)]).unwrap();
        }
        p.value.to_vec().unwrap()[0]
    }

    #[test]
    fn all_optimizers_minimise_a_quadratic() {
        assert!((converges(Box::new(SGD::new().learning_rate(0.1)), 100) - 3.0).abs() < 1e-3);
        assert!(
            (converges(
                Box::new(SGD::new().learning_rate(0.05).momentum(0.9).nesterov(true)),
                300
            ) - 3.0)
                .abs()
                < 1e-3
        );
        assert!((converges(Box::new(Adam::new().learning_rate(0.1)), 500) - 3.0).abs() < 1e-2);
        assert!((converges(Box::new(RMSprop::new().learning_rate(0.01)), 1000) - 3.0).abs() < 2e-2);
        assert!((converges(Box::new(Adagrad::new().learning_rate(1.0)), 500) - 3.0).abs() < 1e-2);
    }

    #[test]
    fn config_round_trip_and_clipping() {
        for name in ["adam", "sgd", "rmsprop", "adagrad"] {
            let o = get(name).unwrap();
            let cfg = json!({"class_name": o.class_name(), "config": o.get_config()});
            assert_eq!(from_config(&cfg).unwrap().get_config(), o.get_config());
        }
        assert!(get("adamz").is_err());
        let b = OptimizerBase {
            clipnorm: Some(1.0),
            ..OptimizerBase::new(0.1)
        };
        let mut g = vec![Tensor::from_vec(vec![3.0, 4.0], &[2]).unwrap()];
        b.clip(&mut g).unwrap();
        assert_eq!(g[0].to_vec().unwrap(), vec![0.6, 0.8]);
    }
}
