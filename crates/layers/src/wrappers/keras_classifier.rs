//! `KerasClassifier`, the scikit-learn wrapper of `keras.wrappers.scikit_learn` (Lab 8): a
//! `build_fn` that returns a compiled model, `fit(x, y)` on class labels of any ordered type
//! (strings included), `predict` giving labels back, `predict_proba`, `score` and `classes_`.
//!
//! Semantics follow the Keras 2 wrapper: `classes_` is `np.unique(y)` (sorted), the targets are
//! the labels' positions in it (one-hot when the model's loss is `categorical_crossentropy`), every
//! `fit` builds a fresh model, and `batch_size` is passed to `fit`, `predict` and `evaluate` alike.
//!
//! Not a `linfa` `Fit`/`Predict` implementation: linfa 0.8.1, its latest release, is built on
//! ndarray 0.16 while kerust uses ndarray 0.17, so linfa's `DatasetBase` would hold a different
//! array type from every kerust array (and pull a second ndarray into the build).
use crate::callbacks::History;
use crate::error::{LayerError, Result};
use crate::flow::Inputs;
use crate::losses::Loss;
use crate::model::{AnyModel, FitArgs, Model, ModelCore, Sequential};
use kerust_tensor::Tensor;
use std::fmt::Debug;

/// What a `build_fn` may return: any model kind.
pub trait IntoModelCore {
    /// The model's shared core.
    fn into_model_core(self) -> ModelCore;
}
impl IntoModelCore for Sequential {
    fn into_model_core(self) -> ModelCore {
        self.into_core()
    }
}
impl IntoModelCore for Model {
    fn into_model_core(self) -> ModelCore {
        self.into_core()
    }
}
impl IntoModelCore for AnyModel {
    fn into_model_core(self) -> ModelCore {
        self.into_core()
    }
}
impl IntoModelCore for ModelCore {
    fn into_model_core(self) -> ModelCore {
        self
    }
}

/// Keras `KerasClassifier(build_fn=..., epochs=..., batch_size=..., verbose=...)`.
pub struct KerasClassifier<F, L = String> {
    build_fn: F,
    epochs: usize,
    batch_size: usize,
    verbose: u8,
    model: Option<ModelCore>,
    classes: Vec<L>,
}

