"""Keras 3 reference for the attention layers (kerust issue #22).

Calls LayerNormalization, Attention, AdditiveAttention and MultiHeadAttention eagerly on seeded
inputs with Keras masks set on the input tensors (as Embedding(mask_zero=True) would), with
seeded random weights, and records into crates/layers/tests/fixtures/attention/<case>.json:
the layer config, call options, inputs, masks, weights, outputs, and the gradients of
sum(output[0] * r) for a fixed random r w.r.t. every input and weight.
crates/layers/tests/attention_parity.rs replays them in Rust.

Run: /root/.cache/kerust/venv/bin/python tools/keras_reference/attention_reference.py
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

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "layers", "tests", "fixtures", "attention")


def arr(x):
    x = np.asarray(x, dtype=np.float64)
    return {"shape": list(x.shape), "data": [float(f"{v:.9g}") for v in x.reshape(-1)]}


def mask(rows, t):
    """Boolean [B, t] masks: each row keeps its first `n` steps (0 = fully masked row)."""
    return np.array([[i < n for i in range(t)] for n in rows])


def run_case(name, layer, shapes, masks, kind, call=None, self_attention=False, scale=1.0, seed=0):
    call = call or {}
    rng = np.random.default_rng(seed)
    xs = [(rng.uniform(-1, 1, size=s) * scale).astype(np.float32) for s in shapes]
    tensors = [tf.constant(x) for x in xs]
    if self_attention:
        tensors = [tensors[0]]
    # Build, then replace the weights with seeded values away from the initializers' defaults.
    with tf.GradientTape(persistent=True) as tape:
        for t in tensors:
            tape.watch(t)
        ins = list(tensors)
        if self_attention:
            ins = [tensors[0], tensors[0]]
        for t, m in zip(ins, masks):
            if m is not None:
                backend.set_keras_mask(t, tf.constant(m))
        if not layer.built:
            if kind == "mha":
                layer(ins[0], ins[1], key=ins[2] if len(ins) > 2 else None)
            elif kind == "single":
                layer(ins[0])
            else:
                layer(ins)
            new = [rng.uniform(-0.8, 0.8, size=w.shape).astype(np.float32) for w in layer.get_weights()]
            layer.set_weights(new)
        ws = [w.value for w in layer.trainable_weights]
        # MultiHeadAttention clears the masks of its inputs when called: set them again.
        for t, m in zip(ins, masks):
            if m is not None:
                backend.set_keras_mask(t, tf.constant(m))
        if kind == "mha":
            out = layer(ins[0], ins[1], key=ins[2] if len(ins) > 2 else None, training=False, **call)
        elif kind == "single":
            out = layer(ins[0], training=False)
        else:
            out = layer(ins, training=False, **call)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        r = rng.uniform(-1, 1, size=outs[0].shape).astype(np.float32)
        loss = tf.reduce_sum(outs[0] * r)
    g_in = tape.gradient(loss, tensors)
    g_w = tape.gradient(loss, ws)
    case = {
        "class": layer.__class__.__name__,
        "config": layer.get_config(),
        "call": call,
        "self_attention": self_attention,
        "inputs": [arr(x) for x in xs[: len(tensors)]],
        "masks": [None if m is None else arr(m.astype(np.float32)) for m in masks],
        "weights": [arr(w.numpy()) for w in layer.weights],
        "outputs": [arr(o.numpy()) for o in outs],
        "r": arr(r),
        "grad_inputs": [arr(g.numpy()) for g in g_in],
        "grad_weights": [arr(g.numpy()) for g in g_w],
        "keras_version": keras.__version__,
    }
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(case, f)
    print(name, [o.shape for o in outs])


def main():
    os.makedirs(OUT, exist_ok=True)
    B = 3
    run_case("layer_norm", layers.LayerNormalization(), [(B, 5, 4)], [None], "single", scale=3.0)
    run_case("layer_norm_eps_no_center", layers.LayerNormalization(epsilon=1e-5, center=False),
             [(B, 6)], [None], "single", scale=2.0, seed=1)
    run_case("attention_dot_masks", layers.Attention(), [(B, 4, 6), (B, 5, 6)],
             [mask([4, 2, 3], 4), mask([5, 3, 0], 5)], "list", seed=2)
    run_case("attention_scale_causal_key_scores", layers.Attention(use_scale=True),
             [(B, 4, 6), (B, 4, 3), (B, 4, 6)], [None, mask([4, 2, 3], 4)], "list",
             call={"use_causal_mask": True, "return_attention_scores": True}, seed=3)
    run_case("attention_concat", layers.Attention(use_scale=True, score_mode="concat"),
             [(B, 3, 4), (B, 5, 4)], [mask([3, 1, 2], 3), mask([5, 4, 2], 5)], "list", seed=4)
    run_case("additive_masks_key", layers.AdditiveAttention(), [(B, 4, 5), (B, 6, 3), (B, 6, 5)],
             [mask([4, 3, 1], 4), mask([6, 2, 5], 6)], "list", seed=5)
    run_case("additive_no_scale_causal", layers.AdditiveAttention(use_scale=False),
             [(B, 4, 5), (B, 4, 5)], [None, None], "list", call={"use_causal_mask": True}, seed=6)
    run_case("mha_self_masked", layers.MultiHeadAttention(2, 3), [(B, 5, 4)],
             [mask([5, 3, 0], 5), mask([5, 3, 0], 5)], "mha", self_attention=True, seed=7)
    run_case("mha_cross_all_options",
             layers.MultiHeadAttention(3, 2, value_dim=4, output_shape=5),
             [(B, 4, 6), (B, 5, 7), (B, 5, 8)],
             [mask([4, 2, 3], 4), mask([5, 3, 4], 5), mask([5, 5, 2], 5)], "mha",
             call={"use_causal_mask": True, "return_attention_scores": True}, seed=8)
    run_case("mha_causal_no_bias", layers.MultiHeadAttention(2, 4, use_bias=False),
             [(B, 6, 5)], [None, None], "mha", self_attention=True,
             call={"use_causal_mask": True}, seed=9)


if __name__ == "__main__":
    main()
