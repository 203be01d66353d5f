//! `Embedding`: integer ids → rows of a trainable `[input_dim, output_dim]` table (+ mask_zero).
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Flow, Value};
use crate::initializers::Initializer;
use crate::layer::{InputKind, Layer, LayerBase, Shape};
use crate::param::Param;
use crate::regularizers::Regularizer;
use kerust_tensor::{Rng, Tensor};
use serde_json::{json, Value as Json};

/// Keras `Embedding(input_dim, output_dim, embeddings_initializer="uniform", mask_zero=False)`.
#[derive(Debug, Clone)]
pub struct Embedding {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    /// Vocabulary size: ids must be in `0..input_dim`.
    pub input_dim: usize,
    /// Vector size.
    pub output_dim: usize,
    /// Initializer of the embedding matrix (default `uniform`, ±0.05).
    pub embeddings_initializer: Initializer,
    /// Penalty on the embedding matrix added to the loss (default none).
    pub embeddings_regularizer: Option<Regularizer>,
    /// Treat id 0 as padding: downstream recurrent layers skip those steps.
    pub mask_zero: bool,
    /// Keras 2 `input_length` (kept for summaries and configs).
    pub input_length: Option<usize>,
    /// Pretrained table to start from (`weights=[matrix]` in Keras 2).
    pub initial_weights: Option<Tensor>,
    embeddings: Option<Param>,
}

impl Embedding {
    /// Keras `Embedding(input_dim, output_dim)`: ids below `input_dim` to vectors of `output_dim`.
    pub fn new(input_dim: usize, output_dim: usize) -> Self {
        Self {
            base: LayerBase::new("Embedding"),
            input_dim,
            output_dim,
            embeddings_initializer: Initializer::RandomUniform {
                minval: -0.05,
                maxval: 0.05,
            },
            embeddings_regularizer: None,
            mask_zero: false,
            input_length: None,
            initial_weights: None,
            embeddings: None,
        }
    }
    /// Keras `embeddings_initializer=`: initializer of the embedding matrix (default `uniform`,
    /// ±0.05).
    pub fn embeddings_initializer(mut self, i: impl Into<Initializer>) -> Self {
        self.embeddings_initializer = i.into();
        self
    }
    /// Keras `embeddings_regularizer=`: penalty on the embedding matrix added to the loss (default
    /// none).
    pub fn embeddings_regularizer(mut self, r: Regularizer) -> Self {
        self.embeddings_regularizer = Some(r);
        self
    }
    /// Keras `mask_zero=`: treat id 0 as padding and emit a mask (default `False`).
    pub fn mask_zero(mut self, m: bool) -> Self {
        self.mask_zero = m;
        self
    }
    /// Keras 2 `input_length=`: the sequence length (kept for summaries and configs).
    pub fn input_length(mut self, n: usize) -> Self {
        self.input_length = Some(n);
        self
    }
    /// Start from a pretrained `[input_dim, output_dim]` matrix (e.g. GloVe).
    pub fn weights(mut self, matrix: Tensor) -> Self {
        self.initial_weights = Some(matrix);
        self
    }
    /// Keras `trainable=`: whether the optimizer updates the weights (default `True`).
    pub fn trainable(mut self, t: bool) -> Self {
        self.base.trainable = t;
        self
    }
    /// Keras `name=`: the layer's name (default: a unique name from the class, e.g. `dense_1`).
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }

    /// Keras `from_config`: the layer from its `get_config` dictionary.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let c = Cfg::new("Embedding", cfg);
        let mut e = Embedding::new(c.usize("input_dim")?, c.usize("output_dim")?);
        e.base = LayerBase::from_config(cfg);
        if !c.get("embeddings_initializer").is_null() {
            e.embeddings_initializer = Initializer::from_config(c.get("embeddings_initializer"))?;
        }
        e.embeddings_regularizer = Regularizer::from_config(c.get("embeddings_regularizer"))?;
        e.mask_zero = c.bool_or("mask_zero", false);
        e.input_length = c.opt_usize("input_length")?;
        Ok(e)
    }
}

impl Layer for Embedding {
    crate::layer_boilerplate!("Embedding");

    fn input_kind(&self) -> InputKind {
        InputKind::Int
    }

