"""Keras 3 EarlyStopping / ReduceLROnPlateau driven by fixed monitor sequences.

Writes crates/layers/tests/fixtures/callbacks_monitor.json: for each case, the epochs run, the
callback state, which epoch's weights were restored, and the learning rate after every epoch.
Run: /work/kvenv/bin/python tools/keras_reference/callbacks_monitor.py
"""
import json
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402

SEQS = {
    "down_then_flat": [1.0, 0.8, 0.7, 0.69995, 0.71, 0.72, 0.6, 0.65, 0.66, 0.67, 0.68, 0.69],
    "noisy": [0.9, 0.95, 0.85, 0.86, 0.84, 0.9, 0.91, 0.92, 0.5, 0.93, 0.94, 0.95],
    "rising": [0.5, 0.55, 0.6, 0.7, 0.75, 0.8, 0.82, 0.85, 0.84, 0.83, 0.86, 0.9],
}

ES_CASES = [
    dict(monitor="val_loss", patience=0),
    dict(monitor="val_loss", patience=2),
    dict(monitor="val_loss", patience=2, min_delta=0.05),
    dict(monitor="val_loss", patience=3, restore_best_weights=True),
    dict(monitor="val_loss", patience=2, baseline=0.75),
    dict(monitor="val_loss", patience=2, baseline=0.75, restore_best_weights=True),
    dict(monitor="val_loss", patience=1, start_from_epoch=4),
    dict(monitor="val_accuracy", patience=2),
    dict(monitor="val_accuracy", patience=2, mode="min"),
    dict(monitor="val_loss", patience=2, mode="max", restore_best_weights=True),
]

LR_CASES = [
    dict(monitor="val_loss", factor=0.5, patience=1),
    dict(monitor="val_loss", factor=0.5, patience=2, cooldown=2),
    dict(monitor="val_loss", factor=0.1, patience=1, min_lr=0.0005),
    dict(monitor="val_loss", factor=0.5, patience=1, min_delta=0.05),
    dict(monitor="val_accuracy", factor=0.5, patience=2),
]


def model():
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    m.compile(keras.optimizers.SGD(learning_rate=0.01), "mse", metrics=["accuracy"])
    # Keras builds compiled metrics lazily; mode="auto" needs them to find accuracy's direction.
    m.evaluate(np.zeros((2, 1)), np.zeros((2, 1)), verbose=0)
    return m


def run_es(kw, seq):
    m = model()
    cb = keras.callbacks.EarlyStopping(**kw)
    cb.set_model(m)
    m.stop_training = False
    cb.on_train_begin()
    epochs = 0
    for epoch, v in enumerate(seq):
        m.set_weights([np.array([[float(epoch)]], dtype="float32")])
        cb.on_epoch_end(epoch, {"loss": 1.0, kw["monitor"]: v})
        epochs += 1
        if m.stop_training:
            break
    cb.on_train_end()
    return dict(
        epochs_run=epochs,
        stopped_epoch=cb.stopped_epoch,
        best_epoch=cb.best_epoch,
        wait=cb.wait,
        final_weight=float(m.get_weights()[0][0, 0]),
    )


def run_lr(kw, seq):
    m = model()
    cb = keras.callbacks.ReduceLROnPlateau(**kw)
    cb.set_model(m)
    cb.on_train_begin()
    lrs, logged = [], []
    for epoch, v in enumerate(seq):
        logs = {"loss": 1.0, kw["monitor"]: v}
        cb.on_epoch_end(epoch, logs)
        logged.append(float(logs["learning_rate"]))
        lrs.append(float(np.asarray(m.optimizer.learning_rate)))
    return dict(lr_after_epoch=lrs, logged_learning_rate=logged)


def main():
    warnings.simplefilter("ignore")
    out = {"sequences": SEQS, "early_stopping": [], "reduce_lr_on_plateau": []}
    for kw in ES_CASES:
        for name, seq in SEQS.items():
            out["early_stopping"].append(dict(kwargs=kw, sequence=name, **run_es(kw, seq)))
    for kw in LR_CASES:
        for name, seq in SEQS.items():
            out["reduce_lr_on_plateau"].append(dict(kwargs=kw, sequence=name, **run_lr(kw, seq)))
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "crates", "layers", "tests", "fixtures", "callbacks_monitor.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", os.path.normpath(path), len(out["early_stopping"]), len(out["reduce_lr_on_plateau"]))


if __name__ == "__main__":
    main()
