//! kerust — Keras for Rust, built first for sequence models and text.
//!
//! This facade re-exports the workspace crates; `use kerust::prelude::*` brings the Keras names in:
//!
//! ```
//! use kerust::prelude::*;
//! let mut model = Sequential::new();
//! model.add(SimpleRNN::new(8).input_shape(&[None, Some(1)])).unwrap();
//! model.add(Dense::new(3).activation("softmax")).unwrap();
//! model.compile(Adam::new().learning_rate(0.01), "sparse_categorical_crossentropy", &["accuracy"]).unwrap();
//! assert_eq!(model.count_params(), 8 * (1 + 8 + 1) + 8 * 3 + 3);
//! ```
#![deny(missing_docs)]

/// `Var`, `Tape`, backward and gradient checking.
pub use kerust_autograd as autograd;
/// Dataset loaders (tweets, IMDb, SST, MNIST, ...), the download cache and `train_test_split`.
pub use kerust_datasets as datasets;
/// Saving and loading models: Keras `.h5` / `.keras`, the native directory, checkpoints.
pub use kerust_io as io;
/// Keras layers, `Sequential` and functional models, losses, optimizers and callbacks.
pub use kerust_layers as layers;
/// scikit-learn style metric functions and Keras streaming metrics.
pub use kerust_metrics as metrics;
/// The f32 n-d `Tensor` (CPU, and CUDA with the `cuda` feature) and its kernels.
pub use kerust_tensor as tensor;
/// Keras text preprocessing: `Tokenizer`, `pad_sequences`, `TextVectorizer`, the hashing trick.
pub use kerust_text as text;

pub mod stream;

/// The names a Keras user reaches for, in one import.
///
/// Listed explicitly (no glob re-exports) so that two crates exporting the same name can never
/// make a user's `use kerust::prelude::*` ambiguous; each crate's full API stays one path away
/// (`kerust::layers::…`, `kerust::text::…`, …).
pub mod prelude {
    // Tensors and the autograd tape.
    pub use kerust_autograd::{Tape, Var};
    pub use kerust_tensor::{Device, IntTensor, Rng, Tensor, TensorError};

    // Layers.
    pub use kerust_layers::{
        Activation, Add, AveragePooling1D, AveragePooling2D, Bidirectional, Concatenate, Conv1D,
        Conv2D, Dense, Dot, Dropout, Embedding, Flatten, GlobalAveragePooling1D, GlobalMaxPool1D,
        GlobalMaxPooling1D, Input, Layer, Masking, MaxPool2D, MaxPooling1D, MaxPooling2D, Multiply,
        RepeatVector, Reshape, SimpleRNN, SymbolicCall, TextVectorization, TimeDistributed, GRU,
        LSTM,
    };
    // Attention, normalisation and keras-hub's Transformer blocks.
    pub use kerust_layers::{
        AdditiveAttention, Attention, BatchNormalization, LayerNormalization, MultiHeadAttention,
        PositionEmbedding, TokenAndPositionEmbedding, TransformerEncoder,
    };
    // Models and training.
    pub use kerust_layers::{
        set_random_seed, Data, EvaluateArgs, FitArgs, Inputs, KerasTensor, LayerError, LayerHandle,
        Logs, Model, ModelCore, OnBatchArgs, Sequential,
    };
    // The scikit-learn wrapper (Lab 8's `KerasClassifier`).
    pub use kerust_layers::KerasClassifier;
    // Streaming data and custom training loops.
    pub use crate::stream::TextCsvDataset;
    pub use kerust_datasets::LazyCsv;
    pub use kerust_layers::{DatasetBatch, GradientTape, PyDataset};
    // Losses, optimizers, regularizers, initializers.
    pub use kerust_layers::{
        l1, l1_l2, l2, Adagrad, Adam, Initializer, Loss, Optimizer, RMSprop, Regularizer, SGD,
    };
    // Callbacks.
    pub use kerust_layers::{
        clone_model, CSVLogger, Callback, EarlyStopping, History, LambdaCallback,
        LearningRateScheduler, ReduceLROnPlateau, TensorBoard, TerminateOnNaN,
    };
    // Saving and loading (.h5, .keras, native directory).
    pub use kerust_io::{load_model, save_model, ModelCheckpoint};

