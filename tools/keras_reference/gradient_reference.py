"""Keras 3 gradient reference (kerust issue #28): what tf.GradientTape says the gradients are.

Writes crates/layers/tests/fixtures/gradients.json, replayed by crates/layers/tests/gradient_parity.rs:
- ops: every autograd op kerust has a Keras counterpart for (keras.ops on float32), value and the
  gradient of sum(y * w) for fixed random w, per input.
- losses: every loss kerust accepts (by name, and the from_logits variants), value and d/dy_pred.
- dense: Dense with several activations, with and without bias: output and gradients w.r.t. the
  input, kernel and bias of sum(y * w).
- embedding: Embedding(mask_zero=True) → GlobalAveragePooling1D (which reads the mask) on padded
  ids, output and the gradient w.r.t. the table; and the same without the mask.

Run: $KERUST_PYTHON tools/keras_reference/gradient_reference.py   (tensorflow-cpu 2.21, keras 3)
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import tensorflow as tf
import keras
from keras import layers, ops

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "layers", "tests", "fixtures", "gradients.json")
rng = np.random.default_rng(2028)


def arr(x):
    x = np.asarray(x, dtype=np.float64)
    return {"shape": list(x.shape), "data": [float(f"{v:.9g}") for v in x.reshape(-1)]}


def f32(shape, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def away_from_kinks(x, points=(0.0,), gap=0.05):
    # Finite differences are not used here, but kinks make "the" gradient a convention; keep
    # inputs where every framework agrees.
    for p in points:
        x = np.where(np.abs(x - p) < gap, x + 2 * gap, x)
    return x.astype(np.float32)


def grads_of(fn, xs):
    vs = [tf.Variable(x) for x in xs]
    with tf.GradientTape() as tape:
        y = fn(*vs)
    w = f32(y.shape, -1.0, 1.0)
    with tf.GradientTape() as tape:
        y = fn(*vs)
        s = tf.reduce_sum(y * w)
    g = tape.gradient(s, vs)
    return y, w, g


UNARY = {
    "exp": (ops.exp, {}), "log": (ops.log, {"lo": 0.2}), "sqrt": (ops.sqrt, {"lo": 0.2}),
    "square": (ops.square, {}), "abs": (ops.abs, {"kinks": (0.0,)}), "tanh": (ops.tanh, {}),
    "sigmoid": (ops.sigmoid, {}), "relu": (ops.relu, {"kinks": (0.0,)}),
    "leaky_relu": (lambda x: ops.leaky_relu(x, negative_slope=0.2), {"kinks": (0.0,)}),
    "elu": (ops.elu, {"kinks": (0.0,)}), "selu": (ops.selu, {"kinks": (0.0,)}),
    "softplus": (ops.softplus, {}), "softsign": (ops.softsign, {}), "silu": (ops.silu, {}),
    "gelu": (lambda x: ops.gelu(x, approximate=False), {}),
    "hard_sigmoid": (ops.hard_sigmoid, {"lo": -4.0, "hi": 4.0, "kinks": (-3.0, 3.0)}),
    "clip": (lambda x: ops.clip(x, -0.5, 0.7), {"kinks": (-0.5, 0.7)}),
    "softmax": (lambda x: ops.softmax(x, axis=-1), {}),
    "log_softmax": (lambda x: ops.log_softmax(x, axis=-1), {}),
    "sum_axis1": (lambda x: ops.sum(x, axis=1), {}), "mean_axis1": (lambda x: ops.mean(x, axis=1), {}),
    "max_axis1": (lambda x: ops.max(x, axis=1), {}), "transpose": (ops.transpose, {}),
}
BINARY = {
    "add_broadcast": (ops.add, [(3, 4), (4,)]), "sub": (ops.subtract, [(3, 4), (3, 4)]),
    "mul_broadcast": (ops.multiply, [(3, 4), (3, 1)]), "div": (ops.divide, [(3, 4), (3, 4)]),
    "matmul": (ops.matmul, [(3, 4), (4, 5)]),
}


def ops_cases():
    cases = []
    for name, (fn, o) in UNARY.items():
        x = f32((3, 4), o.get("lo", -2.0), o.get("hi", 2.0))
        x = away_from_kinks(x, o.get("kinks", ()))
        y, w, g = grads_of(fn, [x])
        cases.append({"op": name, "inputs": [arr(x)], "w": arr(w), "y": arr(y), "grads": [arr(g[0])]})
    for name, (fn, shapes) in BINARY.items():
        xs = [f32(s) for s in shapes]
        if name == "div":
            xs[1] = np.where(np.abs(xs[1]) < 0.5, 1.0, xs[1]).astype(np.float32)
        y, w, g = grads_of(fn, xs)
        cases.append({"op": name, "inputs": [arr(x) for x in xs], "w": arr(w), "y": arr(y),
                      "grads": [arr(gi) for gi in g]})
    return cases


def losses_cases():
    b = 6
    probs2 = keras.activations.softmax(f32((b, 3)) * 2).numpy()
    onehot = np.eye(3, dtype=np.float32)[np.arange(b) % 3]
    binary = (rng.uniform(size=(b, 1)) > 0.5).astype(np.float32)
    reg_true = f32((b, 2))
    specs = [
        ("mean_squared_error", False, reg_true, f32((b, 2))),
        # |y_pred - y_true| ≥ 0.1: away from the kink of |·|.
        ("mean_absolute_error", False, reg_true, reg_true + away_from_kinks(f32((b, 2), -1, 1), gap=0.1)),
        ("mean_absolute_percentage_error", False, reg_true + 3.0, f32((b, 2), 1.0, 5.0)),
        ("huber", False, reg_true, f32((b, 2), -3, 3)),
        ("binary_crossentropy", False, binary, f32((b, 1), 0.05, 0.95)),
        ("binary_crossentropy", True, binary, f32((b, 1), -3, 3)),
        ("categorical_crossentropy", False, onehot, probs2),
        ("categorical_crossentropy", True, onehot, f32((b, 3), -3, 3)),
        ("sparse_categorical_crossentropy", False, (np.arange(b) % 3).astype(np.float32), probs2),
        ("sparse_categorical_crossentropy", True, (np.arange(b) % 3).astype(np.float32), f32((b, 3), -3, 3)),
    ]
    cases = []
    for name, logits, y_true, y_pred in specs:
        kw = {"from_logits": True} if logits else {}
        fn = getattr(keras.losses, name)
        v = tf.Variable(y_pred)
        with tf.GradientTape() as tape:
            # The loss function gives per-sample losses; compile's default reduction is their mean.
            value = ops.mean(fn(y_true, v, **kw))
        g = tape.gradient(value, v)
        cases.append({"loss": name, "from_logits": logits, "y_true": arr(y_true), "y_pred": arr(y_pred),
                      "value": float(value), "grad": arr(g)})
    return cases


def dense_cases():
    cases = []
    for act, bias in [("linear", True), ("tanh", True), ("relu", False), ("sigmoid", True), ("softmax", True)]:
        x = f32((4, 3))
        layer = layers.Dense(5, activation=act, use_bias=bias)
        layer.build((None, 3))
        ws = [f32(w.shape, -1, 1) for w in layer.get_weights()]
        layer.set_weights(ws)
        xv = tf.Variable(x)
        y = layer(xv)
        w = f32(y.shape, -1.0, 1.0)
        with tf.GradientTape() as tape:
            y = layer(xv)
            s = tf.reduce_sum(y * w)
        g = tape.gradient(s, [xv] + layer.trainable_variables)
        cases.append({"activation": act, "use_bias": bias, "x": arr(x), "weights": [arr(v) for v in ws],
                      "w": arr(w), "y": arr(y), "grad_x": arr(g[0]), "grad_weights": [arr(gi) for gi in g[1:]]})
    return cases


def embedding_cases():
    ids = np.array([[3, 1, 4, 0, 0], [0, 0, 5, 9, 2], [6, 5, 3, 5, 8], [7, 0, 0, 0, 0]], dtype=np.int32)
    cases = []
    for mask_zero in [True, False]:
        emb = layers.Embedding(10, 4, mask_zero=mask_zero)
        emb.build((None, 5))
        table = f32((10, 4), -1, 1)
        emb.set_weights([table])
        pool = layers.GlobalAveragePooling1D()
        y = pool(emb(ids))
        w = f32(y.shape, -1.0, 1.0)
        with tf.GradientTape() as tape:
            y = pool(emb(ids))
            s = tf.reduce_sum(y * w)
        g = tape.gradient(s, emb.trainable_variables)[0]
        g = tf.convert_to_tensor(g)  # IndexedSlices → dense table gradient
        cases.append({"mask_zero": mask_zero, "ids": {"shape": list(ids.shape), "data": ids.reshape(-1).tolist()},
                      "table": arr(table), "w": arr(w), "y": arr(y), "grad_table": arr(g)})
    return cases


if __name__ == "__main__":
    out = {"generator": "tools/keras_reference/gradient_reference.py", "keras": keras.__version__,
           "ops": ops_cases(), "losses": losses_cases(), "dense": dense_cases(), "embedding": embedding_cases()}
    with open(OUT, "w") as f:
        json.dump(out, f)
    print("wrote", OUT, {k: len(v) for k, v in out.items() if isinstance(v, list)})
