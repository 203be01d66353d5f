//! `TextVectorization` as a model layer: raw strings in, token ids (or multi_hot / count /
//! tf_idf vectors) out, wrapping the Keras-exact engine `kerust_text::TextVectorizer`.
use crate::config::Cfg;
use crate::ctx::Ctx;
use crate::error::{LayerError, Result};
use crate::flow::{Data, Flow, Value};
use crate::layer::{fmt_shape, InputKind, Layer, LayerBase, Shape};
use crate::param::Param;
use kerust_tensor::{IntTensor, Rng, Tensor};
use kerust_text::{OutputMode, TextError, TextVectorizer, Vectorized};
use serde_json::Value as Json;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// What every clone of one layer shares: the engine and whether its vocabulary came from the
/// constructor (`vocabulary=`), which decides where a `.keras` file keeps it.
#[derive(Debug, Clone)]
struct State {
    engine: TextVectorizer,
    fixed_vocabulary: bool,
    /// A config's `vocabulary_size` while the vocabulary itself is still to come (a `.keras`
    /// file sets it from an asset after the model is rebuilt), so non-int output widths are known.
    vocabulary_size_hint: Option<usize>,
}

/// Keras `TextVectorization(max_tokens=None, standardize="lower_and_strip_punctuation",
/// split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
/// pad_to_max_tokens=False, vocabulary=None, idf_weights=None)` as a layer with no weights.
///
/// Clones share one vocabulary, like one Python layer object used by several models: adapt it
/// once and call `.clone()` into each model (a later `adapt` reaches every model using it).
/// Use [`TextVectorization::deep_copy`] for an independent copy.
#[derive(Debug, Clone)]
pub struct TextVectorization {
    /// Name, trainable flag and built flag.
    pub base: LayerBase,
    state: Arc<RwLock<State>>,
}

impl Default for TextVectorization {
    fn default() -> Self {
        Self::new()
    }
}

/// A text-crate error as this crate's typed configuration error, naming the layer.
fn text_err(layer: &str, e: TextError) -> LayerError {
    match e {
        TextError::NotFitted { .. } => LayerError::config(
            format!("TextVectorization layer '{layer}'"),
            "the vocabulary is not set; call adapt() first (or set_vocabulary / vocabulary(...))",
        ),
        e => LayerError::config(format!("TextVectorization layer '{layer}'"), e.to_string()),
    }
}

impl TextVectorization {
    /// A layer with Keras's defaults and an automatic name (`text_vectorization`, `_1`, ...).
    pub fn new() -> Self {
        Self::from_engine(TextVectorizer::new())
    }

