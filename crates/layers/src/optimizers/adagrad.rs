//! Adagrad with Keras 3 defaults: lr 1e-3, initial accumulator 0.1, ε 1e-7.
use super::device_update;
use super::{optimizer_setters, Optimizer, OptimizerBase, Slots};
use crate::error::Result;
use crate::param::Param;
use kerust_tensor::{takes_device_path, Tensor};
use serde_json::{json, Value as Json};

/// Keras `Adagrad(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7)`.
#[derive(Debug, Clone)]
pub struct Adagrad {
    /// Learning rate and gradient clipping.
    pub base: OptimizerBase,
    /// Starting value of the squared-gradient accumulators (default 0.1).
    pub initial_accumulator_value: f32,
    /// Small constant for numerical stability (default 1e-7).
    pub epsilon: f32,
    accumulators: Slots,
}

impl Default for Adagrad {
    fn default() -> Self {
        Self::new()
    }
}

impl Adagrad {
    /// `Adagrad()` with Keras's defaults (learning rate 0.001).
    pub fn new() -> Self {
        Self {
            base: OptimizerBase::new(0.001),
            initial_accumulator_value: 0.1,
            epsilon: 1e-7,
            accumulators: Slots::default(),
        }
    }
    optimizer_setters!();
    /// Keras `initial_accumulator_value=`: starting value of the squared-gradient accumulators
    /// (default 0.1).
    pub fn initial_accumulator_value(mut self, v: f32) -> Self {
        self.initial_accumulator_value = v;
        self
    }
    /// Keras `epsilon=`: small constant for numerical stability (default 1e-7).
    pub fn epsilon(mut self, e: f32) -> Self {
        self.epsilon = e;
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
        let init = self.initial_accumulator_value;
        let acc = self.accumulators.get_tensor(param, init)?.clone();
        let (w, acc) = device_update::adagrad(
            &param.value,
            &g,
            &acc,
            self.base.learning_rate,
            self.epsilon,
        )?;
        param.value = w;
        self.accumulators.put_tensor(param, acc);
        Ok(())
    }
    /// Keras `from_config`: the optimizer from its `get_config` dictionary (missing keys take
    /// Keras's defaults).
    pub fn from_config(cfg: &Json) -> Self {
        let f = |k: &str, d: f32| cfg.get(k).and_then(Json::as_f64).map_or(d, |v| v as f32);
        let mut a = Adagrad::new();
        a.initial_accumulator_value = f("initial_accumulator_value", 0.1);
        a.epsilon = f("epsilon", 1e-7);
        a
    }
}

impl Optimizer for Adagrad {
    fn class_name(&self) -> &'static str {
        "Adagrad"
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
        let (lr, eps) = (self.base.learning_rate, self.epsilon);
        let g = grad.as_slice()?;
        let acc = self
            .accumulators
            .get(param, self.initial_accumulator_value)?;
        let w = param.value.as_mut_slice()?;
        for i in 0..w.len() {
            acc[i] += g[i] * g[i];
            w[i] -= lr * g[i] / (acc[i] + eps).sqrt();
        }
        Ok(())
    }
    fn extra_config(&self) -> serde_json::Map<String, Json> {
        let mut m = serde_json::Map::new();
        m.insert(
            "initial_accumulator_value".into(),
            json!(self.initial_accumulator_value),
        );
        m.insert("epsilon".into(), json!(self.epsilon));
        m
    }
    fn slots(&self) -> Vec<(u64, String, Tensor)> {
        self.accumulators.export("accumulator")
    }
    fn set_slot(&mut self, id: u64, _slot: &str, value: Tensor) -> Result<()> {
        self.accumulators.set(id, &value)
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
