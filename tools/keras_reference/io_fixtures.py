"""Oracle fixtures for kerust-io: small models saved by real Keras in every format kerust reads.

Run: /work/kvenv/bin/python tools/keras_reference/io_fixtures.py
Writes crates/io/tests/fixtures/<model>.{keras,k3.h5,tf2.h5,...} plus x*.npy inputs and
y_<format>.npy predictions (each format's own Keras predicts, so the Rust test compares against
what that Keras computed).
"""
import os, json
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import numpy as np
import keras
import tf_keras

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "io", "tests", "fixtures")
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(0)


def seq_rnn(K):
    keras_mod = K
    m = keras_mod.Sequential([
        keras_mod.layers.InputLayer(input_shape=(6,), dtype="int32") if K is tf_keras else keras_mod.Input(shape=(6,), dtype="int32"),
        K.layers.Embedding(20, 4),
        K.layers.SimpleRNN(5, return_sequences=True),
        K.layers.SimpleRNN(3),
        K.layers.Dropout(0.3),
        K.layers.Dense(3, activation="softmax"),
    ], name="seq_rnn")
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def seq_dense(K):
    m = K.Sequential([
        K.layers.InputLayer(input_shape=(4,)) if K is tf_keras else K.Input(shape=(4,)),
        K.layers.Dense(8, activation="relu"),
        K.layers.Reshape((2, 4)),
        K.layers.Flatten(),
        K.layers.Activation("tanh"),
        K.layers.Dense(1, activation="sigmoid"),
    ], name="seq_dense")
    m.compile(optimizer=K.optimizers.RMSprop(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return m


def func_shared(K):
    a = K.Input(shape=(3,), name="a")
    b = K.Input(shape=(3,), name="b")
    shared = K.layers.Dense(4, activation="tanh", name="shared")
    ha, hb = shared(a), shared(b)
    out1 = K.layers.Dense(2, name="head_a")(ha)
    out2 = K.layers.Dense(1, activation="sigmoid", name="head_b")(hb)
    m = K.Model([a, b], [out1, out2], name="func_shared")
    m.compile(optimizer="sgd", loss="mse")
    return m


def inp(K, shape, dtype="float32", name=None):
    if K is tf_keras:
        return K.Input(shape=shape, dtype=dtype, name=name)
    return K.Input(shape=shape, dtype=dtype, name=name)


def seq_lstm_gru(K):
    # mask_zero: the inputs contain zeros, so masked steps are exercised on load.
    x = inp(K, (7,), "int32", "ids")
    h = K.layers.Embedding(20, 4, mask_zero=True)(x)
    h = K.layers.LSTM(5, return_sequences=True)(h)
    h = K.layers.GRU(4, reset_after=False, return_sequences=True)(h)
    h = K.layers.GRU(3)(h)  # reset_after=True, the default
    out = K.layers.Dense(2, activation="softmax")(h)
    m = K.Model(x, out, name="seq_lstm_gru")
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return m


def seq_bi_conv(K):
    m = K.Sequential([
        inp(K, (8,), "int32"),
        K.layers.Embedding(15, 4),
        K.layers.Bidirectional(K.layers.LSTM(3, return_sequences=True)),
        K.layers.Conv1D(4, 2, activation="relu"),
        K.layers.MaxPooling1D(2),
        K.layers.Bidirectional(K.layers.GRU(2, return_sequences=True), merge_mode="sum"),
        K.layers.GlobalMaxPooling1D(),
        K.layers.Dense(1, activation="sigmoid"),
    ], name="seq_bi_conv")
    m.compile(optimizer="adam", loss="binary_crossentropy")
    return m


def seq_conv2d(K):
    m = K.Sequential([
        inp(K, (36,)),
        K.layers.Reshape((6, 6, 1)),
        K.layers.Conv2D(3, (3, 3), activation="relu"),
        K.layers.MaxPooling2D((2, 2)),
        K.layers.Flatten(),
        K.layers.Dense(4, activation="softmax"),
    ], name="seq_conv2d")
    m.compile(optimizer="sgd", loss="categorical_crossentropy")
    return m


def func_siamese(K):
    # The Quora shape: shared Embedding + shared LSTM on two id inputs, Dot and Concatenate heads.
    a = inp(K, (6,), "int32", "q1")
    b = inp(K, (6,), "int32", "q2")
    emb = K.layers.Embedding(12, 4, name="shared_emb")
    lstm = K.layers.LSTM(3, name="shared_lstm")
    ha, hb = lstm(emb(a)), lstm(emb(b))
    dot = K.layers.Dot(axes=1)([ha, hb])
    cat = K.layers.Concatenate()([ha, hb, dot])
    out = K.layers.Dense(1, activation="sigmoid")(cat)
    m = K.Model([a, b], out, name="func_siamese")
    m.compile(optimizer="adam", loss="binary_crossentropy")
    return m


def perturb(m):
    # Non-trivial weights (zeros biases would hide bias mix-ups).
    m.set_weights([w + rng.normal(0, 0.3, w.shape).astype(np.float32) for w in m.get_weights()])


INPUTS = {
    "seq_rnn": [rng.integers(0, 20, size=(5, 6)).astype(np.int32)],
    "seq_dense": [rng.normal(size=(5, 4)).astype(np.float32)],
    "func_shared": [rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)],
    "seq_lstm_gru": [np.array([[3, 5, 0, 0, 7, 1, 2], [0, 0, 0, 4, 4, 9, 1], [1, 2, 3, 4, 5, 6, 7],
                               [8, 0, 8, 0, 8, 0, 8], [19, 18, 17, 0, 0, 0, 0]], dtype=np.int32)],
    "seq_bi_conv": [rng.integers(0, 15, size=(5, 8)).astype(np.int32)],
    "seq_conv2d": [rng.normal(size=(5, 36)).astype(np.float32)],
    "func_siamese": [rng.integers(0, 12, size=(5, 6)).astype(np.int32), rng.integers(0, 12, size=(5, 6)).astype(np.int32)],
}
BUILDERS = {"seq_rnn": seq_rnn, "seq_dense": seq_dense, "func_shared": func_shared,
            "seq_lstm_gru": seq_lstm_gru, "seq_bi_conv": seq_bi_conv, "seq_conv2d": seq_conv2d,
            "func_siamese": func_siamese}


def save_preds(name, tag, preds):
    preds = preds if isinstance(preds, list) else [preds]
    for i, p in enumerate(preds):
        np.save(os.path.join(OUT, f"{name}.y_{tag}{i}.npy"), np.asarray(p, dtype=np.float32))


manifest = {"keras_version": keras.__version__, "tf_keras_version": tf_keras.__version__, "models": {}}
for name, build in BUILDERS.items():
    xs = INPUTS[name]
    for i, x in enumerate(xs):
        np.save(os.path.join(OUT, f"{name}.x{i}.npy"), x)
    feed = xs if len(xs) > 1 else xs[0]
    files = []
    # Keras 3: .keras, legacy .h5, .weights.h5
    m = build(keras)
    perturb(m)
    m.save(os.path.join(OUT, f"{name}.keras"))
    m.save(os.path.join(OUT, f"{name}.k3.h5"))
    m.save_weights(os.path.join(OUT, f"{name}.k3.weights.h5"))
    save_preds(name, "k3", m.predict(feed, verbose=0))
    files += [f"{name}.keras", f"{name}.k3.h5", f"{name}.k3.weights.h5"]
    # tf.keras 2: .h5 and weights-only .h5
    m2 = build(tf_keras)
    perturb(m2)
    m2.save(os.path.join(OUT, f"{name}.tf2.h5"))
    m2.save_weights(os.path.join(OUT, f"{name}.tf2.weights_only.h5"))
    save_preds(name, "tf2", m2.predict(feed, verbose=0))
    files += [f"{name}.tf2.h5", f"{name}.tf2.weights_only.h5"]
    manifest["models"][name] = {"inputs": len(xs), "outputs": len(m.outputs), "files": files}

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
total = sum(os.path.getsize(os.path.join(OUT, p)) for p in os.listdir(OUT))
print(f"wrote {len(os.listdir(OUT))} files, {total} bytes")
