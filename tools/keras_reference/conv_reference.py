"""Keras 3 reference values for the convolution, pooling and merge layers of kerust.

For each layer configuration: random inputs (and mask), the layer's weights, its output, and the
gradients of sum(output) with respect to every input and weight. Written as small JSON fixtures to
crates/layers/tests/fixtures/conv/ and read by crates/layers/tests/conv_parity.rs.

Run: /work/kvenv/bin/python tools/keras_reference/conv_reference.py
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tensorflow as tf
import keras
from keras import layers

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "layers", "tests", "fixtures", "conv")


def arr(x):
    x = np.asarray(x, dtype=np.float32)
    return {"shape": list(x.shape), "data": [float(f"{v:.7g}") for v in x.ravel()]}


def case(name, layer, input_shapes, mask=None, seed=0):
    """Run `layer` on random inputs of `input_shapes` (batch included) and record everything."""
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(-1, 1, size=s).astype(np.float32) for s in input_shapes]
    multi = len(xs) > 1
    layer.build([x.shape for x in xs] if multi else xs[0].shape)
    # Deterministic, non-trivial weights (biases too, which Keras initializes to zero).
    for w in layer.weights:
        w.assign(rng.uniform(-0.5, 0.5, size=w.shape).astype(np.float32))
    tx = [tf.Variable(x) for x in xs]
    kwargs = {}
    if mask is not None:
        kwargs["mask"] = tf.constant(np.asarray(mask, dtype=bool))
    with tf.GradientTape() as tape:
        y = layer(tx if multi else tx[0], **kwargs)
        loss = tf.reduce_sum(y)
    grads = tape.gradient(loss, tx + list(layer.trainable_weights))
    grads = [np.zeros(v.shape, np.float32) if g is None else g.numpy() for g, v in zip(grads, tx + list(layer.trainable_weights))]
    rec = {
        "name": name,
        "class_name": layer.__class__.__name__,
        "config": layer.get_config(),
        "inputs": [arr(x) for x in xs],
        "mask": None if mask is None else arr(np.asarray(mask, dtype=np.float32)),
        "weights": [arr(w.numpy()) for w in layer.weights],
        "output": arr(y.numpy()),
        "grad_inputs": [arr(g) for g in grads[: len(xs)]],
        "grad_weights": [arr(g) for g in grads[len(xs):]],
    }
    path = os.path.join(OUT, f"{name}.json")
    with open(path, "w") as f:
        json.dump(rec, f, separators=(",", ":"))
    print(f"{name}: output {y.shape}, {os.path.getsize(path)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(0)
    case("conv1d_valid_relu", layers.Conv1D(3, 3, activation="relu"), [(2, 7, 4)])
    case("conv1d_causal_dilated_tanh", layers.Conv1D(2, 3, padding="causal", dilation_rate=2, activation="tanh"), [(2, 8, 3)])
    case("conv1d_strided_same", layers.Conv1D(3, 4, strides=2, padding="same"), [(2, 9, 2)])
    case("conv1d_same_nobias_sigmoid", layers.Conv1D(2, 3, padding="same", use_bias=False, activation="sigmoid"), [(2, 5, 3)])
    case("conv1d_strided_valid_elu", layers.Conv1D(2, 2, strides=3, activation="elu"), [(1, 8, 2)])
    case("conv2d_valid", layers.Conv2D(2, (2, 2)), [(2, 4, 4, 1)])
    case("conv2d_same_strided_relu", layers.Conv2D(3, (3, 2), strides=(2, 1), padding="same", activation="relu"), [(2, 5, 4, 2)])
    case("conv2d_dilated", layers.Conv2D(2, (2, 2), dilation_rate=(2, 1)), [(1, 5, 4, 2)])
    case("max_pooling1d", layers.MaxPooling1D(), [(2, 7, 3)])
    case("max_pooling1d_same_strided", layers.MaxPooling1D(3, strides=2, padding="same"), [(2, 8, 2)])
    case("average_pooling1d_same", layers.AveragePooling1D(3, strides=2, padding="same"), [(2, 7, 3)])
    case("max_pooling2d", layers.MaxPooling2D(), [(2, 5, 5, 2)])
    case("max_pooling2d_same", layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same"), [(1, 5, 6, 2)])
    case("average_pooling2d_same", layers.AveragePooling2D((2, 3), strides=(1, 2), padding="same"), [(1, 4, 5, 2)])
    case("global_max_pooling1d", layers.GlobalMaxPooling1D(), [(3, 5, 4)])
    case("global_average_pooling1d", layers.GlobalAveragePooling1D(), [(3, 5, 4)])
    case("global_average_pooling1d_masked", layers.GlobalAveragePooling1D(), [(3, 5, 4)],
         mask=[[1, 1, 1, 0, 0], [1, 0, 1, 1, 0], [1, 1, 1, 1, 1]])
    case("concatenate_last", layers.Concatenate(), [(2, 3, 2), (2, 3, 4)])
    case("concatenate_axis1", layers.Concatenate(axis=1), [(2, 2, 3), (2, 4, 3)])
    case("add", layers.Add(), [(2, 3, 4), (2, 3, 4), (2, 3, 4)])
    case("multiply", layers.Multiply(), [(2, 5), (2, 5)])
    case("dot_vectors", layers.Dot(axes=1), [(4, 6), (4, 6)])
    case("dot_cosine", layers.Dot(axes=1, normalize=True), [(4, 6), (4, 6)])
    case("dot_sequences", layers.Dot(axes=2), [(2, 3, 4), (2, 5, 4)])
    case("dot_axes_1_2_normalize", layers.Dot(axes=(1, 2), normalize=True), [(2, 3, 2), (2, 4, 3)])


if __name__ == "__main__":
    main()


def keras2_configs():
    """get_config() of the same layers under Keras 2 (tf-keras), as .h5 files from Keras 2 hold them."""
    import tf_keras as k2

    L = k2.layers
    made = {
        "Conv1D": L.Conv1D(32, 5, activation="relu", padding="causal", dilation_rate=2,
                           kernel_regularizer=k2.regularizers.l2(0.01)),
        "Conv2D": L.Conv2D(32, (3, 3), strides=(2, 2), padding="same", activation="relu"),
        "MaxPooling1D": L.MaxPooling1D(3),
        "MaxPooling2D": L.MaxPool2D(pool_size=(2, 2)),
        "AveragePooling1D": L.AveragePooling1D(2, padding="same"),
        "GlobalMaxPooling1D": L.GlobalMaxPool1D(),
        "GlobalAveragePooling1D": L.GlobalAveragePooling1D(),
        "Concatenate": L.Concatenate(axis=1),
        "Add": L.Add(),
        "Multiply": L.Multiply(),
        "Dot": L.Dot(axes=(1, 2), normalize=True),
    }
    out = {name: layer.get_config() for name, layer in made.items()}
    os.makedirs(os.path.join(OUT, "keras2"), exist_ok=True)
    path = os.path.join(OUT, "keras2", "configs.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"keras2 configs: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    keras2_configs()
