//! Optimizer updates for weights that live on an accelerator: the host loops' formulas, float op
//! for float op, written as tensor ops so they run wherever the weight lives. On CPU tensors they
//! give the host loops' exact bits (tests below), which is how this path is checked on machines
//! without a GPU; on CUDA tensors each op is one of the device's elementwise kernels.
use super::kernels::AdamCoef;
use crate::error::Result;
use kerust_tensor::Tensor;

/// Adam's new `(w, m, v, vhat)`; `vhat` is `Some` for AMSGrad.
pub(crate) fn adam(
    w: &Tensor,
    g: &Tensor,
    m: &Tensor,
    v: &Tensor,
    vhat: Option<&Tensor>,
    c: AdamCoef,
) -> Result<(Tensor, Tensor, Tensor, Option<Tensor>)> {
    // m += (g - m) * (1 - β1);  v += (g·g - v) * (1 - β2)
    let m = m.add(&g.sub(m)?.mul_scalar(1.0 - c.beta_1)?)?;
    let v = v.add(&g.mul(g)?.sub(v)?.mul_scalar(1.0 - c.beta_2)?)?;
    let vhat = vhat.map(|h| h.maximum(&v)).transpose()?;
    // w -= lr·m / (√v̂ + ε)
    let denom = vhat.as_ref().unwrap_or(&v).sqrt()?.add_scalar(c.epsilon)?;
    let w = w.sub(&m.mul_scalar(c.lr)?.div(&denom)?)?;
    Ok((w, m, v, vhat))
}

/// SGD's new `(w, velocity)`; without momentum the velocity is `None`.
pub(crate) fn sgd(
    w: &Tensor,
    g: &Tensor,
    velocity: Option<&Tensor>,
    lr: f32,
    momentum: f32,
    nesterov: bool,
) -> Result<(Tensor, Option<Tensor>)> {
    let step = g.mul_scalar(lr)?;
    let Some(velocity) = velocity else {
        return Ok((w.sub(&step)?, None));
    };
    // v = μ·v - lr·g;  w += nesterov ? μ·v - lr·g : v
    let v = velocity.mul_scalar(momentum)?.sub(&step)?;
    let delta = if nesterov {
        v.mul_scalar(momentum)?.sub(&step)?
    } else {
        v.clone()
    };
    Ok((w.add(&delta)?, Some(v)))
}

/// RMSprop's state after one step; `average` is `Some` when centered, `momentum` when μ > 0.
pub(crate) struct RmspropState {
    pub w: Tensor,
    pub velocity: Tensor,
    pub average: Option<Tensor>,
    pub momentum: Option<Tensor>,
}

/// RMSprop's new state.
#[allow(clippy::too_many_arguments)]
pub(crate) fn rmsprop(
    w: &Tensor,
    g: &Tensor,
    velocity: &Tensor,
    average: Option<&Tensor>,
    momentum: Option<&Tensor>,
    lr: f32,
    rho: f32,
    mom: f32,
    epsilon: f32,
) -> Result<RmspropState> {
    // v = ρ·v + (1-ρ)·g·g
    let velocity = velocity
        .mul_scalar(rho)?
        .add(&g.mul_scalar(1.0 - rho)?.mul(g)?)?;
    let mut denom = velocity.clone();
    let average = match average {
        Some(a) => {
            let a = a.mul_scalar(rho)?.add(&g.mul_scalar(1.0 - rho)?)?;
            denom = denom.sub(&a.mul(&a)?)?;
            Some(a)
        }
        None => None,
    };
    let mut inc = g.mul_scalar(lr)?.div(&denom.add_scalar(epsilon)?.sqrt()?)?;
    let momentum = match momentum {
        Some(m) => {
            inc = m.mul_scalar(mom)?.add(&inc)?;
            Some(inc.clone())
        }
        None => None,
    };
    Ok(RmspropState {
        w: w.sub(&inc)?,
        velocity,
        average,
        momentum,
    })
}

/// Adagrad's new `(w, accumulator)`.
pub(crate) fn adagrad(
    w: &Tensor,
    g: &Tensor,
    acc: &Tensor,
    lr: f32,
    epsilon: f32,
) -> Result<(Tensor, Tensor)> {
    // acc += g·g;  w -= lr·g / √(acc + ε)
    let acc = acc.add(&g.mul(g)?)?;
    let w = w.sub(&g.mul_scalar(lr)?.div(&acc.add_scalar(epsilon)?.sqrt()?)?)?;
    Ok((w, acc))
}

