//! Small models covering the recurrent, convolution, pooling and merge layers, shared by the
//! round-trip and Keras-interop tests.
use kerust_layers::{
    Add, AdditiveAttention, Attention, AveragePooling1D, AveragePooling2D, BatchNormalization,
    Bidirectional, Concatenate, Conv1D, Conv2D, Data, Dense, Dot, Embedding, Flatten,
    GlobalAveragePooling1D, GlobalMaxPooling1D, Input, LayerNormalization, Masking, MaxPooling1D,
    MaxPooling2D, Model, MultiHeadAttention, Multiply, PositionEmbedding, RepeatVector, Sequential,
    SymbolicCall, TextVectorization, TimeDistributed, TokenAndPositionEmbedding,
    TransformerEncoder, GRU, LSTM,
};
use kerust_tensor::{IntTensor, Rng, Tensor};

/// Token ids in `[0, 20)` with some zeros (padding) so `mask_zero` matters.
pub fn ids(batch: usize, steps: usize, seed: usize) -> IntTensor {
    let v = (0..batch * steps)
        .map(|i| ((i * 7 + seed) % 20) as i64)
        .collect();
    IntTensor::from_vec(v, &[batch, steps]).unwrap()
}

pub fn lstm_model() -> (Sequential, Vec<Data>) {
    let mut m = Sequential::new();
    m.add(Input::new(&[6]).dtype("int32")).unwrap();
    m.add(Embedding::new(20, 4).mask_zero(true)).unwrap();
    m.add(LSTM::new(5)).unwrap();
    m.add(Dense::new(2).activation("softmax")).unwrap();
    (m, vec![Data::Int(ids(4, 6, 1))])
}

pub fn gru_model() -> (Sequential, Vec<Data>) {
    let mut m = Sequential::new();
    m.add(Input::new(&[6]).dtype("int32")).unwrap();
    m.add(Embedding::new(20, 4)).unwrap();
    m.add(GRU::new(4).return_sequences(true)).unwrap();
    m.add(GRU::new(3)).unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    (m, vec![Data::Int(ids(4, 6, 2))])
}

pub fn bidirectional_model() -> (Sequential, Vec<Data>) {
    let mut m = Sequential::new();
    m.add(Input::new(&[6]).dtype("int32")).unwrap();
    m.add(Embedding::new(20, 4).mask_zero(true)).unwrap();
    m.add(Bidirectional::new(LSTM::new(3)).unwrap()).unwrap();
    m.add(Dense::new(2).activation("softmax")).unwrap();
    (m, vec![Data::Int(ids(4, 6, 3))])
}

pub fn conv1d_model() -> (Sequential, Vec<Data>) {
    let mut m = Sequential::new();
    m.add(Input::new(&[10]).dtype("int32")).unwrap();
    m.add(Embedding::new(20, 4)).unwrap();
    m.add(Conv1D::new(6, 3).activation("relu")).unwrap();
    m.add(MaxPooling1D::new()).unwrap();
    m.add(GlobalMaxPooling1D::new()).unwrap();
    m.add(Dense::new(1).activation("sigmoid")).unwrap();
    (m, vec![Data::Int(ids(3, 10, 4))])
}

/// The remaining weight-free and conv layers: Masking, average pooling, Conv2D, 2-D pooling.
pub fn float_seq_model() -> (Sequential, Vec<Data>) {
    let mut m = Sequential::new();
    m.add(Input::new(&[8, 3])).unwrap();
    m.add(Masking::new()).unwrap();
    m.add(Conv1D::new(4, 2).padding("same")).unwrap();
    m.add(AveragePooling1D::new()).unwrap();
    m.add(GlobalAveragePooling1D::new()).unwrap();
    m.add(Dense::new(2)).unwrap();
    let x = Tensor::rand_uniform(&[3, 8, 3], -1.0, 1.0, &mut Rng::seed(6)).unwrap();
    (m, vec![Data::Float(x)])
}

