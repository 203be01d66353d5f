//! `Bidirectional(layer)`: runs a recurrent layer forwards and a copy backwards over the same
//! sequence and merges their outputs (`concat`, `sum`, `mul`, `ave`, or both with `None`).
use super::from_class_config;
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::layer::{Layer, LayerBase, Shape};
use crate::param::Param;
use crate::rnn::recurrent::SequenceLayer;
use kerust_autograd::Var;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `Bidirectional(layer, merge_mode="concat", backward_layer=None)`.
///
/// Like Keras, the forward and backward layers are re-created from `layer`'s config (so they
/// start unbuilt); weights are the forward layer's, then the backward layer's.
#[derive(Clone)]
pub struct Bidirectional {
    /// Name, weights and build state shared by every layer.
    pub base: LayerBase,
    /// `"concat"`, `"sum"`, `"mul"`, `"ave"`, or `None` (return both outputs).
    pub merge_mode: Option<String>,
    /// The layer that reads the sequence first to last.
    pub forward_layer: Box<dyn Layer>,
    /// The layer that reads it last to first (`go_backwards` flipped).
    pub backward_layer: Box<dyn Layer>,
    /// Input shape without batch when first in a `Sequential`.
    pub input_shape: Option<Shape>,
}

/// Re-create a recurrent layer from its config with a new name and direction, and Keras's
/// `zero_output_for_mask = return_sequences`.
fn recreate(layer: &dyn Layer, name: String, flip_direction: bool) -> Result<Box<dyn Layer>> {
    let mut cfg = layer.get_config();
    let obj = cfg.as_object_mut().ok_or_else(|| {
        LayerError::config(
            "Bidirectional",
            "the wrapped layer's config is not a dictionary",
        )
    })?;
    obj.insert("name".into(), json!(name));
    if flip_direction {
        let gb = obj
            .get("go_backwards")
            .and_then(Json::as_bool)
            .unwrap_or(false);
        obj.insert("go_backwards".into(), json!(!gb));
    }
    let rs = obj
        .get("return_sequences")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    obj.insert("zero_output_for_mask".into(), json!(rs));
    from_class_config(&json!({"class_name": layer.class_name(), "config": cfg}))
}

/// Keras wrapper config `{"module", "class_name", "config", "registered_name"}` of a layer.
fn serialize(layer: &dyn Layer) -> Json {
    json!({
        "module": "keras.layers",
        "class_name": layer.class_name(),
        "config": layer.get_config(),
        "registered_name": null,
    })
}

impl Bidirectional {
    /// Wrap a `SimpleRNN`, `LSTM` or `GRU`.
    pub fn new(layer: impl Layer + 'static) -> Result<Self> {
        Self::wrap(&layer)
    }

    fn wrap(layer: &dyn Layer) -> Result<Self> {
        let base_name = layer
            .name()
            .strip_prefix("forward_")
            .unwrap_or(layer.name());
        let forward_layer = recreate(layer, format!("forward_{base_name}"), false)?;
        let back_name = layer
            .name()
            .strip_prefix("backward_")
            .unwrap_or(layer.name());
        let backward_layer = recreate(layer, format!("backward_{back_name}"), true)?;
        Ok(Self {
            base: LayerBase::new("Bidirectional"),
            merge_mode: Some("concat".into()),
            forward_layer,
            backward_layer,
            input_shape: None,
        })
    }

    /// A separate backward layer; it must process the sequence in the opposite direction and
    /// agree on `return_sequences` / `return_state`.
    pub fn backward_layer(mut self, layer: impl Layer + 'static) -> Result<Self> {
        self.backward_layer = recreate(&layer, layer.name().to_string(), false)?;
        self.verify()?;
        Ok(self)
    }

    /// `"concat"` (default), `"sum"`, `"mul"`, `"ave"`, or `"none"` for Keras `merge_mode=None`.
    pub fn merge_mode(mut self, mode: &str) -> Self {
        self.merge_mode = match mode {
            "none" | "None" | "null" => None,
            m => Some(m.to_string()),
        };
        self
    }
    /// Keras 3 `reset_state()`: the same as [`Layer::reset_states`].
    pub fn reset_state(&mut self) -> Result<()> {
        Layer::reset_states(self)
    }
    /// Keras `name`.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Keras `input_shape` (without the batch axis), for the first layer of a `Sequential`.
    pub fn input_shape(mut self, shape: &[Option<usize>]) -> Self {
        self.input_shape = Some(shape.to_vec());
        self
    }

