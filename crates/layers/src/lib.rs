//! `kerust-layers`: Keras layers, models (Sequential and functional), losses, optimizers,
//! regularizers and callbacks, on top of the autograd tape.
#![deny(missing_docs)]
pub mod activations;
pub mod attention;
pub mod callbacks;
pub mod config;
pub mod conv;
pub mod core;
pub mod ctx;
pub mod dataset;
pub mod error;
pub mod flow;
pub mod initializers;
pub mod layer;
pub mod losses;
pub mod merge;
pub mod model;
pub mod normalization;
pub mod optimizers;
pub mod param;
pub mod preprocessing;
pub mod random;
pub mod registry;
pub mod regularizers;
pub mod rnn;
#[doc(hidden)]
pub mod testing;
pub mod wrappers;

pub use crate::core::{
    activation::Activation, dense::Dense, dropout::Dropout, embedding::Embedding, flatten::Flatten,
    input::Input, repeat_vector::RepeatVector, reshape::Reshape, time_distributed::TimeDistributed,
};
pub use attention::{
    additive_attention::AdditiveAttention, dot_product_attention::Attention,
    multi_head_attention::MultiHeadAttention, position_embedding::PositionEmbedding,
    token_and_position_embedding::TokenAndPositionEmbedding,
    transformer_encoder::TransformerEncoder,
};
pub use callbacks::{
    CSVLogger, Callback, EarlyStopping, History, LambdaCallback, LearningRateScheduler,
    ReduceLROnPlateau, TensorBoard, TerminateOnNaN,
};
pub use conv::{
    conv1d::Conv1D,
    conv2d::Conv2D,
    global_average_pooling1d::{GlobalAveragePooling1D, GlobalAvgPool1D},
    global_max_pooling1d::{GlobalMaxPool1D, GlobalMaxPooling1D},
    pooling::{
        AveragePooling1D, AveragePooling2D, AvgPool1D, AvgPool2D, MaxPool1D, MaxPool2D,
        MaxPooling1D, MaxPooling2D,
    },
};
pub use ctx::Ctx;
pub use dataset::{DatasetBatch, PyDataset};
pub use error::{LayerError, Result};
pub use flow::{Data, Flow, Inputs, Value};
pub use initializers::Initializer;
pub use layer::{InputKind, Layer, LayerBase, Shape};
pub use losses::Loss;
pub use merge::{add::Add, concatenate::Concatenate, dot::Dot, multiply::Multiply};
pub use model::{
    clone_model, model_from_config, model_from_config_limited, AnyModel, EvaluateArgs, FitArgs,
    GradientTape, KerasTensor, LayerHandle, Logs, Model, ModelCore, OnBatchArgs, Sequential,
    SymbolicCall,
};
pub use normalization::{
    batch_normalization::BatchNormalization, layer_normalization::LayerNormalization,
};
pub use optimizers::{Adagrad, Adam, Optimizer, RMSprop, SGD};
pub use param::Param;
pub use preprocessing::text_vectorization::TextVectorization;
pub use random::set_random_seed;
pub use registry::layer_from_config;
pub use regularizers::{l1, l1_l2, l2, Regularizer};
pub use rnn::bidirectional::Bidirectional;
pub use rnn::gru::GRU;
pub use rnn::lstm::LSTM;
pub use rnn::masking::Masking;
pub use rnn::simple_rnn::SimpleRNN;
pub use wrappers::keras_classifier::{IntoModelCore, KerasClassifier};
