"""Oracle for issue 19 item 6: Keras 3 `RepeatVector` and `TimeDistributed`.

Run:  /root/.cache/kerust/venv/bin/python tools/keras_reference/time_distributed_reference.py
Writes crates/layers/tests/fixtures/time_distributed.json:
- "grads": Dense(4, tanh) → RepeatVector(3) → TimeDistributed(Dense(2)); predictions, then one
  SGD(learning_rate=1) step of mse on one batch, so the weights after are `w - grad` (the
  gradients through both layers).
- "seq2seq": LSTM(6) → RepeatVector(4) → LSTM(5, return_sequences) → TimeDistributed(Dense(3,
  softmax)), sparse_categorical_crossentropy on [batch, time] labels, one epoch of fit (batch 4,
  shuffle off) from fixed weights; the weights after and the loss.
and, for io, time_distributed.keras / time_distributed.h5 of the seq2seq model with its weights.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "crates", "layers", "tests", "fixtures")
rng = np.random.default_rng(6)


def set_random(m):
    init = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in m.get_weights()]
    m.set_weights(init)
    return [w.reshape(-1).tolist() for w in init]


def flat(ws):
    return [w.reshape(-1).tolist() for w in ws]


out = {"keras_version": keras.__version__}

m = keras.Sequential(
    [
        keras.Input((5,)),
        keras.layers.Dense(4, activation="tanh"),
        keras.layers.RepeatVector(3),
        keras.layers.TimeDistributed(keras.layers.Dense(2)),
    ]
)
init = set_random(m)
x = rng.normal(size=(2, 5)).astype("float32")
y = rng.normal(size=(2, 3, 2)).astype("float32")
pred = m.predict_on_batch(x)
m.compile(keras.optimizers.SGD(1.0), "mse")
loss = m.train_on_batch(x, y)
out["grads"] = {
    "initial": init,
    "x": x.reshape(-1).tolist(),
    "y": y.reshape(-1).tolist(),
    "predict": pred.reshape(-1).tolist(),
    "loss": float(loss),
    "after": flat(m.get_weights()),
    "config": json.loads(m.to_json()),
}

# Seq2seq: reverse digit strings of length 4 (one-hot digits in, digit labels out).
n, t, v = 12, 4, 3
digits = rng.integers(0, v, size=(n, t))
xs = np.eye(v, dtype="float32")[digits]
ys = digits[:, ::-1].astype("int64")
s = keras.Sequential(
    [
        keras.Input((t, v)),
        keras.layers.LSTM(6),
        keras.layers.RepeatVector(t),
        keras.layers.LSTM(5, return_sequences=True),
        keras.layers.TimeDistributed(keras.layers.Dense(v, activation="softmax")),
    ]
)
init = set_random(s)
s.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
h = s.fit(xs, ys, batch_size=4, epochs=1, shuffle=False, verbose=0)
out["seq2seq"] = {
    "initial": init,
    "x": xs.reshape(-1).tolist(),
    "y": ys.reshape(-1).tolist(),
    "shape": [n, t, v],
    "after": flat(s.get_weights()),
    "history": {k: [float(a) for a in vs] for k, vs in h.history.items()},
    "predict": s.predict(xs, verbose=0).reshape(-1).tolist(),
}
s.save(os.path.join(FIX, "time_distributed.keras"))
s.save(os.path.join(FIX, "time_distributed.h5"))
with open(os.path.join(FIX, "time_distributed.json"), "w") as f:
    json.dump(out, f, indent=1)
print("wrote", FIX)
