//! RMSprop with Keras 3 defaults: lr 1e-3, ρ 0.9, ε 1e-7, no momentum.
use super::device_update;
use super::{optimizer_setters, Optimizer, OptimizerBase, Slots};
use crate::error::Result;
use crate::param::Param;
use kerust_tensor::{takes_device_path, Tensor};
use serde_json::{json, Value as Json};

/// Keras `RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)`.
#[derive(Debug, Clone)]
pub struct RMSprop {
    /// Learning rate and gradient clipping.
    pub base: OptimizerBase,
    /// Decay of the moving average of squared gradients (default 0.9).
    pub rho: f32,
    /// Momentum (default 0).
    pub momentum: f32,
    /// Small constant for numerical stability (default 1e-7).
    pub epsilon: f32,
    /// Normalise by the centered second moment (default `False`).
    pub centered: bool,
    velocity: Slots,
    average_gradient: Slots,
    momentums: Slots,
}

impl Default for RMSprop {
    fn default() -> Self {
        Self::new()
    }
}

impl RMSprop {
    /// `RMSprop()` with Keras's defaults (learning rate 0.001).
    pub fn new() -> Self {
        Self {
            base: OptimizerBase::new(0.001),
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
            velocity: Slots::default(),
            average_gradient: Slots::default(),
            momentums: Slots::default(),
        }
    }
    optimizer_setters!();
    /// Keras `rho=`: decay of the moving average of squared gradients (default 0.9).
    pub fn rho(mut self, r: f32) -> Self {
        self.rho = r;
        self
    }
    /// Keras `momentum=`: momentum (default 0).
    pub fn momentum(mut self, m: f32) -> Self {
        self.momentum = m;
        self
    }
    /// Keras `epsilon=`: small constant for numerical stability (default 1e-7).
    pub fn epsilon(mut self, e: f32) -> Self {
        self.epsilon = e;
        self
    }
    /// Keras `centered=`: normalise by the centered second moment (default `False`).
    pub fn centered(mut self, c: bool) -> Self {
        self.centered = c;
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
        let velocity = self.velocity.get_tensor(param, 0.0)?.clone();
        let average = match self.centered {
            true => Some(self.average_gradient.get_tensor(param, 0.0)?.clone()),
            false => None,
        };
        let momentum = match self.momentum > 0.0 {
            true => Some(self.momentums.get_tensor(param, 0.0)?.clone()),
            false => None,
        };
        let s = device_update::rmsprop(
            &param.value,
            &g,
            &velocity,
            average.as_ref(),
            momentum.as_ref(),
            self.base.learning_rate,
            self.rho,
            self.momentum,
            self.epsilon,
        )?;
        param.value = s.w;
        self.velocity.put_tensor(param, s.velocity);
        if let Some(a) = s.average {
            self.average_gradient.put_tensor(param, a);
        }
        if let Some(m) = s.momentum {
            self.momentums.put_tensor(param, m);
        }
        Ok(())
    }
    /// Keras `from_config`: the optimizer from its `get_config` dictionary (missing keys take
    /// Keras's defaults).
    pub fn from_config(cfg: &Json) -> Self {
        let f = |k: &str, d: f32| cfg.get(k).and_then(Json::as_f64).map_or(d, |v| v as f32);
        let mut r = RMSprop::new();
        r.rho = f("rho", 0.9);
        r.momentum = f("momentum", 0.0);
        r.epsilon = f("epsilon", 1e-7);
        r.centered = cfg.get("centered").and_then(Json::as_bool).unwrap_or(false);
        r
    }
}

impl Optimizer for RMSprop {
    fn class_name(&self) -> &'static str {
        "RMSprop"
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
        let (lr, rho, eps, mom) = (
            self.base.learning_rate,
            self.rho,
            self.epsilon,
            self.momentum,
        );
        let g = grad.as_slice()?;
        let v = self.velocity.get(param, 0.0)?;
        let mut avg = if self.centered {
            Some(self.average_gradient.get(param, 0.0)?)
        } else {
            None
        };
        let mut incs = vec![0.0f32; g.len()];
        for i in 0..g.len() {
            v[i] = rho * v[i] + (1.0 - rho) * g[i] * g[i];
            let mut denom = v[i];
            if let Some(a) = avg.as_mut() {
                a[i] = rho * a[i] + (1.0 - rho) * g[i];
                denom -= a[i] * a[i];
            }
            incs[i] = lr * g[i] / (denom + eps).sqrt();
        }
        if mom > 0.0 {
            let m = self.momentums.get(param, 0.0)?;
            for i in 0..incs.len() {
                m[i] = mom * m[i] + incs[i];
                incs[i] = m[i];
            }
        }
        let w = param.value.as_mut_slice()?;
        w.iter_mut().zip(&incs).for_each(|(w, d)| *w -= d);
        Ok(())
    }
    fn extra_config(&self) -> serde_json::Map<String, Json> {
        let mut m = serde_json::Map::new();
        m.insert("rho".into(), json!(self.rho));
        m.insert("momentum".into(), json!(self.momentum));
        m.insert("epsilon".into(), json!(self.epsilon));
        m.insert("centered".into(), json!(self.centered));
        m
    }
    fn slots(&self) -> Vec<(u64, String, Tensor)> {
        let mut s = self.velocity.export("velocity");
        s.extend(self.average_gradient.export("average_gradient"));
        s.extend(self.momentums.export("momentum"));
        s
    }
    fn set_slot(&mut self, id: u64, slot: &str, value: Tensor) -> Result<()> {
        match slot {
            "velocity" => self.velocity.set(id, &value),
            "average_gradient" => self.average_gradient.set(id, &value),
            _ => self.momentums.set(id, &value),
        }
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