    fn build(&mut self, _input_shapes: &[Shape], rng: &mut Rng) -> Result<()> {
        let shape = [self.input_dim, self.output_dim];
        crate::param::checked_weight_numel(self.base.name(), "embeddings", &shape)?;
        let table = match self.initial_weights.take() {
            Some(w) if w.shape() == [self.input_dim, self.output_dim] => w,
            Some(w) => {
                return Err(LayerError::input(
                    self.base.name(),
                    format!(
                        "pretrained weights of shape [{}, {}]",
                        self.input_dim, self.output_dim
                    ),
                    w.shape(),
                ))
            }
            None => self
                .embeddings_initializer
                .init(&[self.input_dim, self.output_dim], rng)?,
        };
        let mut p = Param::new("embeddings", table).with_regularizer(self.embeddings_regularizer);
        p.trainable = self.base.trainable;
        self.embeddings = Some(p);
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let mut s = input_shapes[0].clone();
        if s.len() == 2 && s[1].is_none() {
            s[1] = self.input_length;
        }
        s.push(Some(self.output_dim));
        Ok(vec![s])
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let ids = match &inputs[0].value {
            Value::Int(ids) => ids.clone(),
            // Float ids (e.g. from a CSV) are accepted when they are whole numbers.
            Value::Float(v) => {
                let data = v.value().to_vec()?;
                if data.iter().any(|x| x.fract() != 0.0) {
                    return Err(LayerError::input(
                        self.base.name(),
                        "integer token ids",
                        "non-integer floats",
                    ));
                }
                kerust_tensor::IntTensor::from_vec(
                    data.iter().map(|&x| x as i64).collect(),
                    v.shape(),
                )?
            }
            Value::Text(_) => {
                return Err(LayerError::input(
                    self.base.name(),
                    "integer token ids",
                    "strings (add a TextVectorization first)",
                ))
            }
        };
        let table = self
            .embeddings
            .as_ref()
            .ok_or_else(|| LayerError::NotBuilt(format!("layer '{}'", self.base.name())))?;
        let y = ctx.param(table)?.gather_rows(&ids)?;
        let mask = if self.mask_zero {
            Some(Tensor::from_vec(
                ids.data()
                    .iter()
                    .map(|&i| if i != 0 { 1.0 } else { 0.0 })
                    .collect(),
                ids.shape(),
            )?)
        } else {
            None
        };
        Ok(vec![Flow {
            value: Value::Float(y),
            mask,
        }])
    }

    fn params(&self) -> Vec<&Param> {
        self.embeddings.iter().collect()
    }
    fn params_mut(&mut self) -> Vec<&mut Param> {
        self.embeddings.iter_mut().collect()
    }

    fn get_config(&self) -> Json {
        let mut m = self.base.config();
        m.insert("input_dim".into(), json!(self.input_dim));
        m.insert("output_dim".into(), json!(self.output_dim));
        m.insert(
            "embeddings_initializer".into(),
            self.embeddings_initializer.to_config(),
        );
        m.insert(
            "embeddings_regularizer".into(),
            self.embeddings_regularizer
                .map_or(Json::Null, |r| r.to_config()),
        );
        m.insert("activity_regularizer".into(), Json::Null);
        m.insert("embeddings_constraint".into(), Json::Null);
        m.insert("mask_zero".into(), json!(self.mask_zero));
        if let Some(n) = self.input_length {
            m.insert("input_length".into(), json!(n));
        }
        Json::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_config_round_trip;
    use kerust_autograd::Tape;
    use kerust_tensor::IntTensor;

    #[test]
    fn lookup_mask_and_gradient_scatter() {
        let mut e = Embedding::new(4, 2).mask_zero(true);
        e.build(&[vec![None, Some(3)]], &mut Rng::seed(0)).unwrap();
        e.set_weights(&[Tensor::from_vec(vec![0., 0., 1., 1., 2., 2., 3., 3.], &[4, 2]).unwrap()])
            .unwrap();
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, true, &mut rng);
        let ids = IntTensor::from_vec(vec![1, 3, 0, 1, 1, 2], &[2, 3]).unwrap();
        let out = e
            .call(
                &[Flow {
                    value: Value::Int(ids),
                    mask: None,
                }],
                &mut ctx,
            )
            .unwrap();
        let y = out[0].var("t").unwrap();
        assert_eq!(y.value().to_vec().unwrap()[..6], [1., 1., 3., 3., 0., 0.]);
        assert_eq!(
            out[0].mask.as_ref().unwrap().to_vec().unwrap(),
            vec![1., 1., 0., 1., 1., 1.]
        );
        let loss = y.sum_all().unwrap();
        let g = tape.backward(&loss).unwrap();
        let (_, table_var) = &ctx.trained_params()[0];
        // id 1 appears three times, 0/2/3 once each.
        assert_eq!(
            g.get(table_var).unwrap().to_vec().unwrap(),
            vec![1., 1., 3., 3., 1., 1., 1., 1.]
        );
        assert_eq!(e.count_params(), 8);
    }