    /// Rebuild from a Keras config (`layer`, `merge_mode`, optional `backward_layer`).
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("Bidirectional", cfg);
        let inner = from_class_config(c.get("layer"))?;
        let mut l = Self::wrap(inner.as_ref())?;
        if !c.get("backward_layer").is_null() {
            let back = from_class_config(c.get("backward_layer"))?;
            l.backward_layer = recreate(back.as_ref(), back.name().to_string(), false)?;
        }
        l.base = LayerBase::from_config(cfg);
        l.merge_mode = match c.get("merge_mode") {
            Json::Null => None,
            Json::String(s) => Some(s.clone()),
            other => {
                return Err(LayerError::config(
                    "Bidirectional config",
                    format!("merge_mode must be a string or null, got {other}"),
                ))
            }
        };
        l.input_shape = c.declared_input_shape();
        l.verify()?;
        Ok(l)
    }

    fn flag(layer: &dyn Layer, key: &str) -> bool {
        layer
            .get_config()
            .get(key)
            .and_then(Json::as_bool)
            .unwrap_or(false)
    }

    fn verify(&self) -> Result<()> {
        let ctx = || format!("Bidirectional '{}'", self.base.name());
        if let Some(m) = &self.merge_mode {
            if !["concat", "sum", "mul", "ave"].contains(&m.as_str()) {
                return Err(LayerError::config(
                    ctx(),
                    format!("merge_mode '{m}' is not one of concat, sum, mul, ave or None"),
                ));
            }
        }
        let (f, b) = (self.forward_layer.as_ref(), self.backward_layer.as_ref());
        if Self::flag(f, "go_backwards") == Self::flag(b, "go_backwards") {
            return Err(LayerError::config(
                ctx(),
                "the forward and backward layers must have different go_backwards values",
            ));
        }
        for key in ["stateful", "return_sequences", "return_state"] {
            if Self::flag(f, key) != Self::flag(b, key) {
                return Err(LayerError::config(
                    ctx(),
                    format!("the forward and backward layers must have the same {key}"),
                ));
            }
        }
        Ok(())
    }

    fn return_sequences(&self) -> bool {
        Self::flag(self.forward_layer.as_ref(), "return_sequences")
    }
    fn return_state(&self) -> bool {
        Self::flag(self.forward_layer.as_ref(), "return_state")
    }

    /// Both directions as recurrent ops, which can run on two threads.
    fn both_sequence_layers(&self) -> Option<(&dyn SequenceLayer, &dyn SequenceLayer)> {
        let f = self.forward_layer.as_sequence_layer()?;
        let b = self.backward_layer.as_sequence_layer()?;
        Some((f, b))
    }

    fn merge(&self, y: &Var, y_rev: &Var) -> Result<Vec<Var>> {
        Ok(match self.merge_mode.as_deref() {
            Some("concat") => vec![Var::concat(&[y, y_rev], -1)?],
            Some("sum") => vec![y.add(y_rev)?],
            Some("mul") => vec![y.mul(y_rev)?],
            Some("ave") => vec![y.add(y_rev)?.mul_scalar(0.5)?],
            None => vec![y.clone(), y_rev.clone()],
            Some(m) => {
                return Err(LayerError::config(
                    format!("Bidirectional '{}'", self.base.name()),
                    format!("merge_mode '{m}' is not one of concat, sum, mul, ave or None"),
                ))
            }
        })
    }
}

/// Both directions at once: forward passes and backward passes each run as a `rayon::join`
/// pair, recorded as one tape node. RNG draws happen in `prepare`, in the
/// sequential order, and each direction's arithmetic is unchanged, so results are the same bits
/// as calling the two layers one after the other (inputs are listed backward layer first so a
/// shared input's gradients are summed in the same order as with two nodes).
fn concurrent_directions(
    lf: &dyn SequenceLayer,
    lb: &dyn SequenceLayer,
    f_in: &[Flow],
    b_in: &[Flow],
    ctx: &mut Ctx,
) -> Result<(Vec<Flow>, Vec<Flow>)> {
    let (vf, jf) = lf.prepare(f_in, ctx)?;
    let (vb, jb) = lb.prepare(b_in, ctx)?;
    let (rf, rb) = rayon::join(|| jf.run(), || jb.run());
    let ((of, sf), (ob, sb)) = (rf?, rb?);
    let n_out = of.len();
    let n_b = vb.len();
    let ins: Vec<&Var> = vb.iter().chain(vf.iter()).collect();
    let outs = ctx.tape.record(
        &ins,
        of.into_iter().chain(ob).collect(),
        Box::new(move |g: &[Option<Tensor>]| {
            let (gf, gb) = g.split_at(n_out);
            let (df, db) = rayon::join(|| sf.backward(gf), || sb.backward(gb));
            let mut d = db?;
            d.resize(n_b, None);
            d.extend(df?);
            Ok(d)
        }),
    )?;
    lf.remember_states(&outs[..n_out]);
    lb.remember_states(&outs[n_out..]);
    Ok((
        lf.flows(f_in, &outs[..n_out]),
        lb.flows(b_in, &outs[n_out..]),
    ))
}