impl<F, M, L> KerasClassifier<F, L>
where
    F: FnMut() -> Result<M>,
    M: IntoModelCore,
    L: Clone + Ord + Debug,
{
    /// Wrap `build_fn`, which returns a compiled model. Defaults are Keras `fit`'s: 1 epoch,
    /// batch size 32, verbose 1.
    pub fn new(build_fn: F) -> Self {
        Self {
            build_fn,
            epochs: 1,
            batch_size: 32,
            verbose: 1,
            model: None,
            classes: Vec::new(),
        }
    }

    /// Epochs each `fit` trains.
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Batch size of `fit`, `predict` and `score` (the Keras wrapper passes it to all three).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Progress output of `fit` (0 silent, 1 bar, 2 one line per epoch).
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }

    /// The sorted distinct labels seen by `fit` (scikit-learn's `classes_`).
    pub fn classes_(&self) -> Result<&[L]> {
        self.fitted()?;
        Ok(&self.classes)
    }

    /// The model the last `fit` built and trained (Keras `clf.model`).
    pub fn model(&self) -> Result<&ModelCore> {
        self.fitted()
    }

    /// The trained model, mutably (to save it, or to fine-tune it).
    pub fn model_mut(&mut self) -> Result<&mut ModelCore> {
        self.model.as_mut().ok_or_else(not_fitted)
    }

    fn fitted(&self) -> Result<&ModelCore> {
        self.model.as_ref().ok_or_else(not_fitted)
    }

    /// Build a fresh model with `build_fn` and train it on `x` and the labels `y`.
    pub fn fit(&mut self, x: impl Into<Inputs>, y: &[L]) -> Result<History> {
        self.fit_with(x, y, |args| args)
    }

    /// `fit(x, y, **kwargs)`: `extra` receives the wrapper's `FitArgs` (epochs, batch size,
    /// verbose) and may add to them, e.g. callbacks or a validation split.
    pub fn fit_with(
        &mut self,
        x: impl Into<Inputs>,
        y: &[L],
        extra: impl FnOnce(FitArgs) -> FitArgs,
    ) -> Result<History> {
        if y.is_empty() {
            return Err(LayerError::Data(
                "KerasClassifier.fit needs at least one labelled sample; y is empty".into(),
            ));
        }
        let mut classes = y.to_vec();
        classes.sort();
        classes.dedup();
        let mut model = (self.build_fn)()?.into_model_core();
        let targets = encode(&model, &classes, y)?;
        self.model = None;
        let history = model.fit(
            x,
            targets,
            extra(
                FitArgs::new()
                    .epochs(self.epochs)
                    .batch_size(self.batch_size)
                    .verbose(self.verbose),
            ),
        )?;
        self.classes = classes;
        self.model = Some(model);
        Ok(history)
    }

    /// Class probabilities, one column per entry of `classes_` (a one-unit sigmoid output `p`
    /// becomes the two columns `[1 - p, p]`, as in Keras).
    pub fn predict_proba(&mut self, x: impl Into<Inputs>) -> Result<Tensor> {
        let bs = self.batch_size;
        let model = self.model.as_mut().ok_or_else(not_fitted)?;
        let p = model.predict_batch_size(x, bs)?;
        let shape = p.shape().to_vec();
        if shape.len() == 2 && shape[1] == 1 {
            let v = p.to_vec()?;
            let both = v.iter().flat_map(|&q| [1.0 - q, q]).collect();
            return Ok(Tensor::from_vec(both, &[shape[0], 2])?);
        }
        Ok(p)
    }

    /// The most probable label of each sample (`classes_[argmax]`; `p > 0.5` for one sigmoid unit).
    pub fn predict(&mut self, x: impl Into<Inputs>) -> Result<Vec<L>> {
        let p = self.predict_proba(x)?;
        let k = p.shape().last().copied().unwrap_or(0);
        if k != self.classes.len() {
            return Err(LayerError::Data(format!(
                "the model outputs {k} class scores but fit saw {} classes {:?}; make build_fn's last layer have one unit per class",
                self.classes.len(),
                self.classes
            )));
        }
        let v = p.to_vec()?;
        Ok(v.chunks(k.max(1))
            .map(|row| {
                // First maximum, as numpy's argmax.
                let best = row
                    .iter()
                    .enumerate()
                    .fold(0, |b, (i, &q)| if q > row[b] { i } else { b });
                self.classes[best].clone()
            })
            .collect())
    }

    /// Mean accuracy on `x` and the labels `y`, from the model's `evaluate` as in Keras (the
    /// model must be compiled with `metrics=["accuracy"]`).
    pub fn score(&mut self, x: impl Into<Inputs>, y: &[L]) -> Result<f32> {
        let bs = self.batch_size;
        let model = self.model.as_mut().ok_or_else(not_fitted)?;
        let targets = encode(model, &self.classes, y)?;
        let logs = model.evaluate(x, targets, bs)?;
        ["accuracy", "acc"]
            .iter()
            .find_map(|k| logs.get(k))
            .ok_or_else(|| {
                LayerError::config(
                    "KerasClassifier.score",
                    "the model is not configured to compute accuracy; pass metrics [\"accuracy\"] to compile in build_fn",
                )
            })
    }
}

fn not_fitted() -> LayerError {
    LayerError::NotBuilt("this KerasClassifier is not fitted yet; call fit(x, y) first".into())
}