    /// Wrap an engine that may already be adapted (e.g. one loaded from native assets).
    pub fn from_engine(engine: TextVectorizer) -> Self {
        Self {
            base: LayerBase::new("TextVectorization"),
            state: Arc::new(RwLock::new(State {
                engine,
                fixed_vocabulary: false,
                vocabulary_size_hint: None,
            })),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Builder step on the engine. A builder makes a new layer, so a shared state is copied
    /// rather than changed under other holders.
    fn map(self, f: impl FnOnce(TextVectorizer) -> TextVectorizer) -> Self {
        let state = match Arc::try_unwrap(self.state) {
            Ok(lock) => lock.into_inner().unwrap_or_else(|e| e.into_inner()),
            Err(shared) => shared.read().unwrap_or_else(|e| e.into_inner()).clone(),
        };
        Self {
            base: self.base,
            state: Arc::new(RwLock::new(State {
                engine: f(state.engine),
                ..state
            })),
        }
    }

    /// An independent copy (same config and vocabulary, not shared).
    pub fn deep_copy(&self) -> Self {
        Self {
            base: self.base.clone(),
            state: Arc::new(RwLock::new(self.read().clone())),
        }
    }

    /// Layer name.
    pub fn name(mut self, name: &str) -> Self {
        self.base.name = Some(name.to_string());
        self
    }
    /// Vocabulary size limit, including the mask `''` and `'[UNK]'` in int mode.
    pub fn max_tokens(self, max_tokens: usize) -> Self {
        self.map(|e| e.max_tokens(max_tokens))
    }
    /// `"lower_and_strip_punctuation"` (default), `"lower"`, `"strip_punctuation"` or `"none"`.
    pub fn standardize(self, standardize: &str) -> Self {
        self.map(|e| e.standardize(standardize))
    }
    /// A custom standardize function; `name` is what the config records.
    pub fn standardize_fn(
        self,
        name: &str,
        f: impl Fn(&str) -> String + Send + Sync + 'static,
    ) -> Self {
        self.map(|e| e.standardize_fn(name, f))
    }
    /// `"whitespace"` (default), `"character"` or `"none"`.
    pub fn split(self, split: &str) -> Self {
        self.map(|e| e.split(split))
    }
    /// A custom split function; `name` is what the config records.
    pub fn split_fn(
        self,
        name: &str,
        f: impl Fn(&str) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.map(|e| e.split_fn(name, f))
    }
    /// `ngrams=n`: every n-gram of widths 1..=n.
    pub fn ngrams(self, n: usize) -> Self {
        self.map(|e| e.ngrams(n))
    }
    /// `ngrams=(w1, w2, ...)`: exactly these widths.
    pub fn ngrams_tuple(self, widths: &[usize]) -> Self {
        self.map(|e| e.ngrams_tuple(widths))
    }
    /// `"int"` (default), `"multi_hot"`, `"count"` or `"tf_idf"`.
    pub fn output_mode(self, output_mode: &str) -> Self {
        self.map(|e| e.output_mode(output_mode))
    }
    /// Int mode: pad with 0 or cut every row to this many ids.
    pub fn output_sequence_length(self, n: usize) -> Self {
        self.map(|e| e.output_sequence_length(n))
    }
    /// Non-int modes: output width `max_tokens` even when the vocabulary is smaller.
    pub fn pad_to_max_tokens(self, pad: bool) -> Self {
        self.map(|e| e.pad_to_max_tokens(pad))
    }
    /// A fixed vocabulary (Keras `vocabulary=`); `adapt` is then refused, as in Keras.
    pub fn vocabulary<S: AsRef<str>>(self, vocabulary: &[S]) -> Self {
        let l = self.map(|e| e.vocabulary(vocabulary));
        l.write().fixed_vocabulary = true;
        l
    }
    /// Idf weights for a fixed vocabulary in tf_idf mode (Keras `idf_weights=`).
    pub fn idf_weights(self, idf_weights: &[f32]) -> Self {
        self.map(|e| e.idf_weights(idf_weights))
    }

    /// Keras `adapt(data)`: learn the vocabulary (and idf weights in tf_idf mode) from `data`.
    /// Every clone of this layer (every model it was put in) sees the new vocabulary.
    pub fn adapt<S: AsRef<str> + Sync>(&mut self, data: &[S]) -> Result<()> {
        let name = self.base.name().to_string();
        self.write()
            .engine
            .adapt(data)
            .map_err(|e| text_err(&name, e))
    }

    /// Keras `adapt(dataset)` over texts that arrive one at a time (a file read lazily): they
    /// are counted a chunk at a time and dropped; the vocabulary is the one `adapt` builds from
    /// all of them.
    pub fn adapt_iter<I, S>(&mut self, data: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str> + Sync,
    {
        let name = self.base.name().to_string();
        self.write()
            .engine
            .adapt_iter(data)
            .map_err(|e| text_err(&name, e))
    }

    /// Keras `set_vocabulary(vocabulary, idf_weights=None)`.
    pub fn set_vocabulary<S: AsRef<str>>(
        &mut self,
        vocabulary: &[S],
        idf_weights: Option<&[f32]>,
    ) -> Result<()> {
        let name = self.base.name().to_string();
        self.write()
            .engine
            .set_vocabulary(vocabulary, idf_weights)
            .map_err(|e| text_err(&name, e))
    }

    /// Keras `get_vocabulary()`: `''`, `'[UNK]'` (int mode), then the tokens, most frequent first.
    pub fn get_vocabulary(&self) -> Vec<String> {
        self.read().engine.get_vocabulary(true)
    }

    /// Keras `get_vocabulary(include_special_tokens=...)`.
    pub fn get_vocabulary_with(&self, include_special_tokens: bool) -> Vec<String> {
        self.read().engine.get_vocabulary(include_special_tokens)
    }

    /// Keras `vocabulary_size()`, special tokens included.
    pub fn vocabulary_size(&self) -> usize {
        self.read().engine.vocabulary_size()
    }

    /// The idf weights (tf_idf mode), one per output column.
    pub fn get_idf_weights(&self) -> Option<Vec<f32>> {
        self.read().engine.get_idf_weights().map(<[f32]>::to_vec)
    }

    /// The output mode.
    pub fn get_output_mode(&self) -> OutputMode {
        self.read().engine.get_output_mode()
    }

    /// Whether the vocabulary came from `vocabulary(...)` / a config rather than `adapt`.
    pub fn has_fixed_vocabulary(&self) -> bool {
        self.read().fixed_vocabulary
    }

    /// Whether a vocabulary is set (adapted, given, or loaded).
    pub fn is_adapted(&self) -> bool {
        self.read().engine.call(&[""; 0]).is_ok()
    }

    /// A copy of the wrapped engine (for saving it as a standalone asset).
    pub fn engine(&self) -> TextVectorizer {
        self.read().engine.clone()
    }

    /// Keras `text_vectorizer(["some text", ...])` outside a model: `Data::Int` ids
    /// `[batch, output_sequence_length]` in int mode, `Data::Float` `[batch, depth]` otherwise.
    pub fn call_texts<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Result<Data> {
        let out = self
            .read()
            .engine
            .call(texts)
            .map_err(|e| text_err(self.base.name(), e))?;
        Ok(match out {
            Vectorized::Int(m) => Data::Int(IntTensor::from_vec(m.data, &[m.rows, m.cols])?),
            Vectorized::Float(m) => Data::Float(Tensor::from_vec(m.data, &[m.rows, m.cols])?),
        })
    }

    /// Rebuild from `get_config` (ours or Keras's). A `vocabulary` list in the config becomes a
    /// fixed vocabulary, as in Keras; Keras's `.keras` files keep an adapted one in an asset,
    /// which the loader sets afterwards with `set_vocabulary`.
    pub fn from_config(cfg: &Json) -> Result<Self> {
        let engine = TextVectorizer::from_config(cfg)
            .map_err(|e| LayerError::config("TextVectorization config", e.to_string()))?;
        let mut l = Self::from_engine(engine);
        let base = LayerBase::from_config(cfg);
        if base.name.is_some() {
            l.base.name = base.name;
        }
        l.base.trainable = base.trainable;
        let c = Cfg::new("TextVectorization", cfg);
        {
            let mut st = l.write();
            st.fixed_vocabulary = c.get("vocabulary").is_array();
            st.vocabulary_size_hint = c.opt_usize("vocabulary_size")?;
        }
        // Surface an invalid option (e.g. output_sequence_length in multi_hot mode) now.
        l.check()?;
        Ok(l)
    }

    /// The engine's pending builder errors, reported once the layer is used.
    fn check(&self) -> Result<()> {
        self.read()
            .engine
            .preprocess(&[""; 0])
            .map(|_| ())
            .map_err(|e| text_err(self.base.name(), e))
    }
}

impl Layer for TextVectorization {
    crate::layer_boilerplate!("TextVectorization");

    fn input_kind(&self) -> InputKind {
        InputKind::Text
    }

    fn build(&mut self, input_shapes: &[Shape], _rng: &mut Rng) -> Result<()> {
        self.check()?;
        self.compute_output_shape(input_shapes)?;
        self.base.built = true;
        Ok(())
    }

    fn compute_output_shape(&self, input_shapes: &[Shape]) -> Result<Vec<Shape>> {
        let s = input_shapes
            .first()
            .ok_or_else(|| LayerError::input(self.base.name(), "one input", "none"))?;
        // Keras: "the input rank must be 1 or the last shape dimension must be 1".
        let ok = s.len() == 1 || (s.len() == 2 && s[1].is_none_or(|d| d == 1));
        if !ok {
            return Err(LayerError::Input {
                layer: self.base.name().to_string(),
                expected: "strings of shape (None,) or (None, 1): one text per sample".into(),
                got: fmt_shape(s),
            });
        }
        let st = self.read();
        let e = &st.engine;
        let width = match e.get_output_mode() {
            OutputMode::Int => e.get_config()["output_sequence_length"]
                .as_u64()
                .map(|n| n as usize),
            _ => {
                let cfg = e.get_config();
                match (
                    cfg["pad_to_max_tokens"].as_bool(),
                    cfg["max_tokens"].as_u64(),
                ) {
                    (Some(true), Some(m)) => Some(m as usize),
                    _ if cfg["vocabulary"].is_array() => Some(e.vocabulary_size()),
                    _ => st.vocabulary_size_hint,
                }
            }
        };
        Ok(vec![vec![s[0], width]])
    }

    fn call(&self, inputs: &[Flow], ctx: &mut Ctx) -> Result<Vec<Flow>> {
        let name = self.base.name();
        let texts = match inputs.first().map(|f| &f.value) {
            Some(Value::Text(t)) => t.clone(),
            Some(Value::Int(_)) => {
                return Err(LayerError::input(
                    name,
                    "strings (an Input with dtype=\"string\")",
                    "integer ids",
                ))
            }
            Some(Value::Float(_)) => {
                return Err(LayerError::input(
                    name,
                    "strings (an Input with dtype=\"string\")",
                    "float data",
                ))
            }
            None => return Err(LayerError::input(name, "one input", "none")),
        };
        let value = match self.call_texts(&texts[..])? {
            Data::Int(t) => Value::Int(t),
            Data::Float(t) => Value::Float(ctx.tape.constant(t)),
            Data::Text(_) => unreachable!("call_texts never returns strings"),
        };
        Ok(vec![Flow { value, mask: None }])
    }

    fn params(&self) -> Vec<&Param> {
        Vec::new()
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        Vec::new()
    }

    fn get_config(&self) -> Json {
        let mut cfg = self.read().engine.get_config();
        cfg["name"] = Json::String(self.base.name().to_string());
        cfg["trainable"] = Json::Bool(self.base.trainable);
        // Keras 3 writes the float32 policy here; the layer's string input is implied.
        cfg["dtype"] = Json::String("float32".into());
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check_config_round_trip;
    use kerust_autograd::Tape;

    const TEXTS: [&str; 4] = [
        "The cat sat on the mat",
        "the dog ran",
        "A cat ran far, far away!",
        "dogs and cats",
    ];

    fn adapted() -> TextVectorization {
        let mut tv = TextVectorization::new()
            .max_tokens(50)
            .output_sequence_length(5);
        tv.adapt(&TEXTS).unwrap();
        tv
    }

    fn run(layer: &dyn Layer, v: Value) -> Result<Vec<Flow>> {
        let tape = Tape::new();
        let mut rng = Rng::seed(0);
        let mut ctx = Ctx::new(&tape, false, &mut rng);
        layer.call(
            &[Flow {
                value: v,
                mask: None,
            }],
            &mut ctx,
        )
    }

    #[test]
    fn int_mode_pads_to_output_sequence_length_with_unk_for_new_words() {
        let tv = adapted();
        let v = tv.get_vocabulary();
        assert_eq!(&v[..4], ["", "[UNK]", "the", "ran"]);
        let Data::Int(ids) = tv.call_texts(&["the cat zebra", "far"]).unwrap() else {
            panic!("int mode gives ids")
        };
        assert_eq!(ids.shape(), [2, 5]);
        let cat = v.iter().position(|w| w == "cat").unwrap() as i64;
        let far = v.iter().position(|w| w == "far").unwrap() as i64;
        assert_eq!(ids.data(), [2, cat, 1, 0, 0, far, 0, 0, 0, 0]);
        let out = run(&tv, Value::Text(Arc::new(vec!["the cat zebra".into()]))).unwrap();
        match &out[0].value {
            Value::Int(t) => assert_eq!(t.data(), &ids.data()[..5]),
            other => panic!("expected ids, got {other:?}"),
        }
    }

    #[test]
    fn output_shapes_follow_keras() {
        let tv = adapted();
        let one = vec![None, Some(1)];
        assert_eq!(
            tv.compute_output_shape(std::slice::from_ref(&one)).unwrap(),
            vec![vec![None, Some(5)]]
        );
        let mut free = TextVectorization::new();
        assert_eq!(
            free.compute_output_shape(&[vec![None]]).unwrap(),
            vec![vec![None, None]]
        );
        // Without output_sequence_length the batch is padded to its longest text, like Keras.
        free.adapt(&TEXTS).unwrap();
        let Data::Int(ids) = free.call_texts(&["the cat sat", "dogs"]).unwrap() else {
            panic!("int mode gives ids")
        };
        assert_eq!(ids.shape(), [2, 3]);
        assert_eq!(&ids.data()[4..], [0, 0]);
        let mut mh = TextVectorization::new().output_mode("multi_hot");
        mh.adapt(&TEXTS).unwrap();
        let n = mh.vocabulary_size();
        assert_eq!(
            mh.compute_output_shape(std::slice::from_ref(&one)).unwrap(),
            vec![vec![None, Some(n)]]
        );
        let Data::Float(t) = mh.call_texts(&["cat cat zebra"]).unwrap() else {
            panic!("multi_hot gives floats")
        };
        assert_eq!(t.shape(), [1, n]);
        let row = t.to_vec().unwrap();
        assert_eq!(row.iter().sum::<f32>(), 2.0, "[UNK] and cat: {row:?}");
        let padded = TextVectorization::new()
            .output_mode("count")
            .max_tokens(40)
            .pad_to_max_tokens(true);
        assert_eq!(
            padded.compute_output_shape(&[one]).unwrap(),
            vec![vec![None, Some(40)]]
        );
    }

    #[test]
    fn no_weights_and_a_shared_vocabulary_between_clones() {
        let mut tv = TextVectorization::new();
        let in_model = tv.clone();
        assert_eq!(tv.count_params(), 0);
        assert!(!in_model.is_adapted());
        tv.adapt(&TEXTS).unwrap();
        assert!(in_model.is_adapted());
        assert_eq!(in_model.get_vocabulary(), tv.get_vocabulary());
        let copy = tv.deep_copy();
        tv.adapt(&["zebra zebra"]).unwrap();
        assert_ne!(copy.get_vocabulary(), tv.get_vocabulary());
    }

    #[test]
    fn config_round_trip_keeps_the_vocabulary() {
        let tv = adapted().name("tv");
        let cfg = tv.get_config();
        assert_eq!(cfg["name"], "tv");
        assert_eq!(cfg["output_sequence_length"], 5);
        assert_eq!(cfg["vocabulary"][2], "the");
        let again = TextVectorization::from_config(&cfg).unwrap();
        assert_eq!(again.get_vocabulary(), tv.get_vocabulary());
        assert!(again.has_fixed_vocabulary());
        check_config_round_trip(tv, TextVectorization::from_config);
        let keras = serde_json::json!({"name": "text_vectorization", "max_tokens": 20,
            "standardize": "lower_and_strip_punctuation", "split": "whitespace", "ngrams": null,
            "output_mode": "int", "output_sequence_length": 15, "pad_to_max_tokens": false,
            "vocabulary": null, "idf_weights": null,
            "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}}});
        let k = TextVectorization::from_config(&keras).unwrap();
        assert!(!k.is_adapted() && !k.has_fixed_vocabulary());
        assert_eq!(
            k.compute_output_shape(&[vec![None, Some(1)]]).unwrap(),
            vec![vec![None, Some(15)]]
        );
    }

    #[test]
    fn typed_errors_for_bad_inputs_and_missing_vocabulary() {
        let tv = TextVectorization::new().name("tv_err");
        let e = tv.call_texts(&["hello"]).unwrap_err().to_string();
        assert!(
            e.contains("call adapt() first") && e.contains("tv_err"),
            "{e}"
        );
        let e = run(&tv, Value::Text(Arc::new(vec!["x".into()])))
            .unwrap_err()
            .to_string();
        assert!(e.contains("call adapt() first"), "{e}");
        let tv = adapted();
        let ids = IntTensor::from_vec(vec![1, 2], &[2, 1]).unwrap();
        let e = run(&tv, Value::Int(ids)).unwrap_err().to_string();
        assert!(e.contains("strings") && e.contains("integer ids"), "{e}");
        let e = tv
            .compute_output_shape(&[vec![None, Some(3)]])
            .unwrap_err()
            .to_string();
        assert!(e.contains("(None, 3)") && e.contains("(None, 1)"), "{e}");
        let mut bad = TextVectorization::new()
            .output_mode("multi_hot")
            .output_sequence_length(3);
        assert!(bad
            .build(&[vec![None, Some(1)]], &mut Rng::seed(0))
            .is_err());
        let e = TextVectorization::new()
            .output_mode("bogus")
            .adapt(&TEXTS)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bogus"), "{e}");
        let mut fixed = TextVectorization::new().vocabulary(&["a", "b"]);
        assert!(
            fixed.adapt(&TEXTS).is_err(),
            "fixed vocabularies refuse adapt"
        );
        assert_eq!(fixed.get_vocabulary(), ["", "[UNK]", "a", "b"]);
    }
}