    #[test]
    fn out_of_range_id_is_an_error_and_config_round_trips() {
        let mut e = Embedding::new(3, 2);
        e.build(&[vec![None, Some(2)]], &mut Rng::seed(0)).unwrap();
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, false, &mut rng);
        let ids = IntTensor::from_vec(vec![1, 7], &[1, 2]).unwrap();
        let err = e
            .call(
                &[Flow {
                    value: Value::Int(ids),
                    mask: None,
                }],
                &mut ctx,
            )
            .unwrap_err();
        assert!(err.to_string().contains("input_dim"), "{err}");
        check_config_round_trip(
            Embedding::new(10001, 50).mask_zero(true),
            Embedding::from_config,
        );
        assert_eq!(
            {
                let mut e = Embedding::new(10001, 50);
                e.build(&[vec![None, Some(4)]], &mut Rng::seed(0)).unwrap();
                e.count_params()
            },
            500050
        );
    }

    /// Train Embedding → LSTM → Dense with Adam; `dense` forces the old dense-gradient path
    /// (any clipping densifies; clipvalue = f32::MAX changes no value).
    fn train(dense: bool, head: &str, init: &mut Vec<Tensor>) -> Vec<Vec<u32>> {
        let bits = |ws: Vec<Tensor>| -> Vec<Vec<u32>> {
            ws.iter()
                .map(|w| w.to_vec().unwrap().iter().map(|v| v.to_bits()).collect())
                .collect()
        };
        use crate::{Adam, Dense, FitArgs, GlobalAveragePooling1D, Input, Sequential, LSTM};
        let mut rng = Rng::seed(11);
        let ids: Vec<i64> = (0..48 * 6)
            .map(|i| {
                if i % 6 > 3 && i % 5 == 0 {
                    0
                } else {
                    1 + rng.below(39) as i64
                }
            })
            .collect();
        let x = IntTensor::from_vec(ids, &[48, 6]).unwrap();
        let y = Tensor::from_vec(
            (0..48).map(|i| (i % 3 == 0) as u8 as f32).collect(),
            &[48, 1],
        )
        .unwrap();
        let mut m = Sequential::new();
        m.add(Input::new(&[6]).dtype("int32")).unwrap();
        m.add(Embedding::new(40, 8).mask_zero(true)).unwrap();
        if head == "lstm" {
            m.add(LSTM::new(4)).unwrap();
        } else {
            m.add(GlobalAveragePooling1D::new()).unwrap();
        }
        m.add(Dense::new(1).activation("sigmoid")).unwrap();
        m.set_seed(5);
        // Both runs start from the same weights.
        if init.is_empty() {
            *init = m.get_weights();
        } else {
            m.set_weights(init).unwrap();
        }
        let opt = if dense {
            Adam::new().learning_rate(0.01).clipvalue(f32::MAX)
        } else {
            Adam::new().learning_rate(0.01)
        };
        m.compile(opt, "binary_crossentropy", &["accuracy"])
            .unwrap();
        let before = bits(m.get_weights());
        m.fit(&x, &y, FitArgs::new().epochs(3).batch_size(8).verbose(0))
            .unwrap();
        let after = bits(m.get_weights());
        // Training moved every weight, the table included.
        assert_eq!(before.len(), after.len());
        assert!(before.iter().zip(&after).all(|(a, b)| a != b));
        after
    }

    #[test]
    fn row_sparse_training_is_bit_identical_to_the_dense_gradient_path() {
        for head in ["lstm", "gap"] {
            let mut init = Vec::new();
            let sparse = train(false, head, &mut init);
            let dense = train(true, head, &mut init);
            assert_eq!(sparse.len(), dense.len());
            for (k, (a, b)) in sparse.iter().zip(&dense).enumerate() {
                assert!(
                    a == b,
                    "{head}: weight {k} differs between the sparse and dense paths"
                );
            }
        }
    }
}