/// The labels as the model's targets: positions in `classes` (`[n]`, or `[n, 1]` for a one-unit
/// output), one-hot `[n, k]` for `categorical_crossentropy`.
fn encode<L: Ord + Debug>(model: &ModelCore, classes: &[L], y: &[L]) -> Result<Tensor> {
    let idx = y
        .iter()
        .map(|l| {
            classes.binary_search(l).map_err(|_| {
                LayerError::Data(format!(
                    "label {l:?} was not seen by fit (classes_ is {classes:?})"
                ))
            })
        })
        .collect::<Result<Vec<usize>>>()?;
    let n = idx.len();
    let loss = model
        .compiled
        .as_ref()
        .and_then(|c| c.losses.first().copied())
        .ok_or(LayerError::NotCompiled("KerasClassifier.fit"))?;
    let one_unit = model
        .graph
        .output_shapes()
        .first()
        .and_then(|s| s.last().copied().flatten())
        == Some(1);
    Ok(match loss {
        Loss::CategoricalCrossentropy { .. } => {
            let k = classes.len();
            let mut v = vec![0f32; n * k];
            for (i, &c) in idx.iter().enumerate() {
                v[i * k + c] = 1.0;
            }
            Tensor::from_vec(v, &[n, k])?
        }
        _ if one_unit => Tensor::from_vec(idx.iter().map(|&c| c as f32).collect(), &[n, 1])?,
        _ => Tensor::from_vec(idx.iter().map(|&c| c as f32).collect(), &[n])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{dense::Dense, input::Input};

    fn blobs() -> (Tensor, Vec<String>) {
        // Three separable clusters along the first feature, labelled by name out of sorted order.
        let names = ["zebra", "ant", "moth"];
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..90 {
            let c = i % 3;
            x.extend([c as f32 * 4.0 - 4.0 + (i as f32 * 0.37).sin() * 0.3, 1.0]);
            y.push(names[c].to_string());
        }
        (Tensor::from_vec(x, &[90, 2]).unwrap(), y)
    }

    fn build(loss: &'static str) -> impl FnMut() -> Result<Sequential> {
        move || {
            let mut m = Sequential::new();
            m.add(Input::new(&[2]))?;
            m.add(Dense::new(3).activation("softmax"))?;
            m.compile(
                crate::optimizers::Adam::new().learning_rate(0.1),
                loss,
                &["accuracy"],
            )?;
            Ok(m)
        }
    }

    #[test]
    fn string_labels_round_trip_through_sorted_classes() {
        crate::random::set_random_seed(1);
        for loss in [
            "sparse_categorical_crossentropy",
            "categorical_crossentropy",
        ] {
            let (x, y) = blobs();
            let mut clf = KerasClassifier::new(build(loss))
                .epochs(30)
                .batch_size(10)
                .verbose(0);
            assert!(clf.classes_().is_err());
            assert!(clf.predict(x.clone()).is_err());
            clf.fit(x.clone(), &y).unwrap();
            assert_eq!(clf.classes_().unwrap(), ["ant", "moth", "zebra"]);
            let pred = clf.predict(x.clone()).unwrap();
            let right = pred.iter().zip(&y).filter(|(p, t)| p == t).count();
            assert!(right >= 85, "{loss}: {right}/90");
            let score = clf.score(x.clone(), &y).unwrap();
            assert!((score - right as f32 / 90.0).abs() < 1e-6, "{score}");
            let p = clf.predict_proba(x.clone()).unwrap();
            assert_eq!(p.shape(), &[90, 3]);
            let bad = vec!["cat".to_string(); 90];
            assert!(clf.score(x, &bad).is_err());
        }
    }

    #[test]
    fn one_sigmoid_unit_gives_two_probability_columns() {
        crate::random::set_random_seed(2);
        let x =
            Tensor::from_vec((0..40).map(|i| i as f32 / 10.0 - 2.0).collect(), &[40, 1]).unwrap();
        let y: Vec<i64> = (0..40).map(|i| if i < 20 { 3 } else { 7 }).collect();
        let mut clf = KerasClassifier::new(|| {
            let mut m = Sequential::new();
            m.add(Input::new(&[1]))?;
            m.add(Dense::new(1).activation("sigmoid"))?;
            m.compile(
                crate::optimizers::Adam::new().learning_rate(0.1),
                "binary_crossentropy",
                &["accuracy"],
            )?;
            Ok(m)
        })
        .epochs(40)
        .batch_size(8)
        .verbose(0);
        clf.fit(x.clone(), &y).unwrap();
        assert_eq!(clf.classes_().unwrap(), [3, 7]);
        let p = clf.predict_proba(x.clone()).unwrap().to_vec().unwrap();
        for r in p.chunks(2) {
            assert!((r[0] + r[1] - 1.0).abs() < 1e-6);
        }
        let pred = clf.predict(x).unwrap();
        assert_eq!(pred[0], 3);
        assert_eq!(pred[39], 7);
    }
}
