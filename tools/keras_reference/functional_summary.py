"""Keras 2 (tf_keras) summaries of a two-input model with shared layers, and of a Sequential.

Writes crates/layers/tests/fixtures/functional_summary.json. The byte sizes newer tf_keras appends
to the totals ("Total params: 61 (244.00 Byte)") are dropped: the lectures' Keras printed
"Total params: 61".
Run: /work/kvenv/bin/python tools/keras_reference/functional_summary.py
"""
import json
import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tf_keras as keras  # noqa: E402
from tf_keras import layers  # noqa: E402


def text(model):
    lines = []
    model.summary(print_fn=lambda s, **kw: lines.append(s))
    return "".join(re.sub(r" \([\d.]+ [KMG]?Bytes?\)$", "", l) + "\n" for l in lines)


def main():
    a = keras.Input(shape=(5,), dtype="int32", name="q1")
    b = keras.Input(shape=(5,), dtype="int32", name="q2")
    emb = layers.Embedding(10, 4, name="embedding")
    fl = layers.Flatten(name="flatten")
    d = layers.Dense(1, activation="sigmoid", name="dense")
    o1 = d(fl(emb(a)))
    o2 = d(fl(emb(b)))
    o3 = layers.Dense(2, name="dense_1")(fl(emb(a)))
    out = {
        "siamese": text(keras.Model([a, b], [o1, o2], name="siamese")),
        "siamese3": text(keras.Model([a, b], [o1, o2, o3], name="siamese3")),
    }
    x = keras.Input(shape=(5,), name="x")
    out["chain"] = text(keras.Model(x, layers.Dense(2, name="d")(x), name="chain"))
    s = keras.Sequential(
        [layers.Embedding(11, 3, name="emb"), layers.Dense(2, name="dense_2")], name="seq"
    )
    s.build((None, None))
    out["sequential"] = text(s)
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "crates", "layers", "tests", "fixtures", "functional_summary.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
