//! The notebook's deep models, one function each: models 1–5 read the shared `text_vectorizer`,
//! each with a new `Embedding(10000, 128)`; models 6/7 are the frozen GloVe feature extractor.
use crate::common::AnyResult;
use crate::{FEATURE_LENGTH, MAX_LENGTH, MAX_VOCAB};
use kerust::prelude::*;

/// One of models 1–5 with the names and figures the notebook gives it.
pub struct TextModel {
    /// Report key (`model_1` ...).
    pub key: &'static str,
    /// The notebook's row name in `all_model_results` (`simple_dense` ...).
    pub row: &'static str,
    /// The model's `name=`.
    pub name: &'static str,
    /// The TensorBoard experiment name.
    pub experiment: &'static str,
    /// The notebook's accuracy (%) and parameter count.
    pub lecture_accuracy: f64,
    pub lecture_params: usize,
    /// Builds the model on the shared vectorizer.
    pub build: fn(&TextVectorization) -> AnyResult<Model>,
}

/// Models 1–5 in the notebook's order.
pub const TEXT_MODELS: [TextModel; 5] = [
    TextModel {
        key: "model_1",
        row: "simple_dense",
        name: "model_1_dense",
        experiment: "simple_dense_model",
        lecture_accuracy: 78.608924,
        lecture_params: 1_280_129,
        build: model_1_dense,
    },
    TextModel {
        key: "model_2",
        row: "lstm",
        name: "model_2_LSTM",
        experiment: "LSTM",
        lecture_accuracy: 75.590551,
        lecture_params: 1_329_473,
        build: model_2_lstm,
    },
    TextModel {
        key: "model_3",
        row: "gru",
        name: "model_3_GRU",
        experiment: "GRU",
        lecture_accuracy: 77.559055,
        lecture_params: 1_317_313,
        build: model_3_gru,
    },
    TextModel {
        key: "model_4",
        row: "bidirectional",
        name: "model_4_Bidirectional",
        experiment: "bidirectional_RNN",
        lecture_accuracy: 76.771654,
        lecture_params: 1_378_945,
        build: model_4_bidirectional,
    },
    TextModel {
        key: "model_5",
        row: "conv1d",
        name: "model_5_Conv1D",
        experiment: "Conv1D",
        lecture_accuracy: 78.740157,
        lecture_params: 1_300_545,
        build: model_5_conv1d,
    },
];

/// Model 1: a simple dense model (embedding, `GlobalAveragePooling1D`).
pub fn model_1_dense(tv: &TextVectorization) -> AnyResult<Model> {
    text_model(tv, "embedding_1", "model_1_dense", |x| {
        GlobalAveragePooling1D::new().apply(x)
    })
}

/// Model 2: `LSTM(64)`.
pub fn model_2_lstm(tv: &TextVectorization) -> AnyResult<Model> {
    text_model(tv, "embedding_2", "model_2_LSTM", |x| {
        LSTM::new(64).apply(x)
    })
}

/// Model 3: `GRU(64)`.
pub fn model_3_gru(tv: &TextVectorization) -> AnyResult<Model> {
    text_model(tv, "embedding_3", "model_3_GRU", |x| GRU::new(64).apply(x))
}

/// Model 4: `Bidirectional(LSTM(64))`.
pub fn model_4_bidirectional(tv: &TextVectorization) -> AnyResult<Model> {
    text_model(tv, "embedding_4", "model_4_Bidirectional", |x| {
        Bidirectional::new(LSTM::new(64))?.apply(x)
    })
}

/// Model 5: `Conv1D(32, 5, activation="relu")` + `GlobalMaxPool1D`.
pub fn model_5_conv1d(tv: &TextVectorization) -> AnyResult<Model> {
    text_model(tv, "embedding_5", "model_5_Conv1D", |x| {
        let x = Conv1D::new(32, 5).activation("relu").apply(x)?;
        GlobalMaxPool1D::new().apply(&x)
    })
}

/// Model 6: the GloVe feature extractor, trained on all the training data.
pub fn model_6_glove(tv: &TextVectorization, matrix: &Tensor) -> AnyResult<Model> {
    glove_model(tv, matrix, "model_6_glove")
}

/// Model 7: the same architecture as model 6 (`clone_model`: fresh Dense weights, the same frozen
/// extractor), trained on 10 % of the training data.
pub fn model_7_glove_10_percent(tv: &TextVectorization, matrix: &Tensor) -> AnyResult<Model> {
    glove_model(tv, matrix, "model_7_glove_10_percent")
}

/// `layers.Input(shape=(1,), dtype="string")`.
fn string_input() -> KerasTensor {
    Input::new(&[1]).dtype("string").tensor()
}

/// A new `Embedding(input_dim=10000, output_dim=128, embeddings_initializer="uniform",
/// input_length=15, name=...)` for each model, so no model starts from another's learned words.
fn new_embedding(name: &str) -> Embedding {
    Embedding::new(MAX_VOCAB, 128)
        .input_length(MAX_LENGTH)
        .name(name)
}

/// Models 1–5: strings → shared `text_vectorizer` → new embedding → `middle` → Dense(1, sigmoid).
fn text_model(
    tv: &TextVectorization,
    embedding: &str,
    name: &str,
    middle: impl FnOnce(&KerasTensor) -> Result<KerasTensor, LayerError>,
) -> AnyResult<Model> {
    let inputs = string_input();
    let x = tv.clone().apply(&inputs)?;
    let x = new_embedding(embedding).apply(&x)?;
    let x = middle(&x)?;
    let outputs = Dense::new(1).activation("sigmoid").apply(&x)?;
    Ok(Model::new(&[&inputs], &[&outputs])?.name(name))
}

/// Models 6/7: strings → vectorizer → frozen GloVe embedding (masked average) → Dense(64, relu)
/// → Dense(1, sigmoid). The frozen part is the "pretrained feature extractor" (USE's role).
fn glove_model(tv: &TextVectorization, matrix: &Tensor, name: &str) -> AnyResult<Model> {
    let dim = matrix.shape()[1];
    let inputs = string_input();
    let x = tv.clone().apply(&inputs)?;
    let x = Embedding::new(MAX_VOCAB, dim)
        .weights(matrix.clone())
        .trainable(false)
        .mask_zero(true)
        .input_length(FEATURE_LENGTH)
        .name("glove_embedding")
        .apply(&x)?;
    let x = GlobalAveragePooling1D::new().apply(&x)?;
    let x = Dense::new(64).activation("relu").apply(&x)?;
    let outputs = Dense::new(1).activation("sigmoid").apply(&x)?;
    Ok(Model::new(&[&inputs], &[&outputs])?.name(name))
}
