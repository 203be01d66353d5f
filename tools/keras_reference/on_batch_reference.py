"""Oracle for issue 19 item 4: Keras 3 `train_on_batch` / `test_on_batch` / `predict_on_batch`.

Run:  /root/.cache/kerust/venv/bin/python tools/keras_reference/on_batch_reference.py
Writes crates/layers/tests/fixtures/on_batch.json: from fixed initial weights, a sequence of
batch-level calls (plain, with sample_weight, with class_weight) and what each returned (the list
Keras returns with return_dict=False, and the dict), then predict_on_batch and the final weights.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "layers", "tests", "fixtures", "on_batch.json")

rng = np.random.default_rng(4)
N, D = 8, 4
x = rng.normal(size=(N, D)).astype("float32")
y = np.array([0, 1, 2, 1, 1, 0, 2, 1], dtype="int64")
sw = rng.uniform(0.0, 2.0, size=(N,)).astype("float32")

m = keras.Sequential(
    [
        keras.Input((D,)),
        keras.layers.Dense(3, activation="tanh"),
        keras.layers.Dense(3, activation="softmax"),
    ]
)
init = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in m.get_weights()]
m.set_weights(init)
m.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])


def num(v):
    return [float(a) for a in v] if isinstance(v, (list, tuple)) else float(v)


calls = []
# Each call resets the metrics first, so it reports that batch alone.
r = m.train_on_batch(x[:4], y[:4])
calls.append({"call": "train", "rows": [0, 4], "returned": num(r)})
r = m.train_on_batch(x[4:], y[4:], sample_weight=sw[4:])
calls.append({"call": "train_sample_weight", "rows": [4, 8], "returned": num(r)})
r = m.train_on_batch(x[:6], y[:6], class_weight={0: 1.0, 1: 3.0, 2: 0.5})
calls.append({"call": "train_class_weight", "rows": [0, 6], "returned": num(r)})
r = m.test_on_batch(x, y)
calls.append({"call": "test", "rows": [0, 8], "returned": num(r)})
r = m.test_on_batch(x, y, sample_weight=sw, return_dict=True)
calls.append({"call": "test_sample_weight", "rows": [0, 8], "returned": {k: float(v) for k, v in r.items()}})
pred = m.predict_on_batch(x[:5])

# A model compiled without metrics returns the bare loss.
plain = keras.Sequential(
    [
        keras.Input((D,)),
        keras.layers.Dense(3, activation="tanh"),
        keras.layers.Dense(3, activation="softmax"),
    ]
)
plain.set_weights(m.get_weights())
plain.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
bare = plain.train_on_batch(x[:4], y[:4])

out = {
    "keras_version": keras.__version__,
    "x": x.reshape(-1).tolist(),
    "y": y.tolist(),
    "sample_weight": sw.tolist(),
    "class_weight": [[0, 1.0], [1, 3.0], [2, 0.5]],
    "initial": [w.reshape(-1).tolist() for w in init],
    "calls": calls,
    "predict_on_batch": pred.reshape(-1).tolist(),
    "predict_shape": list(pred.shape),
    "after": [w.reshape(-1).tolist() for w in m.get_weights()],
    "no_metrics_train_on_batch": float(bare),
}
with open(OUT, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", OUT)