#[cfg(test)]
mod tests {
    use super::super::{Adagrad, Adam, Optimizer, RMSprop, SGD};
    use crate::param::Param;
    use kerust_tensor::{Rng, Tensor};

    /// One optimizer of each kind, so a test can call either path on it.
    #[derive(Clone)]
    enum Opt {
        Adam(Adam),
        Sgd(SGD),
        Rmsprop(RMSprop),
        Adagrad(Adagrad),
    }

    impl Opt {
        fn host(&mut self, p: &mut Param, g: &Tensor, t: u64) {
            match self {
                Opt::Adam(o) => o.update_one(p, g, t),
                Opt::Sgd(o) => o.update_one(p, g, t),
                Opt::Rmsprop(o) => o.update_one(p, g, t),
                Opt::Adagrad(o) => o.update_one(p, g, t),
            }
            .unwrap()
        }
        fn tensor_ops(&mut self, p: &mut Param, g: &Tensor, t: u64) {
            match self {
                Opt::Adam(o) => o.update_with_tensor_ops(p, g, t),
                Opt::Sgd(o) => o.update_with_tensor_ops(p, g),
                Opt::Rmsprop(o) => o.update_with_tensor_ops(p, g),
                Opt::Adagrad(o) => o.update_with_tensor_ops(p, g),
            }
            .unwrap()
        }
        fn slot_bits(&self) -> Vec<(String, Vec<u32>)> {
            let slots = match self {
                Opt::Adam(o) => o.slots(),
                Opt::Sgd(o) => o.slots(),
                Opt::Rmsprop(o) => o.slots(),
                Opt::Adagrad(o) => o.slots(),
            };
            let bits = |t: &Tensor| t.to_vec().unwrap().iter().map(|x| x.to_bits()).collect();
            slots.iter().map(|(_, n, t)| (n.clone(), bits(t))).collect()
        }
    }

    fn optimizers() -> Vec<(&'static str, Opt)> {
        vec![
            ("adam", Opt::Adam(Adam::new().learning_rate(0.01))),
            ("amsgrad", Opt::Adam(Adam::new().amsgrad(true))),
            ("sgd", Opt::Sgd(SGD::new().learning_rate(0.1))),
            ("sgd_momentum", Opt::Sgd(SGD::new().momentum(0.9))),
            (
                "nesterov",
                Opt::Sgd(SGD::new().momentum(0.9).nesterov(true)),
            ),
            ("rmsprop", Opt::Rmsprop(RMSprop::new())),
            (
                "rmsprop_centered_momentum",
                Opt::Rmsprop(RMSprop::new().centered(true).momentum(0.5)),
            ),
            ("adagrad", Opt::Adagrad(Adagrad::new().learning_rate(0.1))),
        ]
    }

    /// The device path, run on CPU tensors, must give the fused host loops' exact bits — also
    /// when a weight switches paths mid-training (its slots follow it), as a model moved
    /// between devices does.
    #[test]
    fn tensor_op_updates_match_the_host_loops_bit_for_bit() {
        let mut rng = Rng::seed(7);
        let w0 = Tensor::rand_normal(&[5, 7], 0.0, 1.0, &mut rng).unwrap();
        let grads: Vec<Tensor> = (0..6)
            .map(|_| Tensor::rand_normal(&[5, 7], 0.0, 1.0, &mut rng).unwrap())
            .collect();
        // true = the tensor-op path for that step.
        let schedules = [[true; 6], [false, false, true, true, false, true]];
        for (name, opt) in optimizers() {
            for schedule in &schedules {
                let (mut host, mut mixed) = (opt.clone(), opt.clone());
                let mut ph = Param::new("kernel", w0.clone());
                let mut pm = Param::new("kernel", w0.clone());
                for (t, (g, &ops)) in grads.iter().zip(schedule).enumerate() {
                    let t = t as u64 + 1;
                    host.host(&mut ph, g, t);
                    match ops {
                        true => mixed.tensor_ops(&mut pm, g, t),
                        false => mixed.host(&mut pm, g, t),
                    }
                }
                let (a, b) = (ph.value.to_vec().unwrap(), pm.value.to_vec().unwrap());
                assert!(a != w0.to_vec().unwrap(), "{name}: the weight did not move");
                let same = a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits());
                assert!(
                    same,
                    "{name}: the tensor-op path differs from the host loop"
                );
                // Each optimizer holds one weight, so the slot lists line up by name.
                assert_eq!(host.slot_bits(), mixed.slot_bits(), "{name}: slots");
            }
        }
    }
}