impl Layer for Bidirectional {
    crate::layer_boilerplate!("Bidirectional");

    fn declared_input_shape(&self) -> Option<Shape> {
        self.input_shape
            .clone()
            .or_else(|| self.forward_layer.declared_input_shape())
    }

    fn build(&mut self, input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        self.verify()?;
        let seq = &input_shapes[..1];
        self.forward_layer.build(seq, rng)?;
        self.backward_layer.build(seq, rng)?;
        if !self.base.trainable {
            self.set_trainable(false);
        }
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let mut shapes = self
            .forward_layer
            .compute_output_shape(&input_shapes[..1])?;
        let states = shapes.split_off(1);
        let out = shapes.remove(0);
        let mut result = match self.merge_mode.as_deref() {
            Some("concat") => {
                let mut o = out;
                if let Some(Some(last)) = o.last_mut() {
                    *last *= 2;
                }
                vec![o]
            }
            None => vec![out.clone(), out],
            _ => vec![out],
        };
        result.extend(states.iter().cloned());
        result.extend(states);
        Ok(result)
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let extra = &inputs[1.min(inputs.len())..];
        if !extra.len().is_multiple_of(2) {
            return Err(LayerError::input(
                self.base.name(),
                "initial states for both directions (an even number of extra inputs)",
                format!("{} extra inputs", extra.len()),
            ));
        }
        let half = extra.len() / 2;
        let mut f_in = vec![inputs[0].clone()];
        f_in.extend(extra[..half].iter().cloned());
        let mut b_in = vec![inputs[0].clone()];
        b_in.extend(extra[half..].iter().cloned());
        let (y, y_rev) = match self.both_sequence_layers() {
            Some((lf, lb)) => concurrent_directions(lf, lb, &f_in, &b_in, ctx)?,
            None => (
                self.forward_layer.call(&f_in, ctx)?,
                self.backward_layer.call(&b_in, ctx)?,
            ),
        };
        let name = self.base.name();
        let yf = y[0].var(name)?;
        let mut yb = y_rev[0].var(name)?.clone();
        let rs = self.return_sequences();
        if rs {
            yb = yb.flip(1)?;
        }
        let mask = if rs { inputs[0].mask.clone() } else { None };
        let mut out: Vec<Flow> = self
            .merge(yf, &yb)?
            .into_iter()
            .map(|v| Flow {
                value: Value::Float(v),
                mask: mask.clone(),
            })
            .collect();
        if self.return_state() {
            out.extend(y[1..].iter().cloned());
            out.extend(y_rev[1..].iter().cloned());
        }
        Ok(out)
    }

    fn is_stateful(&self) -> bool {
        self.forward_layer.is_stateful()
    }

    /// Keras `reset_states`: zero both directions' states; an error when the wrapped layer is
    /// not stateful (Keras raises "Layer must be stateful").
    fn reset_states(&mut self) -> Result<()> {
        if !self.is_stateful() {
            return Err(LayerError::config(
                format!("Bidirectional '{}'", self.base.name()),
                "reset_states needs a stateful layer; wrap a layer built with stateful(true)",
            ));
        }
        self.forward_layer.reset_states()?;
        self.backward_layer.reset_states()
    }