/// An encoder → RepeatVector → decoder → TimeDistributed(Dense) seq2seq model.
pub fn seq2seq_model() -> (Sequential, Vec<Data>) {
    let mut m = Sequential::new();
    m.add(Input::new(&[5])).unwrap();
    m.add(Dense::new(3).activation("tanh")).unwrap();
    m.add(RepeatVector::new(4)).unwrap();
    m.add(LSTM::new(3).return_sequences(true)).unwrap();
    m.add(TimeDistributed::new(Dense::new(2).activation("softmax")))
        .unwrap();
    let x = Tensor::rand_uniform(&[3, 5], -1.0, 1.0, &mut Rng::seed(7)).unwrap();
    (m, vec![Data::Float(x)])
}

pub fn conv2d_model() -> (Sequential, Vec<Data>) {
    let mut m = Sequential::new();
    m.add(Input::new(&[8, 8, 2])).unwrap();
    m.add(Conv2D::new(3, (3, 3)).activation("relu")).unwrap();
    m.add(MaxPooling2D::new()).unwrap();
    m.add(AveragePooling2D::new()).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(2)).unwrap();
    let x = Tensor::rand_uniform(&[2, 8, 8, 2], -1.0, 1.0, &mut Rng::seed(7)).unwrap();
    (m, vec![Data::Float(x)])
}

/// Two questions through one shared Embedding + LSTM, compared with `Dot(axes=1)`.
pub fn siamese_model() -> (Model, Vec<Data>) {
    let a = Input::new(&[6]).dtype("int32").name("q1").tensor();
    let b = Input::new(&[6]).dtype("int32").name("q2").tensor();
    let emb = Embedding::new(20, 4).mask_zero(true).shared();
    let lstm = LSTM::new(3).shared();
    let ha = lstm.call(&emb.call(&a).unwrap()).unwrap();
    let hb = lstm.call(&emb.call(&b).unwrap()).unwrap();
    let d = Dot::new(1).apply_multi(&[&ha, &hb]).unwrap().remove(0);
    let out = Dense::new(1).activation("sigmoid").apply(&d).unwrap();
    let m = Model::new(&[&a, &b], &[&out]).unwrap();
    (m, vec![Data::Int(ids(4, 6, 5)), Data::Int(ids(4, 6, 11))])
}

pub fn merge_model() -> (Model, Vec<Data>) {
    let a = Input::new(&[3]).name("a").tensor();
    let b = Input::new(&[3]).name("b").tensor();
    let s = Add::new().apply_multi(&[&a, &b]).unwrap().remove(0);
    let p = Multiply::new().apply_multi(&[&a, &b]).unwrap().remove(0);
    let c = Concatenate::new().apply_multi(&[&s, &p]).unwrap().remove(0);
    let out = Dense::new(2).apply(&c).unwrap();
    let m = Model::new(&[&a, &b], &[&out]).unwrap();
    let mut r = Rng::seed(8);
    let x = vec![
        Data::Float(Tensor::rand_uniform(&[4, 3], -1.0, 1.0, &mut r).unwrap()),
        Data::Float(Tensor::rand_uniform(&[4, 3], -1.0, 1.0, &mut r).unwrap()),
    ];
    (m, x)
}

/// Raw strings in: Input(dtype="string") → TextVectorization (adapted) → Embedding → pooling → Dense.
pub fn text_model() -> (Model, Vec<Data>) {
    let texts = [
        "the fire spread",
        "I love fruits",
        "fire near the school",
        "love it",
    ];
    let mut tv = TextVectorization::new()
        .max_tokens(20)
        .output_sequence_length(5);
    tv.adapt(&texts).unwrap();
    let inputs = Input::new(&[1]).dtype("string").tensor();
    let x = tv.apply(&inputs).unwrap();
    let x = Embedding::new(20, 3).apply(&x).unwrap();
    let x = GlobalAveragePooling1D::new().apply(&x).unwrap();
    let out = Dense::new(1).activation("sigmoid").apply(&x).unwrap();
    let m = Model::new(&[&inputs], &[&out]).unwrap();
    let x: &[&str] = &["fire in the school", "unknown words", "love"];
    (m, vec![Data::from(x)])
}

