//! `SimpleRNN`: `h_t = activation(x_t·W + h_{t-1}·U + b)`, the whole sequence as one tape node.
use super::common::{input_features, step_mask, SequenceOptions};
use crate::activations::Activation;
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::initializers::Initializer;
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use crate::regularizers::Regularizer;
use kerust_tensor::{sgemm, Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `SimpleRNN(units, activation="tanh", use_bias=True, return_sequences=False, ...)`.
#[derive(Debug, Clone)]
pub struct SimpleRNN {
    pub base: LayerBase,
    pub units: usize,
    /// `tanh`, `relu`, `sigmoid` or `linear`.
    pub activation: Activation,
    pub use_bias: bool,
    pub kernel_initializer: Initializer,
    pub recurrent_initializer: Initializer,
    pub bias_initializer: Initializer,
    pub kernel_regularizer: Option<Regularizer>,
    pub recurrent_regularizer: Option<Regularizer>,
    pub bias_regularizer: Option<Regularizer>,
    pub seq: SequenceOptions,
    /// Input shape without batch when first in a `Sequential` (`input_shape=(None, 1)`).
    pub input_shape: Option<Shape>,
    kernel: Option<Param>,
    recurrent_kernel: Option<Param>,
    bias: Option<Param>,
}

impl SimpleRNN {
    pub fn new(units: usize) -> Self {
        Self {
            base: LayerBase::new("SimpleRNN"),
            units,
            activation: Activation::Tanh,
            use_bias: true,
            kernel_initializer: Initializer::GlorotUniform,
            recurrent_initializer: Initializer::Orthogonal { gain: 1.0 },
            bias_initializer: Initializer::Zeros,
            kernel_regularizer: None,
            recurrent_regularizer: None,
            bias_regularizer: None,
            seq: SequenceOptions::default(),
            input_shape: None,
            kernel: None,
            recurrent_kernel: None,
            bias: None,
        }
    }
    pub fn activation(mut self, a: impl Into<Activation>) -> Self {
        self.activation = a.into();
        self
    }
    pub fn use_bias(mut self, b: bool) -> Self {
        self.use_bias = b;
        self
    }
    pub fn return_sequences(mut self, r: bool) -> Self {
        self.seq.return_sequences = r;
        self
    }
    pub fn return_state(mut self, r: bool) -> Self {
        self.seq.return_state = r;
        self
    }
    pub fn go_backwards(mut self, g: bool) -> Self {
        self.seq.go_backwards = g;
        self
    }
    pub fn kernel_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.kernel_initializer = i.into();
        self
    }
    pub fn recurrent_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.recurrent_initializer = i.into();
        self
    }
    pub fn bias_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.bias_initializer = i.into();
        self
    }
    pub fn kernel_regularizer(mut self, r: Regularizer) -> Self {
        self.kernel_regularizer = Some(r);
        self
    }
    pub fn recurrent_regularizer(mut self, r: Regularizer) -> Self {
        self.recurrent_regularizer = Some(r);
        self
    }
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Per-sample input shape; `None` entries (e.g. variable time) as `0`-free `Option`s.
    pub fn input_shape(mut self, shape: &[Option<usize>]) -> Self {
        self.input_shape = Some(shape.to_vec());
        self
    }

    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("SimpleRNN", cfg);
        let mut l = SimpleRNN::new(c.usize("units")?);
        l.base = LayerBase::from_config(cfg);
        l.activation = Activation::from_name(c.str_or("activation", "tanh"))?;
        l.use_bias = c.bool_or("use_bias", true);
        for (key, slot) in [
            ("kernel_initializer", &mut l.kernel_initializer),
            ("recurrent_initializer", &mut l.recurrent_initializer),
            ("bias_initializer", &mut l.bias_initializer),
        ] {
            if !c.get(key).is_null() {
                *slot = Initializer::from_config(c.get(key))?;
            }
        }
        l.kernel_regularizer = Regularizer::from_config(c.get("kernel_regularizer"))?;
        l.recurrent_regularizer = Regularizer::from_config(c.get("recurrent_regularizer"))?;
        l.bias_regularizer = Regularizer::from_config(c.get("bias_regularizer"))?;
        l.seq = SequenceOptions::read(&c);
        l.input_shape = c.declared_input_shape();
        if c.f32_or("dropout", 0.0) != 0.0 || c.f32_or("recurrent_dropout", 0.0) != 0.0 {
            return Err(LayerError::config(
                "SimpleRNN config",
                "dropout / recurrent_dropout are not supported yet; use a Dropout layer",
            ));
        }
        Ok(l)
    }

    fn act(&self) -> Result<(ScalarFn, ScalarFn)> {
        // (f(x), f'(x) written in terms of y = f(x))
        Ok(match self.activation {
            Activation::Tanh => (f32::tanh, |y| 1.0 - y * y),
            Activation::Relu => (|x| x.max(0.0), |y| if y > 0.0 { 1.0 } else { 0.0 }),
            Activation::Sigmoid => (kerust_tensor::sigmoid, |y| y * (1.0 - y)),
            Activation::Linear => (|x| x, |_| 1.0),
            other => {
                return Err(LayerError::config(
                    format!("SimpleRNN '{}'", self.base.name()),
                    format!("activation '{}' is not supported in recurrent layers; use tanh, relu, sigmoid or linear", other.name()),
                ))
            }
        })
    }
}

