"""Keras's test accuracy for the two Lab 8 cells kerust was far below (issue 18, item 7), on the
data and split kerust's examples use, over several seeds: the shape-classification LSTM
(Reshape((55, 1)) -> LSTM(32) -> Dense(3, softmax), epochs=10, batch_size=20, the lab's
KerasClassifier) and the MNIST (28, 28)-kernel CNN (epochs=2, batch_size=20, raw 0-255 pixels) on
the 80/20 split of mnist_test.csv.gz that lab8_mnist_cnn uses when mnist_train.csv.gz is absent.

Usage: python lab8_accuracy.py DATA_DIR [shapes|mnist] SEED [SEED ...]
(KERAS_EPOCHS=N trains the MNIST cell N epochs instead of the lab's 2.)
Prints one JSON line per run: {"cell", "seed", "accuracy", "n_train", "n_test", "train_accuracy"}.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import csv  # noqa: E402
import gzip  # noqa: E402

import numpy as np  # noqa: E402
import keras  # noqa: E402


def read_csv(path):
    """(first column as strings, the other columns as float32) of a CSV with a header row."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        rows = list(csv.reader(f))[1:]
    return np.array([r[0] for r in rows]), np.array([r[1:] for r in rows], dtype="float32")


def shapes(data, seed):
    keras.utils.set_random_seed(seed)
    ctr, xtr = read_csv(os.path.join(data, "shape_classification_train.csv"))
    cte, xte = read_csv(os.path.join(data, "shape_classification_test.csv"))
    classes = np.unique(ctr)  # KerasClassifier: np.unique, then searchsorted
    ytr = np.searchsorted(classes, ctr)
    yte = np.searchsorted(classes, cte)
    model = keras.Sequential([
        keras.Input((55,)),
        keras.layers.Reshape((55, 1)),
        keras.layers.LSTM(32),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    h = model.fit(xtr, ytr, epochs=10, batch_size=20, verbose=0)
    pred = model.predict(xte, batch_size=20, verbose=0).argmax(-1)
    return float((pred == yte).mean()), len(ytr), len(yte), h.history["accuracy"]


def mnist(data, seed):
    keras.utils.set_random_seed(seed)
    labels, x = read_csv(os.path.join(data, "mnist_test.csv.gz"))
    y = labels.astype("int64")
    # sklearn's train_test_split(test_size=0.2, random_state=42): permutation, test first.
    perm = np.random.RandomState(42).permutation(len(y))
    n_test = int(np.ceil(0.2 * len(y)))
    test, train = perm[:n_test], perm[n_test:]
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Reshape((28, 28, 1)),
        keras.layers.Conv2D(32, kernel_size=(28, 28), activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    # KERAS_EPOCHS: more passes over the 8,000 digits, to see how far the step count alone goes.
    epochs = int(os.environ.get("KERAS_EPOCHS", "2"))
    h = model.fit(x[train], y[train], epochs=epochs, batch_size=20, verbose=0)
    pred = model.predict(x[test], batch_size=20, verbose=0).argmax(-1)
    return float((pred == y[test]).mean()), len(train), len(test), h.history["accuracy"]


if __name__ == "__main__":
    data, cell, seeds = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3:]]
    for seed in seeds:
        acc, n_train, n_test, curve = (shapes if cell == "shapes" else mnist)(data, seed)
        print(json.dumps({"cell": cell, "seed": seed, "accuracy": acc, "n_train": n_train,
                          "n_test": n_test, "train_accuracy": [round(a, 4) for a in curve]}),
              flush=True)
