"""Oracle files for kerust-io's attention layers (kerust issue #22): a Transformer-style block
saved by real Keras 3 as .keras, legacy .h5 and .weights.h5, with its inputs and predictions.

Run: /root/.cache/kerust/venv/bin/python tools/keras_reference/attention_io_fixtures.py
Writes crates/io/tests/fixtures/attn_block.{keras,k3.h5,k3.weights.h5,x0.npy,y_k30.npy};
crates/io/tests/attention_fixtures.rs loads them and compares predictions (1e-5).
Also bn_block.{keras,k3.h5,k3.weights.h5,tf2.h5,x0.npy,y_k30.npy,y_tf20.npy}: Embedding(mask_zero)
→ Dense → BatchNormalization (moving statistics away from their initial values) →
GlobalAveragePooling1D → Dense, from Keras 3 and from tf.keras 2.
And hub_block.{keras,k3.h5,k3.weights.h5,x0.npy,y_k30.npy}: keras-hub TokenAndPositionEmbedding
(mask_zero) → TransformerEncoder (post-LN) → TransformerEncoder (pre-LN, dropout) →
GlobalAveragePooling1D → Dense (needs keras-hub in the venv).
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np
import keras
from keras import layers

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "io", "tests", "fixtures")
NAME = "attn_block"


def model():
    ids = keras.Input(shape=(6,), dtype="int32", name="tokens")
    x = layers.Embedding(20, 4, mask_zero=True)(ids)
    z = layers.Attention(use_scale=True)([x, x])
    z = layers.AdditiveAttention()([z, x])
    # MultiHeadAttention clears the Keras masks of the tensors it is called on, so a later layer
    # reading `x` again would run unmasked in Keras; it is the last reader of `x` and `z` here.
    a = layers.MultiHeadAttention(2, 3)(z, x, use_causal_mask=True)
    y = layers.Add()([z, a])
    y = layers.LayerNormalization()(y)
    p = layers.GlobalAveragePooling1D()(y)
    out = layers.Dense(2, activation="softmax")(p)
    return keras.Model(ids, out, name=NAME)


def bn_model(K):
    ids = K.Input(shape=(6,), dtype="int32", name="tokens")
    x = K.layers.Embedding(20, 4, mask_zero=True)(ids)
    x = K.layers.Dense(5)(x)
    x = K.layers.BatchNormalization(momentum=0.9, epsilon=1e-4)(x)
    p = K.layers.GlobalAveragePooling1D()(x)
    out = K.layers.Dense(1, activation="sigmoid")(p)
    return K.Model(ids, out, name="bn_block")


def bn_weights(m, rng):
    return [rng.uniform(0.4, 1.6, size=w.shape).astype(np.float32) if "variance" in w.name
            else rng.uniform(-0.7, 0.7, size=w.shape).astype(np.float32) for w in m.weights]


def bn_block(x):
    import tf_keras
    rng = np.random.default_rng(23)
    m = bn_model(keras)
    ws = bn_weights(m, rng)
    m.set_weights(ws)
    m.compile(optimizer="adam", loss="binary_crossentropy")
    np.save(os.path.join(OUT, "bn_block.x0.npy"), x)
    np.save(os.path.join(OUT, "bn_block.y_k30.npy"), m.predict(x, verbose=0).astype(np.float32))
    m.save(os.path.join(OUT, "bn_block.keras"))
    m.save(os.path.join(OUT, "bn_block.k3.h5"))
    m.save_weights(os.path.join(OUT, "bn_block.k3.weights.h5"))
    m2 = bn_model(tf_keras)
    m2.set_weights(ws)
    m2.compile(optimizer="adam", loss="binary_crossentropy")
    np.save(os.path.join(OUT, "bn_block.y_tf20.npy"), m2.predict(x, verbose=0).astype(np.float32))
    m2.save(os.path.join(OUT, "bn_block.tf2.h5"))
    print(m.predict(x, verbose=0).ravel(), m2.predict(x, verbose=0).ravel())


def hub_block(x):
    import keras_hub
    ids = keras.Input(shape=(6,), dtype="int32", name="tokens")
    h = keras_hub.layers.TokenAndPositionEmbedding(20, 6, 8, mask_zero=True)(ids)
    h = keras_hub.layers.TransformerEncoder(16, 2)(h)
    h = keras_hub.layers.TransformerEncoder(12, 2, normalize_first=True, dropout=0.1)(h)
    p = layers.GlobalAveragePooling1D()(h)
    out = layers.Dense(1, activation="sigmoid")(p)
    m = keras.Model(ids, out, name="hub_block")
    rng = np.random.default_rng(24)
    m.set_weights([rng.uniform(-0.7, 0.7, size=w.shape).astype(np.float32) for w in m.get_weights()])
    m.compile(optimizer="adam", loss="binary_crossentropy")
    np.save(os.path.join(OUT, "hub_block.x0.npy"), x)
    np.save(os.path.join(OUT, "hub_block.y_k30.npy"), m.predict(x, verbose=0).astype(np.float32))
    m.save(os.path.join(OUT, "hub_block.keras"))
    m.save(os.path.join(OUT, "hub_block.k3.h5"))
    m.save_weights(os.path.join(OUT, "hub_block.k3.weights.h5"))
    print(m.predict(x, verbose=0).ravel())


def main():
    rng = np.random.default_rng(22)
    m = model()
    m.set_weights([rng.uniform(-0.7, 0.7, size=w.shape).astype(np.float32) for w in m.get_weights()])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    # Post-padded rows (zeros masked), one row fully padded but the first token.
    x = np.array(
        [[3, 1, 4, 1, 5, 9], [2, 6, 5, 0, 0, 0], [7, 0, 0, 0, 0, 0], [8, 9, 7, 9, 3, 0]],
        dtype=np.int32,
    )
    np.save(os.path.join(OUT, f"{NAME}.x0.npy"), x)
    np.save(os.path.join(OUT, f"{NAME}.y_k30.npy"), m.predict(x, verbose=0).astype(np.float32))
    m.save(os.path.join(OUT, f"{NAME}.keras"))
    m.save(os.path.join(OUT, f"{NAME}.k3.h5"))
    m.save_weights(os.path.join(OUT, f"{NAME}.k3.weights.h5"))
    print(m.predict(x, verbose=0))
    bn_block(x)
    hub_block(x)


if __name__ == "__main__":
    main()
