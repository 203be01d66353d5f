"""Oracle for issue 19 item 1: Keras 3 `class_weight` / `sample_weight` in fit and evaluate.

Run:  /root/.cache/kerust/venv/bin/python tools/keras_reference/sample_weights_reference.py
Writes crates/layers/tests/fixtures/sample_weights.json: for small Dense models with fixed initial
weights, shuffle off, the weights after one epoch and the History logs under class_weight, under
sample_weight with validation_split (weights sliced with the data), evaluate with sample_weight,
and compile(weighted_metrics=...) under sample_weight and class_weight.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "layers", "tests", "fixtures", "sample_weights.json")

rng = np.random.default_rng(19)
N, D = 10, 4
x = rng.normal(size=(N, D)).astype("float32")
labels = np.array([0, 1, 2, 1, 1, 0, 2, 1, 0, 1], dtype="int64")
sw = rng.uniform(0.0, 2.0, size=(N,)).astype("float32")


def dense_model(units_out, activation):
    m = keras.Sequential(
        [
            keras.Input((D,)),
            keras.layers.Dense(3, activation="tanh"),
            keras.layers.Dense(units_out, activation=activation),
        ]
    )
    init = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in m.get_weights()]
    m.set_weights(init)
    return m, init


def flat(ws):
    return [w.reshape(-1).tolist() for w in ws]


def logs(h):
    return {k: [float(v) for v in vs] for k, vs in h.history.items()}


cases = {}

# 1. class_weight, sparse labels, SGD; batch 4 over 10 samples: the last batch has 2 (divisor 2).
m, init = dense_model(3, "softmax")
m.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
cw = {0: 1.0, 1: 3.0, 2: 0.5}
h = m.fit(x, labels, batch_size=4, epochs=1, shuffle=False, verbose=0, class_weight=cw)
cases["class_weight_sparse"] = {
    "initial": flat(init),
    "class_weight": [[k, v] for k, v in cw.items()],
    "after": flat(m.get_weights()),
    "history": logs(h),
}

# 2. sample_weight with validation_split=0.2: weights sliced with the data (last 2 validate).
m, init = dense_model(3, "softmax")
m.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
h = m.fit(
    x, labels, batch_size=4, epochs=2, shuffle=False, verbose=0, sample_weight=sw,
    validation_split=0.2,
)
cases["sample_weight_split"] = {
    "initial": flat(init),
    "after": flat(m.get_weights()),
    "history": logs(h),
}

# 3. evaluate(sample_weight=) from the initial weights: weighted loss, unweighted accuracy.
m, init = dense_model(3, "softmax")
m.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
ev = m.evaluate(x, labels, batch_size=4, sample_weight=sw, verbose=0, return_dict=True)
cases["evaluate_weighted"] = {"initial": flat(init), "logs": {k: float(v) for k, v in ev.items()}}

# 4. Binary targets [n, 1] with class_weight and Adam.
ybin = (labels == 1).astype("float32").reshape(N, 1)
m, init = dense_model(1, "sigmoid")
m.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", metrics=["accuracy"])
cw = {0: 2.0, 1: 0.5}
h = m.fit(x, ybin, batch_size=4, epochs=1, shuffle=False, verbose=0, class_weight=cw)
cases["class_weight_binary"] = {
    "initial": flat(init),
    "class_weight": [[k, v] for k, v in cw.items()],
    "y": ybin.reshape(-1).tolist(),
    "after": flat(m.get_weights()),
    "history": logs(h),
}

# 5. Temporal sample weights [n, time] on a TimeDistributed sequence output.
xt = rng.normal(size=(N, 3, D)).astype("float32")
yt = rng.integers(0, 3, size=(N, 3)).astype("int64")
swt = rng.uniform(0.0, 2.0, size=(N, 3)).astype("float32")
m = keras.Sequential(
    [keras.Input((3, D)), keras.layers.TimeDistributed(keras.layers.Dense(3, activation="softmax"))]
)
init = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in m.get_weights()]
m.set_weights(init)
m.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
h = m.fit(xt, yt, batch_size=4, epochs=1, shuffle=False, verbose=0, sample_weight=swt)
cases["temporal_sample_weight"] = {
    "initial": flat(init),
    "x": xt.reshape(-1).tolist(),
    "y": yt.reshape(-1).tolist(),
    "sample_weight": swt.reshape(-1).tolist(),
    "after": flat(m.get_weights()),
    "history": logs(h),
}

# 6. weighted_metrics: the same name in metrics and weighted_metrics is logged twice, the weighted
# one as weighted_<name>; sample weights sliced by validation_split weight the val_ metrics too.
m, init = dense_model(3, "softmax")
m.compile(
    keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
    metrics=["accuracy"], weighted_metrics=["accuracy"],
)
h = m.fit(
    x, labels, batch_size=4, epochs=2, shuffle=False, verbose=0, sample_weight=sw,
    validation_split=0.2,
)
ev = m.evaluate(x, labels, batch_size=4, sample_weight=sw, verbose=0, return_dict=True)
cases["weighted_metrics_sample_weight"] = {
    "initial": flat(init),
    "after": flat(m.get_weights()),
    "history": logs(h),
    "evaluate": {k: float(v) for k, v in ev.items()},
}

# 7. weighted_metrics under class_weight (binary, Adam), two weighted metrics, none unweighted.
m, init = dense_model(1, "sigmoid")
m.compile(keras.optimizers.Adam(0.01), "binary_crossentropy", weighted_metrics=["accuracy", "mse"])
cw = {0: 2.0, 1: 0.5}
h = m.fit(x, ybin, batch_size=4, epochs=1, shuffle=False, verbose=0, class_weight=cw)
cases["weighted_metrics_class_weight"] = {
    "initial": flat(init),
    "class_weight": [[k, v] for k, v in cw.items()],
    "y": ybin.reshape(-1).tolist(),
    "after": flat(m.get_weights()),
    "history": logs(h),
}

out = {
    "keras_version": keras.__version__,
    "x": x.reshape(-1).tolist(),
    "labels": labels.tolist(),
    "sample_weight": sw.tolist(),
    "cases": cases,
}
with open(OUT, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", OUT)
