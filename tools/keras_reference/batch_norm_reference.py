"""Keras 3 reference for BatchNormalization (kerust issue #22).

Writes crates/layers/tests/fixtures/batch_norm/:
- layer_<case>.json: a BatchNormalization called eagerly in training (batch statistics) and
  inference (moving statistics) mode on seeded inputs, with seeded gamma/beta/moving stats, with
  and without a Keras mask, on axis -1 and axis 1: config, inputs, mask, weights before, output,
  gradients of sum(output * r) w.r.t. the input, gamma and beta, and the weights after the call
  (Keras assigns the moving statistics inside a training call).
- fit_<case>.json: a model config (Keras JSON), its initial weights, the data, and the weights
  (moving statistics included), per-epoch loss and evaluate() loss after `fit` with SGD.
crates/layers/tests/batch_norm_parity.rs replays them in Rust.

Run: /root/.cache/kerust/venv/bin/python tools/keras_reference/batch_norm_reference.py
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf
import keras
from keras import layers
from keras.src import backend

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "layers", "tests", "fixtures", "batch_norm")


def arr(x):
    x = np.asarray(x, dtype=np.float64)
    return {"shape": list(x.shape), "data": [float(f"{v:.9g}") for v in x.reshape(-1)]}


def layer_case(name, layer, shape, mask=None, training=True, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    x = (rng.uniform(-1, 1, size=shape) + offset).astype(np.float32)
    t = tf.constant(x)
    layer.build(shape)
    new = []
    for w in layer.weights:
        if "mean" in w.name:
            new.append(rng.uniform(-0.5, 0.5, size=w.shape))
        else:
            new.append(rng.uniform(0.5, 1.5, size=w.shape))
    layer.set_weights([v.astype(np.float32) for v in new])
    before = [w.numpy() for w in layer.weights]
    with tf.GradientTape() as tape:
        tape.watch(t)
        out = layer(t, training=training, mask=None if mask is None else tf.constant(mask))
        r = rng.uniform(-1, 1, size=out.shape).astype(np.float32)
        loss = tf.reduce_sum(out * r)
    tw = layer.trainable_weights
    grads = tape.gradient(loss, [t] + tw)
    case = {
        "class": "BatchNormalization",
        "config": layer.get_config(),
        "training": training,
        "input": arr(x),
        "mask": None if mask is None else arr(mask.astype(np.float32)),
        "weights": [arr(w) for w in before],
        "output": arr(out.numpy()),
        "r": arr(r),
        "grad_input": arr(grads[0].numpy()),
        "grad_weights": [arr(g.numpy()) for g in grads[1:]],
        "weights_after": [arr(w.numpy()) for w in layer.weights],
    }
    with open(os.path.join(OUT, f"layer_{name}.json"), "w") as f:
        json.dump(case, f)
    print(name, "ok")


def fit_case(name, model, x, y, loss, epochs=2, batch_size=4, lr=0.1, seed=0):
    rng = np.random.default_rng(seed)
    new = [rng.uniform(-0.6, 0.6, size=w.shape).astype(np.float32) if "moving_variance" not in w.path
           else rng.uniform(0.5, 1.5, size=w.shape).astype(np.float32) for w in model.weights]
    model.set_weights(new)
    init = [w.numpy() for w in model.weights]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss=loss)
    h = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    ev = model.evaluate(x, y, batch_size=batch_size, verbose=0)
    pred = model.predict(x, batch_size=batch_size, verbose=0)
    case = {
        "model": json.loads(model.to_json()),
        "weight_paths": [w.path for w in model.weights],
        "x": arr(x),
        "x_int": bool(np.issubdtype(np.asarray(x).dtype, np.integer)),
        "y": arr(y),
        "loss": loss,
        "lr": lr,
        "epochs": epochs,
        "batch_size": batch_size,
        "initial_weights": [arr(w) for w in init],
        "final_weights": [arr(w.numpy()) for w in model.weights],
        "history_loss": [float(v) for v in h.history["loss"]],
        "evaluate_loss": float(ev),
        "predict": arr(pred),
    }
    with open(os.path.join(OUT, f"fit_{name}.json"), "w") as f:
        json.dump(case, f)
    print(name, "ok", case["history_loss"], ev)


def main():
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(0)
    layer_case("train_2d", layers.BatchNormalization(name="bn"), (6, 4), training=True, offset=0.7)
    layer_case("infer_2d", layers.BatchNormalization(name="bn"), (6, 4), training=False, offset=0.7)
    m = np.array([[i < n for i in range(5)] for n in (5, 3, 1)])
    layer_case("train_masked_3d", layers.BatchNormalization(name="bn", momentum=0.8), (3, 5, 4), mask=m, training=True)
    layer_case("infer_masked_3d", layers.BatchNormalization(name="bn"), (3, 5, 4), mask=m, training=False)
    layer_case("train_axis1_4d", layers.BatchNormalization(name="bn", axis=1, epsilon=1e-5, center=False),
               (2, 3, 4, 5), training=True)
    layer_case("train_noscale_3d", layers.BatchNormalization(name="bn", scale=False, momentum=0.5), (4, 3, 2),
               training=True, seed=3)

    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, size=(16, 4)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [1.5]]) + 0.3).astype(np.float32)
    model = keras.Sequential([
        keras.Input((4,)),
        layers.Dense(6, activation="relu"),
        layers.BatchNormalization(momentum=0.9),
        layers.Dense(1),
    ], name="bn_mlp")
    fit_case("mlp", model, x, y, "mse", epochs=2)

    ids = rng.integers(1, 9, size=(12, 6))
    for i, n in enumerate([6, 4, 2, 5, 3, 6, 1, 4, 2, 6, 5, 3]):
        ids[i, n:] = 0
    yb = (ids.sum(axis=1, keepdims=True) % 2).astype(np.float32)
    inp = keras.Input((6,), dtype="int32")
    e = layers.Embedding(9, 3, mask_zero=True)(inp)
    b = layers.BatchNormalization(momentum=0.7)(e)
    p = layers.GlobalAveragePooling1D()(b)
    o = layers.Dense(1, activation="sigmoid")(p)
    fit_case("masked_seq", keras.Model(inp, o, name="bn_masked"), ids.astype(np.int32), yb,
             "binary_crossentropy", epochs=2, batch_size=4, lr=0.5)


if __name__ == "__main__":
    main()
