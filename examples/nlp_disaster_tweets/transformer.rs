//! Model 8 (past the notebook): the Transformer a reader builds next. Strings → the shared
//! `text_vectorizer` → keras-hub `TokenAndPositionEmbedding(10000, 15, 128, mask_zero=True)` →
//! `TransformerEncoder(intermediate_dim=128, num_heads=4)` → `GlobalAveragePooling1D` →
//! `Dense(1, sigmoid)`, trained like models 1–5 (Adam, binary cross-entropy, 5 epochs). Padding
//! (id 0) is masked from the attention and from the average, as in keras-hub.
//! tools/keras_reference/tweets_transformer.py trains the same model in Keras on the same split.
use crate::baseline::Baseline;
use crate::common::{section, AnyResult, Report};
use crate::training::{train_and_score, Trained};
use crate::{Args, Splits, MAX_LENGTH, MAX_VOCAB};
use kerust::prelude::*;

/// The encoder block's sizes.
const EMBEDDING_DIM: usize = 128;
const INTERMEDIATE_DIM: usize = 128;
const NUM_HEADS: usize = 4;

/// Model 8: the keras-hub Transformer text classifier on the shared vectorizer.
pub fn model_8_transformer(tv: &TextVectorization) -> AnyResult<Model> {
    let inputs = Input::new(&[1]).dtype("string").tensor();
    let x = tv.clone().apply(&inputs)?;
    let x = TokenAndPositionEmbedding::new(MAX_VOCAB, MAX_LENGTH, EMBEDDING_DIM)
        .mask_zero(true)
        .apply(&x)?;
    let x = TransformerEncoder::new(INTERMEDIATE_DIM, NUM_HEADS).apply(&x)?;
    let x = GlobalAveragePooling1D::new().apply(&x)?;
    let outputs = Dense::new(1).activation("sigmoid").apply(&x)?;
    Ok(Model::new(&[&inputs], &[&outputs])?.name("model_8_transformer"))
}

/// Build, train and score model 8 (report keys `model_8.*`, validation accuracy included).
pub fn train_model_8(
    args: &Args,
    report: &mut Report,
    baseline: &Baseline,
    data: &Splits,
    tv: &TextVectorization,
    train: (&[String], &[i64]),
    seed: u64,
) -> AnyResult<Trained> {
    section("Model 8: Transformer (keras-hub TokenAndPositionEmbedding + TransformerEncoder)");
    set_random_seed(seed);
    let model = model_8_transformer(tv)?;
    println!(
        "(no notebook figure for model 8; the \"lecture accuracy\" printed below is Keras 3 + \
         keras-hub 0.32 on this split, tools/keras_reference/tweets_transformer.py)"
    );
    train_and_score(
        args,
        report,
        baseline,
        data,
        model,
        (
            "model_8",
            "transformer",
            "transformer",
            KERAS_VAL_ACCURACY,
            None,
        ),
        train,
    )
}

/// Keras 3.15 + keras-hub 0.32's validation accuracy (%) after 5 epochs for the same model and
/// split, seed 42 (tools/keras_reference/tweets_transformer.py; its per-epoch figures were
/// 78.87, 76.51, 72.31, 74.54, 74.02: the model overfits after epoch 1 in both libraries).
/// Over seeds the final figure spreads by several points: Keras 74.02 / 75.85 / 77.69 (seeds
/// 42 / 1 / 2), kerust 76.38 / 72.97 (seeds 0 / 1).
const KERAS_VAL_ACCURACY: f64 = 74.02;