/// An activation or its derivative on one scalar.
type ScalarFn = fn(f32) -> f32;

/// Saved forward state of one SimpleRNN call, used by its backward.
struct Saved {
    b: usize,
    t: usize,
    d: usize,
    h: usize,
    x: Tensor,
    w: Tensor,
    u: Tensor,
    /// Post-activation value of every step `[t][b][h]` (before masking).
    y: Vec<f32>,
    /// State entering every step `[t][b][h]` (after masking of the previous step).
    h_prev: Vec<f32>,
    mask: Option<Vec<f32>>,
    /// Reading order of time steps (reversed for go_backwards).
    steps: Vec<usize>,
}

impl Layer for SimpleRNN {
    crate::layer_boilerplate!("SimpleRNN");

    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape.clone()
    }

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        let d = input_features(self.base.name(), &input_shapes[0])?;
        self.act()?;
        let h = self.units;
        self.kernel = Some(
            Param::new("kernel", self.kernel_initializer.init(&[d, h], rng)?)
                .with_regularizer(self.kernel_regularizer),
        );
        self.recurrent_kernel = Some(
            Param::new(
                "recurrent_kernel",
                self.recurrent_initializer.init(&[h, h], rng)?,
            )
            .with_regularizer(self.recurrent_regularizer),
        );
        if self.use_bias {
            self.bias = Some(
                Param::new("bias", self.bias_initializer.init(&[h], rng)?)
                    .with_regularizer(self.bias_regularizer),
            );
        }
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        input_features(self.base.name(), &input_shapes[0])?;
        Ok(self.seq.output_shapes(&input_shapes[0], self.units, 1))
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let x = inputs[0].var(self.base.name())?;
        let not_built = || LayerError::NotBuilt(format!("layer '{}'", self.base.name()));
        let (kp, up) = (
            self.kernel.as_ref().ok_or_else(not_built)?,
            self.recurrent_kernel.as_ref().ok_or_else(not_built)?,
        );
        let [b, t, d] = *x.shape() else {
            return Err(LayerError::input(
                self.base.name(),
                "input of rank 3 [batch, time, features]",
                x.shape(),
            ));
        };
        if d != kp.value.shape()[0] {
            return Err(LayerError::input(
                self.base.name(),
                format!("{} features per step", kp.value.shape()[0]),
                x.shape(),
            ));
        }
        let h = self.units;
        let (f, df) = self.act()?;
        let w = ctx.param(kp)?;
        let u = ctx.param(up)?;
        let bias = match &self.bias {
            Some(p) => Some(ctx.param(p)?),
            None => None,
        };
        let mask = step_mask(inputs[0].mask.as_ref(), b, t)?;
        let steps: Vec<usize> = if self.seq.go_backwards {
            (0..t).rev().collect()
        } else {
            (0..t).collect()
        };

        // X·W (+b) for every step at once: [b*t, h].
        let xs = x.value().as_slice()?;
        let mut xw = vec![0.0f32; b * t * h];
        sgemm(
            false,
            false,
            b * t,
            h,
            d,
            1.0,
            xs,
            w.value().as_slice()?,
            0.0,
            &mut xw,
        )?;
        if let Some(bv) = &bias {
            let bs = bv.value().as_slice()?;
            xw.chunks_mut(h)
                .for_each(|row| row.iter_mut().zip(bs).for_each(|(v, b)| *v += b));
        }
        let us = u.value().as_slice()?;
        let mut hcur = vec![0.0f32; b * h];
        let mut y = vec![0.0f32; t * b * h];
        let mut h_prev = vec![0.0f32; t * b * h];
        let mut seq_out = if self.seq.return_sequences {
            vec![0.0f32; b * t * h]
        } else {
            Vec::new()
        };
        let mut pre = vec![0.0f32; b * h];
        for (k, &step) in steps.iter().enumerate() {
            h_prev[k * b * h..(k + 1) * b * h].copy_from_slice(&hcur);
            for bi in 0..b {
                pre[bi * h..(bi + 1) * h]
                    .copy_from_slice(&xw[(bi * t + step) * h..(bi * t + step + 1) * h]);
            }
            sgemm(false, false, b, h, h, 1.0, &hcur, us, 1.0, &mut pre)?;
            let yk = &mut y[k * b * h..(k + 1) * b * h];
            for i in 0..b * h {
                yk[i] = f(pre[i]);
            }
            for bi in 0..b {
                let keep = mask.as_ref().is_none_or(|m| m[bi * t + step] != 0.0);
                if keep {
                    hcur[bi * h..(bi + 1) * h].copy_from_slice(&yk[bi * h..(bi + 1) * h]);
                }
                if self.seq.return_sequences {
                    // Output position k: Keras keeps outputs in processing order.
                    seq_out[(bi * t + k) * h..(bi * t + k + 1) * h]
                        .copy_from_slice(&hcur[bi * h..(bi + 1) * h]);
                }
            }
        }
        let out = if self.seq.return_sequences {
            Tensor::from_vec(seq_out, &[b, t, h])?
        } else {
            Tensor::from_vec(hcur.clone(), &[b, h])?
        };
        let state = Tensor::from_vec(hcur, &[b, h])?;
        let saved = Saved {
            b,
            t,
            d,
            h,
            x: x.value().clone(),
            w: w.value().clone(),
            u: u.value().clone(),
            y,
            h_prev,
            mask,
            steps,
        };
        let return_sequences = self.seq.return_sequences;
        let has_bias = bias.is_some();
        let mut ins = vec![x, &w, &u];
        if let Some(bv) = &bias {
            ins.push(bv);
        }
        let outs = ctx.tape.record(
            &ins,
            vec![out, state],
            Box::new(move |g: &[Option<Tensor>]| {
                backward(&saved, g, return_sequences, has_bias, df)
            }),
        )?;
        let out_mask = if return_sequences {
            inputs[0].mask.clone()
        } else {
            None
        };
        let mut result = vec![Flow {
            value: Value::Float(outs[0].clone()),
            mask: out_mask,
        }];
        if self.seq.return_state {
            result.push(Flow::float(outs[1].clone()));
        }
        Ok(result)
    }

    fn params(&self) -> Vec<&Param> {
        self.kernel
            .iter()
            .chain(self.recurrent_kernel.iter())
            .chain(self.bias.iter())
            .collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.kernel
            .iter_mut()
            .chain(self.recurrent_kernel.iter_mut())
            .chain(self.bias.iter_mut())
            .collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("units".into(), json!(self.units));
        m.insert("activation".into(), json!(self.activation.name()));
        m.insert("use_bias".into(), json!(self.use_bias));
        m.insert(
            "kernel_initializer".into(),
            self.kernel_initializer.to_config(),
        );
        m.insert(
            "recurrent_initializer".into(),
            self.recurrent_initializer.to_config(),
        );
        m.insert("bias_initializer".into(), self.bias_initializer.to_config());
        m.insert(
            "kernel_regularizer".into(),
            self.kernel_regularizer
                .map_or(Json::Null, |r| r.to_config()),
        );
        m.insert(
            "recurrent_regularizer".into(),
            self.recurrent_regularizer
                .map_or(Json::Null, |r| r.to_config()),
        );
        m.insert(
            "bias_regularizer".into(),
            self.bias_regularizer.map_or(Json::Null, |r| r.to_config()),
        );
        m.insert("activity_regularizer".into(), Json::Null);
        m.insert("kernel_constraint".into(), Json::Null);
        m.insert("recurrent_constraint".into(), Json::Null);
        m.insert("bias_constraint".into(), Json::Null);
        m.insert("dropout".into(), json!(0.0));
        m.insert("recurrent_dropout".into(), json!(0.0));
        m.insert("seed".into(), Json::Null);
        self.seq.write(&mut m);
        crate::config::insert_input_shape(&mut m, &self.input_shape);
        Json::Object(m)
    }
}

