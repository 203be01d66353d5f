//! The per-step call context: the tape, the training flag, the RNG, and each weight's `Var`.
use crate::param::Param;
use kerust_autograd::{Tape, Var};
use kerust_tensor::{Device, Rng, Tensor};
use std::collections::HashMap;

/// Everything a layer's `call` needs besides its inputs.
pub struct Ctx<'a> {
    /// The tape ops of this forward pass record on.
    pub tape: &'a Tape,
    /// `true` inside `fit` (dropout active), `false` in `predict`/`evaluate`.
    pub training: bool,
    /// Random numbers for dropout masks.
    pub rng: &'a mut Rng,
    /// Where the model's weights live: float inputs are copied there as they enter the graph.
    pub device: Device,
    vars: HashMap<u64, Var>,
    params: Vec<(u64, Var)>,
    /// Regularization penalties collected during the forward pass.
    pub losses: Vec<Var>,
    /// New values of non-trainable weights computed in this pass (BatchNormalization's moving
    /// statistics), by param id; `fit` assigns them after the step (Keras `variable.assign`).
    updates: Vec<(u64, Tensor)>,
}

impl<'a> Ctx<'a> {
    /// A context on `tape`.
    pub fn new(tape: &'a Tape, training: bool, rng: &'a mut Rng) -> Self {
        Self {
            tape,
            training,
            rng,
            device: Device::Cpu,
            vars: HashMap::new(),
            params: Vec::new(),
            losses: Vec::new(),
            updates: Vec::new(),
        }
    }

    /// The same context with inputs placed on `device` (the model's weights' device).
    pub fn on_device(mut self, device: Device) -> Self {
        self.device = device;
        self
    }

    /// The `Var` for a weight. A weight used twice (a shared layer) gets the same `Var`, so its
    /// gradients from both uses accumulate. Frozen weights and inference enter as constants.
    pub fn param(&mut self, p: &Param) -> kerust_tensor::Result<Var> {
        if let Some(v) = self.vars.get(&p.id()) {
            return Ok(v.clone());
        }
        let train = self.training && p.trainable;
        let v = if train {
            self.tape.param(p.value.clone())
        } else {
            self.tape.constant(p.value.clone())
        };
        if train {
            if let Some(r) = &p.regularizer {
                let penalty = r.penalty(&v)?;
                self.losses.push(penalty);
            }
            self.params.push((p.id(), v.clone()));
        }
        self.vars.insert(p.id(), v.clone());
        Ok(v)
    }

    /// Use `v` for weight `id` in this pass (gradient checks substitute their own variables).
    pub fn bind(&mut self, id: u64, v: Var) {
        self.params.push((id, v.clone()));
        self.vars.insert(id, v);
    }

    /// Trainable weights touched in this pass, by param id.
    pub fn trained_params(&self) -> &[(u64, Var)] {
        &self.params
    }

    /// Assign `value` to the non-trainable weight `p` at the end of this step (Keras
    /// `p.assign(value)`); a later read in the same pass through [`Ctx::state`] sees it.
    pub fn assign(&mut self, p: &Param, value: Tensor) {
        self.updates.retain(|(id, _)| *id != p.id());
        self.updates.push((p.id(), value));
    }

    /// The value of `p` as this pass sees it: the pending assignment, else the stored value.
    pub fn state(&self, p: &Param) -> Tensor {
        self.updates
            .iter()
            .find(|(id, _)| *id == p.id())
            .map_or_else(|| p.value.clone(), |(_, v)| v.clone())
    }

    /// The assignments of this pass, to apply to the weights by id (taken out of the context).
    pub fn take_updates(&mut self) -> Vec<(u64, Tensor)> {
        std::mem::take(&mut self.updates)
    }
}