    // Text preprocessing (Keras `preprocessing.text` / `sequence`). `TextVectorization` above is
    // the model layer; its tensor-free engine is `kerust::text::TextVectorizer`.
    pub use kerust_text::{
        hashing_trick, one_hot, pad_sequences, text_to_word_sequence, OutputMode, PadSequences,
        TextError, Tokenizer,
    };

    // Datasets: loaders, the cache with verified downloads, and scikit-learn's split.
    pub use kerust_datasets::{
        get_word_index, train_test_split, Cache, DatasetsError, Fortune500, GloveVectors,
        ImdbLoadData, MnistCsv, Quora, QuoraPair, RandomState, ShapeCurves, SstReviews, Tweets,
        Vocabulary, SHAPE_CLASSES, SST_CLASSES,
    };

    // Metrics: scikit-learn style functions and Keras streaming metrics.
    pub use kerust_metrics::{
        accuracy_score, classification_report, confusion_matrix, f1_score, mean_absolute_error,
        mean_squared_error, precision_recall_fscore_support, precision_score, r2_score,
        recall_score, roc_auc_score, Average, Metric, MetricsError, Precision, Recall, AUC,
    };
}

#[cfg(test)]
mod tests {
    use super::prelude::*;

    #[test]
    fn prelude_builds_and_trains_a_model() {
        let mut m = Sequential::new();
        m.add(Dense::new(4).activation("tanh").input_shape(&[2]))
            .unwrap();
        m.add(Dense::new(1)).unwrap();
        m.compile(Adam::new().learning_rate(0.05), "mse", &[])
            .unwrap();
        let x = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0], &[4, 2]).unwrap();
        let y = Tensor::from_vec(vec![1.0, 1.0, 2.0, 0.0], &[4, 1]).unwrap();
        let h = m
            .fit(&x, &y, FitArgs::new().epochs(60).batch_size(4).verbose(0))
            .unwrap();
        let loss = h.get("loss").unwrap();
        assert!(loss.last().unwrap() < &(loss[0] * 0.5), "{loss:?}");
    }

    #[test]
    fn prelude_text_and_metrics_work_together() {
        let mut tok = Tokenizer::new().num_words(10);
        tok.fit_on_texts(&["I love Stats so much", "I love ML too"])
            .unwrap();
        let seqs = tok.texts_to_sequences(&["I love ML"]).unwrap();
        assert_eq!(seqs, vec![vec![1, 2, 6]]);
        let acc = accuracy_score(&[1i64, 0, 1], &[1i64, 1, 1]).unwrap();
        assert!((acc - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn prelude_text_vectorization_is_the_model_layer() {
        let sentences = ["fire near the school", "I love fruits", "fire spreads fast"];
        let mut text_vectorizer = TextVectorization::new()
            .max_tokens(20)
            .output_sequence_length(4);
        text_vectorizer.adapt(&sentences).unwrap();
        let inputs = Input::new(&[1]).dtype("string").tensor();
        let x = text_vectorizer.clone().apply(&inputs).unwrap();
        let x = Embedding::new(20, 3).apply(&x).unwrap();
        let x = GlobalAveragePooling1D::new().apply(&x).unwrap();
        let outputs = Dense::new(1).activation("sigmoid").apply(&x).unwrap();
        let mut model = Model::new(&[&inputs], &[&outputs]).unwrap();
        assert_eq!(model.predict(["some text"]).unwrap().shape(), [1, 1]);
        let Data::Int(ids) = text_vectorizer.call_texts(&["fire zebra"]).unwrap() else {
            panic!("int mode")
        };
        assert_eq!(ids.data(), [2, 1, 0, 0]);
    }
}