/// Backpropagation through time for one SimpleRNN call.
fn backward(
    s: &Saved,
    g: &[Option<Tensor>],
    return_sequences: bool,
    has_bias: bool,
    df: fn(f32) -> f32,
) -> kerust_tensor::Result<Vec<Option<Tensor>>> {
    let (b, t, d, h) = (s.b, s.t, s.d, s.h);
    let g_out = g[0].as_ref().map(|x| x.to_vec()).transpose()?;
    let g_state = g[1].as_ref().map(|x| x.to_vec()).transpose()?;
    let mut dh = vec![0.0f32; b * h];
    if let Some(gs) = &g_state {
        dh.iter_mut().zip(gs).for_each(|(a, v)| *a += v);
    }
    if !return_sequences {
        if let Some(go) = &g_out {
            dh.iter_mut().zip(go).for_each(|(a, v)| *a += v);
        }
    }
    let mut dxw = vec![0.0f32; b * t * h];
    let mut du = vec![0.0f32; h * h];
    let mut dpre = vec![0.0f32; b * h];
    let mut carry = vec![0.0f32; b * h];
    let us = s.u.as_slice()?;
    for k in (0..t).rev() {
        let step = s.steps[k];
        if return_sequences {
            if let Some(go) = &g_out {
                for bi in 0..b {
                    let src = &go[(bi * t + k) * h..(bi * t + k + 1) * h];
                    dh[bi * h..(bi + 1) * h]
                        .iter_mut()
                        .zip(src)
                        .for_each(|(a, v)| *a += v);
                }
            }
        }
        let yk = &s.y[k * b * h..(k + 1) * b * h];
        for bi in 0..b {
            let keep = s.mask.as_ref().is_none_or(|m| m[bi * t + step] != 0.0);
            for j in 0..h {
                let i = bi * h + j;
                if keep {
                    dpre[i] = dh[i] * df(yk[i]);
                    carry[i] = 0.0;
                } else {
                    dpre[i] = 0.0;
                    carry[i] = dh[i];
                }
            }
            dxw[(bi * t + step) * h..(bi * t + step + 1) * h]
                .copy_from_slice(&dpre[bi * h..(bi + 1) * h]);
        }
        let hp = &s.h_prev[k * b * h..(k + 1) * b * h];
        sgemm(true, false, h, h, b, 1.0, hp, &dpre, 1.0, &mut du)?;
        // dh_{prev} = dpre·Uᵀ + carry
        dh.copy_from_slice(&carry);
        sgemm(false, true, b, h, h, 1.0, &dpre, us, 1.0, &mut dh)?;
    }
    let mut dx = vec![0.0f32; b * t * d];
    sgemm(
        false,
        true,
        b * t,
        d,
        h,
        1.0,
        &dxw,
        s.w.as_slice()?,
        0.0,
        &mut dx,
    )?;
    let mut dw = vec![0.0f32; d * h];
    sgemm(
        true,
        false,
        d,
        h,
        b * t,
        1.0,
        s.x.as_slice()?,
        &dxw,
        0.0,
        &mut dw,
    )?;
    let mut out = vec![
        Some(Tensor::from_vec(dx, &[b, t, d])?),
        Some(Tensor::from_vec(dw, &[d, h])?),
        Some(Tensor::from_vec(du, &[h, h])?),
    ];
    if has_bias {
        let mut db = vec![0.0f32; h];
        dxw.chunks(h)
            .for_each(|row| db.iter_mut().zip(row).for_each(|(a, v)| *a += v));
        out.push(Some(Tensor::from_vec(db, &[h])?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{check_config_round_trip, check_layer_gradients, forward};

    #[test]
    fn single_unit_hand_computed() {
        // h1 = tanh(0.5*1 + 0) ; h2 = tanh(0.5*2 + 0.8*h1 + 0.1)
        let mut l = SimpleRNN::new(1);
        l.build(&[vec![None, Some(2), Some(1)]], &mut Rng::seed(0))
            .unwrap();
        l.set_weights(&[
            Tensor::full(&[1, 1], 0.5).unwrap(),
            Tensor::full(&[1, 1], 0.8).unwrap(),
            Tensor::full(&[1], 0.1).unwrap(),
        ])
        .unwrap();
        let y = forward(&l, Tensor::from_vec(vec![1.0, 2.0], &[1, 2, 1]).unwrap()).unwrap();
        let h1 = (0.5f32 + 0.1).tanh();
        let h2 = (1.0 + 0.8 * h1 + 0.1).tanh();
        assert!((y.item().unwrap() - h2).abs() < 1e-6);
    }

    #[test]
    fn lecture_parameter_counts() {
        // SimpleRNN(10) on 1 feature: 10 + 100 + 10 = 120; then 5 on 10: 50+25+5 = 80; then 1 on 5: 7.
        for (units, d, want) in [(10, 1, 120), (5, 10, 80), (1, 5, 7), (10, 50, 610)] {
            let mut l = SimpleRNN::new(units);
            l.build(&[vec![None, None, Some(d)]], &mut Rng::seed(0))
                .unwrap();
            assert_eq!(l.count_params(), want);
        }
    }

    #[test]
    fn gradients_all_modes() {
        check_layer_gradients(SimpleRNN::new(3), &[2, 4, 2]);
        check_layer_gradients(SimpleRNN::new(3).return_sequences(true), &[2, 4, 2]);
        check_layer_gradients(
            SimpleRNN::new(2).go_backwards(true).return_sequences(true),
            &[2, 3, 2],
        );
        check_layer_gradients(
            SimpleRNN::new(2).activation("relu").use_bias(false),
            &[3, 3, 2],
        );
        check_config_round_trip(
            SimpleRNN::new(4).return_sequences(true).go_backwards(true),
            SimpleRNN::from_config,
        );
    }
}
