//! Stochastic gradient descent with optional (Nesterov) momentum, Keras 3 rule.
use super::device_update;
use super::{optimizer_setters, Optimizer, OptimizerBase, Slots};
use crate::error::Result;
use crate::param::Param;
use kerust_tensor::{takes_device_path, Tensor};
use serde_json::{json, Value as Json};

/// Keras `SGD(learning_rate=0.01, momentum=0.0, nesterov=False)`.
#[derive(Debug, Clone)]
pub struct SGD {
    /// Learning rate and gradient clipping.
    pub base: OptimizerBase,
    /// Momentum (default 0).
    pub momentum: f32,
    /// Use Nesterov momentum (default `False`).
    pub nesterov: bool,
    velocity: Slots,
}

impl Default for SGD {
    fn default() -> Self {
        Self::new()
    }
}

impl SGD {
    /// `SGD()` with Keras's defaults (learning rate 0.01).
    pub fn new() -> Self {
        Self {
            base: OptimizerBase::new(0.01),
            momentum: 0.0,
            nesterov: false,
            velocity: Slots::default(),
        }
    }
    optimizer_setters!();
    /// Keras `momentum=`: momentum (default 0).
    pub fn momentum(mut self, m: f32) -> Self {
        self.momentum = m;
        self
    }
    /// Keras `nesterov=`: use Nesterov momentum (default `False`).
    pub fn nesterov(mut self, n: bool) -> Self {
        self.nesterov = n;
        self
    }
    /// One step as tensor ops on the weight's device (the path for weights on a GPU; on the CPU
    /// it gives the host loop's bits).
    pub(crate) fn update_with_tensor_ops(
        &mut self,
        param: &mut Param,
        grad: &Tensor,
    ) -> Result<()> {
        let g = grad.to(param.value.device())?;
        let velocity = match self.momentum == 0.0 {
            true => None,
            false => Some(self.velocity.get_tensor(param, 0.0)?.clone()),
        };
        let (w, velocity) = device_update::sgd(
            &param.value,
            &g,
            velocity.as_ref(),
            self.base.learning_rate,
            self.momentum,
            self.nesterov,
        )?;
        param.value = w;
        if let Some(v) = velocity {
            self.velocity.put_tensor(param, v);
        }
        Ok(())
    }
    /// Keras `from_config`: the optimizer from its `get_config` dictionary (missing keys take
    /// Keras's defaults).
    pub fn from_config(cfg: &Json) -> Self {
        let mut s = SGD::new();
        s.momentum = cfg.get("momentum").and_then(Json::as_f64).unwrap_or(0.0) as f32;
        s.nesterov = cfg.get("nesterov").and_then(Json::as_bool).unwrap_or(false);
        s
    }
}

impl Optimizer for SGD {
    fn class_name(&self) -> &'static str {
        "SGD"
    }
    fn base(&self) -> &OptimizerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut OptimizerBase {
        &mut self.base
    }
    fn update_one(&mut self, param: &mut Param, grad: &Tensor, _t: u64) -> Result<()> {
        if takes_device_path(param.value.device()) {
            return self.update_with_tensor_ops(param, grad);
        }
        let lr = self.base.learning_rate;
        let g = grad.as_slice()?;
        if self.momentum == 0.0 {
            let w = param.value.as_mut_slice()?;
            w.iter_mut().zip(g).for_each(|(w, g)| *w -= lr * g);
            return Ok(());
        }
        let (mom, nesterov) = (self.momentum, self.nesterov);
        let v = self.velocity.get(param, 0.0)?;
        let w = param.value.as_mut_slice()?;
        for ((w, v), g) in w.iter_mut().zip(v.iter_mut()).zip(g) {
            *v = mom * *v - lr * g;
            *w += if nesterov { mom * *v - lr * g } else { *v };
        }
        Ok(())
    }
    fn extra_config(&self) -> serde_json::Map<String, Json> {
        let mut m = serde_json::Map::new();
        m.insert("momentum".into(), json!(self.momentum));
        m.insert("nesterov".into(), json!(self.nesterov));
        m
    }
    fn slots(&self) -> Vec<(u64, String, Tensor)> {
        self.velocity.export("momentum")
    }
    fn set_slot(&mut self, id: u64, _slot: &str, value: Tensor) -> Result<()> {
        self.velocity.set(id, &value)
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