    fn params(&self) -> Vec<&Param> {
        let mut p = self.forward_layer.params();
        p.extend(self.backward_layer.params());
        p
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        let mut p = self.forward_layer.params_mut();
        p.extend(self.backward_layer.params_mut());
        p
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("merge_mode".into(), json!(self.merge_mode));
        m.insert("layer".into(), serialize(self.forward_layer.as_ref()));
        m.insert(
            "backward_layer".into(),
            serialize(self.backward_layer.as_ref()),
        );
        crate::config::insert_input_shape(&mut m, &self.input_shape);
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rnn::test_util::check_gradients_with_states;
    use crate::rnn::{gru::GRU, lstm::LSTM, simple_rnn::SimpleRNN};
    use crate::testing::{check_config_round_trip, check_layer_gradients};

    #[test]
    fn lecture_parameter_count() {
        let mut l = Bidirectional::new(LSTM::new(64)).unwrap();
        l.build(&[vec![None, None, Some(128)]], &mut Rng::seed(0))
            .unwrap();
        assert_eq!(l.count_params(), 98816);
        let names: Vec<_> = l.params().iter().map(|p| p.name.clone()).collect();
        assert_eq!(names.len(), 6);
        assert_eq!(
            l.compute_output_shape(&[vec![None, Some(15), Some(128)]])
                .unwrap(),
            vec![vec![None, Some(128)]]
        );
    }

    #[test]
    fn gradients_every_merge_mode() {
        for mode in ["concat", "sum", "mul", "ave", "none"] {
            check_layer_gradients(
                Bidirectional::new(LSTM::new(2).return_sequences(true))
                    .unwrap()
                    .merge_mode(mode),
                &[2, 3, 2],
            );
        }
        check_layer_gradients(Bidirectional::new(GRU::new(2)).unwrap(), &[2, 3, 2]);
        check_layer_gradients(Bidirectional::new(SimpleRNN::new(2)).unwrap(), &[2, 3, 2]);
        // Masked, with initial states for both directions, returning states.
        check_gradients_with_states(
            Bidirectional::new(LSTM::new(2).return_sequences(true).return_state(true)).unwrap(),
            &[3, 4, 2],
            4,
            2,
        );
    }

    #[test]
    fn config_round_trip_and_custom_backward_layer() {
        check_config_round_trip(
            Bidirectional::new(LSTM::new(3).return_sequences(true))
                .unwrap()
                .merge_mode("ave"),
            Bidirectional::from_config,
        );
        let l = Bidirectional::new(LSTM::new(3))
            .unwrap()
            .backward_layer(GRU::new(3).go_backwards(true))
            .unwrap()
            .merge_mode("none");
        check_config_round_trip(l, Bidirectional::from_config);
        // Same direction twice is an error, as in Keras.
        assert!(Bidirectional::new(LSTM::new(3))
            .unwrap()
            .backward_layer(LSTM::new(3))
            .is_err());
        assert!(Bidirectional::new(crate::Dense::new(3)).is_err());
    }

    /// Loss, gradients of the input and of every weight (as bits) for one training pass; with
    /// `two_nodes` the directions are called one after the other, as before the fused path.
    fn pass(bi: &Bidirectional, two_nodes: bool) -> Vec<Vec<u32>> {
        use kerust_autograd::Tape;
        let (b, t, d) = (3, 5, 4);
        let xs: Vec<f32> = (0..b * t * d).map(|i| (i as f32 * 0.37).sin()).collect();
        let mask: Vec<f32> = (0..b * t)
            .map(|i| if i % 5 == 4 || i == 7 { 0.0 } else { 1.0 })
            .collect();
        let tape = Tape::new();
        let mut rng = Rng::seed(42);
        let mut ctx = Ctx::new(&tape, true, &mut rng);
        let x = tape.param(Tensor::from_vec(xs, &[b, t, d]).unwrap());
        let flow = Flow {
            value: Value::Float(x.clone()),
            mask: Some(Tensor::from_vec(mask, &[b, t]).unwrap()),
        };
        let y = if two_nodes {
            let yf = bi
                .forward_layer
                .call(std::slice::from_ref(&flow), &mut ctx)
                .unwrap();
            let yb = bi
                .backward_layer
                .call(std::slice::from_ref(&flow), &mut ctx)
                .unwrap();
            let yb = yb[0].var("t").unwrap().flip(1).unwrap();
            Var::concat(&[yf[0].var("t").unwrap(), &yb], -1).unwrap()
        } else {
            bi.call(&[flow], &mut ctx).unwrap()[0]
                .var("t")
                .unwrap()
                .clone()
        };
        let loss = y.mul(&y).unwrap().sum_all().unwrap();
        let mut g = tape.backward(&loss).unwrap();
        let mut out = vec![vec![loss.value().item().unwrap().to_bits()]];
        let mut vars = vec![x];
        vars.extend(ctx.trained_params().iter().map(|(_, v)| v.clone()));
        for v in &vars {
            let t = g.remove(v).unwrap();
            out.push(t.to_vec().unwrap().iter().map(|x| x.to_bits()).collect());
        }
        out
    }

    #[test]
    fn concurrent_directions_give_the_same_bits_as_two_calls() {
        let layers: Vec<Bidirectional> = vec![
            Bidirectional::new(
                LSTM::new(3)
                    .return_sequences(true)
                    .dropout(0.25)
                    .recurrent_dropout(0.2),
            )
            .unwrap(),
            Bidirectional::new(
                GRU::new(3)
                    .return_sequences(true)
                    .dropout(0.25)
                    .recurrent_dropout(0.2),
            )
            .unwrap(),
            Bidirectional::new(SimpleRNN::new(3).return_sequences(true).dropout(0.25)).unwrap(),
        ];
        for mut bi in layers {
            bi.build(&[vec![None, Some(5), Some(4)]], &mut Rng::seed(1))
                .unwrap();
            assert!(bi.both_sequence_layers().is_some());
            let fused = pass(&bi, false);
            assert_eq!(fused.len(), 8); // loss, x, 6 weights
            assert_eq!(fused, pass(&bi, true));
            assert_eq!(fused, pass(&bi, false));
        }
    }
}
