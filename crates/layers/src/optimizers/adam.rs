//! Adam (Kingma & Ba) with Keras 3 defaults: lr 1e-3, β1 0.9, β2 0.999, ε 1e-7.
use super::device_update;
use super::kernels::{adam_dense, adam_rows, AdamCoef};
use super::{optimizer_setters, Optimizer, OptimizerBase, Slots};
use crate::error::Result;
use crate::param::Param;
use kerust_autograd::RowGrad;
use kerust_tensor::{takes_device_path, Tensor};
use serde_json::{json, Value as Json};

/// Keras `Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)`.
#[derive(Debug, Clone)]
pub struct Adam {
    /// Learning rate and gradient clipping.
    pub base: OptimizerBase,
    /// Decay of the first-moment estimate (default 0.9).
    pub beta_1: f32,
    /// Decay of the second-moment estimate (default 0.999).
    pub beta_2: f32,
    /// Small constant for numerical stability (default 1e-7).
    pub epsilon: f32,
    /// Use the AMSGrad variant (default `False`).
    pub amsgrad: bool,
    m: Slots,
    v: Slots,
    vhat: Slots,
}

impl Default for Adam {
    fn default() -> Self {
        Self::new()
    }
}

impl Adam {
    /// `Adam()` with Keras's defaults (learning rate 0.001).
    pub fn new() -> Self {
        Self {
            base: OptimizerBase::new(0.001),
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
            m: Slots::default(),
            v: Slots::default(),
            vhat: Slots::default(),
        }
    }
    optimizer_setters!();
    /// Keras `beta_1=`: decay of the first-moment estimate (default 0.9).
    pub fn beta_1(mut self, b: f32) -> Self {
        self.beta_1 = b;
        self
    }
    /// Keras `beta_2=`: decay of the second-moment estimate (default 0.999).
    pub fn beta_2(mut self, b: f32) -> Self {
        self.beta_2 = b;
        self
    }
    /// Keras `epsilon=`: small constant for numerical stability (default 1e-7).
    pub fn epsilon(mut self, e: f32) -> Self {
        self.epsilon = e;
        self
    }
    /// Keras `amsgrad=`: use the AMSGrad variant (default `False`).
    pub fn amsgrad(mut self, a: bool) -> Self {
        self.amsgrad = a;
        self
    }
    /// Keras `from_config`: the optimizer from its `get_config` dictionary (missing keys take
    /// Keras's defaults).
    pub fn from_config(cfg: &Json) -> Self {
        let f = |k: &str, d: f32| cfg.get(k).and_then(Json::as_f64).map_or(d, |v| v as f32);
        let mut a = Adam::new();
        a.beta_1 = f("beta_1", 0.9);
        a.beta_2 = f("beta_2", 0.999);
        a.epsilon = f("epsilon", 1e-7);
        a.amsgrad = cfg.get("amsgrad").and_then(Json::as_bool).unwrap_or(false);
        a
    }
    /// One step as tensor ops on the weight's device (the path for weights on a GPU; on the CPU
    /// it gives the fused loop's bits).
    pub(crate) fn update_with_tensor_ops(
        &mut self,
        param: &mut Param,
        grad: &Tensor,
        t: u64,
    ) -> Result<()> {
        let g = grad.to(param.value.device())?;
        let m = self.m.get_tensor(param, 0.0)?.clone();
        let v = self.v.get_tensor(param, 0.0)?.clone();
        let vhat = match self.amsgrad {
            true => Some(self.vhat.get_tensor(param, 0.0)?.clone()),
            false => None,
        };
        let (w, m, v, vhat) =
            device_update::adam(&param.value, &g, &m, &v, vhat.as_ref(), self.coef(t))?;
        param.value = w;
        self.m.put_tensor(param, m);
        self.v.put_tensor(param, v);
        if let Some(vhat) = vhat {
            self.vhat.put_tensor(param, vhat);
        }
        Ok(())
    }
    /// This step's constants (Keras 3 folds the bias correction into the learning rate).
    fn coef(&self, t: u64) -> AdamCoef {
        let (b1, b2) = (self.beta_1, self.beta_2);
        AdamCoef {
            lr: self.base.learning_rate * (1.0 - b2.powi(t as i32)).sqrt()
                / (1.0 - b1.powi(t as i32)),
            beta_1: b1,
            beta_2: b2,
            epsilon: self.epsilon,
        }
    }
}

impl Optimizer for Adam {
    fn class_name(&self) -> &'static str {
        "Adam"
    }
    fn base(&self) -> &OptimizerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut OptimizerBase {
        &mut self.base
    }
    fn update_one(&mut self, param: &mut Param, grad: &Tensor, t: u64) -> Result<()> {
        if takes_device_path(param.value.device()) {
            return self.update_with_tensor_ops(param, grad, t);
        }
        let c = self.coef(t);
        let (b1, b2, eps, lr) = (c.beta_1, c.beta_2, c.epsilon, c.lr);
        let g = grad.as_slice()?;
        let m = self.m.get(param, 0.0)?;
        let v = self.v.get(param, 0.0)?;
        if self.amsgrad {
            let vhat = self.vhat.get(param, 0.0)?;
            let w = param.value.as_mut_slice()?;
            for i in 0..w.len() {
                m[i] += (g[i] - m[i]) * (1.0 - b1);
                v[i] += (g[i] * g[i] - v[i]) * (1.0 - b2);
                vhat[i] = vhat[i].max(v[i]);
                w[i] -= lr * m[i] / (vhat[i].sqrt() + eps);
            }
            return Ok(());
        }
        // One fused pass over (w, g, m, v); chunks in parallel for the big embedding tables.
        adam_dense(param.value.as_mut_slice()?, g, m, v, c);
        Ok(())
    }
    fn update_rows(&mut self, param: &mut Param, grad: &RowGrad, t: u64) -> Result<()> {
        if self.amsgrad || takes_device_path(param.value.device()) {
            let dense = grad.to_dense()?;
            return self.update_one(param, &dense, t);
        }
        // Keras applies Adam to the densified gradient, so every row's moments still decay: one
        // pass over (w, m, v) that reads gradient rows only where the batch had them.
        let c = self.coef(t);
        let slots = grad.slots();
        let m = self.m.get(param, 0.0)?;
        let v = self.v.get(param, 0.0)?;
        let w = param.value.as_mut_slice()?;
        adam_rows(w, &slots, grad.rows(), grad.dim(), m, v, c);
        Ok(())
    }
    fn extra_config(&self) -> serde_json::Map<String, Json> {
        let mut m = serde_json::Map::new();
        m.insert("beta_1".into(), json!(self.beta_1));
        m.insert("beta_2".into(), json!(self.beta_2));
        m.insert("epsilon".into(), json!(self.epsilon));
        m.insert("amsgrad".into(), json!(self.amsgrad));
        m
    }
    fn slots(&self) -> Vec<(u64, String, Tensor)> {
        let mut s = self.m.export("m");
        s.extend(self.v.export("v"));
        s.extend(self.vhat.export("vhat"));
        s
    }
    fn set_slot(&mut self, id: u64, slot: &str, value: Tensor) -> Result<()> {
        match slot {
            "m" => self.m.set(id, &value),
            "v" => self.v.set(id, &value),
            _ => self.vhat.set(id, &value),
        }
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
