"""Keras 3 reference for the recurrent layers (kerust issue #3).

Builds each configuration with fixed seeded weights and inputs, and records into
crates/layers/tests/fixtures/rnn/<case>.json: the layer configs (Keras get_config), inputs,
weights, outputs, and the gradients of sum(all outputs) w.r.t. the float input, the initial
states and every weight. crates/layers/tests/rnn_parity.rs replays them in Rust.

Run: /work/kvenv/bin/python tools/keras_reference/rnn_reference.py
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np
import tensorflow as tf
import keras
from keras import layers

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "layers", "tests", "fixtures", "rnn")
B, T, D, VOCAB = 3, 5, 4, 10


def arr(x):
    x = np.asarray(x, dtype=np.float64)
    return {"shape": list(x.shape), "data": [float(f"{v:.8g}") for v in x.reshape(-1)]}


def int_arr(x):
    x = np.asarray(x)
    return {"shape": list(x.shape), "data": [int(v) for v in x.reshape(-1)]}


def padded_ids():
    # Row 0 post-padded, row 1 pre-padded (Keras pad_sequences default), row 2 full.
    return np.array(
        [[3, 1, 4, 0, 0], [0, 0, 5, 9, 2], [6, 5, 3, 5, 8]], dtype=np.int32
    )


def run_case(name, chain, x, states=(), seed=0):
    """chain: list of Keras layers applied in order; states go to the last layer."""
    rng = np.random.default_rng(seed)
    is_int = x.dtype.kind == "i"
    inp = keras.Input(shape=x.shape[1:], dtype="int32" if is_int else "float32")
    st_in = [keras.Input(shape=s.shape[1:]) for s in states]
    h = inp
    for i, layer in enumerate(chain):
        if i == len(chain) - 1 and states:
            h = layer(h, initial_state=list(st_in))
        else:
            h = layer(h)
    outs = h if isinstance(h, (list, tuple)) else [h]
    model = keras.Model([inp] + st_in, list(outs))
    weights = []
    for layer in chain:
        new = [rng.uniform(-0.5, 0.5, size=w.shape).astype(np.float32) for w in layer.get_weights()]
        layer.set_weights(new)
        weights.extend(new)
    xt = tf.constant(x)
    st = [tf.constant(s) for s in states]
    with tf.GradientTape(persistent=True) as tape:
        if not is_int:
            tape.watch(xt)
        for s in st:
            tape.watch(s)
        ys = model([xt] + st, training=False)
        ys = ys if isinstance(ys, (list, tuple)) else [ys]
        loss = tf.add_n([tf.reduce_sum(y) for y in ys])
    tw = [w for layer in chain for w in layer.weights]
    gw = tape.gradient(loss, tw)
    case = {
        "name": name,
        "keras_version": keras.__version__,
        "layers": [{"class_name": l.__class__.__name__, "config": l.get_config()} for l in chain],
        "input": int_arr(x) if is_int else arr(x),
        "input_dtype": "int32" if is_int else "float32",
        "states": [arr(s) for s in states],
        "weights": [arr(w) for w in weights],
        "outputs": [arr(y.numpy()) for y in ys],
        "grad_input": None if is_int else arr(tape.gradient(loss, xt).numpy()),
        "grad_states": [arr(tape.gradient(loss, s).numpy()) for s in st],
        "grad_weights": [arr(tf.convert_to_tensor(g).numpy()) for g in gw],
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(case, f, separators=(",", ":"))
    print(name, [tuple(y.shape) for y in ys])


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(42)
    xf = rng.uniform(-1, 1, size=(B, T, D)).astype(np.float32)
    ids = padded_ids()
    emb = lambda: layers.Embedding(VOCAB, D, mask_zero=True)

    run_case("lstm_last", [layers.LSTM(3)], xf)
    run_case("lstm_seq_backwards", [layers.LSTM(3, return_sequences=True, go_backwards=True)], xf)
    run_case("lstm_state", [layers.LSTM(3, return_sequences=True, return_state=True)], xf)
    run_case(
        "lstm_initial_state",
        [layers.LSTM(3, return_state=True)],
        xf,
        states=(rng.uniform(-0.5, 0.5, (B, 3)).astype(np.float32),
                rng.uniform(-0.5, 0.5, (B, 3)).astype(np.float32)),
    )
    run_case("lstm_masked_seq", [emb(), layers.LSTM(3, return_sequences=True)], ids)
    run_case("lstm_masked_backwards_state",
             [emb(), layers.LSTM(3, go_backwards=True, return_state=True)], ids)
    run_case("lstm_no_bias_hard_sigmoid",
             [layers.LSTM(2, use_bias=False, recurrent_activation="hard_sigmoid",
                          activation="relu", return_sequences=True)], xf)
    run_case("gru_reset_after", [layers.GRU(3, return_sequences=True)], xf)
    run_case("gru_reset_before", [layers.GRU(3, reset_after=False, return_sequences=True)], xf)
    run_case("gru_masked_after_state", [emb(), layers.GRU(3, return_state=True)], ids)
    run_case("gru_masked_before_backwards",
             [emb(), layers.GRU(3, reset_after=False, go_backwards=True, return_sequences=True)], ids)
    run_case("gru_initial_state", [layers.GRU(3, return_sequences=True)], xf,
             states=(rng.uniform(-0.5, 0.5, (B, 3)).astype(np.float32),))
    run_case("simple_rnn_masked", [emb(), layers.SimpleRNN(3, return_sequences=True)], ids)
    run_case("stacked_masked",
             [emb(), layers.LSTM(3, return_sequences=True), layers.GRU(2)], ids)
    run_case("bi_lstm_concat_masked_seq",
             [emb(), layers.Bidirectional(layers.LSTM(3, return_sequences=True))], ids)
    run_case("bi_lstm_last_masked", [emb(), layers.Bidirectional(layers.LSTM(3))], ids)
    run_case("bi_gru_sum", [layers.Bidirectional(layers.GRU(2), merge_mode="sum")], xf)
    run_case("bi_lstm_mul_state",
             [layers.Bidirectional(layers.LSTM(2, return_sequences=True, return_state=True),
                                   merge_mode="mul")], xf)
    run_case("bi_simple_rnn_ave_masked",
             [emb(), layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True),
                                          merge_mode="ave")], ids)
    run_case("bi_none_backward_gru",
             [layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode=None,
                                   backward_layer=layers.GRU(2, return_sequences=True,
                                                             go_backwards=True))], xf)
    xm = xf.copy()
    xm[0, 3:, :] = 0.0
    xm[1, 0, :] = 0.0
    run_case("masking_lstm", [layers.Masking(0.0), layers.LSTM(3, return_sequences=True)], xm)


if __name__ == "__main__":
    main()
