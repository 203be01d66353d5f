"""Keras 3 training reference (kerust issue #28): the numbers kerust must reproduce when it trains.

Writes crates/layers/tests/fixtures/training/*.json, replayed by crates/layers/tests/training_parity.rs:
- optimizers.json: for every optimizer (SGD with momentum / nesterov, RMSprop plain / momentum /
  centered, Adam plain / amsgrad, Adagrad) and every loss kerust accepts by name (MAPE at 1/100
  of the learning rate), the weights
  after `fit(x, y, batch_size=4, epochs=3, shuffle=False)` (6 steps) of Dense(5, tanh) → Dense(k)
  from the same initial weights. Compared to 1e-6.
- lstm_text.json: one epoch of a tweets-shaped classifier, Embedding(mask_zero) → LSTM → Dense
  (sigmoid), Adam, binary_crossentropy, 48 pre-padded id sequences, batches of 16 in order (ids
  distinct within a batch: see lstm_text_fixture).
- stacked_rnn.json: one epoch of the fortune500 model SimpleRNN(10, seq) → SimpleRNN(5, seq) →
  SimpleRNN(1), Adam(0.01), mse, on 40 windows of a random walk, batches of 8 in order.
Both one-epoch cases are compared to 1e-5.

Run: $KERUST_PYTHON tools/keras_reference/training_reference.py   (tensorflow-cpu 2.21, keras 3)
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import keras
from keras import layers

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "layers", "tests", "fixtures", "training")


def arr(x):
    x = np.asarray(x, dtype=np.float64)
    # 9 significant digits round-trip an f32 exactly.
    return {"shape": list(x.shape), "data": [float(f"{v:.9g}") for v in x.reshape(-1)]}


def int_arr(x):
    x = np.asarray(x)
    return {"shape": list(x.shape), "data": [int(v) for v in x.reshape(-1)]}


# name → (constructor kwargs in kerust builder names, Keras optimizer factory)
OPTIMIZERS = {
    "sgd_momentum": ({"class": "SGD", "learning_rate": 0.1, "momentum": 0.9},
                     lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)),
    "sgd_nesterov": ({"class": "SGD", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True},
                     lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)),
    "rmsprop": ({"class": "RMSprop", "learning_rate": 0.01},
                lambda: keras.optimizers.RMSprop(learning_rate=0.01)),
    "rmsprop_momentum_centered": ({"class": "RMSprop", "learning_rate": 0.01, "momentum": 0.5, "centered": True},
                                  lambda: keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True)),
    "adam": ({"class": "Adam", "learning_rate": 0.01},
             lambda: keras.optimizers.Adam(learning_rate=0.01)),
    "adam_amsgrad": ({"class": "Adam", "learning_rate": 0.01, "amsgrad": True},
                     lambda: keras.optimizers.Adam(learning_rate=0.01, amsgrad=True)),
    "adagrad": ({"class": "Adagrad", "learning_rate": 0.1},
                lambda: keras.optimizers.Adagrad(learning_rate=0.1)),
}

N, D, H = 8, 4, 5


def targets(loss, rng, x):
    """Output width, output activation and targets that give every loss real gradients."""
    if loss in ("mse", "mae", "huber"):
        return 2, "linear", (x[:, :2] * 1.5 + 0.3).astype(np.float32)
    if loss == "mape":
        # Away from zero so the percentage is tame.
        return 2, "linear", (1.0 + rng.uniform(0.0, 1.0, (N, 2))).astype(np.float32)
    if loss == "binary_crossentropy":
        return 1, "sigmoid", (x[:, :1] > 0).astype(np.float32)
    if loss == "categorical_crossentropy":
        return 3, "softmax", np.eye(3, dtype=np.float32)[np.arange(N) % 3]
    if loss == "sparse_categorical_crossentropy":
        return 3, "softmax", (np.arange(N) % 3).astype(np.int32)
    raise ValueError(loss)


def optimizers_fixture():
    rng = np.random.default_rng(28)
    x = rng.uniform(-1.0, 1.0, (N, D)).astype(np.float32)
    cases = []
    for loss in ["mse", "mae", "mape", "huber", "binary_crossentropy", "categorical_crossentropy",
                 "sparse_categorical_crossentropy"]:
        k, act, y = targets(loss, rng, x)
        keras.utils.set_random_seed(3)
        m = keras.Sequential([keras.Input((D,)), layers.Dense(H, activation="tanh"), layers.Dense(k, activation=act)])
        w0 = [w.copy() for w in m.get_weights()]
        for name, (cfg, make) in OPTIMIZERS.items():
            opt = make()
            if loss == "mape":
                # MAPE's gradients are 100/|y| times larger: the same rates would throw the
                # weights far out, where f32 rounding alone exceeds 1e-6.
                cfg = {**cfg, "learning_rate": cfg["learning_rate"] * 0.01}
                opt.learning_rate = cfg["learning_rate"]
            m.set_weights(w0)
            m.compile(optimizer=opt, loss=loss)
            m.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
            cases.append({
                "loss": loss, "optimizer": name, "optimizer_config": cfg, "units": k, "activation": act,
                "y": int_arr(y) if y.dtype.kind == "i" else arr(y),
                "initial_weights": [arr(w) for w in w0],
                "weights": [arr(w) for w in m.get_weights()],
            })
    return {"x": arr(x), "hidden": H, "batch_size": 4, "epochs": 3, "cases": cases}


def lstm_text_fixture():
    # Keras on TensorFlow hands Adam the Embedding gradient as IndexedSlices and squares it per
    # occurrence, before repeated ids are summed: v gets Σ g_i² where dense Adam (kerust) gets
    # (Σ g_i)². Ids are therefore distinct within each batch here (the padding id 0 repeats, but
    # with mask_zero its gradient is exactly zero), so both read the same Adam; the quirk itself
    # is an open item of issue #28.
    rng = np.random.default_rng(7)
    n, t, vocab, batch = 48, 10, 200, 16
    lengths = rng.integers(3, t + 1, n)
    ids = np.zeros((n, t), dtype=np.int32)
    for b0 in range(0, n, batch):
        pool = rng.permutation(np.arange(1, vocab))
        used = 0
        for i in range(b0, b0 + batch):
            L = lengths[i]
            ids[i, t - L:] = pool[used:used + L]  # pre-padded like pad_sequences
            used += L
    # "Disaster" tweets use the low ids more often.
    y = (np.sum((ids > 0) & (ids < 70), axis=1) > lengths / 3).astype(np.float32).reshape(n, 1)
    keras.utils.set_random_seed(11)
    m = keras.Sequential([keras.Input((t,), dtype="int32"), layers.Embedding(vocab, 8, mask_zero=True),
                          layers.LSTM(6), layers.Dense(1, activation="sigmoid")])
    w0 = [w.copy() for w in m.get_weights()]
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy")
    h = m.fit(ids, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)
    return {"ids": int_arr(ids), "y": arr(y), "vocab": vocab, "embedding_dim": 8, "units": 6, "batch_size": batch,
            "learning_rate": 0.01, "initial_weights": [arr(w) for w in w0],
            "weights": [arr(w) for w in m.get_weights()], "loss": float(h.history["loss"][0])}


def stacked_rnn_fixture():
    rng = np.random.default_rng(500)
    walk = np.cumsum(rng.normal(0.0, 0.1, 60)).astype(np.float32)
    walk = (walk - walk.mean()) / walk.std()
    t = 5
    x = np.stack([walk[i:i + t] for i in range(40)])[:, :, None].astype(np.float32)
    y = np.array([walk[i + t] for i in range(40)], dtype=np.float32).reshape(40, 1)
    keras.utils.set_random_seed(18)
    m = keras.Sequential([keras.Input((None, 1)), layers.SimpleRNN(10, return_sequences=True),
                          layers.SimpleRNN(5, return_sequences=True), layers.SimpleRNN(1)])
    w0 = [w.copy() for w in m.get_weights()]
    m.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    h = m.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    return {"x": arr(x), "y": arr(y), "batch_size": 8, "learning_rate": 0.01,
            "initial_weights": [arr(w) for w in w0], "weights": [arr(w) for w in m.get_weights()],
            "loss": float(h.history["loss"][0])}


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name, make in [("optimizers", optimizers_fixture), ("lstm_text", lstm_text_fixture),
                       ("stacked_rnn", stacked_rnn_fixture)]:
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump({"generator": "tools/keras_reference/training_reference.py",
                       "keras": keras.__version__, **make()}, f)
        print("wrote", name)
