"""Keras 3 CSVLogger output for fixed logs (float32 values, as training produces them).

Writes crates/layers/tests/fixtures/callbacks_csv.json: {case: file text} for a run with
validation keys, one without (Keras adds val_ columns), a ';' separator, and an appended run.
Run: /work/kvenv/bin/python tools/keras_reference/callbacks_csv.py
"""
import json
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402

EPOCHS = [
    {"loss": 0.6931472, "accuracy": 0.5, "val_loss": 0.7012345, "val_accuracy": 0.41666666},
    {"loss": 0.5123, "accuracy": 0.75, "val_loss": 0.65, "val_accuracy": 0.5833333},
    {"loss": 1e-5, "accuracy": 1.0, "val_loss": 123456.78, "val_accuracy": 0.0},
]


def f32(logs):
    return {k: float(np.float32(v)) for k, v in logs.items()}


def run(path, epochs, **kw):
    cb = keras.callbacks.CSVLogger(path, **kw)
    cb.on_train_begin()
    for e, logs in enumerate(epochs):
        cb.on_epoch_end(e, f32(logs))
    cb.on_train_end()


def main():
    out = {}
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "a.csv")
        run(p, EPOCHS)
        out["with_val"] = open(p, newline="").read()
        p = os.path.join(d, "b.csv")
        run(p, [{k: v for k, v in e.items() if not k.startswith("val_")} for e in EPOCHS])
        out["no_val"] = open(p, newline="").read()
        p = os.path.join(d, "c.csv")
        run(p, EPOCHS[:1], separator=";")
        out["semicolon"] = open(p, newline="").read()
        run(p, EPOCHS[1:], separator=";", append=True)
        out["appended"] = open(p, newline="").read()
    out["epochs"] = EPOCHS
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "crates", "layers", "tests", "fixtures", "callbacks_csv.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