/// An attention block over masked token ids: Embedding(mask_zero) → Attention(use_scale, causal) →
/// AdditiveAttention → MultiHeadAttention (cross, causal) → Add residual → LayerNormalization →
/// GlobalAveragePooling1D → Dense. Keras's MultiHeadAttention clears the masks of the tensors it
/// is called on, so it is the last layer to read `x` and `z` (as in the Keras fixture).
pub fn attention_model() -> (Model, Vec<Data>) {
    let ids_in = Input::new(&[6]).dtype("int32").name("tokens").tensor();
    let x = Embedding::new(20, 4)
        .mask_zero(true)
        .apply(&ids_in)
        .unwrap();
    let z = Attention::new()
        .use_scale(true)
        .use_causal_mask(true)
        .apply_multi(&[&x, &x])
        .unwrap()
        .remove(0);
    let z = AdditiveAttention::new()
        .apply_multi(&[&z, &x])
        .unwrap()
        .remove(0);
    let a = MultiHeadAttention::new(2, 3)
        .use_causal_mask(true)
        .apply_multi(&[&z, &x])
        .unwrap()
        .remove(0);
    let y = Add::new().apply_multi(&[&z, &a]).unwrap().remove(0);
    let y = LayerNormalization::new().apply(&y).unwrap();
    let y = BatchNormalization::new().momentum(0.9).apply(&y).unwrap();
    let p = GlobalAveragePooling1D::new().apply(&y).unwrap();
    let out = Dense::new(2).activation("softmax").apply(&p).unwrap();
    let mut m = Model::new(&[&ids_in], &[&out]).unwrap();
    // Moving statistics away from their initial zeros/ones, so a format that dropped them fails.
    let mut r = Rng::seed(5);
    let ws: Vec<Tensor> = m
        .get_weights()
        .iter()
        .map(|w| Tensor::rand_uniform(w.shape(), 0.3, 1.2, &mut r).unwrap())
        .collect();
    m.set_weights(&ws).unwrap();
    (m, vec![Data::Int(ids(4, 6, 3))])
}

/// keras-hub's text classifier block: TokenAndPositionEmbedding(mask_zero) → post-LN and pre-LN
/// TransformerEncoders → Add(PositionEmbedding) → GlobalAveragePooling1D → Dense.
pub fn transformer_model() -> (Model, Vec<Data>) {
    let ids_in = Input::new(&[6]).dtype("int32").name("tokens").tensor();
    let x = TokenAndPositionEmbedding::new(20, 8, 4)
        .mask_zero(true)
        .apply(&ids_in)
        .unwrap();
    let x = TransformerEncoder::new(8, 2).apply(&x).unwrap();
    let x = TransformerEncoder::new(6, 2)
        .normalize_first(true)
        .dropout(0.1)
        .unwrap()
        .apply(&x)
        .unwrap();
    let p = PositionEmbedding::new(7).apply(&x).unwrap();
    let x = Add::new().apply_multi(&[&x, &p]).unwrap().remove(0);
    let p = GlobalAveragePooling1D::new().apply(&x).unwrap();
    let out = Dense::new(1).activation("sigmoid").apply(&p).unwrap();
    let mut m = Model::new(&[&ids_in], &[&out]).unwrap();
    let mut r = Rng::seed(6);
    let ws: Vec<Tensor> = m
        .get_weights()
        .iter()
        .map(|w| Tensor::rand_uniform(w.shape(), -0.7, 0.7, &mut r).unwrap())
        .collect();
    m.set_weights(&ws).unwrap();
    (m, vec![Data::Int(ids(4, 6, 5))])
}
