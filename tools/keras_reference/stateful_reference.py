"""Oracle for issue 19 item 3: stateful SimpleRNN / LSTM / GRU / Bidirectional (Keras 3).

Run:  /root/.cache/kerust/venv/bin/python tools/keras_reference/stateful_reference.py
Writes
- crates/layers/tests/fixtures/stateful.json: for each model (fixed batch size, fixed weights)
  the predictions of a sequence of calls in order — chunks fed one predict call each, a predict
  of two batches at once, `reset_states()`, the first chunk again — and one `fit` epoch with
  shuffle=False (weights after it, then a predict that continues from the trained states);
- crates/io/tests/fixtures/stateful_*.{keras,k3.h5,tf2.h5} with stateful.io.json: stateful models
  saved by Keras 3 (functional, `batch_shape`) and tf.keras 2 (Sequential, `batch_input_shape`)
  and what they predict on the same chunks in order, then after `reset_states()`.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAYERS_OUT = os.path.join(ROOT, "crates", "layers", "tests", "fixtures", "stateful.json")
IO_DIR = os.path.join(ROOT, "crates", "io", "tests", "fixtures")

B, T, F = 3, 4, 2
rng = np.random.default_rng(19)
L = keras.layers


def chunk(masked=False):
    x = rng.normal(size=(B, T, F)).astype("float32")
    if masked:
        # Sample 0 ends early, sample 2 is all padding (its state must pass through unchanged).
        x[0, 2:] = 0.0
        x[2, :] = 0.0
    return x


def flat(a):
    return np.asarray(a, dtype="float32").reshape(-1).tolist()


def set_random_weights(m):
    ws = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in m.get_weights()]
    m.set_weights(ws)
    return ws


CASES = {
    "lstm": lambda: [L.LSTM(4, stateful=True), L.Dense(2)],
    "gru_seq": lambda: [L.GRU(3, stateful=True, return_sequences=True)],
    "gru_before": lambda: [L.GRU(3, stateful=True, reset_after=False)],
    "simple_rnn": lambda: [L.SimpleRNN(3, stateful=True, go_backwards=True)],
    "bi_lstm": lambda: [L.Bidirectional(L.LSTM(3, stateful=True, return_sequences=True))],
    "bi_gru_sum": lambda: [L.Bidirectional(L.GRU(2, stateful=True), merge_mode="sum")],
    "masked_lstm": lambda: [L.Masking(0.0), L.LSTM(3, stateful=True, return_sequences=True)],
    "stacked": lambda: [
        L.GRU(3, stateful=True, return_sequences=True),
        L.SimpleRNN(2, stateful=True),
    ],
}

cases = []
for name, make in CASES.items():
    m = keras.Sequential([keras.Input((T, F), batch_size=B)] + make())
    init = set_random_weights(m)
    masked = name.startswith("masked")
    chunks = [chunk(masked) for _ in range(3)]
    calls = []
    for i, c in enumerate(chunks):
        calls.append({"op": "predict", "x": [i], "y": flat(m.predict(c, batch_size=B, verbose=0))})
    m.reset_states() if hasattr(m, "reset_states") else [
        l.reset_states() for l in m.layers if getattr(l, "stateful", False)
    ]
    calls.append({"op": "reset_states"})
    # Two batches in one predict call: sample i of the second continues sample i of the first.
    both = np.concatenate([chunks[0], chunks[1]])
    calls.append({"op": "predict", "x": [0, 1], "y": flat(m.predict(both, batch_size=B, verbose=0))})
    calls.append({"op": "predict_on_batch", "x": [2], "y": flat(m.predict_on_batch(chunks[2]))})
    cases.append(
        {
            "name": name,
            "initial": [flat(w) for w in init],
            "shapes": [list(w.shape) for w in init],
            "chunks": [flat(c) for c in chunks],
            "calls": calls,
        }
    )

# One fit epoch, shuffle=False, from zero states: three batches in order carry their states.
fm = keras.Sequential([keras.Input((T, F), batch_size=B), L.LSTM(4, stateful=True), L.Dense(1)])
finit = set_random_weights(fm)
fx = rng.normal(size=(3 * B, T, F)).astype("float32")
fy = rng.normal(size=(3 * B, 1)).astype("float32")
fm.compile(keras.optimizers.SGD(0.1), "mse")
hist = fm.fit(fx, fy, batch_size=B, epochs=1, shuffle=False, verbose=0)
after_fit_weights = [flat(w) for w in fm.get_weights()]
after_fit = fm.predict(fx[:B], batch_size=B, verbose=0)
# Batch-level calls carry the states too: a training step, then an evaluation step.
tob = fm.train_on_batch(fx[B : 2 * B], fy[B : 2 * B])
teb = fm.test_on_batch(fx[2 * B :], fy[2 * B :])
after_tob = fm.predict_on_batch(fx[:B])
fit = {
    "initial": [flat(w) for w in finit],
    "shapes": [list(w.shape) for w in finit],
    "x": flat(fx),
    "y": flat(fy),
    "loss": float(hist.history["loss"][0]),
    "after": after_fit_weights,
    "predict_after": flat(after_fit),
    "train_on_batch": float(tob),
    "test_on_batch": float(teb),
    "after_on_batch": [flat(w) for w in fm.get_weights()],
    "predict_on_batch_after": flat(after_tob),
}

with open(LAYERS_OUT, "w") as f:
    json.dump(
        {"keras_version": keras.__version__, "batch": B, "time": T, "features": F, "cases": cases, "fit": fit},
        f,
    )
print("wrote", LAYERS_OUT)

# ---- Saved stateful models (Keras 3 and tf.keras 2) ----
io_chunks = [chunk() for _ in range(2)]
io = {"batch": B, "time": T, "features": F, "chunks": [flat(c) for c in io_chunks], "models": {}}


def run_chunks(m, reset):
    ys = [flat(m.predict(c, batch_size=B, verbose=0)) for c in io_chunks]
    reset()
    ys.append(flat(m.predict(io_chunks[0], batch_size=B, verbose=0)))
    return ys


inp = keras.Input(batch_shape=(B, T, F), name="seq")
h = L.Bidirectional(L.GRU(3, stateful=True, return_sequences=True))(inp)
out = L.LSTM(2, stateful=True)(h)
k3 = keras.Model(inp, out, name="stateful_k3")
set_random_weights(k3)


def k3_reset(m=k3):
    for layer in m.layers:
        if getattr(layer, "stateful", False):
            layer.reset_states()


k3.save(os.path.join(IO_DIR, "stateful_k3.keras"))
k3.save(os.path.join(IO_DIR, "stateful_k3.k3.h5"))
io["models"]["stateful_k3"] = {"files": ["stateful_k3.keras", "stateful_k3.k3.h5"], "y": run_chunks(k3, k3_reset)}

import tf_keras  # noqa: E402

tl = tf_keras.layers
tf2 = tf_keras.Sequential(
    [
        tl.LSTM(3, stateful=True, return_sequences=True, batch_input_shape=(B, T, F)),
        tl.SimpleRNN(2, stateful=True),
    ]
)
set_random_weights(tf2)
tf2.save(os.path.join(IO_DIR, "stateful_tf2.tf2.h5"))
io["models"]["stateful_tf2"] = {"files": ["stateful_tf2.tf2.h5"], "y": run_chunks(tf2, tf2.reset_states)}

with open(os.path.join(IO_DIR, "stateful.io.json"), "w") as f:
    json.dump(io, f)
print("wrote", IO_DIR)
