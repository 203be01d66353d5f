"""keras-hub reference for TokenAndPositionEmbedding, PositionEmbedding and TransformerEncoder
(kerust issue #22), with keras-hub 0.32 on Keras 3.15 (pip install keras-hub regex tokenizers
kagglehub into the venv).

Each case calls the real keras_hub layer eagerly on seeded inputs with a Keras mask set on the
input tensor (as Embedding(mask_zero=True) would, so the encoder sees it as its padding mask),
with seeded random weights, and writes crates/layers/tests/fixtures/transformer/<case>.json: the
config, the input, its mask, the weights, the output and its mask, and the gradients of
sum(output * r) w.r.t. the (float) input and every trainable weight.
crates/layers/tests/transformer_parity.rs replays them in Rust.

Run: /root/.cache/kerust/venv/bin/python tools/keras_reference/transformer_reference.py
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf
import keras
import keras_hub
from keras.src import backend
from keras_hub.layers import PositionEmbedding, TokenAndPositionEmbedding, TransformerEncoder

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "layers", "tests", "fixtures", "transformer")


def arr(x):
    x = np.asarray(x, dtype=np.float64)
    return {"shape": list(x.shape), "data": [float(f"{v:.9g}") for v in x.reshape(-1)]}


def run_case(name, layer, x, mask=None, seed=0):
    rng = np.random.default_rng(seed)
    is_int = np.issubdtype(x.dtype, np.integer)
    t = tf.constant(x)
    layer(t)  # build
    layer.set_weights([rng.uniform(-0.6, 0.6, size=w.shape).astype(np.float32) for w in layer.get_weights()])
    with tf.GradientTape() as tape:
        if not is_int:
            tape.watch(t)
        if mask is not None:
            backend.set_keras_mask(t, tf.constant(mask))
        out = layer(t, training=False)
        r = rng.uniform(-1, 1, size=out.shape).astype(np.float32)
        loss = tf.reduce_sum(out * r)
    ws = layer.trainable_weights
    grads = tape.gradient(loss, ([] if is_int else [t]) + ws)
    out_mask = backend.get_keras_mask(out)
    case = {
        "class": layer.__class__.__name__,
        "config": layer.get_config(),
        "input": arr(x),
        "input_int": bool(is_int),
        "mask": None if mask is None else arr(mask.astype(np.float32)),
        "weights": [arr(w.numpy()) for w in layer.weights],
        "weight_paths": [w.path for w in layer.weights],
        "output": arr(out.numpy()),
        "output_mask": None if out_mask is None else arr(np.asarray(out_mask).astype(np.float32)),
        "r": arr(r),
        # PositionEmbedding's output depends on the input's shape only: no gradient (zeros).
        "grad_input": None if is_int else arr(np.zeros_like(x) if grads[0] is None else grads[0].numpy()),
        "grad_weights": [arr(tf.convert_to_tensor(g).numpy()) for g in grads[(0 if is_int else 1):]],
        "keras_version": keras.__version__,
        "keras_hub_version": keras_hub.__version__,
    }
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(case, f)
    print(name, out.shape, None if out_mask is None else np.asarray(out_mask).tolist())


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(7)
    mask = np.array([[i < n for i in range(5)] for n in (5, 3, 1)])
    x = rng.uniform(-1, 1, size=(3, 5, 6)).astype(np.float32)
    run_case("encoder_post_ln_masked", TransformerEncoder(12, 2, name="enc"), x, mask)
    run_case("encoder_pre_ln_masked", TransformerEncoder(10, 3, normalize_first=True, name="enc"), x, mask, seed=1)
    # dropout > 0 takes Keras's explicit-softmax attention path (masked weights zeroed).
    run_case("encoder_dropout_masked", TransformerEncoder(8, 2, dropout=0.1, layer_norm_epsilon=1e-3, name="enc"),
             x, mask, seed=2)
    run_case("encoder_unmasked", TransformerEncoder(12, 3, name="enc"), x, None, seed=3)
    ids = np.array([[3, 1, 4, 1, 5], [9, 2, 6, 0, 0], [5, 0, 0, 0, 0]], dtype=np.int32)
    run_case("token_and_position_mask_zero",
             TokenAndPositionEmbedding(12, 8, 6, mask_zero=True, name="emb"), ids, None, seed=4)
    run_case("token_and_position_plain", TokenAndPositionEmbedding(12, 5, 4, name="emb"), ids, None, seed=5)
    run_case("position_embedding", PositionEmbedding(7, name="pos"), x, None, seed=6)


if __name__ == "__main__":
    main()
